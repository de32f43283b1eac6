package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"qunsu/config"
	"qunsu/internal/wecomfake"
)

const (
	wecomToken = "qunsuToken2026"
	wecomAES   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	aibotToken = "qunsuBot2026"
	aibotAES   = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg"
	robotKey   = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	teamChatID = "demoQS20261122001"
)

// wecomRig is `qunsu serve` wired to a fake WeCom.
type wecomRig struct {
	*serveRig
	fake *wecomfake.Server
}

func startWeComRig(t *testing.T) *wecomRig {
	fake := wecomfake.New(t)
	for _, p := range config.Default().Tenants[0].People {
		fake.AddUser(p.WeCom, p.Name)
	}
	fake.AddRobot(robotKey)
	for env, v := range map[string]string{"QUNSU_WECOM_CORP_ID": wecomfake.CorpID, "QUNSU_WECOM_AGENT_ID": strconv.Itoa(wecomfake.AgentID),
		"QUNSU_WECOM_SECRET": wecomfake.Secret, "QUNSU_WECOM_TOKEN": wecomToken, "QUNSU_WECOM_AES_KEY": wecomAES,
		"QUNSU_WECOM_AIBOT_TOKEN": aibotToken, "QUNSU_WECOM_AIBOT_AES_KEY": aibotAES, "QUNSU_WECOM_API_URL": fake.URL} {
		t.Setenv(env, v)
	}
	r := startServe(t, "wecom:\n  robots: {managers: "+robotKey+"}\n", map[string]string{"wecom": "robot:managers"})
	return &wecomRig{serveRig: r, fake: fake}
}

// say sends text to the app as a member, as WeCom calls back.
func (r *wecomRig) say(from, text string, msgID int64) int {
	r.t.Helper()
	return r.do(wecomfake.AppCallback(r.base+"/wecom/callback", wecomToken, wecomAES, wecomfake.AppText{From: from, Content: text, MsgID: msgID}))
}

func (r *wecomRig) do(req *http.Request) int {
	r.t.Helper()
	began := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if d := time.Since(began); d > 5*time.Second {
		r.t.Errorf("%s answered after %v: beyond WeCom's 5 seconds", req.URL.Path, d)
	}
	if res.StatusCode == http.StatusOK && req.Method == http.MethodPost && len(body) != 0 {
		r.t.Errorf("%s answered %q, want an empty body", req.URL.Path, body)
	}
	return res.StatusCode
}

func (r *wecomRig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	if !r.fake.WaitFor(15*time.Second, cond) {
		r.t.Fatalf("timed out waiting for %s\ncalls: %d\nlogs:\n%s", what, len(r.fake.Calls("")), r.logs.String())
	}
}

// chatHas counts the posts of the complaint's group chat containing s.
func (r *wecomRig) chatHas(s string) int {
	c, _ := r.fake.Chat(teamChatID)
	n := 0
	for _, m := range c.Messages {
		if strings.Contains(m.Content, s) {
			n++
		}
	}
	return n
}

func countSent(msgs []wecomfake.Sent, s string) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.Content, s) {
			n++
		}
	}
	return n
}

// Through the real serve wiring: a text report to the app creates the
// complaint's group chat with its people and posts the card; a reminder comes
// due with the access token expiring on the way; a storm of 45009s is
// survived with every message posted once; an overdue deadline escalates to
// the chat and to the boss directly; the daily summary reaches the managers'
// group through its robot; a replayed MsgId is acted on once.
func TestServeWeCom_ReportToSummary(t *testing.T) {
	r := startWeComRig(t)
	report := "上报 项目=翡翠湾 户数=35 行为=拉横幅 类别=交付 描述=业主13812345678在3栋2单元1201室聚集 发生=08:30"
	if st := r.say("ZhangWei", report, 1001); st != 200 {
		t.Fatalf("callback: %d", st)
	}
	if st := r.say("ZhangWei", report, 1001); st != 200 { // WeCom's retry, or a replay
		t.Errorf("the same MsgId again: %d, want 200", st)
	}
	r.waitFor("the card in the group chat", func() bool { return r.chatHas("📋 群诉 QS-20261122-001 · 翡翠湾") == 1 })
	c, _ := r.fake.Chat(teamChatID)
	if c.Owner != "ZhangWei" || strings.Join(c.Members, ",") != "ZhangWei,LiQiang,LiuYang,ZhengKai,WangFang,ZhaoMin,SunHao,ZhouLei" {
		t.Errorf("group chat %q owned by %s with %v", c.Name, c.Owner, c.Members)
	}
	if c.Name != "群诉 QS-20261122-001 翡翠湾" {
		t.Errorf("group chat named %q", c.Name)
	}
	if r.chatHas("重大群诉 — 35户(21–50户) + 拉横幅(过度维权行为)，依据《群诉处理指引》3.2") != 1 || r.chatHas("138****5678") != 1 || r.chatHas("13812345678") != 0 {
		t.Errorf("card: %+v", c.Messages)
	}
	if !strings.HasPrefix(c.Messages[0].Content, "🚨") {
		t.Errorf("the group's first post is not the card: %q", c.Messages[0].Content)
	}
	r.waitFor("the answer to the reporter", func() bool {
		return countSent(r.fake.AppMessages("ZhangWei"), "已立案 QS-20261122-001") == 1
	})
	if countSent(r.fake.AppMessages("ZhangWei"), "「群诉 QS-20261122-001 翡翠湾」") != 1 {
		t.Errorf("the answer does not name the group: %+v", r.fake.AppMessages("ZhangWei"))
	}

	// The access token expires; the reminder still goes out.
	r.fake.ExpireToken()
	r.advance(31 * time.Minute)
	r.waitFor("the acknowledgement reminder", func() bool { return r.chatHas("⏰ 请确认 QS-20261122-001") == 1 })
	if n := r.fake.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2", n)
	}

	// A storm of 45009s while people answer.
	r.fake.FailNext("/cgi-bin/appchat/send", 4, 45009)
	r.say("LiuYang", "收到 QS-20261122-001", 1002)
	r.say("ZhangWei", "/完成 QS-20261122-001 报备总部", 1003)
	r.waitFor("the acknowledgement", func() bool { return r.chatHas("✅ 刘洋 已确认 QS-20261122-001") == 1 })
	r.waitFor("the task done", func() bool { return r.chatHas("✅ 任务「报备总部客户关系部」") == 1 })

	// Missed: escalated in the chat, and to the boss directly.
	r.advance(2 * time.Hour)
	r.waitFor("the escalation", func() bool { return r.chatHas("🔴 逾期 QS-20261122-001：「确认收到」") == 1 })
	r.waitFor("the escalation by app message", func() bool { return countSent(r.fake.AppMessages("ZhangWei"), "🔴 逾期") == 1 })

	// The day's summary reaches the managers' group through its robot.
	r.clock.Set(time.Date(2026, 11, 22, 18, 0, 0, 0, shanghai(t)))
	r.waitFor("the daily summary", func() bool {
		return countSent(r.fake.RobotMessages(robotKey), "📊 示例地产 每日群诉汇总 2026-11-22") == 1
	})

	r.waitDrained("wecom", r.fake.WaitFor)
	c, _ = r.fake.Chat(teamChatID)
	seen := map[string]int{}
	for _, m := range c.Messages {
		seen[m.Content]++
		if seen[m.Content] == 2 {
			t.Errorf("posted twice: %.80q", m.Content)
		}
	}
	if n := len(r.fake.Calls("/cgi-bin/appchat/create")); n != 1 {
		t.Errorf("%d group chats created", n)
	}
	if d := r.fake.Dropped(); d != 0 {
		t.Errorf("WeCom dropped %d messages", d)
	}
	if n := r.complaints(); n != 1 {
		t.Errorf("%d complaints: the replayed MsgId was acted on again", n)
	}
	failed := 0
	for _, call := range r.fake.Calls("/cgi-bin/appchat/send") {
		if call.ErrCode == 45009 {
			failed++
		}
	}
	if failed != 4 {
		t.Errorf("%d sends answered 45009, want 4", failed)
	}
}

// The intelligent robot @-ed in a group answers through its response URL.
func TestServeWeCom_RobotInAGroup(t *testing.T) {
	r := startWeComRig(t)
	r.say("ZhangWei", "上报 项目=云栖苑 户数=12 类别=工程", 2001)
	r.waitFor("the report", func() bool { return len(r.fake.Chats()) == 1 })
	req := wecomfake.AIBotCallback(r.base+"/wecom/aibot", aibotToken, aibotAES, wecomfake.AIBotText{
		ChatID: "wrOwnGroup", From: "LiQiang", ResponseURL: r.fake.NewResponseURL(), Content: "@qunsu 列表"})
	if st := r.do(req); st != 200 {
		t.Fatalf("robot callback: %d", st)
	}
	r.waitFor("the answer", func() bool { return countSent(r.fake.Responses(), "进行中的群诉（1）") == 1 })
}

// Callbacks WeCom did not sign, that were altered on the way, sealed for
// another corporation, or signed too long ago are refused with a log line
// and change nothing; the URL check answers its plaintext.
func TestServeWeCom_RefusesForgedTamperedAndForeignCallbacks(t *testing.T) {
	r := startWeComRig(t)
	url := r.base + "/wecom/callback"
	report := wecomfake.AppText{From: "ZhangWei", Content: "上报 项目=翡翠湾 户数=35 行为=拉横幅", MsgID: 3001}

	forged := wecomfake.AppCallback(url, "notOurToken", wecomAES, report)
	signed := wecomfake.AppCallback(url, wecomToken, wecomAES, report)
	body, _ := io.ReadAll(signed.Body)
	tampered, _ := http.NewRequest("POST", signed.URL.String(), strings.NewReader(strings.Replace(string(body), "<Encrypt><![CDATA[", "<Encrypt><![CDATA[A", 1)))
	stale := report
	stale.CreateTime = time.Now().Add(-20 * time.Minute).Unix()
	cases := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"forged (another token)", forged, http.StatusUnauthorized},
		{"tampered", tampered, http.StatusUnauthorized},
		{"sealed for another corporation", foreign(t, url, report), http.StatusForbidden},
		{"stale", wecomfake.AppCallback(url, wecomToken, wecomAES, stale), http.StatusUnauthorized},
		{"robot: forged", wecomfake.AIBotCallback(r.base+"/wecom/aibot", "notOurToken", aibotAES, wecomfake.AIBotText{From: "LiQiang", Content: "上报 翡翠湾 40户 静坐"}), http.StatusUnauthorized},
		{"robot: sealed for the app", wecomfake.AIBotCallback(r.base+"/wecom/aibot", aibotToken, wecomAES, wecomfake.AIBotText{From: "LiQiang", Content: "上报 翡翠湾 40户 静坐"}), http.StatusUnauthorized},
	}
	for _, c := range cases {
		if st := r.do(c.req); st != c.status {
			t.Errorf("%s: %d, want %d", c.name, st, c.status)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := r.complaints(); n != 0 {
		t.Fatalf("refused callbacks stored %d complaints", n)
	}
	if n := strings.Count(r.logs.String(), "request refused"); n < len(cases) {
		t.Errorf("%d refusals logged, want %d", n, len(cases))
	}
	res, err := http.DefaultClient.Do(wecomfake.VerifyRequest(url, wecomToken, wecomAES, wecomfake.CorpID, "5927184026"))
	if err != nil {
		t.Fatal(err)
	}
	echo, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(echo) != "5927184026" {
		t.Errorf("URL check: %d %q", res.StatusCode, echo)
	}
}

// foreign is a callback signed with our token but sealed for another corp id.
func foreign(t *testing.T, callbackURL string, m wecomfake.AppText) *http.Request {
	plain := fmt.Sprintf("<xml><ToUserName>wwforeign0000001</ToUserName><FromUserName>%s</FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType>text</MsgType><Content>%s</Content><MsgId>%d</MsgId><AgentID>1000002</AgentID></xml>", m.From, time.Now().Unix(), m.Content, m.MsgID)
	enc, err := wecomfake.Encrypt(wecomAES, "wwforeign0000001", []byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), "551234"
	q := url.Values{"msg_signature": {wecomfake.Signature(wecomToken, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	body := "<xml><ToUserName><![CDATA[wwforeign0000001]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	req, _ := http.NewRequest("POST", callbackURL+"?"+q.Encode(), strings.NewReader(body))
	return req
}
