package wecom

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"

	"qunsu"
	"qunsu/bot"
	"qunsu/calendar"
	"qunsu/config"
	"qunsu/internal/redistest"
	"qunsu/internal/wecomfake"
	"qunsu/store"
)

func TestMain(m *testing.M) { redistest.Main(m) }

var ctx = context.Background()

// The store's cache is what the SDK keeps its access token in.
var _ cache.Cache = (*store.SDKCache)(nil)

const (
	appToken   = "appToken123"
	appAESKey  = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	botToken   = "botToken456"
	botAESKey  = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg"
	managerKey = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
)

// rig is an adapter for a tenant of its own, on a real Redis and a fake WeCom.
type rig struct {
	t      *testing.T
	fake   *wecomfake.Server
	st     *store.Store
	tenant *qunsu.Settings
	a      *Adapter
	http   *httptest.Server
}

func newRig(t *testing.T) *rig {
	fake := wecomfake.New(t)
	c := config.Default().Tenants[0]
	c.ID = redistest.Tenant(t)
	s, err := c.Settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Calendar = calendar.Weekdays{Location: s.Location}
	s.Managers = map[string]string{"wecom": "robot:managers"}
	for _, p := range s.Directory.People {
		fake.AddUser(p.WeCom, p.Name)
	}
	fake.AddRobot(managerKey)
	st := store.New(redistest.Client(t))
	a, err := New(Config{CorpID: wecomfake.CorpID, AgentID: fmt.Sprint(wecomfake.AgentID), Secret: wecomfake.Secret,
		Token: appToken, AESKey: appAESKey, AIBotToken: botToken, AIBotAESKey: botAESKey,
		Robots: map[string]string{"managers": managerKey}, APIURL: fake.URL},
		Options{Tenant: &s, Inbox: st, Memory: st, Quota: st, Cache: st.SDKCache(s.Tenant)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &rig{t: t, fake: fake, st: st, tenant: &s, a: a, http: srv}
}

func (r *rig) do(req *http.Request) (int, string) {
	r.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// inbound returns the next message in the tenant's inbox.
func (r *rig) inbound() qunsu.Inbound {
	r.t.Helper()
	got, err := r.st.ReceiveInbound(ctx, r.tenant.Tenant, "test", 1, time.Hour, 2*time.Second)
	if err != nil || len(got) != 1 {
		r.t.Fatalf("inbox: %v %v", got, err)
	}
	r.st.DoneInbound(ctx, r.tenant.Tenant, got[0].ID)
	return got[0].Inbound
}

func (r *rig) send(msgs ...qunsu.Message) (stop func()) {
	if err := r.st.Commit(ctx, qunsu.Change{Tenant: r.tenant.Tenant, Messages: msgs}); err != nil {
		r.t.Fatal(err)
	}
	c, cancel := context.WithCancel(ctx)
	s := &bot.Sender{Platform: Platform, Outbox: r.st, Transport: r.a, Tenants: []string{r.tenant.Tenant}, Consumer: "test",
		Poll: 50 * time.Millisecond, Backoff: bot.Backoff{Initial: 10 * time.Millisecond, Max: 100 * time.Millisecond}}
	done := make(chan struct{})
	go func() { s.Run(c); close(done) }()
	return func() { cancel(); <-done }
}

// Tencent's own sample (WXBizMsgCrypt, set A of its Go, PHP and C++ samples)
// passes the app callback: the URL check answers its plaintext, and its
// message is read as the text "hello" from mycreate.
func TestTencentSampleThroughTheCallback(t *testing.T) {
	const (
		token, corp, key = "QDG6eK", "wx5823bf96d3bd56c7", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
		echo             = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
		body             = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
	)
	r := newRig(t)
	r.a.cfg.CorpID, r.a.cfg.Token = corp, token
	r.a.appKey, _ = parseKey(key)
	r.a.now = func() time.Time { return time.Unix(1409659813, 0) } // when the sample was made

	req, _ := http.NewRequest("GET", r.http.URL+"/wecom/callback?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr="+urlEscape(echo), nil)
	if st, got := r.do(req); st != 200 || got != "1616140317555161061" {
		t.Errorf("URL check: %d %q", st, got)
	}
	req, _ = http.NewRequest("POST", r.http.URL+"/wecom/callback?msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149", strings.NewReader(body))
	if st, got := r.do(req); st != 200 || got != "" {
		t.Fatalf("message: %d %q", st, got)
	}
	in := r.inbound()
	if in.User != "mycreate" || in.Text != "hello" || in.ID != "msg:4561255354251345929" || in.Chat.ID != "user:mycreate" {
		t.Errorf("read as %+v", in)
	}
	// The same body with one byte of its signature changed is refused.
	req, _ = http.NewRequest("POST", r.http.URL+"/wecom/callback?msg_signature=477715d11cdb4164915debcba66cb864d751f3e7&timestamp=1409659813&nonce=1372623149", strings.NewReader(body))
	if st, _ := r.do(req); st != http.StatusUnauthorized {
		t.Errorf("forged signature: %d", st)
	}
}

func urlEscape(s string) string {
	return strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(s)
}

// The intelligent robot's callback: the URL check with receive id "", an @
// in a group read as the command after it, answered once through the
// response URL; a second answer goes to the speaker through the app.
func TestAIBotAnswersThroughItsResponseURL(t *testing.T) {
	r := newRig(t)
	if st, got := r.do(wecomfake.VerifyRequest(r.http.URL+"/wecom/aibot", botToken, botAESKey, "", "8812345")); st != 200 || got != "8812345" {
		t.Fatalf("URL check: %d %q", st, got)
	}
	url := r.fake.NewResponseURL()
	req := wecomfake.AIBotCallback(r.http.URL+"/wecom/aibot", botToken, botAESKey, wecomfake.AIBotText{
		MsgID: "CAIQ1", ChatID: "wrGroup1", From: "LiQiang", ResponseURL: url, Content: "@qunsu 列表 翡翠湾"})
	if st, _ := r.do(req); st != 200 {
		t.Fatalf("callback: %d", st)
	}
	in := r.inbound()
	if in.Text != "列表 翡翠湾" || in.User != "LiQiang" || in.Chat.ID != "aibot:wrGroup1:LiQiang" || in.Chat.ReplyURL != url {
		t.Fatalf("read as %+v", in)
	}
	stop := r.send(qunsu.Message{Chat: in.Chat, Text: "进行中的群诉（0）", Key: "a1"}, qunsu.Message{Chat: in.Chat, Text: "第二条", Key: "a2"})
	defer stop()
	if !r.fake.WaitFor(5*time.Second, func() bool { return len(r.fake.AppMessages("LiQiang")) == 1 }) {
		t.Fatalf("second answer not sent through the app; calls %+v", r.fake.Calls(""))
	}
	if resp := r.fake.Responses(); len(resp) != 1 || resp[0].Content != "进行中的群诉（0）" {
		t.Errorf("response URL got %+v", resp)
	}
	if got := r.fake.AppMessages("LiQiang")[0].Content; got != "第二条" {
		t.Errorf("app message %q", got)
	}
}

// A complaint's group chat is created once with its members (the lead owns
// it), people are added when the team grows, and a chat an interrupted
// attempt created is taken as it is.
func TestGroupChatCreatedAndJoined(t *testing.T) {
	r := newRig(t)
	team := qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-20261122-001", Name: "翡翠湾"}
	msg := func(key string, members ...string) qunsu.Message {
		return qunsu.Message{Chat: team, Title: "群诉 QS-20261122-001 翡翠湾", Members: members, Owner: "zhangwei", Text: key, Key: key}
	}
	stop := r.send(msg("first", "liqiang", "zhangwei", "nobody"), msg("second", "liqiang", "zhangwei", "wangfang"))
	defer stop()
	chatID := chatIDOf(r.tenant.Tenant, "QS-20261122-001")
	if !r.fake.WaitFor(5*time.Second, func() bool { c, ok := r.fake.Chat(chatID); return ok && len(c.Messages) == 2 }) {
		t.Fatalf("not posted: %+v", r.fake.Calls(""))
	}
	c, _ := r.fake.Chat(chatID)
	if c.Owner != "ZhangWei" || strings.Join(c.Members, ",") != "LiQiang,ZhangWei,WangFang" || c.Name != "群诉 QS-20261122-001 翡翠湾" {
		t.Errorf("chat %+v", c)
	}
	if n := len(r.fake.Calls("/cgi-bin/appchat/create")); n != 1 {
		t.Errorf("%d creates", n)
	}
	if ups := r.fake.Calls("/cgi-bin/appchat/update"); len(ups) != 1 || fmt.Sprint(ups[0].Body["add_user_list"]) != "[WangFang]" {
		t.Errorf("updates %+v", ups)
	}
	if len(chatID) > 32 || strings.ContainsAny(chatID, "-_:") {
		t.Errorf("chatid %q is not WeCom's [0-9a-zA-Z]{1,32}", chatID)
	}
}

// A token WeCom no longer takes (42001) is fetched again and the message sent;
// transient errors (45009, -1) are retried; every message arrives once.
func TestTokenExpiryAndBusyErrors(t *testing.T) {
	r := newRig(t)
	to := func(key string) qunsu.Message {
		return qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatDirect, Person: "zhangwei"}, Text: key, Key: key}
	}
	stop := r.send(to("one"))
	defer stop()
	if !r.fake.WaitFor(5*time.Second, func() bool { return len(r.fake.AppMessages("ZhangWei")) == 1 }) {
		t.Fatal("first not sent")
	}
	r.fake.ExpireToken()
	r.fake.FailNext("/cgi-bin/message/send", 2, 45009)
	r.fake.FailNext("/cgi-bin/message/send", 1, -1)
	r.st.Commit(ctx, qunsu.Change{Tenant: r.tenant.Tenant, Messages: []qunsu.Message{to("two"), to("three")}})
	if !r.fake.WaitFor(10*time.Second, func() bool { return len(r.fake.AppMessages("ZhangWei")) == 3 }) {
		t.Fatalf("sent %+v", r.fake.AppMessages("ZhangWei"))
	}
	if n := r.fake.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2 (one after the expiry)", n)
	}
	time.Sleep(200 * time.Millisecond)
	var got []string
	for _, m := range r.fake.AppMessages("ZhangWei") {
		got = append(got, m.Content)
	}
	if strings.Join(got, ",") != "one,two,three" {
		t.Errorf("delivered %v", got)
	}
}

// More messages than WeCom lets a member receive in a minute are held back
// and sent when the window allows, not sent to be dropped silently. (The
// windows are shortened: a minute is 2 seconds here, on both sides.)
func TestMemberLimitHoldsMessagesBack(t *testing.T) {
	r := newRig(t)
	saved := appPerMinute
	// A minute at the fake's pace (2 s here is a minute there), with a margin
	// as windowMargin gives one: here 200 ms, 6 s there, since a post delayed
	// 100 ms on a loaded machine is 3 s on the fake's clock.
	appPerMinute = limit("app", 30, 2*time.Second+200*time.Millisecond)
	t.Cleanup(func() { appPerMinute = saved })
	start := time.Now()
	r.fake.SetClock(func() time.Time { return start.Add(time.Since(start) * 30) }) // 2 s here is a minute there
	var msgs []qunsu.Message
	for i := 0; i < 35; i++ {
		msgs = append(msgs, qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatDirect, Person: "liqiang"}, Text: fmt.Sprint(i), Key: fmt.Sprint("k", i)})
	}
	stop := r.send(msgs...)
	defer stop()
	if !r.fake.WaitFor(10*time.Second, func() bool { return len(r.fake.AppMessages("LiQiang")) == 35 }) {
		t.Fatalf("delivered %d of 35, %d dropped", len(r.fake.AppMessages("LiQiang")), r.fake.Dropped())
	}
	if d := r.fake.Dropped(); d != 0 {
		t.Errorf("WeCom dropped %d messages", d)
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("35 messages in %v: the limit was not kept", took)
	}
}

// A userid WeCom does not know (mistyped, or a member who left) is found,
// left out and remembered: the team still gets its chat, and later messages
// do not ask about it again.
func TestUnknownUserIDDoesNotBlockTheChat(t *testing.T) {
	r := newRig(t)
	r.tenant.Directory.People = append(r.tenant.Directory.People, qunsu.Person{ID: "ghost", Name: "离职者", WeCom: "GoneAway"})
	team := qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-20261122-001", Name: "翡翠湾"}
	msg := func(key string) qunsu.Message {
		return qunsu.Message{Chat: team, Title: "群诉 QS-20261122-001 翡翠湾", Members: []string{"ghost", "zhangwei", "liqiang"},
			Owner: "ghost", Text: key, Key: key}
	}
	stop := r.send(msg("first"), msg("second"))
	defer stop()
	chatID := chatIDOf(r.tenant.Tenant, "QS-20261122-001")
	if !r.fake.WaitFor(5*time.Second, func() bool { c, ok := r.fake.Chat(chatID); return ok && len(c.Messages) == 2 }) {
		t.Fatalf("not posted: %+v", r.fake.Calls(""))
	}
	c, _ := r.fake.Chat(chatID)
	if strings.Join(c.Members, ",") != "ZhangWei,LiQiang" || c.Owner != "ZhangWei" {
		t.Errorf("chat %+v", c)
	}
	if n := len(r.fake.Calls("/cgi-bin/user/get")); n != 3 {
		t.Errorf("%d user lookups, want 3 (each member once, after the refusal)", n)
	}
	if dead, _ := r.st.Buried(ctx, r.tenant.Tenant, Platform); len(dead) != 0 {
		t.Errorf("set aside: %v", dead)
	}
}

// A chatid already in use is a chat an interrupted attempt created: it is
// read, taken and completed when it has the complaint's name; one of another
// name (an id used again after Redis lost data) is left alone.
func TestChatIDInUse(t *testing.T) {
	r := newRig(t)
	team := func(complaint string) qunsu.Message {
		return qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: complaint, Name: "翡翠湾"}, Title: "群诉 " + complaint + " 翡翠湾",
			Members: []string{"zhangwei", "liqiang", "wangfang"}, Owner: "zhangwei", Text: complaint, Key: complaint}
	}
	ours, theirs := chatIDOf(r.tenant.Tenant, "QS-20261122-001"), chatIDOf(r.tenant.Tenant, "QS-20261122-002")
	// Created before the crash, with two of the three.
	if err := r.a.createAppChat(ctx, appChatCreateRequest{Name: "群诉 QS-20261122-001 翡翠湾", Owner: "ZhangWei", UserList: []string{"ZhangWei", "LiQiang"}, ChatID: ours}); err != nil {
		t.Fatal(err)
	}
	// Another complaint's chat holds the id QS-20261122-002 would take.
	if err := r.a.createAppChat(ctx, appChatCreateRequest{Name: "群诉 旧的", Owner: "ZhangWei", UserList: []string{"ZhangWei", "LiQiang"}, ChatID: theirs}); err != nil {
		t.Fatal(err)
	}
	stop := r.send(team("QS-20261122-001"), team("QS-20261122-002"))
	defer stop()
	next := theirs[:30] + "r2"
	if !r.fake.WaitFor(5*time.Second, func() bool { c, ok := r.fake.Chat(next); return ok && len(c.Messages) == 1 }) {
		t.Fatalf("no chat of its own for QS-20261122-002: %+v", r.fake.Chats())
	}
	// Chats are served at once: the other post may come a moment later.
	r.fake.WaitFor(5*time.Second, func() bool { c, _ := r.fake.Chat(ours); return len(c.Messages) > 0 })
	c, _ := r.fake.Chat(ours)
	if len(c.Messages) != 1 || strings.Join(c.Members, ",") != "ZhangWei,LiQiang,WangFang" {
		t.Errorf("the interrupted chat: %+v", c)
	}
	if old, _ := r.fake.Chat(theirs); len(old.Messages) != 0 {
		t.Errorf("posted to another complaint's chat: %+v", old)
	}
}

// A robot's response URL an hour old (or never seen) is not used: the answer
// goes to the speaker through the app.
func TestStaleResponseURLIsNotUsed(t *testing.T) {
	r := newRig(t)
	chat := qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: Platform, ID: robotChat("wrGroup1", "LiQiang"), ReplyURL: r.fake.NewResponseURL()}
	stop := r.send(qunsu.Message{Chat: chat, Text: "答复", Key: "late"})
	defer stop()
	if !r.fake.WaitFor(5*time.Second, func() bool { return len(r.fake.AppMessages("LiQiang")) == 1 }) {
		t.Fatal("not sent through the app")
	}
	if n := len(r.fake.Calls("/cgi-bin/aibot/response")); n != 0 {
		t.Errorf("the stale URL was called %d times", n)
	}
}

// Userids may hold characters a URL escapes ("@", "."): they are asked about as they are.
func TestUserIDsWithAtSigns(t *testing.T) {
	r := newRig(t)
	r.fake.AddUser("li.na@corp", "李娜")
	if ok, err := r.a.memberExists(ctx, "li.na@corp"); !ok || err != nil {
		t.Errorf("li.na@corp: %v %v", ok, err)
	}
	if ok, err := r.a.memberExists(ctx, "nobody@corp"); ok || err != nil {
		t.Errorf("nobody@corp: %v %v", ok, err)
	}
}

// flakyMemory fails the first fails records of a posted part, as Redis does
// when it goes away just after WeCom took the post.
type flakyMemory struct {
	qunsu.Memory
	fails int
}

func (m *flakyMemory) Remember(ctx context.Context, tenant, key, value string, ttl time.Duration) error {
	if strings.HasPrefix(key, "wecom:part:") && m.fails > 0 {
		m.fails--
		return fmt.Errorf("dial tcp: connection refused")
	}
	return m.Memory.Remember(ctx, tenant, key, value, ttl)
}

// A part WeCom took is recorded even when the store is away for a moment
// after the post: WeCom keeps no history to look in, so a part not recorded
// would be posted again when the delivery is resumed.
func TestPostedPartIsRecordedThroughAnOutage(t *testing.T) {
	r := newRig(t)
	r.a.memory = &flakyMemory{Memory: r.st, fails: 3}
	m := qunsu.Message{Tenant: r.tenant.Tenant, Chat: qunsu.Chat{Kind: qunsu.ChatDirect, Person: "liqiang"}, Text: "⏰ 提醒", Key: "k1"}
	route, ok, err := r.a.Route(ctx, m)
	if err != nil || !ok {
		t.Fatalf("route: %v %v", ok, err)
	}
	// As the sender does: an attempt that failed is made again until one works.
	since := time.Time{}
	for n := 0; ; n++ {
		err := r.a.Deliver(ctx, route, m, since)
		if err == nil {
			break
		}
		if n == 5 {
			t.Fatalf("deliver: %v", err)
		}
		since = time.Now()
	}
	if got := r.fake.AppMessages("LiQiang"); len(got) != 1 {
		t.Errorf("posted %d times, want once: %+v", len(got), got)
	}
}

// Versions of a complaint's card delivered at once by different processes
// post it once: the first to claim the card posts it, the others leave it
// (WeCom cannot edit a post, and keeps no history to look in).
func TestCardPostedOnceAcrossProcesses(t *testing.T) {
	r := newRig(t)
	team := qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-20261122-001", Name: "翡翠湾"}
	card := func(version int64) qunsu.Message {
		return qunsu.Message{Tenant: r.tenant.Tenant, Chat: team, Title: "群诉 QS-20261122-001 翡翠湾", Members: []string{"liqiang", "zhangwei"},
			Owner: "zhangwei", Text: fmt.Sprint("card v", version), Card: "QS-20261122-001", Version: version, Key: fmt.Sprint("QS-20261122-001#v", version)}
	}
	route, ok, err := r.a.Route(ctx, card(1))
	if err != nil || !ok {
		t.Fatalf("route: %v %v", ok, err)
	}
	var wg sync.WaitGroup
	for v := int64(1); v <= 4; v++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.a.Deliver(ctx, route, card(v), time.Time{}); err != nil {
				t.Errorf("deliver v%d: %v", v, err)
			}
		}()
	}
	wg.Wait()
	c, _ := r.fake.Chat(chatIDOf(r.tenant.Tenant, "QS-20261122-001"))
	if len(c.Messages) != 1 {
		t.Fatalf("the card was posted %d times: %+v", len(c.Messages), c.Messages)
	}
	// The version that claimed it posts it again on a resumed delivery only
	// if its part was not recorded; here it was.
	first := c.Messages[0].Content
	v := strings.TrimPrefix(first, "card v")
	if err := r.a.Deliver(ctx, route, card(int64(v[0]-'0')), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if c, _ := r.fake.Chat(chatIDOf(r.tenant.Tenant, "QS-20261122-001")); len(c.Messages) != 1 {
		t.Errorf("a resumed delivery posted the card again")
	}
}
