package slackfake

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Every handler runs with s.mu held.

func (s *Server) authTest(params) reply {
	return okReply(
		kv{"url", "https://" + teamDomain + ".slack.com/"},
		kv{"team", teamName},
		kv{"user", botName},
		kv{"team_id", TeamID},
		kv{"user_id", BotUserID},
		kv{"bot_id", botID},
		kv{"is_enterprise_install", false},
	)
}

// channelNameError checks a name like Slack does for conversations.create: lowercase
// letters of any script, digits, hyphens and underscores, at most 80 characters.
func channelNameError(name string) string {
	if name == "" {
		return "invalid_name_required"
	}
	if utf8.RuneCountInString(name) > 80 {
		return "invalid_name_maxlength"
	}
	onlyPunct := true
	for _, r := range name {
		switch {
		case r == '-' || r == '_':
		case unicode.IsLetter(r) && !unicode.IsUpper(r) && !unicode.IsTitle(r),
			unicode.IsDigit(r), unicode.IsMark(r):
			onlyPunct = false
		default:
			return "invalid_name_specials"
		}
	}
	if onlyPunct {
		return "invalid_name_punctuation"
	}
	return ""
}

func (s *Server) conversationsCreate(p params) reply {
	name := p["name"]
	if e := channelNameError(name); e != "" {
		return failReply(e)
	}
	if s.channelByName(name) != nil {
		return failReply("name_taken")
	}
	// Modern Slack gives private channels C… ids too.
	c := &channel{id: s.newID("C"), name: name, private: p.bool("is_private"), created: time.Now().Unix(), creator: BotUserID, members: []string{BotUserID}}
	s.addChannel(c)
	return okReply(kv{"channel", s.channelJSON(c)})
}

func splitIDs(v string) []string {
	var out []string
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) conversationsInvite(p params) reply {
	c := s.channel(p["channel"])
	if c == nil {
		return failReply("channel_not_found")
	}
	if c.im {
		return failReply("method_not_supported_for_channel_type")
	}
	if !c.isMember(BotUserID) {
		return failReply("not_in_channel")
	}
	users := splitIDs(p["users"])
	if len(users) == 0 {
		return failReply("no_user")
	}
	// Without force, one user Slack cannot invite fails the whole call and
	// nobody is added (Slack's "partially failed calls").
	for _, u := range users {
		switch {
		case u == BotUserID:
			return failReply("cant_invite_self")
		case s.user(u) == nil:
			return failReply("user_not_found")
		case c.isMember(u):
			return failReply("already_in_channel")
		}
	}
	c.members = append(c.members, users...)
	return okReply(kv{"channel", s.channelJSON(c)})
}

func (s *Server) conversationsJoin(p params) reply {
	c := s.channel(p["channel"])
	if c == nil {
		return failReply("channel_not_found")
	}
	if c.im || c.private {
		return failReply("method_not_supported_for_channel_type")
	}
	if c.isMember(BotUserID) {
		// Slack answers ok with a warning when the bot is already in.
		return okReply(
			kv{"channel", s.channelJSON(c)},
			kv{"warning", "already_in_channel"},
			kv{"response_metadata", obj{{"warnings", []string{"already_in_channel"}}}},
		)
	}
	c.members = append(c.members, BotUserID)
	return okReply(kv{"channel", s.channelJSON(c)})
}

func (s *Server) conversationsOpen(p params) reply {
	var c *channel
	already := false
	if id := p["channel"]; id != "" && p["users"] == "" {
		if c = s.channel(id); c == nil || !c.im {
			return failReply("channel_not_found")
		}
		already = true
	} else {
		var users []string
		for _, u := range splitIDs(p["users"]) {
			if u == BotUserID {
				continue
			}
			if s.user(u) == nil {
				return failReply("user_not_found")
			}
			users = append(users, u)
		}
		if len(users) == 0 {
			return failReply("users_list_not_supplied")
		}
		c, already = s.openIM(users)
	}
	ch := any(obj{{"id", c.id}})
	if p.bool("return_im") {
		ch = s.channelJSON(c)
	}
	fields := []kv{}
	if already {
		fields = append(fields, kv{"no_op", true}, kv{"already_open", true})
	}
	return okReply(append(fields, kv{"channel", ch})...)
}

// openIM finds or creates the direct message of the bot with users; one id per user set.
func (s *Server) openIM(users []string) (c *channel, existed bool) {
	users = slices.Clone(users)
	slices.Sort(users)
	key := strings.Join(users, ",")
	if id, ok := s.ims[key]; ok {
		return s.channel(id), true
	}
	c = &channel{id: s.newID("D"), im: true, imUser: users[0], created: time.Now().Unix(), creator: BotUserID,
		members: append([]string{BotUserID}, users...)}
	s.addChannel(c)
	s.ims[key] = c.id
	return c, false
}

// visible reports whether the bot can see a conversation: public channels, and
// private ones and direct messages it is in.
func (c *channel) visible() bool { return (!c.private && !c.im) || c.isMember(BotUserID) }

func (s *Server) conversationsList(p params) reply {
	types := []string{"public_channel"}
	if v := p["types"]; v != "" {
		types = splitIDs(v)
	}
	for _, t := range types {
		switch t {
		case "public_channel", "private_channel", "im", "mpim":
		default:
			return failReply("invalid_types")
		}
	}
	limit, ok := p.limit(1000)
	if !ok {
		return failReply("invalid_limit")
	}
	var all []*channel
	for _, c := range s.chans {
		kind := "public_channel"
		switch {
		case c.im:
			kind = "im"
		case c.private:
			kind = "private_channel"
		}
		if c.visible() && slices.Contains(types, kind) {
			all = append(all, c)
		}
	}
	start := 0
	if cur := p["cursor"]; cur != "" {
		id, ok := decodeCursor(cur, "team:")
		i := slices.IndexFunc(all, func(c *channel) bool { return c.id == id })
		if !ok || i < 0 {
			return failReply("invalid_cursor")
		}
		start = i
	}
	end := min(start+limit, len(all))
	out := make([]obj, 0, end-start)
	for _, c := range all[start:end] {
		out = append(out, s.channelJSON(c))
	}
	next := ""
	if end < len(all) {
		next = encodeCursor("team:" + all[end].id)
	}
	return okReply(kv{"channels", out}, kv{"response_metadata", obj{{"next_cursor", next}}})
}

// Cursors are opaque base64 strings, as Slack's are.
func encodeCursor(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func decodeCursor(cur, prefix string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(cur)
	if err != nil {
		return "", false
	}
	return strings.CutPrefix(string(b), prefix)
}

func (s *Server) conversationsHistory(p params) reply {
	c := s.channel(p["channel"])
	if c == nil || (c.private && !c.isMember(BotUserID)) {
		return failReply("channel_not_found")
	}
	if !c.isMember(BotUserID) {
		return failReply("not_in_channel")
	}
	oldest, latest := int64(0), int64(1<<62)
	if v := p["oldest"]; v != "" {
		var ok bool
		if oldest, ok = parseTS(v); !ok {
			return failReply("invalid_ts_oldest")
		}
	}
	if v := p["latest"]; v != "" {
		var ok bool
		if latest, ok = parseTS(v); !ok {
			return failReply("invalid_ts_latest")
		}
	}
	inclusive := p.bool("inclusive")
	limit, ok := p.limit(999)
	if !ok {
		return failReply("invalid_limit")
	}
	from := int64(1 << 62)
	if cur := p["cursor"]; cur != "" {
		v, ok := decodeCursor(cur, "next_ts:")
		if ok {
			from, ok = parseTS(v)
		}
		if !ok {
			return failReply("invalid_cursor")
		}
	}
	// Newest first; thread replies stay in their thread, as in Slack.
	var match []*message
	msgs := s.msgs[c.id]
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.threadTS != "" && m.threadTS != m.ts && !m.broadcast {
			continue
		}
		ts, _ := parseTS(m.ts)
		if ts > from || ts > latest || ts < oldest {
			continue
		}
		if !inclusive && (ts == oldest || ts == latest) {
			continue
		}
		match = append(match, m)
	}
	page := match[:min(limit, len(match))]
	out := make([]obj, 0, len(page))
	withMeta := p.bool("include_all_metadata")
	for _, m := range page {
		out = append(out, s.messageJSON(m, withMeta))
	}
	fields := []kv{{"messages", out}, {"has_more", len(match) > len(page)}, {"pin_count", len(c.pins)},
		{"channel_actions_ts", nil}, {"channel_actions_count", 0}}
	if len(match) > len(page) {
		fields = append(fields, kv{"response_metadata", obj{{"next_cursor", encodeCursor("next_ts:" + match[len(page)].ts)}}})
	}
	return okReply(fields...)
}

// present reports whether a blocks or attachments argument has anything in it.
func present(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && v != "[]" && v != "null"
}

// checkContent applies the checks chat.postMessage and chat.update share.
func checkContent(p params) (reply, bool) {
	if _, ok := p["blocks"]; ok && strings.TrimSpace(p["blocks"]) != "" {
		if msgs, format := validateBlocks(p["blocks"]); format {
			return failReply("invalid_blocks_format"), false
		} else if len(msgs) > 0 {
			return invalidBlocks(msgs), false
		}
	}
	if utf8.RuneCountInString(p["text"]) > 40000 {
		return failReply("msg_too_long"), false
	}
	if v, ok := p["metadata"]; ok && strings.TrimSpace(v) != "" {
		var md struct {
			EventType    *string         `json:"event_type"`
			EventPayload json.RawMessage `json:"event_payload"`
		}
		if err := json.Unmarshal([]byte(v), &md); err != nil || md.EventType == nil || *md.EventType == "" {
			return failReply("invalid_metadata_format"), false
		}
		if pl := strings.TrimSpace(string(md.EventPayload)); pl != "" && pl != "null" && !strings.HasPrefix(pl, "{") {
			return failReply("invalid_metadata_format"), false
		}
	}
	return reply{}, true
}

// invalidBlocks answers like Slack: the error, each problem in "errors", and
// the same problems as "[ERROR] …" lines in response_metadata.messages.
func invalidBlocks(msgs []string) reply {
	lines := make([]string, len(msgs))
	for i, m := range msgs {
		lines[i] = "[ERROR] " + m
	}
	return failReply("invalid_blocks", kv{"errors", msgs}, kv{"response_metadata", obj{{"messages", lines}}})
}

func rawOrNil(v string) json.RawMessage {
	if !present(v) {
		return nil
	}
	return json.RawMessage(v)
}

func (s *Server) chatPostMessage(p params) reply {
	c := s.resolve(p["channel"])
	if c == nil && s.user(p["channel"]) != nil {
		// Slack takes a user id as channel and posts to the app's direct message with that user.
		c, _ = s.openIM([]string{p["channel"]})
	}
	if c == nil {
		return failReply("channel_not_found")
	}
	if !c.isMember(BotUserID) {
		return failReply("not_in_channel")
	}
	now := time.Now()
	if s.postEvery > 0 {
		if last, ok := s.lastPost[c.id]; ok && now.Sub(last) < s.postEvery {
			return ratelimited(1)
		}
	}
	if rep, ok := checkContent(p); !ok {
		return rep
	}
	if p["text"] == "" && !present(p["blocks"]) && !present(p["attachments"]) {
		return failReply("no_text")
	}
	m := &message{
		channel:     c.id,
		ts:          s.nextTS(),
		text:        p["text"],
		user:        BotUserID,
		threadTS:    p["thread_ts"],
		broadcast:   p.bool("reply_broadcast"),
		blocks:      rawOrNil(p["blocks"]),
		attachments: rawOrNil(p["attachments"]),
	}
	if present(p["metadata"]) {
		m.meta = json.RawMessage(p["metadata"])
	}
	s.msgs[c.id] = append(s.msgs[c.id], m)
	s.lastPost[c.id] = now
	return okReply(kv{"channel", c.id}, kv{"ts", m.ts}, kv{"message", s.messageJSON(m, true)})
}

func (s *Server) chatUpdate(p params) reply {
	c := s.resolve(p["channel"])
	if c == nil {
		return failReply("channel_not_found")
	}
	m := s.message(c.id, p["ts"])
	if m == nil {
		return failReply("message_not_found")
	}
	if m.user != BotUserID {
		return failReply("cant_update_message")
	}
	_, hasText := p["text"]
	_, hasBlocks := p["blocks"]
	_, hasAtt := p["attachments"]
	if !hasText && !hasBlocks && !hasAtt {
		return failReply("no_text")
	}
	if rep, ok := checkContent(p); !ok {
		return rep
	}
	// Fields left out keep their value; an empty blocks array clears the blocks, as in Slack.
	if hasText {
		m.text = p["text"]
	}
	if hasBlocks {
		m.blocks = rawOrNil(p["blocks"])
	}
	if hasAtt {
		m.attachments = rawOrNil(p["attachments"])
	}
	if present(p["metadata"]) {
		m.meta = json.RawMessage(p["metadata"])
	}
	m.edits++
	m.editedTS = s.nextTS()
	return okReply(kv{"channel", c.id}, kv{"ts", m.ts}, kv{"text", m.text}, kv{"message", s.messageJSON(m, true)})
}

func (s *Server) pinsAdd(p params) reply {
	c := s.channel(p["channel"])
	if c == nil {
		return failReply("channel_not_found")
	}
	if !c.isMember(BotUserID) {
		return failReply("not_in_channel")
	}
	ts := p["timestamp"]
	if ts == "" {
		return failReply("no_item_specified")
	}
	if s.message(c.id, ts) == nil {
		return failReply("message_not_found")
	}
	if slices.Contains(c.pins, ts) {
		return failReply("already_pinned")
	}
	c.pins = append(c.pins, ts)
	return okReply()
}

func (s *Server) usersLookupByEmail(p params) reply {
	email := strings.TrimSpace(p["email"])
	for _, u := range s.users {
		if email != "" && strings.EqualFold(u.email, email) {
			return okReply(kv{"user", userJSON(u)})
		}
	}
	return failReply("users_not_found")
}

func (s *Server) usersInfo(p params) reply {
	id := p["user"]
	if u := s.user(id); u != nil {
		return okReply(kv{"user", userJSON(u)})
	}
	if id == BotUserID {
		return okReply(kv{"user", botUserJSON()})
	}
	return failReply("user_not_found")
}

func (s *Server) viewsOpen(p params) reply {
	trigger := p["trigger_id"]
	if trigger == "" {
		return invalidArguments([]string{"missing required field: trigger_id"})
	}
	raw, ok := p["view"]
	if !ok || strings.TrimSpace(raw) == "" {
		return invalidArguments([]string{"missing required field: view"})
	}
	var view map[string]any
	if err := json.Unmarshal([]byte(raw), &view); err != nil || view == nil {
		return invalidArguments([]string{"failed to parse json [json-pointer:/view]"})
	}
	if msgs := validateView(raw); len(msgs) > 0 {
		return invalidArguments(msgs)
	}
	// A trigger_id can open one view only.
	if s.triggers[trigger] {
		return failReply("exchanged_trigger_id")
	}
	s.triggers[trigger] = true
	s.views = append(s.views, View{TriggerID: trigger, View: json.RawMessage(raw)})
	s.seq++
	id := "V0" + pad8(s.seq)
	str := func(k string) any {
		if v, ok := view[k]; ok {
			return v
		}
		return ""
	}
	blocks := view["blocks"]
	if blocks == nil {
		blocks = []any{}
	}
	out := obj{
		{"id", id}, {"team_id", TeamID}, {"type", view["type"]}, {"blocks", blocks},
		{"private_metadata", str("private_metadata")}, {"callback_id", str("callback_id")},
		{"state", obj{{"values", obj{}}}}, {"hash", strconv.FormatInt(time.Now().Unix(), 10) + ".fake" + pad8(s.seq)},
		{"title", view["title"]}, {"clear_on_close", view["clear_on_close"] == true}, {"notify_on_close", view["notify_on_close"] == true},
		{"close", view["close"]}, {"submit", view["submit"]}, {"previous_view_id", nil}, {"root_view_id", id},
		{"app_id", appID}, {"external_id", str("external_id")}, {"app_installed_team_id", TeamID}, {"bot_id", botID},
	}
	return okReply(kv{"view", out})
}

func invalidArguments(msgs []string) reply {
	lines := make([]string, len(msgs))
	for i, m := range msgs {
		lines[i] = "[ERROR] " + m
	}
	return failReply("invalid_arguments", kv{"response_metadata", obj{{"messages", lines}}})
}

func (s *Server) appsConnectionsOpen(params) reply {
	return okReply(kv{"url", "ws" + strings.TrimPrefix(s.URL, "http") + "/socket"})
}

func (s *Server) channelJSON(c *channel) obj {
	if c.im {
		return obj{
			{"id", c.id}, {"created", c.created}, {"is_archived", false}, {"is_im", true}, {"is_org_shared", false},
			{"context_team_id", TeamID}, {"updated", c.created * 1000}, {"user", c.imUser}, {"is_user_deleted", false}, {"priority", 0},
		}
	}
	empty := obj{{"value", ""}, {"creator", ""}, {"last_set", 0}}
	return obj{
		{"id", c.id}, {"name", c.name}, {"is_channel", true}, {"is_group", false}, {"is_im", false}, {"is_mpim", false},
		{"is_private", c.private}, {"created", c.created}, {"is_archived", false}, {"is_general", false}, {"unlinked", 0},
		{"name_normalized", c.name}, {"is_shared", false}, {"is_org_shared", false}, {"is_pending_ext_shared", false},
		{"pending_shared", []string{}}, {"context_team_id", TeamID}, {"updated", c.created * 1000}, {"parent_conversation", nil},
		{"creator", c.creator}, {"is_ext_shared", false}, {"shared_team_ids", []string{TeamID}}, {"pending_connected_team_ids", []string{}},
		{"is_member", c.isMember(BotUserID)}, {"topic", empty}, {"purpose", empty}, {"previous_names", []string{}},
		{"num_members", len(c.members)},
	}
}

func (s *Server) messageJSON(m *message, withMeta bool) obj {
	o := obj{{"user", m.user}, {"type", "message"}, {"ts", m.ts}}
	if m.user == BotUserID {
		o = append(o, kv{"bot_id", botID}, kv{"app_id", appID})
	}
	o = append(o, kv{"text", m.text}, kv{"team", TeamID})
	if m.user == BotUserID {
		o = append(o, kv{"bot_profile", obj{{"id", botID}, {"app_id", appID}, {"name", botName}, {"deleted", false}, {"team_id", TeamID}}})
	}
	if m.threadTS != "" {
		o = append(o, kv{"thread_ts", m.threadTS})
	}
	if m.editedTS != "" {
		o = append(o, kv{"edited", obj{{"user", m.user}, {"ts", m.editedTS}}})
	}
	if c := s.channel(m.channel); c != nil && slices.Contains(c.pins, m.ts) {
		o = append(o, kv{"pinned_to", []string{c.id}})
	}
	if m.attachments != nil {
		o = append(o, kv{"attachments", m.attachments})
	}
	if m.blocks != nil {
		o = append(o, kv{"blocks", m.blocks})
	}
	if len(m.files) > 0 {
		files := make([]obj, 0, len(m.files))
		for _, id := range m.files {
			if u := s.upload(id); u != nil {
				files = append(files, u.json())
			}
		}
		o = append(o, kv{"files", files}, kv{"upload", true}, kv{"display_as_bot", false})
	}
	if withMeta && m.meta != nil {
		var md struct {
			EventType    string          `json:"event_type"`
			EventPayload json.RawMessage `json:"event_payload"`
		}
		_ = json.Unmarshal(m.meta, &md)
		pl := md.EventPayload
		if len(pl) == 0 || string(pl) == "null" {
			pl = json.RawMessage("{}")
		}
		o = append(o, kv{"metadata", obj{{"event_type", md.EventType}, {"event_payload", pl}}})
	}
	return o
}

func userJSON(u *user) obj {
	return obj{
		{"id", u.id}, {"team_id", TeamID}, {"name", u.name}, {"deleted", false}, {"color", "9f69e7"},
		{"real_name", u.name}, {"tz", "Asia/Shanghai"}, {"tz_label", "China Standard Time"}, {"tz_offset", 28800},
		{"profile", obj{
			{"title", ""}, {"phone", ""}, {"skype", ""}, {"real_name", u.name}, {"real_name_normalized", u.name},
			{"display_name", u.name}, {"display_name_normalized", u.name}, {"status_text", ""}, {"status_emoji", ""},
			{"email", u.email}, {"team", TeamID},
		}},
		{"is_admin", false}, {"is_owner", false}, {"is_primary_owner", false}, {"is_restricted", false},
		{"is_ultra_restricted", false}, {"is_bot", false}, {"is_app_user", false}, {"updated", 1700000000},
	}
}

func botUserJSON() obj {
	return obj{
		{"id", BotUserID}, {"team_id", TeamID}, {"name", botName}, {"deleted", false}, {"real_name", botName},
		{"profile", obj{{"real_name", botName}, {"display_name", botName}, {"bot_id", botID}, {"api_app_id", appID}, {"team", TeamID}}},
		{"is_bot", true}, {"is_app_user", false}, {"updated", 1700000000},
	}
}
