package wecom

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/config"
	"qunsu/internal/redistest"
	"qunsu/internal/wecomfake"
	"qunsu/render"
	"qunsu/store"
)

// downRig is an adapter on a redis-server of its own, which the test stops.
type downRig struct {
	redis  *redistest.Server
	st     *store.Store
	tenant string
	http   *httptest.Server
}

func newDownRig(t *testing.T) *downRig {
	srv := redistest.StartServer(t)
	opts, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	opts.MaxRetries = -1 // one try: the test waits for the answer, not for redis
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb)
	c := config.Default().Tenants[0]
	c.ID = redistest.Tenant(t)
	s, err := c.Settings()
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{CorpID: wecomfake.CorpID, AgentID: fmt.Sprint(wecomfake.AgentID), Secret: wecomfake.Secret,
		Token: appToken, AESKey: appAESKey, AIBotToken: botToken, AIBotAESKey: botAESKey},
		Options{Tenant: &s, Inbox: st, Memory: st, Quota: st, Cache: st.SDKCache(s.Tenant),
			Unavailable: func(l qunsu.Lang) string { return "⚠️ " + render.T(l, "err.internal") }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Routes(mux)
	h := httptest.NewServer(mux)
	t.Cleanup(h.Close)
	return &downRig{redis: srv, st: st, tenant: s.Tenant, http: h}
}

// inboxEmpty reports, with redis back, that nothing was queued.
func (d *downRig) inboxEmpty(t *testing.T) {
	t.Helper()
	if err := d.redis.Start(); err != nil {
		t.Fatal(err)
	}
	got, err := d.st.ReceiveInbound(ctx, d.tenant, "test", 10, time.Hour, 10*time.Millisecond)
	if err != nil || len(got) != 0 {
		t.Errorf("inbox after the outage: %+v %v", got, err)
	}
}

func post(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// With the store down, a member's message to the app is answered 200 with
// a passive reply — sealed for the corp id, signed with the token, as
// WeCom's own algorithm opens it — telling them to try again, in the
// language of their command word; nothing is queued.
func TestAppAnswersPassivelyWhenTheStoreIsDown(t *testing.T) {
	d := newDownRig(t)
	d.redis.Stop()
	for _, tc := range []struct{ text, want string }{
		{"上报 项目=翡翠湾 户数=35 行为=拉横幅", "暂时无法处理，请稍后重试。"},
		{"/report project=Emerald households=35", "Cannot handle this right now, please try again shortly."},
	} {
		start := time.Now()
		res, body := post(t, wecomfake.AppCallback(d.http.URL+"/wecom/callback", appToken, appAESKey,
			wecomfake.AppText{From: "ZhangWei", Content: tc.text}))
		if took := time.Since(start); took > acceptWithin+time.Second {
			t.Errorf("answered after %v: WeCom gives up after 5 s", took)
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%q: %d %s", tc.text, res.StatusCode, body)
		}
		var env struct {
			Encrypt, MsgSignature, Nonce string
			TimeStamp                    string
		}
		if err := xml.Unmarshal(body, &env); err != nil {
			t.Fatalf("reply %s: %v", body, err)
		}
		if env.MsgSignature != wecomfake.Signature(appToken, env.TimeStamp, env.Nonce, env.Encrypt) {
			t.Errorf("reply signature %q does not check out", env.MsgSignature)
		}
		plain, err := wecomfake.Decrypt(appAESKey, wecomfake.CorpID, env.Encrypt)
		if err != nil {
			t.Fatalf("reply does not decrypt for the corp id: %v", err)
		}
		var m appMessage
		if err := xml.Unmarshal(plain, &m); err != nil {
			t.Fatal(err)
		}
		if m.MsgType != "text" || m.ToUserName != "ZhangWei" || m.FromUserName != wecomfake.CorpID || !strings.Contains(m.Content, tc.want) {
			t.Errorf("%q answered %+v", tc.text, m)
		}
	}
	d.inboxEmpty(t)
}

// The intelligent robot answers the same way where it was asked: a finished
// stream, sealed for the receive id "" and signed with the robot's token.
func TestAIBotAnswersPassivelyWhenTheStoreIsDown(t *testing.T) {
	d := newDownRig(t)
	d.redis.Stop()
	for _, tc := range []struct{ text, responseURL, want string }{
		{"@qunsu 列表", "http://127.0.0.1:1/resp", "暂时无法处理，请稍后重试。"},                      // fails at remembering the URL
		{"@qunsu list", "", "Cannot handle this right now, please try again shortly."}, // fails at the inbox
	} {
		res, body := post(t, wecomfake.AIBotCallback(d.http.URL+"/wecom/aibot", botToken, botAESKey,
			wecomfake.AIBotText{ChatID: "wrGroup1", From: "LiQiang", ResponseURL: tc.responseURL, Content: tc.text}))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%q: %d %s", tc.text, res.StatusCode, body)
		}
		var env struct {
			Encrypt      string `json:"encrypt"`
			MsgSignature string `json:"msgsignature"`
			TimeStamp    int64  `json:"timestamp"`
			Nonce        string `json:"nonce"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatalf("reply %s: %v", body, err)
		}
		if env.MsgSignature != wecomfake.Signature(botToken, fmt.Sprint(env.TimeStamp), env.Nonce, env.Encrypt) {
			t.Errorf("reply signature %q does not check out", env.MsgSignature)
		}
		plain, err := wecomfake.Decrypt(botAESKey, "", env.Encrypt)
		if err != nil {
			t.Fatalf("reply does not decrypt for the robot: %v", err)
		}
		var m aibotStream
		if err := json.Unmarshal(plain, &m); err != nil {
			t.Fatal(err)
		}
		if m.MsgType != "stream" || !m.Stream.Finish || m.Stream.ID == "" || !strings.Contains(m.Stream.Content, tc.want) {
			t.Errorf("%q answered %s", tc.text, plain)
		}
	}
	d.inboxEmpty(t)
}

// Without a text for it (no Unavailable), WeCom gets a 503 and retries.
func TestWithoutAnUnavailableTextWeComRetries(t *testing.T) {
	d := newDownRig(t)
	r := newRig(t)
	r.a.inbox = d.st
	d.redis.Stop()
	res, _ := post(t, wecomfake.AppCallback(r.http.URL+"/wecom/callback", appToken, appAESKey, wecomfake.AppText{From: "ZhangWei", Content: "帮助"}))
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d", res.StatusCode)
	}
}
