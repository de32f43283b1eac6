package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"qunsu"
	"qunsu/config"
	"qunsu/internal/slackfake"
)

const (
	testSecret    = "0123456789abcdef0123456789abcdef"
	reportsChan   = "C0REPORTS"
	managersChan  = "C0MANAGERS"
	slackTimeout  = 15 * time.Second
	complaintID   = "QS-20261122-001"
	complaintChan = "qs-20261122-001-翡翠湾"
)

// slackRig is `qunsu serve` wired to a fake Slack.
type slackRig struct {
	*serveRig
	fake *slackfake.Server
}

func startSlackRig(t *testing.T) *slackRig {
	fake := fakeSlackFor(t)
	// The shipped configuration, with the managers' channel on Slack.
	r := startServe(t, slackHead, map[string]string{"slack": managersChan})
	return &slackRig{serveRig: r, fake: fake}
}

// slackHead is the Slack section the rigs put before the shipped configuration.
const slackHead = "slack:\n  post_interval: 50ms\n"

// fakeSlackFor starts a fake Slack with the shipped people, the reports and
// managers' channels, and points serve at it.
func fakeSlackFor(t *testing.T) *slackfake.Server {
	fake := slackfake.New(t)
	for _, p := range config.Default().Tenants[0].People {
		fake.AddUser(p.Slack, p.Name, p.ID+"@example.cn")
	}
	fake.AddChannel(reportsChan, "cr-reports", false, slackfake.BotUserID, "U01ZHANGWEI")
	fake.AddChannel(managersChan, "managers", true, slackfake.BotUserID, "U03WANGFANG")
	t.Setenv("QUNSU_SLACK_BOT_TOKEN", slackfake.BotToken)
	t.Setenv("QUNSU_SLACK_SIGNING_SECRET", testSecret)
	t.Setenv("QUNSU_SLACK_API_URL", fake.APIURL())
	return fake
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// send posts a request to qunsu signed as Slack signs it at ts, and returns the status.
func (r *slackRig) send(path, contentType string, body []byte, ts time.Time, secret string, header ...string) int {
	r.t.Helper()
	req := slackfake.SignedRequest(r.base+path, secret, ts, contentType, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return r.do(req)
}

func (r *slackRig) do(req *http.Request) int {
	r.t.Helper()
	began := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	res.Body.Close()
	if d := time.Since(began); d > 3*time.Second {
		r.t.Errorf("%s answered after %v: beyond Slack's 3 seconds", req.URL.Path, d)
	}
	return res.StatusCode
}

const form = "application/x-www-form-urlencoded"

// command types `/qunsu text` as user in channel.
func (r *slackRig) command(user, channel, text, trigger string) int {
	body := slackfake.SlashCommandBody("/qunsu", text, user, channel, trigger, r.fake.NewResponseURL())
	return r.send("/slack/commands", form, body, time.Now(), testSecret)
}

func (r *slackRig) click(user, channel, value, trigger string) int {
	body := slackfake.InteractionBody(map[string]any{"type": "block_actions", "trigger_id": trigger,
		"user": map[string]any{"id": user}, "response_url": r.fake.NewResponseURL(),
		"container": map[string]any{"type": "message", "channel_id": channel},
		"channel":   map[string]any{"id": channel, "name": complaintChan},
		"actions":   []any{map[string]any{"action_id": "qunsu_button_0", "block_id": "qunsu_buttons", "type": "button", "value": value}}})
	return r.send("/slack/interactivity", form, body, time.Now(), testSecret)
}

func (r *slackRig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	if !r.fake.WaitFor(slackTimeout, cond) {
		r.t.Fatalf("timed out waiting for %s\nlogs:\n%s", what, r.logs.String())
	}
}

// posted returns the messages of a channel whose text matches pattern.
func (r *slackRig) posted(channel, pattern string) []slackfake.Message {
	var out []slackfake.Message
	re := regexp.MustCompile(pattern)
	for _, m := range r.fake.Messages(channel) {
		if re.MatchString(m.Text) {
			out = append(out, m)
		}
	}
	return out
}

func (r *slackRig) complaintChannel() slackfake.Channel {
	r.t.Helper()
	c, ok := r.fake.ChannelByName(complaintChan)
	if !ok {
		r.t.Fatalf("no channel #%s; channels: %+v", complaintChan, r.fake.Channels())
	}
	return c
}

// buttons returns a message's buttons by label, with their values.
func buttons(t *testing.T, m slackfake.Message) map[string]string {
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			Text  struct{ Text string } `json:"text"`
			Value string                `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	out := map[string]string{}
	for _, b := range blocks {
		if b.Type == "actions" {
			for _, e := range b.Elements {
				out[e.Text.Text] = e.Value
			}
		}
	}
	return out
}

// blockText is all the text of a message's blocks, decoded.
func blockText(m slackfake.Message) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				b.WriteString(s + "\n")
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	var blocks any
	json.Unmarshal(m.Blocks, &blocks)
	walk(blocks)
	return b.String()
}

// Through the real serve wiring: a slash report creates the complaint's
// channel with its people, posts and pins the card and links it where it was
// reported; a reminder comes due in simulated time; a button acknowledges and
// the card is edited in place; a form logs a meeting; an escalation reaches
// the boss directly; a burst of 429s and a lost answer are survived with every
// message posted exactly once; the daily summary reaches the managers.
func TestServeSlack_ReportToSummary(t *testing.T) {
	r := startSlackRig(t)

	// Report.
	if st := r.command("U01ZHANGWEI", reportsChan, "上报 项目=翡翠湾 户数=35 行为=拉横幅 类别=交付 描述=业主13812345678在3栋2单元1201室聚集 发生=08:30", "trig-report"); st != 200 {
		t.Fatalf("slash command: %d", st)
	}
	r.waitFor("the card pinned", func() bool {
		c, ok := r.fake.ChannelByName(complaintChan)
		return ok && len(c.Pins) == 1
	})
	ch := r.complaintChannel()
	if !ch.Private {
		t.Error("the complaint channel is public")
	}
	for _, u := range []string{"U01ZHANGWEI", "U02LIQIANG", "U05LIUYANG", "U10ZHENGKAI", "U03WANGFANG", "U06ZHAOMIN", "U07SUNHAO", "U08ZHOULEI"} {
		if !slices.Contains(ch.Members, u) {
			t.Errorf("%s not invited; members %v", u, ch.Members)
		}
	}
	card := r.fake.Messages(ch.ID)[0]
	if card.TS != ch.Pins[0] || card.MetaType != "qunsu_message" {
		t.Errorf("first post is not the pinned card: %+v", card)
	}
	for _, want := range []string{"📋 群诉 QS-20261122-001 · 翡翠湾", "重大群诉 — 35户(21–50户) + 拉横幅(过度维权行为)，依据《群诉处理指引》3.2",
		"<@U01ZHANGWEI> ⏳", "报备总部客户关系部 — 11-22 14:30", "138****5678"} {
		if !strings.Contains(blockText(card), want) {
			t.Errorf("card lacks %q", want)
		}
	}
	if strings.Contains(blockText(card), "13812345678") {
		t.Error("the card shows a phone number unmasked")
	}
	btn := buttons(t, card)
	for _, label := range []string{"收到", "完成任务", "记录会议", "结案"} {
		if btn[label] == "" {
			t.Errorf("card lacks the %s button: %v", label, btn)
		}
	}
	r.waitFor("the answer with a link", func() bool { return len(r.posted(reportsChan, `已立案 QS-20261122-001`)) == 1 })
	if a := r.posted(reportsChan, `已立案`)[0]; !strings.Contains(a.Text, "<#"+ch.ID+">") {
		t.Errorf("answer without a link to the channel: %q", a.Text)
	}

	// A reminder after simulated time, with real mentions.
	r.advance(31 * time.Minute)
	r.waitFor("the acknowledgement reminder", func() bool { return len(r.posted(ch.ID, `⏰ 请确认 QS-20261122-001`)) == 1 })
	if rem := r.posted(ch.ID, `⏰ 请确认`)[0]; !strings.Contains(rem.Text, "<@U02LIQIANG>") {
		t.Errorf("reminder without mentions: %q", rem.Text)
	}

	// A button acknowledges; the card is edited in place, not posted again.
	if st := r.click("U05LIUYANG", ch.ID, btn["收到"], "trig-ack"); st != 200 {
		t.Fatalf("click: %d", st)
	}
	r.waitFor("the card updated with the ack", func() bool {
		return strings.Contains(blockText(r.fake.Messages(ch.ID)[0]), "<@U05LIUYANG> ✅")
	})
	r.waitFor("the ack in the channel", func() bool { return len(r.posted(ch.ID, `✅ 刘洋 已确认 QS-20261122-001`)) == 1 })
	if n := len(r.posted(ch.ID, `^✅ 已确认 QS-20261122-001`)); n != 0 {
		t.Errorf("the answer was posted again in the team channel (%d)", n)
	}

	// A button with a form: 记录会议 opens a modal; its submission logs the meeting.
	if st := r.click("U01ZHANGWEI", ch.ID, btn["记录会议"], "trig-meeting"); st != 200 {
		t.Fatalf("click: %d", st)
	}
	r.waitFor("the modal", func() bool { return len(r.fake.Views()) == 1 })
	var view struct {
		PrivateMetadata string `json:"private_metadata"`
	}
	json.Unmarshal(r.fake.Views()[0].View, &view)
	submit := slackfake.InteractionBody(map[string]any{"type": "view_submission", "trigger_id": "trig-submit",
		"user": map[string]any{"id": "U01ZHANGWEI"},
		"view": map[string]any{"id": "V0MEETING", "callback_id": "qunsu_form", "private_metadata": view.PrivateMetadata,
			"state": map[string]any{"values": map[string]any{"f0": map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "确定赔偿方案"}}}}}})
	if st := r.send("/slack/interactivity", form, submit, time.Now(), testSecret); st != 200 {
		t.Fatalf("submission: %d", st)
	}
	r.waitFor("the meeting logged", func() bool { return len(r.posted(ch.ID, `第1次专题会已记录.*确定赔偿方案`)) == 1 })

	// An overdue acknowledgement climbs the chain: the channel, and the boss directly.
	r.advance(2 * time.Hour)
	r.waitFor("the escalation", func() bool { return len(r.posted(ch.ID, `🔴 逾期 QS-20261122-001：「确认收到」`)) == 1 })
	r.waitFor("the escalation by direct message", func() bool {
		for _, c := range r.fake.Calls("conversations.open") {
			if c.Params["users"] == "U01ZHANGWEI" {
				return true
			}
		}
		return false
	})

	// A burst of 429s, then an answer lost on the way: every message once.
	r.fake.FailNext("chat.postMessage", 4, slackfake.Fault{Status: 429, RetryAfter: 1})
	r.fake.FailNext("chat.postMessage", 1, slackfake.Fault{Drop: true})
	for i := 0; i < 3; i++ {
		r.command("U01ZHANGWEI", reportsChan, "查看 QS-20261122-001", fmt.Sprintf("trig-show-%d", i))
	}
	r.command("U06ZHAOMIN", reportsChan, "更新 QS-20261122-001 户数=62 行为=+媒体", "trig-update")
	r.waitFor("the upgrade", func() bool { return len(r.posted(ch.ID, `🔺 形势转变 QS-20261122-001`)) == 1 })

	// The day's summary reaches the managers.
	r.clock.Set(time.Date(2026, 11, 22, 18, 0, 0, 0, shanghai(t)))
	r.waitFor("the daily summary", func() bool {
		return len(r.posted(managersChan, `📊 示例地产 每日群诉汇总 2026-11-22`)) == 1
	})

	r.waitDrained()
	if n := len(r.fake.Calls("chat.postMessage")); n == 0 {
		t.Fatal("no posts")
	}
	limited := 0
	for _, c := range r.fake.Calls("chat.postMessage") {
		if c.Status == 429 {
			limited++
		}
	}
	if limited != 4 {
		t.Errorf("%d posts answered 429, want 4", limited)
	}
	r.checkEachMessageOnce()
	if !strings.Contains(r.logs.String(), "not posting again") {
		t.Error("the lost answer was not found in the channel's history")
	}
}

// waitDrained waits until Slack's sender has taken every outbox entry.
func (r *slackRig) waitDrained() { r.serveRig.waitDrained("slack", r.fake.WaitFor) }

// checkEachMessageOnce compares the outbox with what Slack holds: every
// message is posted exactly once, in the chat it was for; a complaint's card
// is posted once and edited after.
func (r *slackRig) checkEachMessageOnce() {
	r.t.Helper()
	entries, err := r.rdb.XRange(context.Background(), "{t:demo}:outbox", "-", "+").Result()
	if err != nil {
		r.t.Fatal(err)
	}
	posted := map[string]int{}
	for _, c := range append(r.fake.Channels(), r.dms()...) {
		for _, m := range r.fake.Messages(c.ID) {
			if key, _ := m.MetaPayload["key"].(string); key != "" {
				posted[key]++
			}
		}
	}
	cards := map[string]bool{}
	want := 0
	for _, e := range entries {
		var m qunsu.Message
		json.Unmarshal([]byte(e.Values["m"].(string)), &m)
		if m.Card != "" && cards[m.Card] {
			if posted[m.Key] != 0 {
				r.t.Errorf("card version %s posted instead of edited", m.Key)
			}
			continue
		}
		cards[m.Card] = m.Card != ""
		want++
		if posted[m.Key] != 1 {
			r.t.Errorf("%s posted %d times: %.60q", m.Key, posted[m.Key], m.Text)
		}
	}
	if want < 20 {
		r.t.Errorf("only %d messages checked", want)
	}
}

// dms returns the direct-message channels the bot opened.
func (r *slackRig) dms() []slackfake.Channel {
	var out []slackfake.Channel
	seen := map[string]bool{}
	for _, c := range r.fake.Calls("conversations.open") {
		for _, m := range r.fake.Calls("chat.postMessage") {
			id := m.Params["channel"]
			if strings.HasPrefix(id, "D") && !seen[id] {
				seen[id] = true
				out = append(out, slackfake.Channel{ID: id})
			}
		}
		_ = c
	}
	return out
}

// Requests that Slack did not sign, signed too long ago, altered on the way,
// or seen before are refused with a log line and change nothing; a retry Slack
// announces is answered and not acted on twice; a malformed body is a 400.
func TestServeSlack_RefusesForgedStaleAndReplayedRequests(t *testing.T) {
	r := startSlackRig(t)
	report := slackfake.SlashCommandBody("/qunsu", "上报 项目=翡翠湾 户数=35 行为=拉横幅", "U01ZHANGWEI", reportsChan, "trig-1", r.fake.NewResponseURL())
	now := time.Now()

	unsigned, _ := http.NewRequest("POST", r.base+"/slack/commands", bytes.NewReader(report))
	unsigned.Header.Set("Content-Type", form)
	tampered := slackfake.SignedRequest(r.base+"/slack/commands", testSecret, now, form, report)
	tampered.Body = io.NopCloser(bytes.NewReader(bytes.Replace(report, []byte("35"), []byte("99"), 1)))
	cases := []struct {
		name   string
		status int
	}{
		{"forged (another secret)", r.send("/slack/commands", form, report, now, "ffffffffffffffffffffffffffffffff")},
		{"stale (6 minutes old)", r.send("/slack/commands", form, report, now.Add(-6*time.Minute), testSecret)},
		{"from the future", r.send("/slack/commands", form, report, now.Add(6*time.Minute), testSecret)},
		{"unsigned", r.do(unsigned)},
		{"tampered", r.do(tampered)},
		{"forged event", r.send("/slack/events", "application/json", mention("Ev0", "1763773200.000100", "上报 翡翠湾 40户 静坐"), now, "ffffffffffffffffffffffffffffffff")},
	}
	for _, c := range cases {
		if c.status != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", c.name, c.status)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := r.complaints(); n != 0 {
		t.Fatalf("refused requests stored %d complaints", n)
	}
	if n := strings.Count(r.logs.String(), "request refused"); n < len(cases) {
		t.Errorf("%d refusals logged, want %d", n, len(cases))
	}

	// The genuine request is taken; the same request again (a replay) is not.
	if st := r.send("/slack/commands", form, report, now, testSecret); st != 200 {
		t.Fatalf("genuine request: %d", st)
	}
	if st := r.send("/slack/commands", form, report, now, testSecret); st != http.StatusConflict {
		t.Errorf("replayed request: %d, want 409", st)
	}
	r.waitFor("the report", func() bool { return len(r.posted(reportsChan, `已立案 QS-20261122-001`)) == 1 })

	// Malformed bodies that pass the signature are refused as such.
	if st := r.send("/slack/events", "application/json", []byte(`{"type":`), now, testSecret); st != http.StatusBadRequest {
		t.Errorf("malformed event: %d, want 400", st)
	}
	if st := r.send("/slack/interactivity", form, []byte("payload=%7B%22type"), now, testSecret); st != http.StatusBadRequest {
		t.Errorf("malformed interaction: %d, want 400", st)
	}

	// Events: the URL check; a mention, retried by Slack, acted on once; a direct message.
	challenge := []byte(`{"token":"x","challenge":"c-123","type":"url_verification"}`)
	req := slackfake.SignedRequest(r.base+"/slack/events", testSecret, time.Now(), "application/json", challenge)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"challenge":"c-123"`) {
		t.Errorf("url_verification answered %q", body)
	}
	ev := mention("Ev1", "1763773300.000200", "<@UBOT> 列表")
	if st := r.send("/slack/events", "application/json", ev, time.Now(), testSecret); st != 200 {
		t.Fatalf("mention: %d", st)
	}
	if st := r.send("/slack/events", "application/json", ev, time.Now(), testSecret, "X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout"); st != 200 {
		t.Errorf("Slack's retry: %d, want 200", st)
	}
	dm := slackfake.EventBody("Ev2", map[string]any{"type": "message", "channel_type": "im", "channel": "D0ZHANGWEI",
		"user": "U01ZHANGWEI", "text": "帮助", "ts": "1763773400.000300", "event_ts": "1763773400.000300"})
	r.fake.AddChannel("D0ZHANGWEI", "", true, slackfake.BotUserID, "U01ZHANGWEI")
	if st := r.send("/slack/events", "application/json", dm, time.Now(), testSecret); st != 200 {
		t.Fatalf("direct message: %d", st)
	}
	own := slackfake.EventBody("Ev3", map[string]any{"type": "message", "channel_type": "im", "channel": "D0ZHANGWEI",
		"user": slackfake.BotUserID, "bot_id": "B0QUNSU", "text": "📖 qunsu 命令", "ts": "1763773401.000300"})
	r.send("/slack/events", "application/json", own, time.Now(), testSecret)
	r.waitFor("the list", func() bool { return len(r.posted(reportsChan, `进行中的群诉（1）`)) == 1 })
	r.waitFor("the help", func() bool { return len(r.posted("D0ZHANGWEI", `📖 qunsu 命令`)) == 1 })
	r.waitDrained()
	if n := len(r.posted(reportsChan, `进行中的群诉`)); n != 1 {
		t.Errorf("a retried mention was answered %d times", n)
	}
	if n := len(r.posted("D0ZHANGWEI", `📖`)); n != 1 {
		t.Errorf("the bot answered its own post: %d help texts", n)
	}
	if n := r.complaints(); n != 1 {
		t.Errorf("%d complaints, want 1", n)
	}
}

// mention is an app_mention event in the reports channel.
func mention(id, ts, text string) []byte {
	return slackfake.EventBody(id, map[string]any{"type": "app_mention", "channel": reportsChan, "user": "U01ZHANGWEI",
		"text": text, "ts": ts, "event_ts": ts})
}

// An upgrade brings the new grade's people into the complaint's channel, and
// the pinned card shows the new grade.
func TestServeSlack_UpgradeInvitesNewRoles(t *testing.T) {
	r := startSlackRig(t)
	r.command("U01ZHANGWEI", reportsChan, "上报 项目=云栖苑 户数=12 类别=工程 描述=地下室渗水 发生=08:00", "trig-general")
	const name = "qs-20261122-001-云栖苑"
	r.waitFor("the card pinned", func() bool { c, ok := r.fake.ChannelByName(name); return ok && len(c.Pins) == 1 })
	c, _ := r.fake.ChannelByName(name)
	newcomers := []string{"U03WANGFANG", "U06ZHAOMIN", "U07SUNHAO", "U08ZHOULEI"} // gm, pr, media, legal: from 重大 on
	for _, u := range newcomers {
		if slices.Contains(c.Members, u) {
			t.Fatalf("%s in a general complaint's channel", u)
		}
	}
	invites := len(r.fake.Calls("conversations.invite"))

	r.command("U01ZHANGWEI", reportsChan, "更新 QS-20261122-001 户数=30 行为=横幅", "trig-upgrade")
	r.waitFor("the new roles invited", func() bool {
		c, _ := r.fake.ChannelByName(name)
		for _, u := range newcomers {
			if !slices.Contains(c.Members, u) {
				return false
			}
		}
		return true
	})
	calls := r.fake.Calls("conversations.invite")[invites:]
	if len(calls) != 1 || calls[0].Params["users"] != strings.Join(newcomers, ",") {
		t.Errorf("upgrade invitations: %+v, want one call for %v", calls, newcomers)
	}
	r.waitFor("the card edited to the new grade", func() bool {
		return strings.Contains(blockText(r.fake.Messages(c.ID)[0]), "等级：重大群诉 — 30户(21–50户) + 拉横幅(过度维权行为)")
	})
	if n := len(r.posted(c.ID, `^📋|🚨 新群诉立案`)); n != 1 {
		t.Errorf("%d cards posted, want 1 edited in place", n)
	}
}

// check-config names what is wrong with the Slack settings and says OK when right.
func TestCheckConfigNamesSlackProblems(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("slack:\n  bot_token: xoxp-user-token\ntenants:\n  - id: a\n"), 0o644)
	err := run(context.Background(), []string{"check-config", "--config", bad}, nil, io.Discard, false)
	for _, want := range []string{"bad.yaml:2: slack.bot_token: not a bot token", "slack.signing_secret: missing", "tenants[0].managers: no slack channel"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("check-config: %v\nwant %q", err, want)
		}
	}
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("slack:\n  bot_token: xoxb-1-2\n  signing_secret: "+testSecret+"\ntenants:\n  - id: a\n    managers: {slack: C0MGR}\n"), 0o644)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"check-config", "--config", good}, nil, &out, false); err != nil || !strings.Contains(out.String(), "configuration OK") {
		t.Errorf("a good configuration: %v %q", err, out.String())
	}
}
