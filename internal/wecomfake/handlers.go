package wecomfake

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Documented limits (developer.work.weixin.qq.com).
const (
	tokenTTL = 7200 * time.Second // gettoken expires_in, /91039

	appPerMinute  = 30 // message/send per member per app, /90236
	appPerHour    = 1000
	chatPerMinute = 200 // appchat/send per member per app, /90248
	chatPerDay    = 10000
	robotPerMin   = 20 // per webhook key, /99110

	maxToUser      = 1000 // touser entries, /90236
	defaultDupe    = 1800 * time.Second
	maxDupe        = 4 * time.Hour
	textBytes      = 2048 // text content, /90236 /90248
	markdownBytes  = 2048 // markdown content, /90236 /90248
	robotTextBytes = 2048 // webhook text, /99110
	robotMDBytes   = 4096 // webhook markdown and markdown_v2
	aibotMDBytes   = 20480
	titleRunes     = 128 // textcard, /90236
	descRunes      = 512 // btntxt (4 characters) is not kept
	urlBytes       = 2048
	chatNameRunes  = 50 // appchat name, /90245
	chatIDLen      = 32
	minMembers     = 2
	maxMembers     = 2000
	responseTTL    = time.Hour // aibot response_url, /101138
)

// getToken answers GET /cgi-bin/gettoken?corpid&corpsecret. Within its
// lifetime the same token comes back, as the older 91039 page promised.
func (s *Server) getToken(r request) reply {
	corpid, secret := r.query.Get("corpid"), r.query.Get("corpsecret")
	switch {
	case corpid == "":
		return s.failReply(41002, "")
	case secret == "":
		return s.failReply(41004, "")
	case corpid != CorpID:
		return s.failReply(40013, "")
	case secret != Secret:
		return s.failReply(40001, "")
	}
	if t := s.tokens[s.current]; t != nil && !t.revoked && r.now.Before(t.expires) {
		left := int(math.Ceil(t.expires.Sub(r.now).Seconds()))
		return okReply(kv{"access_token", s.current}, kv{"expires_in", left})
	}
	s.issued++
	s.current = s.randomID("fake-token-"+strconv.Itoa(s.issued)+"-", 32)
	s.tokens[s.current] = &token{expires: r.now.Add(tokenTTL)}
	return okReply(kv{"access_token", s.current}, kv{"expires_in", int(tokenTTL / time.Second)})
}

// content is {"content": "..."} as the message bodies carry it.
type content struct {
	Content string `json:"content"`
}

type textCard struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt"`
}

type sendReq struct {
	ToUser                 string          `json:"touser"`
	ToParty                string          `json:"toparty"`
	ToTag                  string          `json:"totag"`
	MsgType                string          `json:"msgtype"`
	AgentID                json.RawMessage `json:"agentid"`
	Text                   *content        `json:"text"`
	Markdown               *content        `json:"markdown"`
	TextCard               *textCard       `json:"textcard"`
	Image                  *mediaRef       `json:"image"`
	File                   *mediaRef       `json:"file"`
	EnableDuplicateCheck   int             `json:"enable_duplicate_check"`
	DuplicateCheckInterval int             `json:"duplicate_check_interval"`
}

// messageSend answers POST /cgi-bin/message/send. Unknown members are
// listed in invaliduser with errcode 0 while any recipient is valid, and
// 81013 when none is (/90236).
func (s *Server) messageSend(r request) reply {
	var req sendReq
	if rep, ok := s.decodePost(r, &req); !ok {
		return rep
	}
	if code := checkAgent(req.AgentID); code != 0 {
		return s.failReply(code, "")
	}
	msg, rep, ok := s.anyMessage(req.MsgType, req.Text, req.Markdown, req.TextCard, req.Image, req.File, true, r.now)
	if !ok {
		return rep
	}
	msg.At = r.now

	if strings.TrimSpace(req.ToUser) == "" && strings.TrimSpace(req.ToParty) == "" && strings.TrimSpace(req.ToTag) == "" {
		return s.failReply(81012, "")
	}
	users := splitList(req.ToUser)
	if len(users) > maxToUser {
		return s.failReply(40032, "")
	}
	var valid, invalid []string
	seen := map[string]bool{}
	for _, u := range users {
		if u == "@all" {
			for _, id := range s.order {
				if !seen[id] {
					seen[id] = true
					valid = append(valid, id)
				}
			}
			continue
		}
		if id := s.lookup(u); id != "" {
			if !seen[id] {
				seen[id] = true
				valid = append(valid, id)
			}
		} else {
			invalid = append(invalid, strings.ToLower(u))
		}
	}
	// Departments and tags are not modelled: every one given is invalid.
	invalidFields := []kv{}
	if len(invalid) > 0 {
		invalidFields = append(invalidFields, kv{"invaliduser", strings.Join(invalid, "|")})
	}
	if p := splitList(req.ToParty); len(p) > 0 {
		invalidFields = append(invalidFields, kv{"invalidparty", strings.Join(p, "|")})
	}
	if t := splitList(req.ToTag); len(t) > 0 {
		invalidFields = append(invalidFields, kv{"invalidtag", strings.Join(t, "|")})
	}
	if len(valid) == 0 {
		return s.failReply(81013, "", invalidFields...)
	}

	if !s.duplicate(req, r) {
		for _, id := range valid {
			s.deliverApp(id, msg, r.now)
		}
	}
	return okReply(append(invalidFields, kv{"msgid", s.randomID("", 24)})...)
}

// checkAgent accepts the agent as a number or, as the SDK sends it, a
// numeric string.
func checkAgent(raw json.RawMessage) int {
	v := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if v == "" || v == "null" {
		return 41011
	}
	n, err := strconv.Atoi(v)
	if err != nil || n != AgentID {
		return 40056
	}
	return 0
}

// anyMessage validates a message of the app: an image or a file (by
// media_id), else as message does.
func (s *Server) anyMessage(msgtype string, text, md *content, card *textCard, image, file *mediaRef, truncText bool, now time.Time) (Sent, reply, bool) {
	switch msgtype {
	case "image":
		return s.mediaMessage(msgtype, image, now)
	case "file":
		return s.mediaMessage(msgtype, file, now)
	}
	return s.message(msgtype, text, md, card, truncText)
}

// message validates the content of a text, markdown or textcard message.
// truncText says whether text longer than allowed is cut (message/send,
// "超过将截断") rather than refused with 45002.
func (s *Server) message(msgtype string, text, md *content, card *textCard, truncText bool) (Sent, reply, bool) {
	switch msgtype {
	case "text":
		if text == nil || text.Content == "" {
			return Sent{}, s.failReply(44004, ""), false
		}
		c := text.Content
		if len(c) > textBytes {
			if !truncText {
				return Sent{}, s.failReply(45002, ""), false
			}
			c = cutBytes(c, textBytes)
		}
		return Sent{MsgType: "text", Content: c}, reply{}, true
	case "markdown":
		if md == nil || md.Content == "" {
			return Sent{}, s.failReply(44004, ""), false
		}
		if len(md.Content) > markdownBytes {
			return Sent{}, s.failReply(45002, ""), false
		}
		return Sent{MsgType: "markdown", Content: md.Content}, reply{}, true
	case "textcard":
		switch {
		case card == nil || card.Title == "":
			return Sent{}, s.failReply(41016, ""), false
		case card.Description == "":
			return Sent{}, s.failReply(41033, ""), false
		case card.URL == "":
			return Sent{}, s.failReply(41010, ""), false
		case len(card.URL) > urlBytes:
			return Sent{}, s.failReply(40058, "textcard.url exceed max length 2048"), false
		}
		title, desc := cutRunes(card.Title, titleRunes), cutRunes(card.Description, descRunes)
		return Sent{MsgType: "textcard", Content: title + "\n" + desc}, reply{}, true
	}
	return Sent{}, s.failReply(40008, ""), false
}

// duplicate applies enable_duplicate_check: the same request JSON within
// the interval (default 1800 s, at most 4 h) is answered ok but not
// delivered again (/90236).
func (s *Server) duplicate(req sendReq, r request) bool {
	if req.EnableDuplicateCheck != 1 {
		return false
	}
	interval := time.Duration(req.DuplicateCheckInterval) * time.Second
	if interval <= 0 {
		interval = defaultDupe
	}
	interval = min(interval, maxDupe)
	var canon any
	if json.Unmarshal(r.raw, &canon) != nil {
		return false
	}
	b, _ := json.Marshal(canon) // map keys come out sorted
	key := string(b)
	if last, ok := s.dupes[key]; ok && r.now.Sub(last) < interval && !r.now.Before(last) {
		return true
	}
	s.dupes[key] = r.now
	return false
}

// deliverApp hands msg to a member unless the member already had 30 app
// messages this minute or 1000 this hour, which WeCom drops silently.
func (s *Server) deliverApp(id string, msg Sent, now time.Time) {
	times := within(s.appTimes[id], now.Add(-time.Hour))
	if countSince(times, now.Add(-time.Minute)) >= appPerMinute || len(times) >= appPerHour {
		s.appTimes[id] = times
		s.dropped++
		return
	}
	s.appTimes[id] = append(times, now)
	s.appMsgs[id] = append(s.appMsgs[id], msg)
}

type createReq struct {
	Name     string   `json:"name"`
	Owner    string   `json:"owner"`
	UserList []string `json:"userlist"`
	ChatID   string   `json:"chatid"`
}

var chatIDChars = regexp.MustCompile(`^[0-9a-zA-Z]+$`)

// appchatCreate answers POST /cgi-bin/appchat/create (/90245): the name is
// cut to 50 characters, the owner defaults to a member, 2 to 2000 members,
// and a chatid of at most 32 letters and digits that is not taken.
func (s *Server) appchatCreate(r request) reply {
	var req createReq
	if rep, ok := s.decodePost(r, &req); !ok {
		return rep
	}
	if len(req.UserList) == 0 {
		return s.failReply(86204, "")
	}
	members, unknown := s.members(req.UserList)
	if unknown != "" {
		return s.failReply(86216, "invalid userid "+unknown)
	}
	if len(members) < minMembers || len(members) > maxMembers {
		return s.failReply(86006, "")
	}
	owner := members[0] // WeCom picks one at random; the first is as good
	if req.Owner != "" {
		owner = s.lookup(req.Owner)
		if owner == "" {
			return s.failReply(86005, "")
		}
		if !slices.Contains(members, owner) {
			return s.failReply(86207, "")
		}
	}
	id := req.ChatID
	switch {
	case id == "":
		for id == "" || s.chats[id] != nil {
			id = s.randomID("wr", 20)
		}
	case len(id) > chatIDLen:
		return s.failReply(86205, "")
	case !chatIDChars.MatchString(id):
		return s.failReply(86001, "")
	case s.chats[id] != nil:
		return s.failReply(86215, "")
	}
	s.chats[id] = &chat{id: id, name: cutRunes(req.Name, chatNameRunes), owner: owner, members: members}
	s.chatOrder = append(s.chatOrder, id)
	return okReply(kv{"chatid", id})
}

// members resolves userids to the ids as added, dropping repeats; unknown
// is the first stranger.
func (s *Server) members(list []string) (members []string, unknown string) {
	for _, u := range list {
		id := s.lookup(u)
		if id == "" {
			return nil, u
		}
		if !slices.Contains(members, id) {
			members = append(members, id)
		}
	}
	return members, ""
}

type updateReq struct {
	ChatID      string   `json:"chatid"`
	Name        string   `json:"name"`
	Owner       string   `json:"owner"`
	AddUserList []string `json:"add_user_list"`
	DelUserList []string `json:"del_user_list"`
}

// appchatUpdate answers POST /cgi-bin/appchat/update (/98913): a new owner
// is required when the owner is removed.
func (s *Server) appchatUpdate(r request) reply {
	var req updateReq
	if rep, ok := s.decodePost(r, &req); !ok {
		return rep
	}
	c, rep, ok := s.findChat(req.ChatID)
	if !ok {
		return rep
	}
	add, unknown := s.members(req.AddUserList)
	if unknown != "" {
		return s.failReply(86216, "invalid userid "+unknown)
	}
	del := map[string]bool{}
	for _, u := range req.DelUserList {
		id := s.lookup(u)
		if id == "" || !slices.Contains(c.members, id) {
			return s.failReply(86216, "invalid userid "+u)
		}
		del[id] = true
	}
	var next []string
	for _, id := range append(append([]string(nil), c.members...), add...) {
		if !del[id] && !slices.Contains(next, id) {
			next = append(next, id)
		}
	}
	if len(next) == 0 || len(next) > maxMembers {
		return s.failReply(86006, "")
	}
	owner := c.owner
	if req.Owner != "" {
		owner = s.lookup(req.Owner)
		if owner == "" {
			return s.failReply(86005, "")
		}
	} else if del[owner] {
		return s.failReply(86203, "")
	}
	if !slices.Contains(next, owner) {
		return s.failReply(86207, "")
	}
	c.members, c.owner = next, owner
	if req.Name != "" {
		c.name = cutRunes(req.Name, chatNameRunes)
	}
	return okReply()
}

// userGet answers GET /cgi-bin/user/get?userid (读取成员): the member, or
// 60111 for a userid the corporation does not have.
func (s *Server) userGet(r request) reply {
	id := s.lookup(r.query.Get("userid"))
	if id == "" {
		return s.failReply(60111, "userid not found")
	}
	return okReply(kv{"userid", id}, kv{"name", s.names[id]}, kv{"status", 1})
}

// appchatGet answers GET /cgi-bin/appchat/get?chatid.
func (s *Server) appchatGet(r request) reply {
	c, rep, ok := s.findChat(r.query.Get("chatid"))
	if !ok {
		return rep
	}
	return okReply(kv{"chat_info", obj{{"chatid", c.id}, {"name", c.name}, {"owner", c.owner}, {"userlist", c.members}}})
}

func (s *Server) findChat(id string) (*chat, reply, bool) {
	if id == "" {
		return nil, s.failReply(86201, ""), false
	}
	c := s.chats[id]
	if c == nil {
		return nil, s.failReply(86003, ""), false
	}
	return c, reply{}, true
}

type chatSendReq struct {
	ChatID   string    `json:"chatid"`
	MsgType  string    `json:"msgtype"`
	Text     *content  `json:"text"`
	Markdown *content  `json:"markdown"`
	TextCard *textCard `json:"textcard"`
	Image    *mediaRef `json:"image"`
	File     *mediaRef `json:"file"`
}

// appchatSend answers POST /cgi-bin/appchat/send (/90248). Members who got
// 200 messages from the app this minute, or 10000 today, do not get this
// one; WeCom drops it "而接口不会报错".
func (s *Server) appchatSend(r request) reply {
	var req chatSendReq
	if rep, ok := s.decodePost(r, &req); !ok {
		return rep
	}
	c, rep, ok := s.findChat(req.ChatID)
	if !ok {
		return rep
	}
	msg, rep, ok := s.anyMessage(req.MsgType, req.Text, req.Markdown, req.TextCard, req.Image, req.File, false, r.now)
	if !ok {
		return rep
	}
	msg.At = r.now
	delivered := 0
	for _, id := range c.members {
		times := within(s.chatTimes[id], r.now.Add(-24*time.Hour))
		if countSince(times, r.now.Add(-time.Minute)) >= chatPerMinute || len(times) >= chatPerDay {
			s.chatTimes[id] = times
			s.dropped++
			continue
		}
		s.chatTimes[id] = append(times, r.now)
		delivered++
	}
	if delivered > 0 {
		c.messages = append(c.messages, msg)
	}
	return okReply()
}

type robotReq struct {
	MsgType string `json:"msgtype"`
	Text    *struct {
		Content             string   `json:"content"`
		MentionedList       []string `json:"mentioned_list"`
		MentionedMobileList []string `json:"mentioned_mobile_list"`
	} `json:"text"`
	Markdown   *content    `json:"markdown"`
	MarkdownV2 *content    `json:"markdown_v2"`
	Image      *robotImage `json:"image"`
	File       *mediaRef   `json:"file"`
}

// mentionTag is the <@userid> extension text and markdown accept (/99110).
var mentionTag = regexp.MustCompile(`<@([^<>\s]+)>`)

// webhookSend answers POST /cgi-bin/webhook/send?key (/99110): text with
// mentioned_list, markdown and markdown_v2; past 20 messages a minute the
// key answers 45009 and nothing is delivered.
func (s *Server) webhookSend(r request) reply {
	rb := s.robots[r.query.Get("key")]
	if rb == nil {
		return s.failReply(93000, "")
	}
	var req robotReq
	if rep, ok := s.decodePost(r, &req); !ok {
		return rep
	}
	var msg Sent
	switch req.MsgType {
	case "text":
		if req.Text == nil || req.Text.Content == "" {
			return s.failReply(44004, "")
		}
		if len(req.Text.Content) > robotTextBytes {
			return s.failReply(40058, "text.content exceed max length 2048")
		}
		msg = Sent{MsgType: "text", Content: req.Text.Content, Mentioned: append([]string(nil), req.Text.MentionedList...)}
	case "markdown", "markdown_v2":
		md := req.Markdown
		if req.MsgType == "markdown_v2" {
			md = req.MarkdownV2
		}
		if md == nil || md.Content == "" {
			return s.failReply(44004, "")
		}
		if len(md.Content) > robotMDBytes {
			return s.failReply(40058, req.MsgType+".content exceed max length 4096")
		}
		msg = Sent{MsgType: req.MsgType, Content: md.Content}
	case "image", "file":
		var rep reply
		var ok bool
		if msg, rep, ok = s.robotMedia(r.query.Get("key"), req.MsgType, req.Image, req.File, r.now); !ok {
			return rep
		}
	default:
		return s.failReply(40008, "")
	}
	if msg.MsgType == "text" || msg.MsgType == "markdown" {
		for _, m := range mentionTag.FindAllStringSubmatch(msg.Content, -1) {
			if !slices.Contains(msg.Mentioned, m[1]) {
				msg.Mentioned = append(msg.Mentioned, m[1])
			}
		}
	}
	rb.times = within(rb.times, r.now.Add(-time.Minute))
	if len(rb.times) >= robotPerMin {
		return s.failReply(45009, "")
	}
	rb.times = append(rb.times, r.now)
	msg.At = r.now
	rb.messages = append(rb.messages, msg)
	return okReply()
}

type aibotReq struct {
	MsgType      string          `json:"msgtype"`
	Markdown     *content        `json:"markdown"`
	TemplateCard json.RawMessage `json:"template_card"`
}

// aibotResponse answers POST /cgi-bin/aibot/response?response_code (/101138):
// markdown (at most 20480 bytes) or template_card, once, within an hour.
// WeCom does not document the answer to a spent or stale code; 60140
// ("无效的response_code") is the global code that fits.
func (s *Server) aibotResponse(r request) reply {
	rc := s.respURLs[r.query.Get("response_code")]
	if rc == nil || rc.used || !r.now.Before(rc.expires) {
		return s.failReply(60140, "")
	}
	var req aibotReq
	if rep, ok := s.decodePost(r, &req); !ok {
		return rep
	}
	msg := Sent{MsgType: req.MsgType, At: r.now}
	switch req.MsgType {
	case "markdown":
		if req.Markdown == nil || req.Markdown.Content == "" {
			return s.failReply(44004, "")
		}
		if len(req.Markdown.Content) > aibotMDBytes {
			return s.failReply(40058, "markdown.content exceed max length 20480")
		}
		msg.Content = req.Markdown.Content
	case "template_card":
		if len(req.TemplateCard) == 0 {
			return s.failReply(40058, "template_card missing")
		}
		msg.Content = string(req.TemplateCard)
	default:
		return s.failReply(40008, "")
	}
	rc.used = true
	s.responses = append(s.responses, msg)
	return okReply()
}

// splitList splits "a|b" lists, ignoring blanks around the bars.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cutBytes cuts s to at most n bytes without splitting a character.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// cutRunes cuts s to at most n characters.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
