package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"qunsu"
	"qunsu/bot"
	"qunsu/config"
	"qunsu/internal/redistest"
	"qunsu/internal/slackfake"
	"qunsu/store"
)

// adapterAt is an adapter whose Web API is at url; it is built by New, so
// its slack-go client and its thin calls share their URL, token and client.
func adapterAt(url string) *Adapter {
	return New(Config{BotToken: slackfake.BotToken, APIURL: url}, Options{Tenant: &qunsu.Settings{Tenant: "webapi"}})
}

// oldPost and oldUpdate are the calls the transport made through slack-go.
func oldPost(ctx context.Context, api *slackgo.Client, channel string, p post, meta slackgo.SlackMetadata) (string, string, error) {
	return api.PostMessageContext(ctx, channel, slackgo.MsgOptionText(p.text, false),
		slackgo.MsgOptionBlocks(p.blocks...), slackgo.MsgOptionMetadata(meta))
}

func oldUpdate(ctx context.Context, api *slackgo.Client, channel, ts string, p post) (string, string, error) {
	channel, ts, _, err := api.UpdateMessageContext(ctx, channel, ts, slackgo.MsgOptionText(p.text, false), slackgo.MsgOptionBlocks(p.blocks...))
	return channel, ts, err
}

// cardPost is a post like a complaint's card: a header, sections of Chinese
// and mrkdwn with characters a form escapes, a divider and buttons.
func cardPost() post {
	blocks := []slackgo.Block{slackgo.NewHeaderBlock(slackgo.NewTextBlockObject(slackgo.PlainTextType, "群诉 QS-20261122-001 翡翠湾", true, false))}
	for range 4 {
		blocks = append(blocks, section(strings.Repeat("业主反映延期交付，要求补偿；", 20)+"\n*等级* 重大 · <@U02LIQIANG> &lt;紧急&gt; 100% a+b=c"))
	}
	blocks = append(blocks, slackgo.NewDividerBlock())
	var buttons []slackgo.BlockElement
	for i, label := range []string{"收到", "更新", "完成", "开会"} {
		buttons = append(buttons, slackgo.NewButtonBlockElement(fmt.Sprintf("qunsu_button_%d", i), fmt.Sprintf("btn:%d", i),
			slackgo.NewTextBlockObject(slackgo.PlainTextType, label, true, false)))
	}
	blocks = append(blocks, slackgo.NewActionBlock("qunsu_buttons", buttons...))
	return post{text: "*群诉 QS-20261122-001* 翡翠湾 <@U01ZHANGWEI> 请处理 &lt;紧急&gt; 100% a+b=c ~x~", blocks: blocks}
}

func keyMeta(key string) slackgo.SlackMetadata {
	return slackgo.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{"key": key}}
}

// request is a Web API call as a server received it.
type request struct {
	path, contentType, auth string
	body                    []byte
}

// canned is what a canned server answers every call with.
type canned struct {
	status int
	header map[string]string
	body   string
	drop   bool // close the connection without answering
	stall  bool // send the body, then nothing more until the caller gives up
}

// cannedServer answers every call with a, and records the calls.
type cannedServer struct {
	mu   sync.Mutex
	reqs []request
	*httptest.Server
}

func serveCanned(t testing.TB, a canned) *cannedServer {
	s := &cannedServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, request{path: r.URL.Path, contentType: r.Header.Get("Content-Type"), auth: r.Header.Get("Authorization"), body: body})
		s.mu.Unlock()
		if a.drop {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
		if a.stall {
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// takeTwo returns the two calls made since the last take.
func (s *cannedServer) takeTwo(t *testing.T) (request, request) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	reqs := s.reqs
	s.reqs = nil
	if len(reqs) != 2 {
		t.Fatalf("%d calls, want 2", len(reqs))
	}
	return reqs[0], reqs[1]
}

// The thin calls send Slack the very bytes slack-go sent: the same method,
// content type and form, fields in the same order, escaped alike.
func TestThinCallsSendWhatSlackGoSent(t *testing.T) {
	ctx := t.Context()
	srv := serveCanned(t, canned{status: 200, body: `{"ok":true,"channel":"C0REPORTS","ts":"1763773200.000100"}`})
	a := adapterAt(srv.URL + "/api/")
	key := "QS-20261122-001/更新?&=<k>+1 %"
	posts := map[string]post{"card": cardPost(), "text only": {text: "仅文字 a&b"}, "nothing": {}}
	for name, p := range posts {
		wantBlocks := "[]"
		if len(p.blocks) > 0 {
			b, _ := json.Marshal(p.blocks)
			wantBlocks = string(b)
		}
		oldPost(ctx, a.api, "C0REPORTS", p, keyMeta(key))
		a.web.postMessage(ctx, "C0REPORTS", p, keyMeta(key))
		old, thin := srv.takeTwo(t)
		if !reflect.DeepEqual(old, thin) {
			t.Errorf("%s: chat.postMessage sent\n%+v\nwhere slack-go sent\n%+v", name, thin, old)
		}
		checkForm(t, name+": post", thin, "/api/chat.postMessage", map[string]string{"channel": "C0REPORTS", "text": p.text,
			"blocks": wantBlocks, "metadata": `{"event_type":"qunsu_message","event_payload":{"key":"QS-20261122-001/更新?\u0026=\u003ck\u003e+1 %"}}`,
			"token": slackfake.BotToken})

		oldUpdate(ctx, a.api, "C0REPORTS", "1763773200.000100", p)
		a.web.updateMessage(ctx, "C0REPORTS", "1763773200.000100", p)
		old, thin = srv.takeTwo(t)
		if !reflect.DeepEqual(old, thin) {
			t.Errorf("%s: chat.update sent\n%+v\nwhere slack-go sent\n%+v", name, thin, old)
		}
		checkForm(t, name+": update", thin, "/api/chat.update", map[string]string{"channel": "C0REPORTS", "text": p.text,
			"blocks": wantBlocks, "ts": "1763773200.000100", "token": slackfake.BotToken})
	}
}

// checkForm checks that a call went to path as a form of exactly want.
func checkForm(t *testing.T, what string, r request, path string, want map[string]string) {
	t.Helper()
	if r.path != path || r.contentType != "application/x-www-form-urlencoded" {
		t.Errorf("%s: to %s as %q", what, r.path, r.contentType)
	}
	form, err := url.ParseQuery(string(r.body))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got := map[string]string{}
	for k, v := range form {
		got[k] = strings.Join(v, "|")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: form\n%q\nwant\n%q", what, got, want)
	}
}

// The local Slack takes the thin calls: the post lands with its text, blocks
// and key, the edit replaces them, and Slack's refusals come back as
// slack-go's errors.
func TestThinCallsReachSlack(t *testing.T) {
	ctx := t.Context()
	fake := slackfake.New(t)
	fake.AddChannel("C0REPORTS", "reports", false, slackfake.BotUserID)
	a := adapterAt(fake.APIURL())
	p := cardPost()
	channel, ts, err := a.web.postMessage(ctx, "C0REPORTS", p, keyMeta("k1"))
	if err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages("C0REPORTS")
	if len(msgs) != 1 || channel != "C0REPORTS" || ts != msgs[0].TS {
		t.Fatalf("posted %+v; answered channel %q ts %q", msgs, channel, ts)
	}
	blocks, _ := json.Marshal(p.blocks)
	if m := msgs[0]; m.Text != p.text || !bytes.Equal(m.Blocks, blocks) || m.MetaType != metadataType || m.MetaPayload["key"] != "k1" {
		t.Errorf("posted %q, blocks %s, metadata %s %v", m.Text, m.Blocks, m.MetaType, m.MetaPayload)
	}

	edit := post{text: "v2", blocks: []slackgo.Block{section("第二版")}}
	if _, _, err := a.web.updateMessage(ctx, "C0REPORTS", ts, edit); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls("chat.update")
	if len(calls) != 1 || calls[0].Params["ts"] != ts || calls[0].Params["channel"] != "C0REPORTS" || calls[0].Params["text"] != "v2" {
		t.Errorf("chat.update calls %+v", calls)
	}
	if m := fake.Messages("C0REPORTS")[0]; m.Text != "v2" || m.Edits != 1 || !strings.Contains(string(m.Blocks), "第二版") {
		t.Errorf("edited to %q (%d edits), blocks %s", m.Text, m.Edits, m.Blocks)
	}

	_, _, err = a.web.postMessage(ctx, "C0NOWHERE", p, keyMeta("k2"))
	if !reflect.DeepEqual(err, slackgo.SlackErrorResponse{Err: "channel_not_found"}) {
		t.Errorf("post to a channel Slack does not have: %#v", err)
	}
	_, _, err = a.web.updateMessage(ctx, "C0REPORTS", "1.000001", edit)
	if !reflect.DeepEqual(err, slackgo.SlackErrorResponse{Err: "message_not_found"}) {
		t.Errorf("edit of a message Slack does not have: %#v", err)
	}
	wrong := New(Config{BotToken: "xoxb-wrong", APIURL: fake.APIURL()}, Options{Tenant: &qunsu.Settings{Tenant: "webapi"}})
	if _, _, err := wrong.web.postMessage(ctx, "C0REPORTS", p, keyMeta("k3")); slackError(err) != "invalid_auth" {
		t.Errorf("post with a wrong token: %v", err)
	}
}

// Without a URL the thin calls go to Slack's, like slack-go's.
func TestThinCallsDefaultToSlack(t *testing.T) {
	a := New(Config{BotToken: "xoxb-1"}, Options{Tenant: &qunsu.Settings{Tenant: "webapi"}})
	if a.web.url != slackgo.APIURL || a.web.token != "xoxb-1" {
		t.Errorf("thin calls to %q with %q", a.web.url, a.web.token)
	}
}

// verdict is what the sender makes of an error.
type verdict struct {
	ok, permanent bool
	wait          time.Duration // as told by Slack, for a rate limit
	code          string        // ErrorCode
}

func (v verdict) String() string {
	return fmt.Sprintf("{ok:%v permanent:%v wait:%v code:%q}", v.ok, v.permanent, v.wait, v.code)
}

// judge classifies err as Deliver does (again, for one classified already).
func judge(err error) verdict {
	c := classify(err)
	v := verdict{ok: c == nil, permanent: bot.IsPermanent(c), code: (&Adapter{}).ErrorCode(c)}
	var ra *bot.RetryAfter
	if errors.As(c, &ra) {
		v.wait = ra.Wait
	}
	return v
}

// sameError reports whether two errors are alike: equal when they are
// slack-go's, of one type and message otherwise (a network error).
func sameError(a, b error) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	return a != nil && b != nil && reflect.TypeOf(a) == reflect.TypeOf(b) && a.Error() == b.Error()
}

// Every answer Slack (or the way to it) can give comes out of the thin calls
// as it came out of slack-go, and the sender makes the same of it.
func TestThinCallsFailAsSlackGoDid(t *testing.T) {
	ctx := t.Context()
	jsonType := map[string]string{"Content-Type": "application/json; charset=utf-8"}
	html := map[string]string{"Content-Type": "text/html"}
	echo := `{"ok":true,"channel":"C0REPORTS","ts":"1763773200.000100","message":{"type":"message","text":"x","ts":"1763773200.000100",` +
		`"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"x"}}]}}`
	for _, c := range []struct {
		name string
		a    canned
		want verdict
	}{
		{"ok", canned{status: 200, header: jsonType, body: echo}, verdict{ok: true}},
		{"refused", canned{status: 200, header: jsonType, body: `{"ok":false,"error":"channel_not_found"}`}, verdict{permanent: true, code: "channel_not_found"}},
		{"transient code", canned{status: 200, header: jsonType, body: `{"ok":false,"error":"internal_error"}`}, verdict{code: "internal_error"}},
		{"no error code", canned{status: 200, header: jsonType, body: `{"ok":false}`}, verdict{ok: true}},
		{"blank error code", canned{status: 200, header: jsonType, body: `{"ok":false,"error":" "}`}, verdict{ok: true}},
		{"429", canned{status: 429, header: map[string]string{"Retry-After": "7"}, body: `{"ok":false,"error":"ratelimited"}`}, verdict{wait: 7 * time.Second, code: "ratelimited"}},
		{"429 at once", canned{status: 429, header: map[string]string{"Retry-After": "0"}}, verdict{wait: time.Second, code: "ratelimited"}},
		{"429 without Retry-After", canned{status: 429}, verdict{wait: time.Second, code: "ratelimited"}},
		{"429 with a date", canned{status: 429, header: map[string]string{"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}}, verdict{}},
		{"503", canned{status: 503, header: html, body: "<html>down</html>"}, verdict{code: "http_503"}},
		{"500 with JSON", canned{status: 500, header: jsonType, body: `{"ok":false,"error":"fatal_error"}`}, verdict{code: "http_500"}},
		{"404", canned{status: 404, header: html, body: "not found"}, verdict{permanent: true, code: "http_404"}},
		{"201", canned{status: 201, header: jsonType, body: echo}, verdict{permanent: true, code: "http_201"}},
		{"HTML", canned{status: 200, header: html, body: "<html>proxy</html>"}, verdict{}},
		{"cut short", canned{status: 200, header: jsonType, body: `{"ok":tr`}, verdict{}},
		{"empty", canned{status: 200, header: jsonType}, verdict{}},
		{"dropped", canned{drop: true}, verdict{}},
		{"trailing bytes", canned{status: 200, header: jsonType, body: echo + "\n<!-- proxy -->"}, verdict{ok: true}},
		{"lost after the JSON", canned{status: 200, header: map[string]string{"Content-Length": "4096"}, body: echo}, verdict{ok: true}},
		{"lost in the JSON", canned{status: 200, header: map[string]string{"Content-Length": "4096"}, body: echo[:40]}, verdict{}},
		{"stalls in the JSON", canned{status: 200, header: jsonType, body: echo[:40], stall: true}, verdict{}},
		{"stalls after the JSON", canned{status: 200, header: jsonType, body: echo, stall: true}, verdict{ok: true}},
	} {
		srv := serveCanned(t, c.a)
		a := adapterAt(srv.URL + "/api/")
		// Each call gives up on its own, on an answer that stalls.
		call := func() context.Context {
			if !c.a.stall {
				return ctx
			}
			c, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
			t.Cleanup(cancel)
			return c
		}
		p := cardPost()
		type result struct {
			channel, ts string
			err         error
		}
		var old, thin [2]result
		old[0].channel, old[0].ts, old[0].err = oldPost(call(), a.api, "C0REPORTS", p, keyMeta("k"))
		thin[0].channel, thin[0].ts, thin[0].err = a.web.postMessage(call(), "C0REPORTS", p, keyMeta("k"))
		old[1].channel, old[1].ts, old[1].err = oldUpdate(call(), a.api, "C0REPORTS", "1763773200.000100", p)
		thin[1].channel, thin[1].ts, thin[1].err = a.web.updateMessage(call(), "C0REPORTS", "1763773200.000100", p)
		for i, method := range []string{"chat.postMessage", "chat.update"} {
			o, n := old[i], thin[i]
			if o.channel != n.channel || o.ts != n.ts || !sameError(o.err, n.err) {
				t.Errorf("%s, %s: thin call gave %q %q %#v; slack-go gave %q %q %#v", c.name, method, n.channel, n.ts, n.err, o.channel, o.ts, o.err)
			}
			if got, was := judge(n.err), judge(o.err); got != c.want || was != c.want {
				t.Errorf("%s, %s: taken as %v (slack-go's: %v), want %v", c.name, method, got, was, c.want)
			}
		}
		if c.want.ok && strings.HasPrefix(c.a.body, echo) && (thin[0].ts != "1763773200.000100" || thin[1].channel != "C0REPORTS") {
			t.Errorf("%s: answered %+v", c.name, thin)
		}
	}
}

// deliverRig is an adapter on the local Slack and a real Redis.
func deliverRig(t *testing.T) (*Adapter, *slackfake.Server) {
	fake := slackfake.New(t)
	fake.AddChannel("C0REPORTS", "reports", false, slackfake.BotUserID)
	c := config.Default().Tenants[0]
	c.ID = redistest.Tenant(t)
	s, err := c.Settings()
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(redistest.Client(t))
	return New(Config{BotToken: slackfake.BotToken, APIURL: fake.APIURL()}, Options{Tenant: &s, Inbox: st, Memory: st}), fake
}

// The faults the local Slack injects (a 429 with Retry-After, a 5xx, error
// answers, a lost canned) make Deliver, posting or editing a card, answer
// the sender as it did when the calls went through slack-go.
func TestDeliverTakesFaultsAsBefore(t *testing.T) {
	ctx := t.Context()
	a, fake := deliverRig(t)
	route := bot.Route{Chat: "C0REPORTS"}
	origin := qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: Platform, ID: "C0REPORTS"}
	card := func(v int64) qunsu.Message {
		return qunsu.Message{Chat: origin, Text: fmt.Sprint("卡片 v", v), Blocks: []qunsu.Block{{Kind: qunsu.BlockText, Text: fmt.Sprint("第 ", v, " 版")}},
			Card: "QS-20261122-009", Version: v, Key: fmt.Sprint("card-v", v)}
	}
	if err := a.Deliver(ctx, route, card(1), time.Time{}); err != nil {
		t.Fatal(err)
	}
	cardTS := fake.Messages("C0REPORTS")[0].TS
	for _, c := range []struct {
		name  string
		fault slackfake.Fault
		want  verdict
	}{
		{"429", slackfake.Fault{Status: 429, RetryAfter: 2}, verdict{wait: 2 * time.Second, code: "ratelimited"}},
		{"503", slackfake.Fault{Status: 503}, verdict{code: "http_503"}},
		{"refused", slackfake.Fault{Error: "msg_too_long"}, verdict{permanent: true, code: "msg_too_long"}},
		{"transient code", slackfake.Fault{Error: "internal_error"}, verdict{code: "internal_error"}},
		{"dropped", slackfake.Fault{Drop: true}, verdict{}},
	} {
		m := qunsu.Message{Chat: origin, Text: "通知 " + c.name, Key: "post-" + c.name}
		p, err := a.render(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		fake.FailNext("chat.postMessage", 1, c.fault)
		got := judge(a.Deliver(ctx, route, m, time.Time{}))
		fake.FailNext("chat.postMessage", 1, c.fault)
		_, _, old := oldPost(ctx, a.api, "C0REPORTS", p, keyMeta(m.Key))
		if was := judge(old); got != c.want || was != c.want {
			t.Errorf("post, %s: Deliver gives %v (through slack-go: %v), want %v", c.name, got, was, c.want)
		}

		edit := card(2)
		p, err = a.render(ctx, edit)
		if err != nil {
			t.Fatal(err)
		}
		fake.FailNext("chat.update", 1, c.fault)
		got = judge(a.Deliver(ctx, route, edit, time.Time{}))
		fake.FailNext("chat.update", 1, c.fault)
		_, _, old = oldUpdate(ctx, a.api, "C0REPORTS", cardTS, p)
		if was := judge(old); got != c.want || was != c.want {
			t.Errorf("card edit, %s: Deliver gives %v (through slack-go: %v), want %v", c.name, got, was, c.want)
		}
	}
	// A lost canned is no loss: the post and the edit were made.
	posts := 0
	for _, m := range fake.Messages("C0REPORTS") {
		if m.Text == "通知 dropped" {
			posts++
		}
	}
	if posts != 2 { // once by Deliver, once by slack-go
		t.Errorf("the posts whose answers were lost: %d, want 2", posts)
	}
	if calls := fake.Calls("chat.update"); len(calls) == 0 || calls[len(calls)-1].Params["ts"] != cardTS {
		t.Errorf("card edits: %+v", calls)
	}
}

// appendField escapes as url.QueryEscape does, every byte.
func TestFormEscapesAsURLValues(t *testing.T) {
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
	}
	for _, v := range []string{"", "plain-_.~09AZaz", " ", "a b+c&d=e%f/g?h#i", "群诉 QS·翡翠湾\n\t\"<>\\", string(all)} {
		want := url.Values{"k": {v}}.Encode()
		if got := string(appendField(nil, "k", v)); got != want {
			t.Errorf("%q: %s, want %s", v, got, want)
		}
		if got := string(appendField(nil, "k", []byte(v))); got != want {
			t.Errorf("%q as bytes: %s, want %s", v, got, want)
		}
	}
	if got, want := string(appendField(appendField(nil, "a", "1"), "b", "2 3")), "a=1&b=2+3"; got != want {
		t.Errorf("two fields: %s, want %s", got, want)
	}
}

// BenchmarkPostMessage posts a card through slack-go and through the thin
// call: to the local Slack (a new one for each run, its work in the same
// process counted too), and to a server that replays the local Slack's answer
// and does nothing else, which leaves mostly the client's own work.
func BenchmarkPostMessage(b *testing.B) {
	ctx := b.Context()
	p, meta := cardPost(), keyMeta("QS-20261122-001:remind:1")
	localSlack := func(b *testing.B) string {
		fake := slackfake.New(b)
		fake.AddChannel("C0REPORTS", "reports", false, slackfake.BotUserID)
		return fake.APIURL()
	}

	// The local Slack's answer to one post, to replay.
	blocks, _ := json.Marshal(p.blocks)
	metadata, _ := json.Marshal(meta)
	res, err := http.PostForm(localSlack(b)+"chat.postMessage", url.Values{"token": {slackfake.BotToken}, "channel": {"C0REPORTS"},
		"text": {p.text}, "blocks": {string(blocks)}, "metadata": {string(metadata)}})
	if err != nil {
		b.Fatal(err)
	}
	echo, _ := io.ReadAll(res.Body)
	res.Body.Close()
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(echo)
	}))
	b.Cleanup(replay.Close)
	replaying := func(*testing.B) string { return replay.URL + "/api/" }

	for _, to := range []struct {
		name string
		url  func(*testing.B) string
	}{{"fake", localSlack}, {"replay", replaying}, {"direct", nil}} {
		adapter := func(b *testing.B) *Adapter {
			if to.url != nil {
				return adapterAt(to.url(b))
			}
			// The answer handed over in the process, without a socket: what
			// is left is the client's work.
			client := &http.Client{Transport: direct(echo)}
			cfg := Config{BotToken: slackfake.BotToken, APIURL: "http://slack.test/api/"}
			return &Adapter{api: slackgo.New(cfg.BotToken, slackgo.OptionHTTPClient(client), slackgo.OptionAPIURL(cfg.APIURL)), web: newWebAPI(cfg, client)}
		}
		b.Run(to.name+"/slack-go", func(b *testing.B) {
			a := adapter(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := oldPost(ctx, a.api, "C0REPORTS", p, meta); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(to.name+"/thin", func(b *testing.B) {
			a := adapter(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := a.web.postMessage(ctx, "C0REPORTS", p, meta); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// direct is a transport that answers every request with the same JSON.
type direct []byte

func (d direct) RoundTrip(r *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body:          io.NopCloser(bytes.NewReader(d)),
		ContentLength: int64(len(d)), Request: r}, nil
}
