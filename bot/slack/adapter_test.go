package slack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"qunsu"
	"qunsu/bot"
	"qunsu/bot/slack"
	"qunsu/calendar"
	"qunsu/config"
	"qunsu/handlers"
	"qunsu/internal/redistest"
	"qunsu/internal/slackfake"
	"qunsu/store"
)

func TestMain(m *testing.M) { redistest.Main(m) }

const secret = "0123456789abcdef0123456789abcdef"

var ctx = context.Background()

// rig is an adapter for a tenant of its own, on a real Redis and a fake Slack.
type rig struct {
	t      *testing.T
	fake   *slackfake.Server
	st     *store.Store
	tenant *qunsu.Settings
	a      *slack.Adapter
	http   *httptest.Server
}

func newRig(t *testing.T, cfg slack.Config, people ...qunsu.Person) *rig {
	fake := slackfake.New(t)
	c := config.Default().Tenants[0]
	c.ID = redistest.Tenant(t)
	s, err := c.Settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Calendar = calendar.Weekdays{Location: s.Location}
	s.Managers = map[string]string{"slack": "C0MANAGERS"}
	if people != nil {
		s.Directory.People = people
	}
	for _, p := range s.Directory.People {
		if p.Slack != "" {
			fake.AddUser(p.Slack, p.Name, p.ID+"@example.cn")
		}
	}
	fake.AddChannel("C0REPORTS", "reports", false, slackfake.BotUserID)
	cfg.BotToken, cfg.APIURL = slackfake.BotToken, fake.APIURL()
	if cfg.SigningSecret == "" && cfg.AppToken == "" {
		cfg.SigningSecret = secret
	}
	st := store.New(redistest.Client(t))
	a := slack.New(cfg, slack.Options{Tenant: &s, Inbox: st, Memory: st, ReportForm: handlers.ReportForm,
		ReportWords: handlers.CommandWords("report")})
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &rig{t: t, fake: fake, st: st, tenant: &s, a: a, http: srv}
}

// inbound waits for the next message in the tenant's inbox.
func (r *rig) inbound() qunsu.Inbound {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		got, err := r.st.ReceiveInbound(ctx, r.tenant.Tenant, "test", 1, time.Hour, 100*time.Millisecond)
		if err != nil {
			r.t.Fatal(err)
		}
		if len(got) == 1 {
			r.st.DoneInbound(ctx, r.tenant.Tenant, got[0].ID)
			return got[0].Inbound
		}
	}
	r.t.Fatal("nothing reached the inbox")
	return qunsu.Inbound{}
}

func (r *rig) post(path string, body []byte) int {
	r.t.Helper()
	req := slackfake.SignedRequest(r.http.URL+path, secret, time.Now(), "application/x-www-form-urlencoded", body)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// send runs a sender with the adapter until the returned stop is called.
func (r *rig) send() (stop func()) {
	c, cancel := context.WithCancel(ctx)
	s := &bot.Sender{Platform: slack.Platform, Outbox: r.st, Transport: r.a, Tenants: []string{r.tenant.Tenant},
		Consumer: "test", Poll: 50 * time.Millisecond}
	done := make(chan struct{})
	go func() { s.Run(c); close(done) }()
	return func() { cancel(); <-done }
}

// Over Socket Mode, slash commands, mentions and clicks reach the inbox like
// over HTTP, and each envelope is acknowledged.
func TestSocketModeTakesWhatHTTPTakes(t *testing.T) {
	r := newRig(t, slack.Config{AppToken: slackfake.AppToken})
	c, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.a.RunSocketMode(c) }()
	defer func() { cancel(); <-done }()
	if !r.fake.WaitConnected(5 * time.Second) {
		t.Fatal("socket mode did not connect")
	}

	id := r.fake.SendEnvelope("slash_commands", slackfake.SlashCommandBody("/qunsu", "收到 QS-20261122-001", "U01ZHANGWEI", "C0REPORTS", "trig-s1", r.fake.NewResponseURL()))
	in := r.inbound()
	if in.Text != "收到 QS-20261122-001" || in.User != "U01ZHANGWEI" || in.Chat.ID != "C0REPORTS" || in.Platform != slack.Platform {
		t.Errorf("slash command: %+v", in)
	}
	if !r.fake.WaitFor(5*time.Second, func() bool { _, ok := r.fake.Acked(id); return ok }) {
		t.Error("slash command envelope not acknowledged")
	}

	id = r.fake.SendEnvelope("events_api", slackfake.EventBody("Ev9", map[string]any{"type": "app_mention", "channel": "C0REPORTS",
		"user": "U02LIQIANG", "text": "<@UBOT> 列表 翡翠湾", "ts": "1763773200.000100", "event_ts": "1763773200.000100"}))
	if in := r.inbound(); in.Text != "列表 翡翠湾" || in.User != "U02LIQIANG" {
		t.Errorf("mention: %+v", in)
	}
	if !r.fake.WaitFor(5*time.Second, func() bool { _, ok := r.fake.Acked(id); return ok }) {
		t.Error("event envelope not acknowledged")
	}

	meta := `{"c":"C0REPORTS","r":true,"l":"zh"}`
	id = r.fake.SendEnvelope("interactive", map[string]any{"type": "view_submission", "trigger_id": "trig-s2",
		"user": map[string]any{"id": "U01ZHANGWEI"},
		"view": map[string]any{"id": "V9", "callback_id": "qunsu_form", "private_metadata": meta,
			"state": map[string]any{"values": map[string]any{
				"f0": map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "云栖苑"}},
				"f1": map[string]any{"value": map[string]any{"type": "number_input", "value": "12"}}}}}})
	if in := r.inbound(); in.Text != "上报 项目=云栖苑 户数=12" || in.Chat.ID != "C0REPORTS" {
		t.Errorf("form submission: %+v", in)
	}
	if !r.fake.WaitFor(5*time.Second, func() bool { _, ok := r.fake.Acked(id); return ok }) {
		t.Error("interactive envelope not acknowledged")
	}
}

// Posts to one channel keep to Slack's pace of one a second: a fake Slack
// that refuses quicker posts refuses none, and other channels do not wait.
func TestPostsKeepSlacksPacePerChannel(t *testing.T) {
	r := newRig(t, slack.Config{}) // the default interval
	r.fake.LimitPosts(time.Second)
	r.fake.AddChannel("C0OTHER", "other", false, slackfake.BotUserID)
	origin := func(ch string) qunsu.Chat {
		return qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: slack.Platform, ID: ch}
	}
	msgs := []qunsu.Message{{Chat: origin("C0REPORTS"), Text: "一", Key: "k1"}, {Chat: origin("C0REPORTS"), Text: "二", Key: "k2"},
		{Chat: origin("C0REPORTS"), Text: "三", Key: "k3"}, {Chat: origin("C0OTHER"), Text: "四", Key: "k4"}}
	if err := r.st.Commit(ctx, qunsu.Change{Tenant: r.tenant.Tenant, Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	stop := r.send()
	defer stop()
	if !r.fake.WaitFor(10*time.Second, func() bool { return len(r.fake.Messages("C0REPORTS")) == 3 }) {
		t.Fatal("not all posted")
	}
	for _, c := range r.fake.Calls("chat.postMessage") {
		if c.Status == http.StatusTooManyRequests {
			t.Errorf("a post came too soon and was refused: %+v", c)
		}
	}
	if took := time.Since(began); took < 2*time.Second {
		t.Errorf("three posts to one channel in %v: faster than one a second", took)
	}
	other := r.fake.Messages("C0OTHER")
	if len(other) != 1 || other[0].TS > r.fake.Messages("C0REPORTS")[1].TS {
		t.Error("the other channel waited for the busy one")
	}
}

// `/qunsu 上报` alone opens the report form; its submission is the report
// command, which the engine files.
func TestReportFormFilesAComplaint(t *testing.T) {
	r := newRig(t, slack.Config{})
	body := slackfake.SlashCommandBody("/qunsu", "上报", "U01ZHANGWEI", "C0REPORTS", "trig-form", r.fake.NewResponseURL())
	if st := r.post("/slack/commands", body); st != 200 {
		t.Fatalf("command: %d", st)
	}
	views := r.fake.Views()
	if len(views) != 1 || views[0].TriggerID != "trig-form" {
		t.Fatalf("views %+v", views)
	}
	var view struct {
		PrivateMetadata string `json:"private_metadata"`
		Blocks          []struct {
			BlockID string `json:"block_id"`
			Label   struct{ Text string }
		} `json:"blocks"`
	}
	json.Unmarshal(views[0].View, &view)
	var labels []string
	for _, b := range view.Blocks {
		labels = append(labels, b.Label.Text)
	}
	if got := strings.Join(labels, ","); got != "项目,户数,过度维权行为,类别,发生时间,描述" {
		t.Errorf("form fields: %s", got)
	}
	at := time.Date(2026, 11, 22, 8, 30, 0, 0, r.tenant.Location)
	submit := slackfake.InteractionBody(map[string]any{"type": "view_submission", "trigger_id": "trig-sub",
		"user": map[string]any{"id": "U01ZHANGWEI"},
		"view": map[string]any{"id": "V1", "callback_id": "qunsu_form", "private_metadata": view.PrivateMetadata,
			"state": map[string]any{"values": map[string]any{
				"f0": map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "翡翠湾"}},
				"f1": map[string]any{"value": map[string]any{"type": "number_input", "value": "35"}},
				"f2": map[string]any{"value": map[string]any{"type": "multi_static_select", "selected_options": []any{map[string]any{"value": "banner"}, map[string]any{"value": "media"}}}},
				"f3": map[string]any{"value": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "delivery"}}},
				"f4": map[string]any{"value": map[string]any{"type": "datetimepicker", "selected_date_time": at.Unix()}},
				"f5": map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "延期交付\n三个月"}},
			}}}})
	if st := r.post("/slack/interactivity", submit); st != 200 {
		t.Fatalf("submission: %d", st)
	}
	in := r.inbound()
	want := "上报 项目=翡翠湾 户数=35 行为=banner,media 类别=delivery 发生=2026-11-22 08:30 描述=延期交付 三个月"
	if in.Text != want || in.Chat.ID != "C0REPORTS" {
		t.Fatalf("inbound %q in %s, want %q", in.Text, in.Chat.ID, want)
	}
	engine := &handlers.Engine{Store: r.st, Clock: fixed(at.Add(30 * time.Minute)), Tenants: map[string]*qunsu.Settings{r.tenant.Tenant: r.tenant}}
	if err := engine.Handle(ctx, in); err != nil {
		t.Fatal(err)
	}
	c, err := r.st.Complaint(ctx, r.tenant.Tenant, "QS-20261122-001")
	if err != nil {
		t.Fatal(err)
	}
	if c.Households != 35 || len(c.Actions) != 2 || c.Category != "delivery" || !c.OccurredAt.Equal(at) || c.Grade != "major" {
		t.Errorf("filed %+v", c.Report)
	}
}

type fixed time.Time

func (f fixed) Now() time.Time { return time.Time(f) }

// People listed by e-mail alone are found through users.lookupByEmail once,
// then remembered; a command from them is matched by their e-mail.
func TestPeopleByEmail(t *testing.T) {
	people := []qunsu.Person{{ID: "zhangwei", Name: "张伟", Slack: "U01ZHANGWEI"}, {ID: "lina", Name: "李娜", Email: "Li.Na@example.cn"}}
	r := newRig(t, slack.Config{}, people...)
	r.fake.AddUser("U0LINA", "李娜", "li.na@example.cn")
	origin := qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: slack.Platform, ID: "C0REPORTS"}
	msgs := []qunsu.Message{{Chat: origin, Text: "请 " + qunsu.Mention("lina") + " 处理", Key: "m1"},
		{Chat: origin, Text: "再请 " + qunsu.Mention("lina"), Key: "m2"}}
	r.st.Commit(ctx, qunsu.Change{Tenant: r.tenant.Tenant, Messages: msgs})
	stop := r.send()
	defer stop()
	if !r.fake.WaitFor(5*time.Second, func() bool { return len(r.fake.Messages("C0REPORTS")) == 2 }) {
		t.Fatal("not posted")
	}
	if got := r.fake.Messages("C0REPORTS")[0].Text; got != "请 <@U0LINA> 处理" {
		t.Errorf("mention by e-mail: %q", got)
	}
	if n := len(r.fake.Calls("users.lookupByEmail")); n != 1 {
		t.Errorf("%d lookups, want 1 (then remembered)", n)
	}
	body := slackfake.SlashCommandBody("/qunsu", "列表", "U0LINA", "C0REPORTS", "trig-lina", r.fake.NewResponseURL())
	if st := r.post("/slack/commands", body); st != 200 {
		t.Fatalf("command: %d", st)
	}
	if in := r.inbound(); !strings.EqualFold(in.Email, "li.na@example.cn") {
		t.Errorf("speaker's e-mail not given: %+v", in)
	}
	if who, ok := r.tenant.Directory.Speaker(qunsu.Inbound{Platform: slack.Platform, User: "U0LINA", Email: "li.na@example.cn"}); !ok || who.ID != "lina" {
		t.Errorf("not matched by e-mail: %+v", who)
	}
}

// A complaint channel created just before a crash (so never remembered) is
// found again by name rather than created twice.
func TestChannelCreatedBeforeACrashIsFoundAgain(t *testing.T) {
	r := newRig(t, slack.Config{})
	// 张伟 is in it already: Slack refuses an invitation list with him in it.
	r.fake.AddChannel("C0EXISTS", "qs-20261122-001-翡翠湾", true, slackfake.BotUserID, "U01ZHANGWEI")
	team := qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-20261122-001", Name: "翡翠湾"}
	r.st.Commit(ctx, qunsu.Change{Tenant: r.tenant.Tenant, Messages: []qunsu.Message{
		{Chat: team, Title: "群诉 QS-20261122-001 翡翠湾", Members: []string{"zhangwei", "liqiang"}, Text: "🚨", Key: "t1"}}})
	stop := r.send()
	defer stop()
	if !r.fake.WaitFor(5*time.Second, func() bool { return len(r.fake.Messages("C0EXISTS")) == 1 }) {
		t.Fatalf("not posted to the existing channel; channels %+v", r.fake.Channels())
	}
	if len(r.fake.Channels()) != 2 { // the reports channel and this one
		t.Errorf("a second channel was created: %+v", r.fake.Channels())
	}
	ch, _ := r.fake.Channel("C0EXISTS")
	if !strings.Contains(strings.Join(ch.Members, ","), "U02LIQIANG") {
		t.Errorf("people not invited: %v", ch.Members)
	}
}

// A complaint's card is posted once and then edited; an older version that
// arrives late (another process delivered a newer one first) does not
// replace a newer one.
func TestCardEditsNeverGoBack(t *testing.T) {
	r := newRig(t, slack.Config{})
	team := qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-20261122-001", Name: "翡翠湾"}
	card := func(v int64, text string) qunsu.Message {
		return qunsu.Message{Chat: team, Title: "群诉 QS-20261122-001 翡翠湾", Members: []string{"zhangwei"}, Text: text,
			Blocks: []qunsu.Block{{Kind: qunsu.BlockText, Text: text}}, Card: "QS-20261122-001", Version: v, Key: text}
	}
	r.st.Commit(ctx, qunsu.Change{Tenant: r.tenant.Tenant, Messages: []qunsu.Message{card(1, "v1"), card(3, "v3"), card(2, "v2")}})
	stop := r.send()
	defer stop()
	if !r.fake.WaitFor(5*time.Second, func() bool {
		c, ok := r.fake.ChannelByName("qs-20261122-001-翡翠湾")
		return ok && len(r.fake.Messages(c.ID)) == 1 && r.fake.Messages(c.ID)[0].Edits == 1
	}) {
		t.Fatalf("card not posted and edited: %+v", r.fake.Channels())
	}
	time.Sleep(200 * time.Millisecond) // v2 has had its turn
	c, _ := r.fake.ChannelByName("qs-20261122-001-翡翠湾")
	m := r.fake.Messages(c.ID)[0]
	if m.Text != "v3" || m.Edits != 1 || len(c.Pins) != 1 {
		t.Errorf("card shows %q after %d edits, %d pins; want v3, 1, 1", m.Text, m.Edits, len(c.Pins))
	}
}

// A complaint's channel that Slack no longer has is made anew and the
// message delivered there, not set aside.
func TestVanishedChannelIsMadeAnew(t *testing.T) {
	r := newRig(t, slack.Config{})
	team := qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-20261122-002", Name: "云栖苑"}
	msg := func(key string) qunsu.Message {
		return qunsu.Message{Chat: team, Title: "群诉", Members: []string{"zhangwei"}, Text: key, Key: key}
	}
	r.st.Commit(ctx, qunsu.Change{Tenant: r.tenant.Tenant, Messages: []qunsu.Message{msg("first")}})
	stop := r.send()
	defer stop()
	if !r.fake.WaitFor(5*time.Second, func() bool { return len(r.fake.Calls("chat.postMessage")) == 1 }) {
		t.Fatal("first not posted")
	}
	r.fake.FailNext("chat.postMessage", 1, slackfake.Fault{Error: "channel_not_found"})
	r.st.Commit(ctx, qunsu.Change{Tenant: r.tenant.Tenant, Messages: []qunsu.Message{msg("second")}})
	if !r.fake.WaitFor(5*time.Second, func() bool {
		c, ok := r.fake.ChannelByName("qs-20261122-002-云栖苑")
		return ok && len(r.fake.Messages(c.ID)) == 2
	}) {
		t.Fatalf("second not delivered: %+v", r.fake.Calls("chat.postMessage"))
	}
	if dead, _ := r.st.Buried(ctx, r.tenant.Tenant, slack.Platform); len(dead) != 0 {
		t.Errorf("set aside: %v", dead)
	}
}
