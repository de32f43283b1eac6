package wecomfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work"
	"github.com/silenceper/wechat/v2/work/appchat"
	workconfig "github.com/silenceper/wechat/v2/work/config"
	"github.com/silenceper/wechat/v2/work/message"
	"github.com/silenceper/wechat/v2/work/robot"
)

// util.SetURIModifier and util.DefaultHTTPClient are process-wide, so no
// test here runs in parallel.

// newSDK points the SDK at s and returns a client with a fresh token cache.
func newSDK(t *testing.T, s *Server) *work.Work {
	t.Helper()
	old := util.DefaultHTTPClient
	util.SetURIModifier(s.Redirect)
	util.DefaultHTTPClient = &http.Client{Timeout: 5 * time.Second}
	t.Cleanup(func() {
		util.SetURIModifier(nil)
		util.DefaultHTTPClient = old
	})
	return freshSDK()
}

func freshSDK() *work.Work {
	return work.NewWork(&workconfig.Config{
		CorpID:     CorpID,
		CorpSecret: Secret,
		AgentID:    strconv.Itoa(AgentID),
		Cache:      cache.NewMemory(),
	})
}

// fakeClock is a settable clock for the limits.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(s *Server) *fakeClock {
	c := &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s.SetClock(c.Now)
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// call sends a raw request and decodes the JSON answer.
func call(t *testing.T, method, u string, body any) map[string]any {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d", method, u, resp.StatusCode)
	}
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func errcode(m map[string]any) int {
	f, _ := m["errcode"].(float64)
	return int(f)
}

func wantCode(t *testing.T, m map[string]any, code int) {
	t.Helper()
	if got := errcode(m); got != code {
		t.Fatalf("errcode = %d, want %d (%v)", got, code, m["errmsg"])
	}
}

func getToken(t *testing.T, s *Server) string {
	t.Helper()
	m := call(t, http.MethodGet, s.URL+"/cgi-bin/gettoken?corpid="+CorpID+"&corpsecret="+Secret, nil)
	wantCode(t, m, 0)
	return m["access_token"].(string)
}

func api(s *Server, path, token string) string {
	return s.URL + path + "?access_token=" + url.QueryEscape(token)
}

func sdkCode(err error) int {
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return int(ce.ErrCode)
	}
	return 0
}

// markdownRequest is a message/send markdown body the SDK has no type for.
type markdownRequest struct {
	*message.SendRequestCommon
	Markdown struct {
		Content string `json:"content"`
	} `json:"markdown"`
}

type textCardRequest struct {
	*message.SendRequestCommon
	TextCard struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		URL         string `json:"url"`
		BtnTxt      string `json:"btntxt"`
	} `json:"textcard"`
}

func TestRedirect(t *testing.T) {
	s := New(t)
	for in, want := range map[string]string{
		"https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=a": s.URL + "/cgi-bin/gettoken?corpid=a",
		"http://qyapi.weixin.qq.com/cgi-bin/x":                  s.URL + "/cgi-bin/x",
		"https://api.weixin.qq.com/cgi-bin/token":               "https://api.weixin.qq.com/cgi-bin/token",
		"https://qyapi.weixin.qq.com.evil/cgi-bin/x":            "https://qyapi.weixin.qq.com.evil/cgi-bin/x",
	} {
		if got := s.Redirect(in); got != want {
			t.Errorf("Redirect(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSDKTokenAndMessageSend(t *testing.T) {
	s := New(t)
	s.AddUser("alice", "Alice")
	s.AddUser("Bob", "Bob")
	wk := newSDK(t, s)
	msg := wk.GetMessage()

	resp, err := msg.SendText(message.SendTextRequest{
		SendRequestCommon: &message.SendRequestCommon{ToUser: "alice|BOB|Ghost", AgentID: strconv.Itoa(AgentID)},
		Text:              message.TextField{Content: "hello"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.InvalidUser != "ghost" || resp.MsgID == "" {
		t.Errorf("answer = %+v, want invaliduser ghost and a msgid", resp)
	}
	if got := s.AppMessages("alice"); len(got) != 1 || got[0].MsgType != "text" || got[0].Content != "hello" {
		t.Errorf("alice got %+v", got)
	}
	if got := s.AppMessages("bob"); len(got) != 1 {
		t.Errorf("Bob (matched case-insensitively) got %+v", got)
	}

	md := markdownRequest{SendRequestCommon: &message.SendRequestCommon{ToUser: "alice", MsgType: "markdown", AgentID: strconv.Itoa(AgentID)}}
	md.Markdown.Content = "**done**"
	if _, err := msg.Send("markdown", md); err != nil {
		t.Fatal(err)
	}
	card := textCardRequest{SendRequestCommon: &message.SendRequestCommon{ToUser: "alice", MsgType: "textcard", AgentID: strconv.Itoa(AgentID)}}
	card.TextCard.Title, card.TextCard.Description, card.TextCard.URL = "Title", "Body", "https://example.com/x"
	if _, err := msg.Send("textcard", card); err != nil {
		t.Fatal(err)
	}
	got := s.AppMessages("alice")
	if len(got) != 3 || got[1].Content != "**done**" || got[2].MsgType != "textcard" || got[2].Content != "Title\nBody" {
		t.Errorf("alice got %+v", got)
	}

	if n := s.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued = %d, want 1 (the SDK caches its token)", n)
	}
	tok := s.Calls("/cgi-bin/gettoken")
	if len(tok) != 1 || tok[0].Query["corpid"] != CorpID || tok[0].Body != nil {
		t.Errorf("gettoken calls = %+v", tok)
	}
	sends := s.Calls("/cgi-bin/message/send")
	if len(sends) != 3 || sends[0].Body["touser"] != "alice|BOB|Ghost" || sends[0].Body["agentid"] != "1000002" {
		t.Errorf("first send = %+v", sends[0])
	}

	// Nobody valid: 81013; a foreign agent: 40056.
	_, err = msg.SendText(message.SendTextRequest{
		SendRequestCommon: &message.SendRequestCommon{ToUser: "ghost", AgentID: strconv.Itoa(AgentID)},
		Text:              message.TextField{Content: "x"},
	})
	if sdkCode(err) != 81013 {
		t.Errorf("all invalid: err = %v, want 81013", err)
	}
	_, err = msg.SendText(message.SendTextRequest{
		SendRequestCommon: &message.SendRequestCommon{ToUser: "alice", AgentID: "42"},
		Text:              message.TextField{Content: "x"},
	})
	if sdkCode(err) != 40056 {
		t.Errorf("wrong agent: err = %v, want 40056", err)
	}
}

func TestMessageSendRawChecks(t *testing.T) {
	s := New(t)
	s.AddUser("alice", "Alice")
	tok := getToken(t, s)
	u := api(s, "/cgi-bin/message/send", tok)

	wantCode(t, call(t, http.MethodGet, u, nil), 40058)
	wantCode(t, call(t, http.MethodPost, u, "{not json"), 40058)
	wantCode(t, call(t, http.MethodPost, u, map[string]any{"touser": "alice", "msgtype": "text", "text": map[string]any{"content": "x"}}), 41011)
	wantCode(t, call(t, http.MethodPost, u, map[string]any{"touser": "alice", "agentid": AgentID, "msgtype": "voice"}), 40008)
	wantCode(t, call(t, http.MethodPost, u, map[string]any{"agentid": AgentID, "msgtype": "text", "text": map[string]any{"content": "x"}}), 81012)
	wantCode(t, call(t, http.MethodPost, u, map[string]any{"touser": "alice", "agentid": AgentID, "msgtype": "markdown",
		"markdown": map[string]any{"content": strings.Repeat("x", 2049)}}), 45002)

	// Text over 2048 bytes is cut, not refused; the number agentid works too.
	m := call(t, http.MethodPost, u, map[string]any{"touser": "alice", "agentid": AgentID, "msgtype": "text",
		"text": map[string]any{"content": strings.Repeat("汉", 700)}})
	wantCode(t, m, 0)
	if got := s.AppMessages("alice"); len(got) != 1 || len(got[0].Content) != 2046 {
		t.Errorf("long text delivered as %d bytes, want 2046", len(got[0].Content))
	}
	if _, ok := m["msgid"].(string); !ok {
		t.Errorf("msgid is not a string: %v", m)
	}
}

func TestDuplicateCheck(t *testing.T) {
	s := New(t)
	clock := newClock(s)
	s.AddUser("alice", "Alice")
	u := api(s, "/cgi-bin/message/send", getToken(t, s))
	body := map[string]any{"touser": "alice", "agentid": AgentID, "msgtype": "markdown", "markdown": map[string]any{"content": "same"},
		"enable_duplicate_check": 1, "duplicate_check_interval": 60}

	wantCode(t, call(t, http.MethodPost, u, body), 0)
	wantCode(t, call(t, http.MethodPost, u, body), 0)
	if n := len(s.AppMessages("alice")); n != 1 {
		t.Fatalf("delivered %d, want 1 within the interval", n)
	}
	clock.Advance(61 * time.Second)
	wantCode(t, call(t, http.MethodPost, u, body), 0)
	body["enable_duplicate_check"] = 0
	wantCode(t, call(t, http.MethodPost, u, body), 0)
	if n := len(s.AppMessages("alice")); n != 3 {
		t.Errorf("delivered %d, want 3", n)
	}
}

func TestAppChatCreateAndUpdate(t *testing.T) {
	s := New(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		s.AddUser(u, strings.ToUpper(u))
	}
	tok := getToken(t, s)
	create := api(s, "/cgi-bin/appchat/create", tok)

	for _, c := range []struct {
		body map[string]any
		code int
	}{
		{map[string]any{"name": "x", "userlist": []string{}}, 86204},
		{map[string]any{"name": "x", "userlist": []string{"alice"}}, 86006},
		{map[string]any{"name": "x", "userlist": []string{"alice", "alice"}}, 86006},
		{map[string]any{"name": "x", "userlist": []string{"alice", "mallory"}}, 86216},
		{map[string]any{"name": "x", "owner": "carol", "userlist": []string{"alice", "bob"}}, 86207},
		{map[string]any{"name": "x", "owner": "mallory", "userlist": []string{"alice", "bob"}}, 86005},
		{map[string]any{"name": "x", "userlist": []string{"alice", "bob"}, "chatid": "has-dash"}, 86001},
		{map[string]any{"name": "x", "userlist": []string{"alice", "bob"}, "chatid": strings.Repeat("a", 33)}, 86205},
	} {
		wantCode(t, call(t, http.MethodPost, create, c.body), c.code)
	}

	name := strings.Repeat("群", 60)
	m := call(t, http.MethodPost, create, map[string]any{"name": name, "owner": "bob", "userlist": []string{"alice", "bob"}, "chatid": "complaint42"})
	wantCode(t, m, 0)
	if m["chatid"] != "complaint42" {
		t.Errorf("chatid = %v", m["chatid"])
	}
	wantCode(t, call(t, http.MethodPost, create, map[string]any{"userlist": []string{"alice", "bob"}, "chatid": "complaint42"}), 86215)
	c, ok := s.Chat("complaint42")
	if !ok || c.Owner != "bob" || len(c.Members) != 2 || c.Name != strings.Repeat("群", 50) {
		t.Errorf("chat = %+v (the name is cut to 50 characters)", c)
	}

	m = call(t, http.MethodPost, create, map[string]any{"name": "auto", "userlist": []string{"carol", "alice"}})
	wantCode(t, m, 0)
	auto := m["chatid"].(string)
	if !chatIDChars.MatchString(auto) || len(auto) > 32 {
		t.Errorf("generated chatid %q", auto)
	}
	if chats := s.Chats(); len(chats) != 2 || chats[1].Owner != "carol" {
		t.Errorf("Chats = %+v", chats)
	}

	update := api(s, "/cgi-bin/appchat/update", tok)
	wantCode(t, call(t, http.MethodPost, update, map[string]any{"chatid": "nope"}), 86003)
	wantCode(t, call(t, http.MethodPost, update, map[string]any{"chatid": "complaint42", "add_user_list": []string{"mallory"}}), 86216)
	wantCode(t, call(t, http.MethodPost, update, map[string]any{"chatid": "complaint42", "del_user_list": []string{"carol"}}), 86216)
	wantCode(t, call(t, http.MethodPost, update, map[string]any{"chatid": "complaint42", "del_user_list": []string{"bob"}}), 86203)
	wantCode(t, call(t, http.MethodPost, update, map[string]any{"chatid": "complaint42", "name": "renamed",
		"add_user_list": []string{"carol"}, "del_user_list": []string{"bob"}, "owner": "carol"}), 0)
	c, _ = s.Chat("complaint42")
	if c.Name != "renamed" || c.Owner != "carol" || strings.Join(c.Members, ",") != "alice,carol" {
		t.Errorf("updated chat = %+v", c)
	}

	m = call(t, http.MethodGet, api(s, "/cgi-bin/appchat/get", tok)+"&chatid=complaint42", nil)
	wantCode(t, m, 0)
	if info := m["chat_info"].(map[string]any); info["owner"] != "carol" {
		t.Errorf("chat_info = %v", info)
	}
}

func TestSDKAppChatSend(t *testing.T) {
	s := New(t)
	s.AddUser("alice", "Alice")
	s.AddUser("bob", "Bob")
	wk := newSDK(t, s)
	wantCode(t, call(t, http.MethodPost, api(s, "/cgi-bin/appchat/create", getToken(t, s)),
		map[string]any{"name": "room", "userlist": []string{"alice", "bob"}, "chatid": "room1"}), 0)

	ac := wk.GetAppChat()
	if _, err := ac.SendText(appchat.SendTextRequest{SendRequestCommon: &appchat.SendRequestCommon{ChatID: "room1"}, Text: appchat.TextField{Content: "hi"}}); err != nil {
		t.Fatal(err)
	}
	md := struct {
		*appchat.SendRequestCommon
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}{SendRequestCommon: &appchat.SendRequestCommon{ChatID: "room1", MsgType: "markdown"}}
	md.Markdown.Content = "# heading"
	if _, err := ac.Send("markdown", md); err != nil {
		t.Fatal(err)
	}
	_, err := ac.SendText(appchat.SendTextRequest{SendRequestCommon: &appchat.SendRequestCommon{ChatID: "gone"}, Text: appchat.TextField{Content: "x"}})
	if sdkCode(err) != 86003 {
		t.Errorf("unknown chat: err = %v, want 86003", err)
	}
	c, _ := s.Chat("room1")
	if len(c.Messages) != 2 || c.Messages[0].Content != "hi" || c.Messages[1].MsgType != "markdown" {
		t.Errorf("messages = %+v", c.Messages)
	}
	if n := s.TokensIssued(); n != 1 {
		t.Errorf("TokensIssued = %d: gettoken should hand the SDK the token it already issued", n)
	}
}

func TestTokens(t *testing.T) {
	s := New(t)
	clock := newClock(s)
	s.AddUser("alice", "Alice")
	wk := newSDK(t, s)

	wantCode(t, call(t, http.MethodGet, s.URL+"/cgi-bin/gettoken?corpid=wrong&corpsecret="+Secret, nil), 40013)
	wantCode(t, call(t, http.MethodGet, s.URL+"/cgi-bin/gettoken?corpid="+CorpID+"&corpsecret=wrong", nil), 40001)
	wantCode(t, call(t, http.MethodPost, s.URL+"/cgi-bin/message/send", "{}"), 41001)
	wantCode(t, call(t, http.MethodPost, api(s, "/cgi-bin/message/send", "forged"), "{}"), 40014)

	send := func(w *work.Work) error {
		_, err := w.GetMessage().SendText(message.SendTextRequest{
			SendRequestCommon: &message.SendRequestCommon{ToUser: "alice", AgentID: strconv.Itoa(AgentID)},
			Text:              message.TextField{Content: "x"},
		})
		return err
	}
	if err := send(wk); err != nil {
		t.Fatal(err)
	}
	old := getToken(t, s)
	s.ExpireToken()
	if err := send(wk); sdkCode(err) != 42001 {
		t.Fatalf("cached token after ExpireToken: err = %v, want 42001", err)
	}
	wantCode(t, call(t, http.MethodPost, api(s, "/cgi-bin/message/send", old), "{}"), 42001)
	if err := send(freshSDK()); err != nil {
		t.Fatalf("with a fresh cache: %v", err)
	}
	if n := s.TokensIssued(); n != 2 {
		t.Errorf("TokensIssued = %d, want 2", n)
	}

	// Tokens also run out after expires_in on the fake's clock.
	cur := getToken(t, s)
	clock.Advance(7201 * time.Second)
	wantCode(t, call(t, http.MethodPost, api(s, "/cgi-bin/message/send", cur), "{}"), 42001)
	if next := getToken(t, s); next == cur {
		t.Error("gettoken after expiry returned the old token")
	}
}

func TestFaults(t *testing.T) {
	s := New(t)
	s.AddUser("alice", "Alice")
	s.AddUser("bob", "Bob")
	wk := newSDK(t, s)
	send := func() error {
		_, err := wk.GetMessage().SendText(message.SendTextRequest{
			SendRequestCommon: &message.SendRequestCommon{ToUser: "alice", AgentID: strconv.Itoa(AgentID)},
			Text:              message.TextField{Content: "x"},
		})
		return err
	}

	s.FailNext("/cgi-bin/message/send", 2, 45033)
	s.FailNext("/cgi-bin/message/send", 1, -1)
	for _, want := range []int{45033, 45033, -1} {
		err := send()
		if sdkCode(err) != want {
			t.Fatalf("err = %v, want errcode %d", err, want)
		}
		var ce *util.CommonError
		if errors.As(err, &ce) && !strings.Contains(ce.ErrMsg, "more info at https://open.work.weixin.qq.com/devtool/query?e=") {
			t.Errorf("errmsg %q does not read like WeCom's", ce.ErrMsg)
		}
	}
	if n := len(s.AppMessages("alice")); n != 0 {
		t.Fatalf("faulted calls delivered %d messages", n)
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, c := range s.Calls("/cgi-bin/message/send") {
		codes = append(codes, c.ErrCode)
	}
	if fmt.Sprint(codes) != "[45033 45033 -1 0]" {
		t.Errorf("recorded errcodes = %v", codes)
	}

	// A drop delivers, then hangs up: the sender sees an error but the
	// group has the message.
	wantCode(t, call(t, http.MethodPost, api(s, "/cgi-bin/appchat/create", getToken(t, s)),
		map[string]any{"userlist": []string{"alice", "bob"}, "chatid": "r"}), 0)
	s.DropNext("/cgi-bin/appchat/send", 1)
	_, err := wk.GetAppChat().SendText(appchat.SendTextRequest{SendRequestCommon: &appchat.SendRequestCommon{ChatID: "r"}, Text: appchat.TextField{Content: "lost answer"}})
	if err == nil {
		t.Fatal("dropped call answered")
	}
	if c, _ := s.Chat("r"); len(c.Messages) != 1 {
		t.Errorf("dropped call did not deliver: %+v", c.Messages)
	}
	if _, err := wk.GetAppChat().SendText(appchat.SendTextRequest{SendRequestCommon: &appchat.SendRequestCommon{ChatID: "r"}, Text: appchat.TextField{Content: "again"}}); err != nil {
		t.Errorf("after the drop: %v", err)
	}
}

func TestAppMessageLimits(t *testing.T) {
	s := New(t)
	clock := newClock(s)
	s.AddUser("alice", "Alice")
	s.AddUser("bob", "Bob")
	u := api(s, "/cgi-bin/message/send", getToken(t, s))
	send := func(to string) {
		t.Helper()
		wantCode(t, call(t, http.MethodPost, u, map[string]any{"touser": to, "agentid": AgentID, "msgtype": "text", "text": map[string]any{"content": "x"}}), 0)
	}

	for range 30 {
		send("alice")
	}
	send("alice|bob") // over the minute for alice only: answered ok
	if a, b, d := len(s.AppMessages("alice")), len(s.AppMessages("bob")), s.Dropped(); a != 30 || b != 1 || d != 1 {
		t.Fatalf("alice %d, bob %d, dropped %d; want 30, 1, 1", a, b, d)
	}
	clock.Advance(61 * time.Second)
	send("alice")
	if a := len(s.AppMessages("alice")); a != 31 {
		t.Fatalf("after a minute alice has %d, want 31", a)
	}

	// 1000 an hour: space bob's messages 3 s apart so the minute limit
	// never bites.
	for range 999 {
		clock.Advance(3 * time.Second)
		send("bob")
	}
	clock.Advance(3 * time.Second)
	send("bob")
	if b, d := len(s.AppMessages("bob")), s.Dropped(); b != 1000 || d != 2 {
		t.Errorf("bob %d, dropped %d; want 1000, 2", b, d)
	}
}

func TestAppChatLimit(t *testing.T) {
	s := New(t)
	clock := newClock(s)
	s.AddUser("alice", "Alice")
	s.AddUser("bob", "Bob")
	tok := getToken(t, s)
	wantCode(t, call(t, http.MethodPost, api(s, "/cgi-bin/appchat/create", tok), map[string]any{"userlist": []string{"alice", "bob"}, "chatid": "busy"}), 0)
	u := api(s, "/cgi-bin/appchat/send", tok)
	for range 201 {
		wantCode(t, call(t, http.MethodPost, u, map[string]any{"chatid": "busy", "msgtype": "markdown", "markdown": map[string]any{"content": "x"}}), 0)
	}
	c, _ := s.Chat("busy")
	if len(c.Messages) != 200 || s.Dropped() != 2 {
		t.Fatalf("messages %d, dropped %d; want 200 and 2 (one per member)", len(c.Messages), s.Dropped())
	}
	clock.Advance(time.Minute + time.Second)
	wantCode(t, call(t, http.MethodPost, u, map[string]any{"chatid": "busy", "msgtype": "text", "text": map[string]any{"content": "later"}}), 0)
	if c, _ := s.Chat("busy"); len(c.Messages) != 201 {
		t.Errorf("after a minute: %d messages", len(c.Messages))
	}
}

func TestRobotWebhook(t *testing.T) {
	s := New(t)
	clock := newClock(s)
	s.AddRobot("k1")
	newSDK(t, s)
	bot := freshSDK().GetRobot()

	text := robot.WebhookSendTextOption{MsgType: "text"}
	text.Text.Content = "on call"
	text.Text.MentionedList = []string{"alice", "@all"}
	if info, err := bot.RobotBroadcast("k1", text); err != nil || info.ErrCode != 0 {
		t.Fatalf("text: %+v %v", info, err)
	}
	hook := s.URL + "/cgi-bin/webhook/send?key=k1"
	wantCode(t, call(t, http.MethodPost, hook, map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": "ping <@bob>"}}), 0)
	wantCode(t, call(t, http.MethodPost, hook, map[string]any{"msgtype": "markdown_v2", "markdown_v2": map[string]any{"content": "<@bob> stays text"}}), 0)
	wantCode(t, call(t, http.MethodPost, hook, map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": strings.Repeat("x", 4097)}}), 40058)
	wantCode(t, call(t, http.MethodPost, s.URL+"/cgi-bin/webhook/send?key=nope", map[string]any{"msgtype": "text", "text": map[string]any{"content": "x"}}), 93000)

	got := s.RobotMessages("k1")
	if len(got) != 3 || strings.Join(got[0].Mentioned, ",") != "alice,@all" || strings.Join(got[1].Mentioned, ",") != "bob" || len(got[2].Mentioned) != 0 {
		t.Fatalf("robot got %+v", got)
	}

	for range 17 {
		wantCode(t, call(t, http.MethodPost, hook, map[string]any{"msgtype": "text", "text": map[string]any{"content": "x"}}), 0)
	}
	wantCode(t, call(t, http.MethodPost, hook, map[string]any{"msgtype": "text", "text": map[string]any{"content": "21st"}}), 45009)
	if n := len(s.RobotMessages("k1")); n != 20 || s.Dropped() != 0 {
		t.Fatalf("robot has %d messages, dropped %d; want 20, 0", n, s.Dropped())
	}
	clock.Advance(time.Minute)
	wantCode(t, call(t, http.MethodPost, hook, map[string]any{"msgtype": "text", "text": map[string]any{"content": "later"}}), 0)
}

func TestResponseURL(t *testing.T) {
	s := New(t)
	clock := newClock(s)
	ru := s.NewResponseURL()
	if !strings.HasPrefix(ru, s.URL+"/cgi-bin/aibot/response?response_code=") {
		t.Fatalf("response url %q", ru)
	}
	md := map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": "**answer**"}}
	wantCode(t, call(t, http.MethodPost, ru, md), 0)
	wantCode(t, call(t, http.MethodPost, ru, md), 60140)

	late := s.NewResponseURL()
	clock.Advance(time.Hour)
	wantCode(t, call(t, http.MethodPost, late, md), 60140)

	again := s.NewResponseURL()
	s.FailNext("/cgi-bin/aibot/response", 1, -1)
	wantCode(t, call(t, http.MethodPost, again, md), -1)
	wantCode(t, call(t, http.MethodPost, again, md), 0) // a fault does not spend the code

	if got := s.Responses(); len(got) != 2 || got[0].MsgType != "markdown" || got[0].Content != "**answer**" {
		t.Errorf("responses = %+v", got)
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	for _, rid := range []string{CorpID, ""} {
		for _, msg := range []string{"", "x", strings.Repeat("a", 11), strings.Repeat("b", 12), strings.Repeat("c", 44), "你好 <xml/> ]]>", strings.Repeat("d", 5000)} {
			enc, err := Encrypt(sampleAESKey, rid, []byte(msg))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := base64.StdEncoding.DecodeString(enc)
			if len(raw)%32 != 0 {
				t.Errorf("ciphertext of %d bytes is not padded to 32", len(raw))
			}
			got, err := Decrypt(sampleAESKey, rid, enc)
			if err != nil || string(got) != msg {
				t.Errorf("round trip (%q, %d bytes) = %q, %v", rid, len(msg), got, err)
			}
			other := "other"
			if rid == "other" {
				other = ""
			}
			if _, err := Decrypt(sampleAESKey, other, enc); err == nil {
				t.Errorf("Decrypt accepted receiveid %q for a message to %q", other, rid)
			}
		}
	}
	enc, _ := Encrypt(sampleAESKey, CorpID, []byte("tamper"))
	if _, err := Decrypt(pyAESKey, CorpID, enc); err == nil {
		t.Error("Decrypt with the wrong key succeeded")
	}
	if _, err := Encrypt("short", CorpID, nil); err == nil {
		t.Error("Encrypt accepted a bad EncodingAESKey")
	}
}

func TestCallbackBuilders(t *testing.T) {
	const token = "cbtoken"
	var (
		mu     sync.Mutex
		got    []*http.Request
		bodies [][]byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got, bodies = append(got, r), append(bodies, b)
	}))
	defer srv.Close()
	// send delivers the request as a client would, proving it is
	// sendable, and returns it as the server saw it.
	send := func(r *http.Request) (*http.Request, []byte) {
		t.Helper()
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		mu.Lock()
		defer mu.Unlock()
		return got[len(got)-1], bodies[len(bodies)-1]
	}

	// The app: XML envelope, receiveid the CorpID.
	r, body := send(AppCallback(srv.URL+"/wecom/app?tenant=1", token, sampleAESKey, AppText{From: "alice", Content: "help ]]> me", MsgID: 77, CreateTime: 1700000000}))
	q := r.URL.Query()
	if r.Method != http.MethodPost || q.Get("tenant") != "1" || q.Get("timestamp") != "1700000000" {
		t.Fatalf("app callback %s %s", r.Method, r.URL)
	}
	var env struct {
		ToUserName, AgentID, Encrypt string
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	if env.ToUserName != CorpID || env.AgentID != strconv.Itoa(AgentID) {
		t.Errorf("envelope = %+v", env)
	}
	if Signature(token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt) != q.Get("msg_signature") {
		t.Error("app callback signature does not verify")
	}
	plain, err := Decrypt(sampleAESKey, CorpID, env.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		ToUserName, FromUserName, MsgType, Content string
		CreateTime, MsgId                          int64
		AgentID                                    int
	}
	if err := xml.Unmarshal(plain, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.ToUserName != CorpID || msg.FromUserName != "alice" || msg.MsgType != "text" || msg.Content != "help ]]> me" ||
		msg.CreateTime != 1700000000 || msg.MsgId != 77 || msg.AgentID != AgentID {
		t.Errorf("decrypted app message = %+v", msg)
	}

	// URL verification for the app and for the aibot.
	for _, rid := range []string{CorpID, ""} {
		r, _ := send(VerifyRequest(srv.URL+"/verify", token, sampleAESKey, rid, "echo-"+rid))
		q := r.URL.Query()
		if r.Method != http.MethodGet || Signature(token, q.Get("timestamp"), q.Get("nonce"), q.Get("echostr")) != q.Get("msg_signature") {
			t.Errorf("verify request %s %s does not verify", r.Method, r.URL)
		}
		if echo, err := Decrypt(sampleAESKey, rid, q.Get("echostr")); err != nil || string(echo) != "echo-"+rid {
			t.Errorf("echostr for %q = %q, %v", rid, echo, err)
		}
	}

	// The aibot: JSON envelope, receiveid "", chatid only in groups.
	for _, c := range []struct {
		in       AIBotText
		chattype string
	}{
		{AIBotText{ChatID: "wrgroup", From: "bob", Content: "@Bot status?", ResponseURL: "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=x"}, "group"},
		{AIBotText{From: "bob", Content: "status?"}, "single"},
	} {
		r, body := send(AIBotCallback(srv.URL+"/aibot", token, sampleAESKey, c.in))
		q := r.URL.Query()
		var env struct {
			Encrypt string `json:"encrypt"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
			t.Fatalf("aibot body %s: %v", body, err)
		}
		if Signature(token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt) != q.Get("msg_signature") {
			t.Error("aibot signature does not verify")
		}
		plain, err := Decrypt(sampleAESKey, "", env.Encrypt)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(plain, &m); err != nil {
			t.Fatal(err)
		}
		_, hasChat := m["chatid"]
		if m["chattype"] != c.chattype || hasChat != (c.chattype == "group") || m["msgtype"] != "text" ||
			m["from"].(map[string]any)["userid"] != "bob" || m["text"].(map[string]any)["content"] != c.in.Content || m["msgid"] == "" {
			t.Errorf("aibot message = %s", plain)
		}
	}
}

func TestWaitFor(t *testing.T) {
	s := New(t)
	s.AddRobot("k")
	go func() {
		time.Sleep(20 * time.Millisecond)
		resp, err := http.Post(s.URL+"/cgi-bin/webhook/send?key=k", "application/json", strings.NewReader(`{"msgtype":"text","text":{"content":"bg"}}`))
		if err == nil {
			resp.Body.Close()
		}
	}()
	if !s.WaitFor(2*time.Second, func() bool { return len(s.RobotMessages("k")) == 1 }) {
		t.Fatal("WaitFor timed out")
	}
	if s.WaitFor(30*time.Millisecond, func() bool { return false }) {
		t.Fatal("WaitFor reported a condition that never held")
	}
}

// Tencent's WXBizMsgCrypt sample vectors, copied from the official samples.
//
// Set A is the one in https://github.com/sbzhu/weworkapi_golang sample.go
// (the same values are in weworkapi_php callback/Sample.php and
// workweixin/weworkapi_cplusplus Sample.cpp). The samples do not print the
// echostr plaintext; the decrypted message is the one in the PHP sample's
// comment.
const (
	sampleToken  = "QDG6eK"
	sampleCorpID = "wx5823bf96d3bd56c7"
	sampleAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

	sampleVerifySig   = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	sampleVerifyTS    = "1409659589"
	sampleVerifyNonce = "263014780"
	sampleEchoStr     = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	sampleEchoPlain   = "1616140317555161061"

	sampleMsgSig   = "477715d11cdb4164915debcba66cb864d751f3e6"
	sampleMsgTS    = "1409659813"
	sampleMsgNonce = "1372623149"
	sampleMsgBody  = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
	sampleMsgPlain = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
)

// Set B is the one the code of https://github.com/sbzhu/weworkapi_python
// callback/Sample.py uses (its comments still show set A).
const (
	pyToken  = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	pyAESKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	pyCorpID = "ww1436e0e65a779aee"

	pyVerifySig   = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
	pyVerifyTS    = "1476416373"
	pyVerifyNonce = "47744683"
	pyEchoStr     = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
	pyEchoPlain   = "1288432023552776189"

	pyMsgSig     = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
	pyMsgTS      = "1476422779"
	pyMsgNonce   = "1597212914"
	pyMsgEncrypt = "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
	pyMsgPlain   = "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
)

// Set C is the JSON callback of
// https://github.com/workweixin/weworkapi_golang json_callback/sample.go
// (token, key and corp of set A).
const (
	jsonMsgSig   = "0623cbc5a8cbee5bcc137c70de99575366fc2af3"
	jsonMsgBody  = `{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=","agentid":"218"}`
	jsonMsgPlain = `{"ToUserName":"wx5823bf96d3bd56c7","FromUserName":"mycreate","CreateTime": 1409659813,"MsgType":"text","Content":"hello","MsgId":4561255354251345929,"AgentID": 218}`
)

type vector struct {
	name, token, key, receiveID, sig, ts, nonce, encrypt, plain string
}

func TestTencentSampleVectors(t *testing.T) {
	var env struct {
		ToUserName string `xml:"ToUserName"`
		Encrypt    string `xml:"Encrypt"`
		AgentID    string `xml:"AgentID"`
	}
	if err := xml.Unmarshal([]byte(sampleMsgBody), &env); err != nil {
		t.Fatal(err)
	}
	if env.ToUserName != sampleCorpID || env.AgentID != "218" {
		t.Fatalf("sample body envelope = %+v", env)
	}
	var jsonEnv struct {
		Encrypt string `json:"encrypt"`
	}
	if err := json.Unmarshal([]byte(jsonMsgBody), &jsonEnv); err != nil {
		t.Fatal(err)
	}

	for _, v := range []vector{
		{"A verify", sampleToken, sampleAESKey, sampleCorpID, sampleVerifySig, sampleVerifyTS, sampleVerifyNonce, sampleEchoStr, sampleEchoPlain},
		{"A message", sampleToken, sampleAESKey, sampleCorpID, sampleMsgSig, sampleMsgTS, sampleMsgNonce, env.Encrypt, sampleMsgPlain},
		{"B verify", pyToken, pyAESKey, pyCorpID, pyVerifySig, pyVerifyTS, pyVerifyNonce, pyEchoStr, pyEchoPlain},
		{"B message", pyToken, pyAESKey, pyCorpID, pyMsgSig, pyMsgTS, pyMsgNonce, pyMsgEncrypt, pyMsgPlain},
		{"C json message", sampleToken, sampleAESKey, sampleCorpID, jsonMsgSig, sampleMsgTS, sampleMsgNonce, jsonEnv.Encrypt, jsonMsgPlain},
	} {
		t.Run(v.name, func(t *testing.T) {
			if got := Signature(v.token, v.ts, v.nonce, v.encrypt); got != v.sig {
				t.Errorf("Signature = %s, want %s", got, v.sig)
			}
			got, err := Decrypt(v.key, v.receiveID, v.encrypt)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if string(got) != v.plain {
				t.Errorf("Decrypt = %q, want %q", got, v.plain)
			}
			if _, err := Decrypt(v.key, "someone-else", v.encrypt); err == nil {
				t.Error("Decrypt accepted a foreign receiveid")
			}
		})
	}
}
