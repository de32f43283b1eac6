package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	slackgo "github.com/slack-go/slack"

	"qunsu"
	"qunsu/bot"
)

// What the adapter remembers, per tenant.
func teamKey(complaint string) string    { return "slack:team:" + complaint }    // complaint -> channel id
func membersKey(complaint string) string { return "slack:members:" + complaint } // people invited, comma-separated
func channelKey(channel string) string   { return "slack:channel:" + channel }   // channel id -> complaint
func cardKey(complaint string) string    { return "slack:card:" + complaint }    // "channel ts version" of the pinned card
func dmKey(user string) string           { return "slack:dm:" + user }           // user id -> IM channel id

// metadataType marks qunsu's posts, so a sender that resumes after a crash can
// find what it posted by the message's idempotency key.
const metadataType = "qunsu_message"

// Route finds the Slack channel of a message, creating a complaint's channel
// and inviting its people on the way.
func (a *Adapter) Route(ctx context.Context, m qunsu.Message) (bot.Route, bool, error) {
	channel, ok, err := bot.Chats{Platform: Platform, Team: a.teamChannel, Managers: a.managersChannel, Direct: a.directChannel}.Resolve(ctx, m)
	if !ok {
		return bot.Route{}, false, classify(err)
	}
	return bot.Route{Chat: channel, Every: a.cfg.PostInterval}, true, nil
}

// managersChannel is the tenant's managers' channel.
func (a *Adapter) managersChannel() (string, error) {
	if channel := a.tenant.Managers[Platform]; channel != "" {
		return channel, nil
	}
	return "", bot.Permanent(errors.New("no managers' channel for Slack: set tenants[].managers.slack"))
}

// teamChannel returns a complaint's channel, creating it the first time, and
// invites the message's members who are not in it yet.
func (a *Adapter) teamChannel(ctx context.Context, m qunsu.Message) (string, error) {
	t := a.tenant.Tenant
	known, err := a.memory.RecallAll(ctx, t, teamKey(m.Chat.Complaint), membersKey(m.Chat.Complaint))
	if err != nil {
		return "", err
	}
	channel, ok := known[teamKey(m.Chat.Complaint)]
	if !ok {
		if channel, err = a.createChannel(ctx, channelName(m.Chat.Complaint, m.Chat.Name)); err != nil {
			return "", err
		}
		if err := a.memory.Remember(ctx, t, channelKey(channel), m.Chat.Complaint, 0); err != nil {
			return "", err
		}
		a.channels.learn(channel, m.Chat.Complaint, time.Now())
		if err := a.memory.Remember(ctx, t, teamKey(m.Chat.Complaint), channel, 0); err != nil {
			return "", err
		}
		a.log.Info("complaint channel created", "complaint", m.Chat.Complaint, "channel", channel)
	}
	return channel, a.invite(ctx, channel, m.Chat.Complaint, m.Members, known[membersKey(m.Chat.Complaint)])
}

// createChannel creates a channel, or finds the one a crashed attempt created.
func (a *Adapter) createChannel(ctx context.Context, name string) (string, error) {
	ch, err := a.api.CreateConversationContext(ctx, slackgo.CreateConversationParams{ChannelName: name, IsPrivate: a.cfg.PrivateChannels})
	if err == nil {
		return ch.ID, nil
	}
	if slackError(err) != "name_taken" {
		return "", err
	}
	found, err := a.findChannel(ctx, name)
	if err != nil {
		return "", err
	}
	if found != "" {
		return found, nil
	}
	// The name is held by a channel the bot cannot use (archived, or private
	// without it): take the next free one.
	for n := 2; n <= 9; n++ {
		ch, err = a.api.CreateConversationContext(ctx, slackgo.CreateConversationParams{
			ChannelName: clipRunes(name, 78) + "-" + strconv.Itoa(n), IsPrivate: a.cfg.PrivateChannels})
		if slackError(err) != "name_taken" {
			break
		}
	}
	if err != nil {
		return "", err
	}
	return ch.ID, nil
}

// findChannel looks for a channel the bot can see by name, joining it if public.
func (a *Adapter) findChannel(ctx context.Context, name string) (string, error) {
	params := &slackgo.GetConversationsParameters{Types: []string{"public_channel", "private_channel"}, Limit: 200, ExcludeArchived: true}
	for page := 0; page < 50; page++ {
		chans, cursor, err := a.api.GetConversationsContext(ctx, params)
		if err != nil {
			return "", err
		}
		for _, c := range chans {
			if c.Name != name {
				continue
			}
			if !c.IsMember {
				if _, _, _, err := a.api.JoinConversationContext(ctx, c.ID); err != nil {
					return "", err
				}
			}
			return c.ID, nil
		}
		if cursor == "" {
			break
		}
		params.Cursor = cursor
	}
	return "", nil
}

// invite brings people into a complaint's channel; list is who was invited
// already, comma-separated. People Slack does not know are logged and left
// out: a missing invitation must not hold up the posts.
func (a *Adapter) invite(ctx context.Context, channel, complaint string, members []string, list string) error {
	t := a.tenant.Tenant
	invited := strings.Split(list, ",")
	var people, users []string
	for _, person := range members {
		if slices.Contains(invited, person) {
			continue
		}
		user, ok, err := a.people.userID(ctx, person)
		if err != nil {
			return err
		}
		if !ok {
			a.log.Warn("cannot invite a person Slack does not know; add their slack id or e-mail", "person", person, "complaint", complaint)
			continue
		}
		people, users = append(people, person), append(users, user)
	}
	if len(users) == 0 {
		return nil
	}
	if _, err := a.api.InviteUsersToConversationContext(ctx, channel, users...); err != nil {
		switch slackError(err) {
		case "already_in_channel", "user_not_found", "cant_invite", "user_is_restricted", "user_is_ultra_restricted", "cant_invite_self":
			// Slack refuses the whole list for one user: invite them one by one.
			a.inviteEach(ctx, channel, users)
		default:
			return err
		}
	}
	invited = append(invited, people...)
	return a.memory.Remember(ctx, t, membersKey(complaint), strings.Trim(strings.Join(invited, ","), ","), 0)
}

// inviteEach invites one by one, after Slack refused a whole list for one user.
func (a *Adapter) inviteEach(ctx context.Context, channel string, users []string) {
	for _, u := range users {
		if _, err := a.api.InviteUsersToConversationContext(ctx, channel, u); err != nil && slackError(err) != "already_in_channel" {
			a.log.Warn("invitation refused", "user", u, "channel", channel, "err", err)
		}
	}
}

// directChannel returns the IM channel with a person.
func (a *Adapter) directChannel(ctx context.Context, person string) (string, error) {
	user, ok, err := a.people.userID(ctx, person)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", bot.Permanent(fmt.Errorf("person %q has no Slack id or e-mail Slack knows", person))
	}
	if channel, found, err := a.memory.Recall(ctx, a.tenant.Tenant, dmKey(user)); err != nil || found {
		return channel, err
	}
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", err
	}
	return ch.ID, a.memory.Remember(ctx, a.tenant.Tenant, dmKey(user), ch.ID, 0)
}

// Deliver posts a message; a complaint's card is posted and pinned the first
// time and edited in place after (an edit can simply be made again). A post
// that an interrupted attempt may have made is looked for in the channel's
// history, by its key, before it is made again. A message's files follow its
// text, in a second post (see postFiles).
func (a *Adapter) Deliver(ctx context.Context, r bot.Route, m qunsu.Message, since time.Time) error {
	p, err := a.render(ctx, m)
	if err != nil {
		return classify(err)
	}
	if m.Card != "" {
		card, known, err := a.card(ctx, m.Card)
		if err != nil {
			return classify(err)
		}
		if known {
			return classify(a.editCard(ctx, card, m, p))
		}
	}
	if posted, err := a.textPosted(ctx, m); err != nil || posted {
		if err == nil {
			err = a.postFiles(ctx, r.Chat, m)
		}
		return classify(err)
	}
	if !since.IsZero() {
		ts, found, err := a.findPosted(ctx, r.Chat, m.Key, since)
		if err != nil {
			return lookupFailed(err)
		}
		if found {
			a.log.Info("found the post of an interrupted delivery; not posting again", "key", m.Key, "channel", r.Chat)
			if m.Card != "" {
				return classify(a.keepCard(ctx, m, r.Chat, ts))
			}
			return classify(a.afterText(ctx, r.Chat, m))
		}
	}
	ts, err := a.postTo(ctx, r.Chat, m, p)
	if err == nil && m.Card != "" {
		err = a.keepCard(ctx, m, r.Chat, ts)
	}
	if err == nil {
		err = a.afterText(ctx, r.Chat, m)
	}
	return classify(err)
}

// pinnedCard is where a complaint's card is, and which version it shows.
type pinnedCard struct {
	channel, ts string
	version     int64
}

func (a *Adapter) card(ctx context.Context, complaint string) (pinnedCard, bool, error) {
	v, ok, err := a.memory.Recall(ctx, a.tenant.Tenant, cardKey(complaint))
	if err != nil || !ok {
		return pinnedCard{}, false, err
	}
	var c pinnedCard
	_, err = fmt.Sscan(v, &c.channel, &c.ts, &c.version)
	return c, err == nil, nil
}

// editCard edits the pinned card, unless it shows a later version already
// (senders in two processes may deliver versions out of order). A card that
// was deleted is posted again.
func (a *Adapter) editCard(ctx context.Context, c pinnedCard, m qunsu.Message, p post) error {
	if m.Version < c.version {
		a.log.Info("card version older than the one shown; not edited", "complaint", m.Card, "version", m.Version, "shown", c.version)
		return nil
	}
	_, _, err := a.web.updateMessage(ctx, c.channel, c.ts, p)
	if err == nil {
		return a.memory.Remember(ctx, a.tenant.Tenant, cardKey(m.Card), fmt.Sprint(c.channel, " ", c.ts, " ", m.Version), 0)
	}
	if code := slackError(err); code != "message_not_found" && code != "channel_not_found" {
		return err
	}
	a.log.Warn("the pinned card is gone; posting it again", "complaint", m.Card)
	channel, err := a.teamChannel(ctx, m)
	if err != nil {
		return err
	}
	ts, err := a.postTo(ctx, channel, m, p)
	if err != nil {
		return err
	}
	return a.keepCard(ctx, m, channel, ts)
}

// keepCard remembers where a complaint's card is, and pins it. A pin Slack
// refuses for good (too many pins) is logged: the card itself is posted.
func (a *Adapter) keepCard(ctx context.Context, m qunsu.Message, channel, ts string) error {
	if err := a.memory.Remember(ctx, a.tenant.Tenant, cardKey(m.Card), fmt.Sprint(channel, " ", ts, " ", m.Version), 0); err != nil {
		return err
	}
	err := a.api.AddPinContext(ctx, channel, slackgo.NewRefToMessage(channel, ts))
	switch code := slackError(err); {
	case err == nil || code == "already_pinned":
		return nil
	case bot.IsPermanent(classify(err)):
		a.log.Warn("could not pin the card", "complaint", m.Card, "channel", channel, "err", err)
		return nil
	}
	return err
}

// postTo posts to a channel. A complaint's channel that was deleted or
// archived is made anew (or unarchived); an answer to a command typed where the
// bot cannot post (a private channel it is not in) goes through the command's
// response URL.
func (a *Adapter) postTo(ctx context.Context, channel string, m qunsu.Message, p post) (string, error) {
	meta := slackgo.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{"key": m.Key}}
	post := func() (string, error) {
		_, ts, err := a.web.postMessage(ctx, channel, p, meta)
		return ts, err
	}
	ts, err := post()
	code := slackError(err)
	switch {
	case code == "is_archived" && m.Chat.Kind == qunsu.ChatTeam:
		if err := a.api.UnArchiveConversationContext(ctx, channel); err != nil {
			a.forgetTeamChannel(ctx, m.Chat.Complaint)
			return "", err
		}
		return post()
	case code == "channel_not_found" && m.Chat.Kind == qunsu.ChatTeam:
		a.forgetTeamChannel(ctx, m.Chat.Complaint)
		if channel, err = a.teamChannel(ctx, m); err != nil {
			return "", err
		}
		return post()
	case code == "not_in_channel" && m.Chat.Kind != qunsu.ChatDirect:
		// A public channel the bot is not in: join it and post again.
		if _, _, _, jerr := a.api.JoinConversationContext(ctx, channel); jerr == nil {
			ts, err = post()
			code = slackError(err)
		}
	}
	if (code == "not_in_channel" || code == "channel_not_found") && m.Chat.ReplyURL != "" {
		return "", a.respond(ctx, m.Chat.ReplyURL, p)
	}
	return ts, err
}

// forgetTeamChannel drops what is remembered of a complaint's channel that is
// gone, so that the next post makes a new one and invites its people again.
func (a *Adapter) forgetTeamChannel(ctx context.Context, complaint string) {
	if err := a.memory.Forget(ctx, a.tenant.Tenant, teamKey(complaint), membersKey(complaint), cardKey(complaint)); err != nil {
		a.log.Warn("forgetting a channel failed", "complaint", complaint, "err", err)
	}
	a.log.Warn("the complaint's channel is gone; making a new one", "complaint", complaint)
}

// respond answers through a response URL, visible to the channel.
func (a *Adapter) respond(ctx context.Context, url string, p post) error {
	msg := &slackgo.WebhookMessage{Text: p.text, Blocks: &slackgo.Blocks{BlockSet: p.blocks}, ResponseType: slackgo.ResponseTypeInChannel}
	return slackgo.PostWebhookContext(ctx, url, msg)
}

// findPosted looks in a channel's history for qunsu's post with key, made
// since an attempt began (with a minute for clocks that differ).
func (a *Adapter) findPosted(ctx context.Context, channel, key string, since time.Time) (string, bool, error) {
	params := &slackgo.GetConversationHistoryParameters{ChannelID: channel, Limit: 100, IncludeAllMetadata: true,
		Oldest: strconv.FormatFloat(float64(since.Add(-time.Minute).UnixMicro())/1e6, 'f', 6, 64)}
	joined := false
	for page := 0; page < 20; page++ {
		res, err := a.api.GetConversationHistoryContext(ctx, params)
		if slackError(err) == "not_in_channel" && !joined {
			// Posted with chat:write.public without joining: join to read.
			joined = true
			if _, _, _, err = a.api.JoinConversationContext(ctx, channel); err == nil {
				page--
				continue
			}
		}
		if err != nil {
			return "", false, err
		}
		for _, msg := range res.Messages {
			if msg.Metadata.EventType == metadataType && msg.Metadata.EventPayload["key"] == key {
				return msg.Timestamp, true, nil
			}
		}
		if !res.HasMore || res.ResponseMetaData.NextCursor == "" {
			break
		}
		params.Cursor = res.ResponseMetaData.NextCursor
	}
	return "", false, nil
}

// lookupFailed is what a failed history lookup means for the message: try
// again later. It must not be set aside: it may well deliver.
func lookupFailed(err error) error {
	err = classify(err)
	if bot.IsPermanent(err) {
		return fmt.Errorf("cannot read the channel to check for an earlier post: %w", errors.Unwrap(err))
	}
	return err
}

// channelName makes a Slack channel name of a complaint id and its project:
// lowercase letters (any script), digits, hyphens and underscores, at most 80.
func channelName(complaint, project string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(complaint + "-" + project) {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
		if ok {
			b.WriteRune(r)
		} else if !dash && b.Len() > 0 {
			b.WriteRune('-')
		}
		dash = !ok
	}
	return strings.TrimRight(clipRunes(b.String(), 80), "-")
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
