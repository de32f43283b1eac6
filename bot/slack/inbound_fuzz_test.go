package slack_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"qunsu"
	"qunsu/bot/slack"
	"qunsu/config"
	"qunsu/handlers"
	"qunsu/internal/inboxlog"
	"qunsu/internal/slackfake"
)

// Buttons a card posted earlier, as the adapter remembers them.
const (
	ackButton   = `{"label":"收到","command":"收到 QS-20261122-001"}`
	closeButton = `{"label":"结案","command":"","form":{"title":"结案","submit":"提交","command":"结案 QS-20261122-001","fields":[{"label":"说明","kind":"long_text"}]}}`
)

// fuzzRig is an adapter on an inboxlog.Log and a fake Slack, served in process.
type fuzzRig struct {
	fake *slackfake.Server
	mux  *http.ServeMux
	log  *inboxlog.Log
}

func newFuzzRig(t testing.TB) *fuzzRig {
	fake := slackfake.New(t)
	c := config.Default().Tenants[0]
	c.ID = "fuzz"
	s, err := c.Settings()
	if err != nil {
		t.Fatal(err)
	}
	log := &inboxlog.Log{}
	a := slack.New(slack.Config{BotToken: slackfake.BotToken, APIURL: fake.APIURL(), SigningSecret: secret},
		slack.Options{Tenant: &s, Inbox: log, Memory: log, ReportForm: handlers.ReportForm, ReportWords: handlers.CommandWords("report"),
			Unavailable: func(qunsu.Lang) string { return "down" }})
	mux := http.NewServeMux()
	a.Routes(mux)
	return &fuzzRig{fake: fake, mux: mux, log: log}
}

// serve posts body, signed with secret at ts, to path on a fresh inbox; it
// returns the status, the answer and what was queued.
func (r *fuzzRig) serve(path, secret string, ts time.Time, contentType string, body []byte) (int, string, []qunsu.Inbound) {
	r.log.Reset(map[string]string{"slack:button:B1": ackButton, "slack:button:B2": closeButton})
	req := slackfake.SignedRequest("http://qunsu.test"+path, secret, ts, contentType, body)
	w := httptest.NewRecorder()
	r.mux.ServeHTTP(w, req)
	return w.Code, w.Body.String(), r.log.Got
}

const form = "application/x-www-form-urlencoded"

// leadingMention is a mention of someone at the start of a text.
var leadingMention = regexp.MustCompile(`^\s*<@[A-Z0-9]+(\|[^>]*)?>`)

// checkRefused asserts that a forged or stale request is refused and queues nothing.
func (r *fuzzRig) checkRefused(t *testing.T, path, contentType string, body []byte) {
	t.Helper()
	if status, _, got := r.serve(path, "ffffffffffffffffffffffffffffffff", time.Now(), contentType, body); status != http.StatusUnauthorized || len(got) != 0 {
		t.Fatalf("signed with another secret: status %d, queued %d", status, len(got))
	}
	if status, _, got := r.serve(path, secret, time.Now().Add(-6*time.Minute), contentType, body); status != http.StatusUnauthorized || len(got) != 0 {
		t.Fatalf("six minutes old: status %d, queued %d", status, len(got))
	}
}

// checkQueued asserts what any queued message must be.
func checkQueued(t *testing.T, got []qunsu.Inbound) {
	t.Helper()
	for _, in := range got {
		if in.User == "" || in.ID == "" || in.Tenant != "fuzz" || in.Platform != slack.Platform || in.Chat.Kind == "" {
			t.Fatalf("queued %+v", in)
		}
	}
}

// FuzzSlackCommand posts `/qunsu <text>` as Slack does, signed: a command
// with its user, channel and trigger is queued as typed (or opens the report
// form, or asks for help when empty); one without them is refused; forged
// and stale copies are refused.
func FuzzSlackCommand(f *testing.F) {
	for _, s := range []struct{ text, user, channel, trigger string }{
		{"上报 项目=翡翠湾 户数=35 行为=拉横幅", "U01ZHANGWEI", "C0REPORTS", "t1"},
		{"report", "U01ZHANGWEI", "C0REPORTS", "t2"},
		{"／上报", "U01ZHANGWEI", "D0DIRECT", "t3"},
		{"", "U02LIQIANG", "C0REPORTS", "t4"},
		{"  收到 QS-20261122-001  ", "U02LIQIANG", "C0REPORTS", "t5"},
		{"a=b&c=d;e%zz+", "U1", "C1", "t6"},
		{"帮助", "", "C0REPORTS", "t7"},
		{"\x00\xff", "U1", "C1", ""},
	} {
		f.Add(s.text, s.user, s.channel, s.trigger)
	}
	r := newFuzzRig(f)
	f.Fuzz(func(t *testing.T, text, user, channel, trigger string) {
		body := slackfake.SlashCommandBody("/qunsu", text, user, channel, trigger, "https://hooks.slack.test/r")
		status, answer, got := r.serve("/slack/commands", secret, time.Now(), form, body)
		checkQueued(t, got)
		switch {
		case len(body) > 1<<20:
			if status != http.StatusRequestEntityTooLarge || len(got) != 0 {
				t.Fatalf("%d bytes: status %d, queued %d", len(body), status, len(got))
			}
		case user == "" || channel == "" || trigger == "":
			if status != http.StatusBadRequest || len(got) != 0 {
				t.Fatalf("without user, channel or trigger: status %d, queued %d", status, len(got))
			}
		case status != http.StatusOK:
			t.Fatalf("%q: status %d %s", text, status, answer)
		case len(got) == 0:
			word := strings.ToLower(strings.TrimLeft(strings.TrimSpace(text), "/／"))
			if word != "上报" && word != "报告" && word != "report" {
				t.Fatalf("%q: nothing queued, answered %s", text, answer)
			}
		default:
			want := strings.TrimSpace(text)
			if want == "" {
				want = "帮助"
			}
			in := got[0]
			if in.Text != want || in.User != user || in.ID != "cmd:"+trigger || in.Chat.ID != channel || in.Chat.ReplyURL != "https://hooks.slack.test/r" {
				t.Fatalf("%q read as %+v", text, in)
			}
		}
		r.checkRefused(t, "/slack/commands", form, body)
	})
}

// FuzzSlackEvent posts any Events API body, signed: it never panics; the URL
// check is answered with its challenge; a message is queued only from a
// person's mention or direct message, without the leading mention.
func FuzzSlackEvent(f *testing.F) {
	for _, ev := range []map[string]any{
		{"type": "app_mention", "channel": "C0REPORTS", "user": "U02LIQIANG", "text": "<@UBOT> 列表 翡翠湾", "ts": "1763773200.000100"},
		{"type": "message", "channel_type": "im", "channel": "D0DIRECT", "user": "U01ZHANGWEI", "text": "上报 翡翠湾 35户 &lt;急&gt; <mailto:a@b.cn|a@b.cn>", "ts": "1.2"},
		{"type": "message", "channel_type": "im", "channel": "D0DIRECT", "user": "U01ZHANGWEI", "bot_id": "B1", "text": "echo", "ts": "1.3"},
		{"type": "message", "subtype": "message_changed", "channel": "C1", "user": "U1", "ts": "1.4"},
		{"type": "app_mention", "channel": "", "user": "U1", "text": "<@UBOT|qunsu>：帮助", "ts": ""},
	} {
		f.Add(slackfake.EventBody("Ev1", ev))
	}
	for _, s := range []string{`{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`,
		`{"type":"event_callback","event":null}`, `{"type":"event_callback","event":{"type":["x"]}}`, `[]`, ``, `{"type":"event_callback"`} {
		f.Add([]byte(s))
	}
	r := newFuzzRig(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		status, answer, got := r.serve("/slack/events", secret, time.Now(), "application/json", body)
		checkQueued(t, got)
		var e struct {
			Type      string `json:"type"`
			Challenge string `json:"challenge"`
			Event     struct {
				Text string `json:"text"`
			} `json:"event"`
		}
		parsed := json.Unmarshal(body, &e) == nil
		switch {
		case len(body) > 1<<20:
			if status != http.StatusRequestEntityTooLarge {
				t.Fatalf("%d bytes: status %d", len(body), status)
			}
		case !parsed:
			if status != http.StatusBadRequest || len(got) != 0 {
				t.Fatalf("not JSON: status %d, queued %d", status, len(got))
			}
		case e.Type == "url_verification":
			var a map[string]string
			if status != http.StatusOK || json.Unmarshal([]byte(answer), &a) != nil || a["challenge"] != e.Challenge {
				t.Fatalf("URL check answered %d %s", status, answer)
			}
		case e.Type != "event_callback" && len(got) != 0:
			t.Fatalf("a %q queued %+v", e.Type, got)
		}
		// The mention the text starts with is not part of the command (a
		// text that holds no other "<" cannot bring one back).
		m := leadingMention.FindString(e.Event.Text)
		rest := e.Event.Text[len(m):]
		for _, in := range got {
			if !strings.HasPrefix(in.ID, "msg:") ||
				(m != "" && !strings.Contains(rest, "<") && !strings.Contains(rest, "&lt;") && strings.Contains(in.Text, "<@")) {
				t.Fatalf("%q queued %+v", e.Event.Text, in)
			}
		}
		r.checkRefused(t, "/slack/events", "application/json", body)
	})
}

// FuzzSlackInteraction posts any interactivity payload, signed: it never
// panics; a click queues the command of a button the adapter knows, a form
// submission the command of its form; forged and stale copies are refused.
func FuzzSlackInteraction(f *testing.F) {
	for _, p := range []map[string]any{
		{"type": "block_actions", "trigger_id": "t1", "user": map[string]any{"id": "U02LIQIANG"}, "container": map[string]any{"channel_id": "C0TEAM"},
			"actions": []any{map[string]any{"action_id": "a", "value": "B1"}}, "response_url": "https://hooks.slack.test/r"},
		{"type": "block_actions", "trigger_id": "t2", "user": map[string]any{"id": "U02LIQIANG"}, "channel": map[string]any{"id": "C0TEAM"},
			"actions": []any{map[string]any{"action_id": "a", "value": "B2"}}},
		{"type": "block_actions", "trigger_id": "t3", "user": map[string]any{"id": "U1"}, "channel": map[string]any{"id": "C1"},
			"actions": []any{map[string]any{"value": "nobody-knows"}}},
		{"type": "view_submission", "user": map[string]any{"id": "U01ZHANGWEI"}, "view": map[string]any{"id": "V1", "callback_id": "qunsu_form",
			"private_metadata": `{"c":"C0REPORTS","r":true,"l":"zh"}`, "state": map[string]any{"values": map[string]any{
				"f0": map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "云栖苑"}},
				"f1": map[string]any{"value": map[string]any{"type": "number_input", "value": "12"}},
				"f2": map[string]any{"value": map[string]any{"type": "multi_static_select", "selected_options": []any{map[string]any{"value": "banner"}}}},
				"f3": map[string]any{"value": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "delivery"}}},
				"f4": map[string]any{"value": map[string]any{"type": "datetimepicker", "selected_date_time": 1763773200}},
				"f5": map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "多行\n描述"}}}}}},
		{"type": "view_submission", "user": map[string]any{"id": "U01ZHANGWEI"}, "view": map[string]any{"id": "V2", "callback_id": "qunsu_form",
			"private_metadata": `{"c":"C0TEAM","b":"B2","l":"en"}`, "state": map[string]any{"values": map[string]any{
				"f0": map[string]any{"value": map[string]any{"type": "plain_text_input", "value": "done as planned"}}}}}},
		{"type": "view_submission", "user": map[string]any{"id": "U1"}, "view": map[string]any{"id": "V3", "callback_id": "qunsu_form", "private_metadata": "{"}},
		{"type": "shortcut", "user": map[string]any{"id": "U1"}},
	} {
		js, _ := json.Marshal(p)
		f.Add(js)
	}
	f.Add([]byte(`{"type":"block_actions","user":{"id":"U1"},"actions":[]}`))
	f.Add([]byte(`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"qunsu_form","state":{"values":null}}}`))
	r := newFuzzRig(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		body := []byte("payload=" + url.QueryEscape(string(payload)))
		status, _, got := r.serve("/slack/interactivity", secret, time.Now(), form, body)
		checkQueued(t, got)
		var it struct {
			Type string `json:"type"`
			User struct {
				ID string `json:"id"`
			} `json:"user"`
		}
		switch {
		case len(body) > 1<<20:
			if status != http.StatusRequestEntityTooLarge || len(got) != 0 {
				t.Fatalf("%d bytes: status %d, queued %d", len(body), status, len(got))
			}
		case len(payload) == 0 || json.Unmarshal(payload, &it) != nil || it.User.ID == "":
			if status != http.StatusBadRequest || len(got) != 0 {
				t.Fatalf("%q: status %d, queued %d", payload, status, len(got))
			}
		case status != http.StatusOK && status != http.StatusBadRequest:
			t.Fatalf("%q: status %d", payload, status)
		}
		for _, in := range got {
			switch {
			case strings.HasPrefix(in.ID, "act:"):
				if in.Text != "收到 QS-20261122-001" || in.User != it.User.ID {
					t.Fatalf("a click queued %+v", in)
				}
			case strings.HasPrefix(in.ID, "view:"):
				if !strings.HasPrefix(in.Text, "上报") && !strings.HasPrefix(in.Text, "report") && !strings.HasPrefix(in.Text, "结案 QS-20261122-001") {
					t.Fatalf("a form queued %+v", in)
				}
			default:
				t.Fatalf("queued %+v", in)
			}
		}
		r.checkRefused(t, "/slack/interactivity", form, body)
	})
}

// A body at Slack's size limit is read; one byte more is refused unread, and
// nothing is queued.
func TestBodyLimit(t *testing.T) {
	r := newFuzzRig(t)
	base := slackfake.SlashCommandBody("/qunsu", "帮助", "U01ZHANGWEI", "C0REPORTS", "t1", "https://hooks.slack.test/r")
	pad := func(total int) []byte {
		return append(bytes.Clone(base), "&pad="+strings.Repeat("x", total-len(base)-5)...)
	}
	if status, _, got := r.serve("/slack/commands", secret, time.Now(), form, pad(1<<20)); status != http.StatusOK || len(got) != 1 {
		t.Errorf("at the limit: %d, queued %d", status, len(got))
	}
	if status, _, got := r.serve("/slack/commands", secret, time.Now(), form, pad(1<<20+1)); status != http.StatusRequestEntityTooLarge || len(got) != 0 {
		t.Errorf("over the limit: %d, queued %d", status, len(got))
	}
}
