package wecom

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/silenceper/wechat/v2/util"

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
func cardKey(complaint string) string  { return "wecom:card:" + complaint }  // the card was posted
func partKey(key string, i int) string { return fmt.Sprintf("wecom:part:%s#%d", key, i) }
func repliedKey(url string) string {
	sum := sha1.Sum([]byte(url))
	return "wecom:replied:" + hex.EncodeToString(sum[:8])
}

// WeCom's limits: per member and app, app messages 30 a minute and 1000 an
// hour, group-chat messages 200 a minute and 10,000 a day, the excess dropped
// without an error; 20 a minute per group robot.
var (
	appPerMinute  = limit("app", 30, time.Minute)
	appPerHour    = limit("apph", 1000, time.Hour)
	chatPerMinute = limit("chat", 200, time.Minute)
	chatPerDay    = limit("chatd", 10000, 24*time.Hour)
	hookPerMinute = limit("hook", 20, time.Minute)
)

func limit(kind string, max int, window time.Duration) func(id string) qunsu.Limit {
	return func(id string) qunsu.Limit {
		return qunsu.Limit{Key: "wecom:" + kind + ":" + id, Max: max, Window: window}
	}
}

// Sizes WeCom takes, in bytes of UTF-8.
const (
	maxMarkdown      = 2048 // app messages, app group chats, robot text
	maxRobotMarkdown = 4096
	maxChatName      = 50 // characters
	maxChatMembers   = 2000
)

// Route finds where a message goes, creating a complaint's group chat and
// adding its people on the way.
func (a *Adapter) Route(ctx context.Context, m qunsu.Message) (bot.Route, bool, error) {
	var chat string
	var err error
	switch m.Chat.Kind {
	case qunsu.ChatOrigin:
		if m.Chat.Platform != Platform {
			return bot.Route{}, false, nil
		}
		chat = m.Chat.ID
	case qunsu.ChatTeam:
		chat, err = a.teamChat(ctx, m)
	case qunsu.ChatManagers:
		chat, err = a.managersChat()
	case qunsu.ChatDirect:
		if user, ok := a.userID(m.Chat.Person); ok {
			chat = userChat(user)
		} else {
			err = bot.Permanent(fmt.Errorf("person %q has no wecom userid", m.Chat.Person))
		}
	default:
		err = bot.Permanent(fmt.Errorf("unknown chat kind %q", m.Chat.Kind))
	}
	if err != nil {
		return bot.Route{}, false, a.classify(err)
	}
	return bot.Route{Chat: chat, Every: a.cfg.PostInterval}, true, nil
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

// teamChat returns a complaint's app group chat, creating it the first time
// (the lead owns it), and adds the message's members not in it yet.
func (a *Adapter) teamChat(ctx context.Context, m qunsu.Message) (string, error) {
	t := a.tenant.Tenant
	var users []string
	for _, person := range m.Members {
		if u, ok := a.userID(person); ok && !slices.Contains(users, u) {
			users = append(users, u)
		} else if !ok {
			a.log.Warn("cannot add a person WeCom does not know to the group; add their wecom userid", "person", person, "complaint", m.Chat.Complaint)
		}
	}
	chatID, known, err := a.memory.Recall(ctx, t, teamKey(m.Chat.Complaint))
	if err != nil {
		return "", err
	}
	if !known {
		return a.createTeamChat(ctx, m, users)
	}
	list, _, err := a.memory.Recall(ctx, t, membersKey(chatID))
	if err != nil {
		return "", err
	}
	in := strings.Split(list, ",")
	var add []string
	for _, u := range users {
		if !slices.Contains(in, u) {
			add = append(add, u)
		}
	}
	if len(add) > 0 {
		if len(in)+len(add) > maxChatMembers {
			return "", bot.Permanent(fmt.Errorf("group chat %s would have more than %d members", chatID, maxChatMembers))
		}
		if err := a.addToAppChat(ctx, chatID, add); err != nil {
			return "", err
		}
		if err := a.memory.Remember(ctx, t, membersKey(chatID), strings.Join(append(in, add...), ","), 0); err != nil {
			return "", err
		}
	}
	return "chat:" + chatID, nil
}

// chatIDExists is appchat/create's answer for a chatid in use: the chat was
// created by an attempt that did not live to remember it.
const chatIDExists = 86215

func (a *Adapter) createTeamChat(ctx context.Context, m qunsu.Message, users []string) (string, error) {
	if len(users) < 2 {
		return "", bot.Permanent(fmt.Errorf("a group chat needs 2 members WeCom knows; %s has %d", m.Chat.Complaint, len(users)))
	}
	if len(users) > maxChatMembers {
		return "", bot.Permanent(fmt.Errorf("%s has %d members; a group chat takes %d", m.Chat.Complaint, len(users), maxChatMembers))
	}
	owner, ok := a.userID(m.Owner)
	if !ok {
		owner = users[0]
	}
	chatID := chatIDOf(a.tenant.Tenant, m.Chat.Complaint)
	err := a.createAppChat(ctx, appChatCreateRequest{Name: clipRunes(m.Title, maxChatName), Owner: owner, UserList: users, ChatID: chatID})
	if code, _ := errcode(err); err != nil && code != chatIDExists {
		return "", err
	}
	t := a.tenant.Tenant
	for k, v := range map[string]string{membersKey(chatID): strings.Join(users, ","), titleKey(m.Chat.Complaint): m.Title,
		teamKey(m.Chat.Complaint): chatID} {
		if err := a.memory.Remember(ctx, t, k, v, 0); err != nil {
			return "", err
		}
	}
	a.log.Info("complaint group chat created", "complaint", m.Chat.Complaint, "chatid", chatID, "members", len(users))
	return "chat:" + chatID, nil
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

// Deliver posts a message, in parts WeCom takes whole. Each part posted is
// remembered, so a delivery that resumes sends only what is left; app
// messages are also sent with WeCom's duplicate check. A complaint's card
// cannot be edited here: it is posted once, and its later versions are
// what people see with 查看.
func (a *Adapter) Deliver(ctx context.Context, r bot.Route, m qunsu.Message, since time.Time) error {
	t := a.tenant.Tenant
	if m.Card != "" {
		if _, posted, err := a.memory.Recall(ctx, t, cardKey(m.Card)); err != nil || posted {
			return err
		}
	}
	content, mentioned := a.render(ctx, m)
	max := maxMarkdown
	if strings.HasPrefix(r.Chat, "hook:") && len(mentioned) == 0 {
		max = maxRobotMarkdown
	}
	for i, part := range split(content, max) {
		if _, posted, err := a.memory.Recall(ctx, t, partKey(m.Key, i)); err != nil {
			return err
		} else if posted {
			continue
		}
		if err := a.post(ctx, r.Chat, part, mentioned, m); err != nil {
			return a.classify(err)
		}
		if err := a.memory.Remember(ctx, t, partKey(m.Key, i), "1", 14*24*time.Hour); err != nil {
			return err
		}
	}
	if m.Card != "" {
		return a.memory.Remember(ctx, t, cardKey(m.Card), "1", 0)
	}
	return nil
}

// post sends one part where it goes, within WeCom's limits.
func (a *Adapter) post(ctx context.Context, chat, content string, mentioned []string, m qunsu.Message) error {
	kind, rest, _ := strings.Cut(chat, ":")
	switch kind {
	case "user":
		if err := a.within(ctx, appPerMinute(rest), appPerHour(rest)); err != nil {
			return err
		}
		return a.sendToMember(rest, content)
	case "chat":
		if err := a.takeChat(ctx, rest); err != nil {
			return err
		}
		return a.sendToChat(rest, content)
	case "hook":
		key, ok := a.cfg.Robots[rest]
		if !ok {
			return bot.Permanent(fmt.Errorf("no group robot %q in wecom.robots", rest))
		}
		if err := a.within(ctx, hookPerMinute(rest)); err != nil {
			return err
		}
		return a.sendToRobot(key, content, mentioned)
	case "aibot":
		_, user, _ := strings.Cut(rest, ":")
		return a.replyToRobot(ctx, m.Chat.ReplyURL, user, content)
	}
	return bot.Permanent(fmt.Errorf("unknown chat %q", chat))
}

// within uses limits, or says how long to wait.
func (a *Adapter) within(ctx context.Context, limits ...qunsu.Limit) error {
	wait, err := a.quota.Take(ctx, a.tenant.Tenant, a.now(), limits...)
	if err != nil {
		return err
	}
	if wait > 0 {
		return &bot.RetryAfter{Wait: wait, Err: errors.New("WeCom's per-member limit would drop it")}
	}
	return nil
}

// takeChat uses the group-chat limit of every member of a chat we know.
func (a *Adapter) takeChat(ctx context.Context, chatID string) error {
	list, _, err := a.memory.Recall(ctx, a.tenant.Tenant, membersKey(chatID))
	if err != nil {
		return err
	}
	var limits []qunsu.Limit
	for _, u := range strings.Split(list, ",") {
		if u != "" {
			limits = append(limits, chatPerMinute(u), chatPerDay(u))
		}
	}
	return a.within(ctx, limits...)
}

// replyToRobot answers a message to the intelligent robot through its
// response URL, which takes one answer; later ones go to the speaker through
// the app.
func (a *Adapter) replyToRobot(ctx context.Context, url, user, content string) error {
	t := a.tenant.Tenant
	if url != "" {
		_, used, err := a.memory.Recall(ctx, t, repliedKey(url))
		if err != nil {
			return err
		}
		if !used {
			if err := a.memory.Remember(ctx, t, repliedKey(url), "1", 2*time.Hour); err != nil {
				return err
			}
			data, err := util.PostJSONContext(ctx, url, robotMessage{MsgType: "markdown", Markdown: &markdownField{content}})
			if err == nil {
				err = util.DecodeWithCommonError(data, "AIBotResponse")
			}
			if err == nil {
				return nil
			}
			a.log.Warn("the robot's response URL refused the answer; sending it through the app", "err", err)
		}
	}
	if user == "" {
		return bot.Permanent(errors.New("no response URL and no speaker to answer"))
	}
	if err := a.within(ctx, appPerMinute(user), appPerHour(user)); err != nil {
		return err
	}
	return a.sendToMember(user, content)
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
