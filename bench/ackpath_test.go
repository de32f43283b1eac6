package bench

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"qunsu/bot/slack"
	"qunsu/bot/wecom"
	"qunsu/config"
	"qunsu/handlers"
	"qunsu/internal/redistest"
	"qunsu/internal/wecomfake"
	"qunsu/store"
)

// BenchmarkAckPath is the acknowledgement alone, in-process and one request
// at a time: qunsu's Slack and WeCom handlers, wired as serve wires them,
// next to the floor's, on the test Redis. Without the HTTP server, the load
// generator and the work qunsu does after the answer, it shows what the
// handlers themselves cost (time, allocations), steadily enough to compare
// and to profile (-cpuprofile):
//
//	./test.sh ./bench -run '^$' -bench AckPath -benchmem
func BenchmarkAckPath(b *testing.B) {
	opts, err := redis.ParseURL(redistest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	st := store.New(rdb)
	tc := config.Default().Tenants[0]
	tc.ID = redistest.Tenant(b)
	s, err := tc.Settings()
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	qunsu := http.NewServeMux()
	slack.New(slack.Config{BotToken: "xoxb-bench", SigningSecret: slackSecret}, slack.Options{Tenant: &s, Inbox: st, Memory: st,
		ReportForm: handlers.ReportForm, ReportWords: handlers.CommandWords("上报"), Log: quiet}).Routes(qunsu)
	wa, err := wecom.New(wecom.Config{CorpID: wecomfake.CorpID, AgentID: strconv.Itoa(wecomfake.AgentID), Secret: wecomfake.Secret,
		Token: wecomToken, AESKey: wecomAES}, wecom.Options{Tenant: &s, Inbox: st, Memory: st, Quota: st, Cache: st.SDKCache(s.Tenant), Log: quiet})
	if err != nil {
		b.Fatal(err)
	}
	wa.Routes(qunsu)
	f, err := newFloor(floorConfig{RedisURL: redistest.URL(b), SlackSecret: slackSecret, WeComToken: wecomToken,
		WeComAES: wecomAES, Corp: wecomfake.CorpID})
	if err != nil {
		b.Fatal(err)
	}
	defer f.rdb.Close()
	floor := f.routes()
	gen := &requestMaker{slackURL: func() string { return "https://hooks.slack.com/commands/T0/1/bench" }}
	for _, c := range []struct {
		name    string
		handler http.Handler
		build   func(base string, n int) []*http.Request
	}{
		{"qunsu-slack", qunsu, gen.slack}, {"floor-slack", floor, gen.slack},
		{"qunsu-wecom", qunsu, gen.wecom}, {"floor-wecom", floor, gen.wecom},
	} {
		b.Run(c.name, func(b *testing.B) {
			reqs := c.build("http://bench", b.N)
			bodies := make([][]byte, len(reqs))
			for i, r := range reqs {
				bodies[i], _ = io.ReadAll(r.Body)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				r := reqs[i]
				r.Body, r.RequestURI = io.NopCloser(bytes.NewReader(bodies[i])), r.URL.RequestURI()
				w := httptest.NewRecorder()
				c.handler.ServeHTTP(w, r)
				if err := emptyOK(w.Code, w.Body.Bytes()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
