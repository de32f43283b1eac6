package wecom

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"qunsu"
	"qunsu/bot"
)

// Where messages go, as lane names (bot.Route.Chat):
//
//	user:<userid>           a member's conversation with the app (应用消息)
//	chat:<chatid>           an app group chat (应用群聊): a complaint's, or one named in config
//	hook:<name>             a group robot of the config (群机器人), for an existing group
//	aibot:<chatid>:<userid> where someone spoke to the intelligent robot; chatid is "" alone with it
func userChat(userID string) string          { return "user:" + userID }
func robotChat(chatID, userID string) string { return "aibot:" + chatID + ":" + userID }

// What the adapter remembers, per tenant.
func teamKey(complaint string) string  { return "wecom:team:" + complaint }  // complaint -> chatid
func membersKey(chatID string) string  { return "wecom:members:" + chatID }  // userids in the chat, comma-separated
func titleKey(complaint string) string { return "wecom:title:" + complaint } // the chat's name
func cardKey(complaint string) string  { return "wecom:card:" + complaint }  // the key of the card's message that posts it
func refusedKey(userID string) string  { return "wecom:refused:" + userID }  // a userid WeCom does not take
func partKey(key string, i int) string { return fmt.Sprintf("wecom:part:%s#%d", key, i) }
func replyURLKey(url string) string {
	sum := sha1.Sum([]byte(url))
	return "wecom:reply:" + hex.EncodeToString(sum[:8]) // "fresh" until used or an hour old
}

// WeCom's limits: per member and app, app messages 30 a minute and 1000 an
// hour, group-chat messages 200 a minute and 10,000 a day, the excess dropped
// without an error; 20 a minute per group robot. WeCom counts a message when
// it arrives, the quota when it leaves: the windows are a little longer than
// WeCom's, so that a message delayed on the way never lands in a full one.
var (
	appPerMinute  = limit("app", 30, time.Minute+windowMargin)
	appPerHour    = limit("apph", 1000, time.Hour+windowMargin)
	chatPerMinute = limit("chat", 200, time.Minute+windowMargin)
	chatPerDay    = limit("chatd", 10000, 24*time.Hour+windowMargin)
	hookPerMinute = limit("hook", 20, time.Minute+windowMargin)
)

// windowMargin is how much longer the quota's windows are than WeCom's.
const windowMargin = 2 * time.Second

func limit(kind string, max int, window time.Duration) func(id string) qunsu.Limit {
	return func(id string) qunsu.Limit {
		return qunsu.Limit{Key: "wecom:" + kind + ":" + id, Max: max, Window: window}
	}
}

// Sizes WeCom takes, in bytes of UTF-8; and other bounds.
const (
	maxMarkdown      = 2048  // app messages, app group chats, robot text
	maxRobotMarkdown = 4096  // group-robot markdown
	maxReply         = 20480 // an intelligent robot's response URL
	maxChatName      = 50    // characters
	maxChatMembers   = 2000
	// replyURLLife is how long a robot's response URL is used: WeCom keeps it
	// an hour from the message; a little less allows for delays.
	replyURLLife = 55 * time.Minute
	refusedFor   = 24 * time.Hour // a refused userid is asked about again after this
)

// Route finds where a message goes, creating a complaint's group chat and
// adding its people on the way.
func (a *Adapter) Route(ctx context.Context, m qunsu.Message) (bot.Route, bool, error) {
	chat, ok, err := bot.Chats{Platform: Platform, Team: a.teamChat, Managers: a.managersChat, Direct: a.directChat}.Resolve(ctx, m)
	if !ok {
		return bot.Route{}, false, a.classify(err)
	}
	return bot.Route{Chat: chat, Every: a.cfg.PostInterval}, true, nil
}

// directChat is a member's conversation with the app.
func (a *Adapter) directChat(_ context.Context, person string) (string, error) {
	if user, ok := a.userID(person); ok {
		return userChat(user), nil
	}
	return "", bot.Permanent(fmt.Errorf("person %q has no wecom userid", person))
}

func (a *Adapter) managersChat() (string, error) {
	m := a.tenant.Managers[Platform]
	switch {
	case strings.HasPrefix(m, "robot:"):
		return "hook:" + strings.TrimPrefix(m, "robot:"), nil
	case strings.HasPrefix(m, "chat:"):
		return m, nil
	}
	return "", bot.Permanent(errors.New("no managers' chat for WeCom: set tenants[].managers.wecom to robot:<name> or chat:<chatid>"))
}

// userID is a person's WeCom userid.
func (a *Adapter) userID(person string) (string, bool) {
	p, ok := a.tenant.Directory.Person(person)
	return p.WeCom, ok && p.WeCom != ""
}

// teamChat returns a complaint's app group chat, creating it the first time,
// and adds the message's members who are not in it yet. People WeCom does not
// know are left out (and logged): they must not keep the team from its chat.
func (a *Adapter) teamChat(ctx context.Context, m qunsu.Message) (string, error) {
	users, err := a.members(ctx, m)
	if err != nil {
		return "", err
	}
	chatID, known, err := a.memory.Recall(ctx, a.tenant.Tenant, teamKey(m.Chat.Complaint))
	if err != nil {
		return "", err
	}
	if !known {
		if chatID, err = a.createTeamChat(ctx, m, users); err != nil {
			return "", err
		}
	} else if err := a.join(ctx, chatID, users); err != nil {
		return "", err
	}
	return "chat:" + chatID, nil
}

// members returns the userids of a message's members that WeCom is not known
// to refuse.
func (a *Adapter) members(ctx context.Context, m qunsu.Message) ([]string, error) {
	var users []string
	for _, person := range m.Members {
		u, ok := a.userID(person)
		if !ok {
			a.log.Warn("cannot add a person without a wecom userid to the group", "person", person, "complaint", m.Chat.Complaint)
			continue
		}
		if _, refused, err := a.memory.Recall(ctx, a.tenant.Tenant, refusedKey(u)); err != nil {
			return nil, err
		} else if !refused && !slices.Contains(users, u) {
			users = append(users, u)
		}
	}
	return users, nil
}

// weed asks WeCom about each userid after it refused a list of them, and
// returns the ones it knows; the others are remembered as refused and logged.
func (a *Adapter) weed(ctx context.Context, users []string) ([]string, error) {
	var ok []string
	for _, u := range users {
		exists, err := a.memberExists(ctx, u)
		if err != nil {
			return nil, err
		}
		if exists {
			ok = append(ok, u)
			continue
		}
		a.log.Warn("WeCom does not know this userid; left out of group chats (check people[].wecom)", "userid", u)
		if err := a.memory.Remember(ctx, a.tenant.Tenant, refusedKey(u), "1", refusedFor); err != nil {
			return nil, err
		}
	}
	return ok, nil
}

// join adds users a chat does not have yet.
func (a *Adapter) join(ctx context.Context, chatID string, users []string) error {
	list, _, err := a.memory.Recall(ctx, a.tenant.Tenant, membersKey(chatID))
	if err != nil {
		return err
	}
	in := strings.Split(list, ",")
	var add []string
	for _, u := range users {
		if !slices.Contains(in, u) {
			add = append(add, u)
		}
	}
	if len(add) == 0 {
		return nil
	}
	if len(in)+len(add) > maxChatMembers {
		return bot.Permanent(fmt.Errorf("group chat %s would have more than %d members", chatID, maxChatMembers))
	}
	err = a.addToAppChat(ctx, chatID, add)
	if code, _ := errcode(err); memberCodes[code] {
		if add, err = a.weed(ctx, add); err == nil && len(add) > 0 {
			err = a.addToAppChat(ctx, chatID, add)
		}
	}
	if err != nil {
		return err
	}
	return a.memory.Remember(ctx, a.tenant.Tenant, membersKey(chatID), strings.Join(append(in, add...), ","), 0)
}

// chatIDExists is appchat/create's answer for a chatid in use.
const chatIDExists = 86215

// createTeamChat creates a complaint's chat, owned by its lead. A chatid in
// use is a chat an interrupted attempt created: it is read and completed, if
// it has the complaint's name; a chat of another name (an id used again after
// Redis lost data) is left alone and the next id taken.
func (a *Adapter) createTeamChat(ctx context.Context, m qunsu.Message, users []string) (string, error) {
	name := clipRunes(m.Title, maxChatName)
	base := chatIDOf(a.tenant.Tenant, m.Chat.Complaint)
	for n := 1; n <= 9; n++ {
		chatID := base
		if n > 1 {
			chatID = base[:min(len(base), 30)] + "r" + strconv.Itoa(n)
		}
		created, err := a.createChat(ctx, chatID, name, m.Owner, users)
		if code, _ := errcode(err); code == chatIDExists {
			chat, gerr := a.getAppChat(ctx, chatID)
			if gerr != nil {
				return "", gerr
			}
			if chat.ChatInfo.Name != name {
				continue
			}
			if err = a.remember(ctx, m, chatID, chat.ChatInfo.UserList); err == nil {
				err = a.join(ctx, chatID, users)
			}
			return chatID, err
		}
		if err == nil {
			err = a.remember(ctx, m, chatID, created)
		}
		if err != nil {
			return "", err
		}
		a.log.Info("complaint group chat created", "complaint", m.Chat.Complaint, "chatid", chatID, "members", len(created))
		return chatID, nil
	}
	return "", bot.Permanent(fmt.Errorf("no free chatid for %s", m.Chat.Complaint))
}

// createChat creates a chat with the users WeCom takes, and returns them: it
// needs at least two and at most 2000, and an owner among them (the lead,
// else the first).
func (a *Adapter) createChat(ctx context.Context, chatID, name, ownerPerson string, users []string) ([]string, error) {
	create := func(users []string) error {
		if len(users) < 2 {
			return bot.Permanent(fmt.Errorf("a group chat needs 2 members WeCom knows; %s has %d", chatID, len(users)))
		}
		if len(users) > maxChatMembers {
			users = users[:maxChatMembers]
		}
		owner, ok := a.userID(ownerPerson)
		if !ok || !slices.Contains(users, owner) {
			owner = users[0]
		}
		return a.createAppChat(ctx, appChatCreateRequest{Name: name, Owner: owner, UserList: users, ChatID: chatID})
	}
	err := create(users)
	if code, _ := errcode(err); memberCodes[code] {
		if users, err = a.weed(ctx, users); err == nil {
			err = create(users)
		}
	}
	return users[:min(len(users), maxChatMembers)], err
}

// remember ties a chat to its complaint: its members, its name, and last the
// complaint's chatid, which tells the next message the chat exists.
func (a *Adapter) remember(ctx context.Context, m qunsu.Message, chatID string, users []string) error {
	t := a.tenant.Tenant
	if err := a.memory.Remember(ctx, t, membersKey(chatID), strings.Join(users, ","), 0); err != nil {
		return err
	}
	if err := a.memory.Remember(ctx, t, titleKey(m.Chat.Complaint), m.Title, 0); err != nil {
		return err
	}
	return a.memory.Remember(ctx, t, teamKey(m.Chat.Complaint), chatID, 0)
}

// chatIDOf makes a complaint's chatid: letters and digits only, at most 32,
// the same on every try, apart for every tenant.
func chatIDOf(tenant, complaint string) string {
	keep := func(s string, n int) string {
		var b strings.Builder
		for _, r := range s {
			if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) && b.Len() < n {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	id := keep(complaint, 32) // QS20261122001
	return strings.ToLower(keep(tenant, 32-len(id))) + id
}

// Deliver posts a message, in parts WeCom takes whole, then its files, one
// part each (see sendFile). Each part posted is
// remembered, so a delivery that resumes sends only what is left. WeCom keeps
// no history to look in, so since is not used: a part WeCom took whose answer
// was lost is the one thing that can be posted twice. A complaint's card
// cannot be edited here: it is posted once; its later versions are what
// people see with 查看.
func (a *Adapter) Deliver(ctx context.Context, r bot.Route, m qunsu.Message, since time.Time) error {
	t := a.tenant.Tenant
	if m.Card != "" {
		// The first version to claim the card posts it, whichever process
		// holds it; later versions, here or elsewhere, leave it be.
		holder, err := a.memory.RememberFirst(ctx, t, cardKey(m.Card), m.Key, 0)
		if err != nil || holder != m.Key {
			return err
		}
	}
	parts, mentioned := a.Parts(ctx, r.Chat, m)
	for i, part := range parts {
		if _, posted, err := a.memory.Recall(ctx, t, partKey(m.Key, i)); err != nil {
			return err
		} else if posted {
			continue
		}
		if err := a.send(ctx, r.Chat, part, mentioned, m); err != nil {
			return a.classify(err)
		}
		if err := a.recordPart(ctx, partKey(m.Key, i)); err != nil {
			return err
		}
		mentioned = nil // people are @-ed once, with the first part
	}
	// The files follow, each a part of its own.
	for j, f := range m.Files {
		key := partKey(m.Key, len(parts)+j)
		if _, posted, err := a.memory.Recall(ctx, t, key); err != nil {
			return err
		} else if posted {
			continue
		}
		if err := a.sendFile(ctx, r.Chat, f); err != nil {
			return a.classify(err)
		}
		if err := a.recordPart(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// recordPart records a part WeCom took, insisting until ctx ends: WeCom
// keeps no history to look in, so a part left unrecorded (Redis away just
// after the post) would be posted again when the delivery is resumed. The
// first try is made even if ctx has just ended.
func (a *Adapter) recordPart(ctx context.Context, key string) error {
	for n := 0; ; n++ {
		err := a.memory.Remember(context.WithoutCancel(ctx), a.tenant.Tenant, key, "1", 14*24*time.Hour)
		if err == nil {
			return nil
		}
		a.log.Warn("recording a posted part failed; retrying", "key", key, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(bot.Backoff{}.Wait(n)):
		}
	}
}

// Parts returns the posts Deliver makes of m in chat (a Route's Chat), in
// order, and the userids the first of them @-s. WeCom keeps no key with a
// post, so tests compare these with what it holds.
func (a *Adapter) Parts(ctx context.Context, chat string, m qunsu.Message) (parts, mentioned []string) {
	content, mentioned := a.render(ctx, m)
	return split(content, maxSize(chat, mentioned)), mentioned
}

// maxSize is the largest part a chat takes.
func maxSize(chat string, mentioned []string) int {
	switch {
	case strings.HasPrefix(chat, "aibot:"):
		return maxReply
	case strings.HasPrefix(chat, "hook:") && len(mentioned) == 0:
		return maxRobotMarkdown
	}
	return maxMarkdown
}

// send posts one part where it goes, within WeCom's limits.
func (a *Adapter) send(ctx context.Context, chat, content string, mentioned []string, m qunsu.Message) error {
	kind, rest, _ := strings.Cut(chat, ":")
	switch kind {
	case "user":
		return a.within(ctx, func() error { return a.sendToMember(ctx, rest, content) }, appPerMinute(rest), appPerHour(rest))
	case "chat":
		limits, err := a.chatLimits(ctx, rest)
		if err != nil {
			return err
		}
		return a.within(ctx, func() error { return a.sendToChat(ctx, rest, content) }, limits...)
	case "hook":
		key, ok := a.cfg.Robots[rest]
		if !ok {
			return bot.Permanent(fmt.Errorf("no group robot %q in wecom.robots", rest))
		}
		return a.within(ctx, func() error { return a.sendToRobot(ctx, key, content, mentioned) }, hookPerMinute(rest))
	case "aibot":
		_, user, _ := strings.Cut(rest, ":")
		return a.replyToRobot(ctx, m.Chat.ReplyURL, user, content)
	}
	return bot.Permanent(fmt.Errorf("unknown chat %q", chat))
}

// within sends when the limits allow, or says how long to wait. The uses
// count from when the send ended (WeCom counts from arrival), and are given
// back when WeCom answered that it did not take the message.
func (a *Adapter) within(ctx context.Context, send func() error, limits ...qunsu.Limit) error {
	receipt, wait, err := a.quota.Take(ctx, a.tenant.Tenant, a.now(), limits...)
	if err != nil {
		return err
	}
	if wait > 0 {
		return &bot.RetryAfter{Wait: wait, Err: errors.New("WeCom's per-member limit would drop it")}
	}
	err = send()
	_, refused := errcode(err)
	if serr := a.quota.Settle(context.WithoutCancel(ctx), a.tenant.Tenant, receipt, a.now(), !refused, limits...); serr != nil {
		a.log.Warn("settling a quota failed", "err", serr)
	}
	return err
}

// chatLimits are the group-chat limits of every member of a chat we know.
func (a *Adapter) chatLimits(ctx context.Context, chatID string) ([]qunsu.Limit, error) {
	list, _, err := a.memory.Recall(ctx, a.tenant.Tenant, membersKey(chatID))
	if err != nil {
		return nil, err
	}
	var limits []qunsu.Limit
	for _, u := range strings.Split(list, ",") {
		if u != "" {
			limits = append(limits, chatPerMinute(u), chatPerDay(u))
		}
	}
	return limits, nil
}

// replyToRobot answers a message to the intelligent robot through its
// response URL, which takes one answer within an hour. Later answers, and
// any once the URL is spent or stale, go to the speaker through the app: the
// robot cannot post to a group by itself. The URL is marked spent before it
// is used, so a crash cannot answer twice there.
func (a *Adapter) replyToRobot(ctx context.Context, url, user, content string) error {
	t := a.tenant.Tenant
	if url != "" {
		state, _, err := a.memory.Recall(ctx, t, replyURLKey(url))
		if err != nil {
			return err
		}
		if state == "fresh" {
			if err := a.memory.Remember(ctx, t, replyURLKey(url), "spent", replyURLLife); err != nil {
				return err
			}
			err := a.post(ctx, url, robotMessage{MsgType: "markdown", Markdown: &markdownField{content}}, "AIBotResponse")
			if err == nil {
				return nil
			}
			a.log.Warn("the robot's response URL did not take the answer; sending it to the speaker", "err", err)
		}
	}
	if user == "" {
		return bot.Permanent(errors.New("no response URL and no speaker to answer"))
	}
	return a.within(ctx, func() error { return a.sendToMember(ctx, user, content) }, appPerMinute(user), appPerHour(user))
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
