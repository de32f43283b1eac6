package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/internal/slackfake"
)

// opsRig is startServe's rig that the test can also stop as SIGTERM does, with
// the redis-server it can stop and start, and a hand on the serve wiring.
type opsRig struct {
	*serveRig
	redis *redistest.Server
	// shutdown ends serve as a signal does, and waits for it.
	shutdown func() (took time.Duration, err error)
}

func startOps(t *testing.T, head string, managers map[string]string, inbound func(qunsu.InboundHandler) qunsu.InboundHandler) *opsRig {
	t.Setenv("QUNSU_LOG_FORMAT", "json")
	r, srv, stop := startServeWith(t, head, managers, inbound)
	t.Cleanup(func() {
		if _, err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &opsRig{serveRig: r, redis: srv, shutdown: stop}
}

// opsSlack is the ops rig wired to a fake Slack, as startSlackRig does.
func opsSlack(t *testing.T, inbound func(qunsu.InboundHandler) qunsu.InboundHandler) (*opsRig, *slackRig) {
	fake := fakeSlackFor(t)
	o := startOps(t, slackHead, map[string]string{"slack": managersChan}, inbound)
	return o, &slackRig{serveRig: o.serveRig, fake: fake}
}

// get returns the status and body of a GET, or status 0 when nothing answered.
func get(url string) (int, string) {
	c := http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// metrics scrapes /metrics: each sample by its name and labels.
func (r *serveRig) metrics() map[string]float64 {
	r.t.Helper()
	status, body := get(r.base + "/metrics")
	if status != http.StatusOK {
		r.t.Fatalf("/metrics: %d %s", status, body)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		i := strings.LastIndexByte(line, ' ')
		if line == "" || line[0] == '#' || i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			r.t.Fatalf("/metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func (r *serveRig) waitReady(want int) string {
	r.t.Helper()
	var status int
	var body string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if status, body = get(r.base + "/readyz"); status == want {
			return body
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("/readyz answered %d %q, want %d\nlogs:\n%s", status, body, want, r.logs.String())
	return ""
}

// Through the real serve wiring: a command of each outcome, a reminder fired
// late in simulated time, and posts through a transient error and a rate
// limit are counted; the outbox's depth is read from Redis; every runner beats.
func TestServeOps_MetricsCountCommandsRemindersAndSends(t *testing.T) {
	_, r := opsSlack(t, nil)
	r.waitReady(http.StatusOK)
	before := r.metrics()

	r.fake.FailNext("chat.postMessage", 1, slackfake.Fault{Error: "internal_error"})
	r.fake.FailNext("chat.postMessage", 1, slackfake.Fault{Status: 429, RetryAfter: 1})
	r.command("U01ZHANGWEI", reportsChan, "上报 项目=翡翠湾 户数=35 行为=拉横幅 类别=交付 描述=围堵售楼处 发生=08:30", "trig-report")
	r.waitFor("the answer", func() bool { return len(r.posted(reportsChan, `已立案 QS-20261122-001`)) == 1 })
	r.command("U01ZHANGWEI", reportsChan, "查看 QS-20991231-009", "trig-show")
	r.command("U99STRANGER", reportsChan, "list", "trig-list")
	r.command("U01ZHANGWEI", reportsChan, "13812345678", "trig-junk")
	r.waitFor("three more answers", func() bool { return len(r.fake.Messages(reportsChan)) >= 4 })
	ch := r.complaintChannel()
	r.advance(31 * time.Minute)
	r.waitFor("the acknowledgement reminder", func() bool { return len(r.posted(ch.ID, `⏰ 请确认 QS-20261122-001`)) == 1 })
	r.waitDrained()

	after := r.metrics()
	delta := func(sample string) float64 { return after[sample] - before[sample] }
	for sample, want := range map[string]float64{
		`qunsu_commands_total{command="report",outcome="ok"}`:                 1,
		`qunsu_commands_total{command="show",outcome="not_found"}`:            1,
		`qunsu_commands_total{command="list",outcome="forbidden"}`:            1,
		`qunsu_commands_total{command="unknown",outcome="invalid"}`:           1,
		`qunsu_platform_errors_total{code="internal_error",platform="slack"}`: 1,
		`qunsu_platform_errors_total{code="ratelimited",platform="slack"}`:    1,
		`qunsu_sender_retries_total{platform="slack"}`:                        2,
	} {
		if got := delta(sample); got != want {
			t.Errorf("%s went up by %v, want %v", sample, got, want)
		}
	}
	for _, sample := range []string{`qunsu_reminders_due_total`, `qunsu_reminders_sent_total`,
		`qunsu_reminders_late_total`, `qunsu_reminder_lateness_seconds_count`} {
		if delta(sample) < 1 {
			t.Errorf("%s did not go up: %v -> %v", sample, before[sample], after[sample])
		}
	}
	// Fired a minute after it was due (the clock jumped): in the 60 s bucket, not below.
	if b := delta(`qunsu_reminder_lateness_seconds_bucket{le="30"}`); b != 0 {
		t.Errorf("%v timers counted within 30 s of their due time", b)
	}
	posts := 0
	for _, c := range r.fake.Calls("chat.postMessage") {
		if c.Status == 200 && c.Error == "" {
			posts++
		}
	}
	if got := delta(`qunsu_sender_results_total{platform="slack",result="posted"}`); got < float64(posts) || posts < 4 {
		t.Errorf("%v posts counted, %d posted", got, posts)
	}
	if d, ok := after[`qunsu_outbox_depth{platform="slack",tenant="demo"}`]; !ok || d != 0 {
		t.Errorf("outbox depth after draining: %v (present %v)", d, ok)
	}
	for _, runner := range []string{"intake", "poller", "sender:slack"} {
		if after[`qunsu_runner_heartbeat_timestamp_seconds{runner="`+runner+`"}`] < float64(time.Now().Add(-time.Minute).Unix()) {
			t.Errorf("no recent heartbeat of %s", runner)
		}
	}
	// QUNSU_LOG_FORMAT=json: every line is a JSON object; the sender's name
	// the platform, tenant and complaint.
	complaintLogged := false
	for _, line := range strings.Split(strings.TrimSpace(r.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line that is not JSON: %q", line)
		}
		if rec["platform"] == "slack" && rec["tenant"] == "demo" && rec["complaint"] == "QS-20261122-001" {
			complaintLogged = true
		}
	}
	if !complaintLogged {
		t.Error("no log line names the platform, tenant and complaint")
	}
}

// The outbox depth counts what a platform has not posted yet.
func TestServeOps_OutboxDepthWhileThePlatformFails(t *testing.T) {
	_, r := opsSlack(t, nil)
	r.waitReady(http.StatusOK)
	r.fake.FailNext("chat.postMessage", 1000, slackfake.Fault{Status: 503})
	r.command("U01ZHANGWEI", reportsChan, "帮助", "trig-help")
	r.waitFor("a failed post", func() bool { return len(r.fake.Calls("chat.postMessage")) > 0 })
	if d := r.metrics()[`qunsu_outbox_depth{platform="slack",tenant="demo"}`]; d != 1 {
		t.Errorf("outbox depth with the answer unposted: %v, want 1", d)
	}
	if e := r.metrics()[`qunsu_platform_errors_total{code="http_503",platform="slack"}`]; e < 1 {
		t.Errorf("503s counted: %v", e)
	}
}

// WeCom's errors count by errcode.
func TestServeOps_WeComErrorsByErrcode(t *testing.T) {
	r := startWeComRig(t)
	r.fake.FailNext("/cgi-bin/message/send", 1, 45009)
	if st := r.say("ZhangWei", "帮助", 2001); st != 200 {
		t.Fatalf("callback: %d", st)
	}
	r.waitFor("the help, after 45009", func() bool { return countSent(r.fake.AppMessages("ZhangWei"), "qunsu") >= 1 })
	m := r.metrics()
	if m[`qunsu_platform_errors_total{code="45009",platform="wecom"}`] != 1 || m[`qunsu_sender_retries_total{platform="wecom"}`] < 1 {
		t.Errorf("45009 not counted: %v", m)
	}
	if m[`qunsu_commands_total{command="help",outcome="ok"}`] != 1 {
		t.Errorf("help not counted")
	}
}

// /readyz follows Redis: ready, not ready while Redis is away (and says so,
// while /healthz and /metrics still answer), ready again once it is back.
func TestServeOps_ReadyFollowsRedis(t *testing.T) {
	o, r := opsSlack(t, nil)
	if body := r.waitReady(http.StatusOK); body != "ready\n" {
		t.Errorf("/readyz said %q", body)
	}
	o.redis.Stop()
	body := r.waitReady(http.StatusServiceUnavailable)
	if !strings.HasPrefix(body, "redis: ") {
		t.Errorf("/readyz does not name Redis: %q", body)
	}
	if status, _ := get(r.base + "/healthz"); status != http.StatusOK {
		t.Errorf("/healthz without Redis: %d", status)
	}
	if m := r.metrics(); m[`qunsu_runner_heartbeat_timestamp_seconds{runner="intake"}`] == 0 {
		t.Error("/metrics without Redis lacks the heartbeats")
	}
	if err := o.redis.Start(); err != nil {
		t.Fatal(err)
	}
	r.waitReady(http.StatusOK)
	// And it works again: a command is answered.
	r.command("U01ZHANGWEI", reportsChan, "帮助", "trig-help")
	r.waitFor("the help", func() bool { return len(r.posted(reportsChan, `📖`)) == 1 })
}

// gate holds the handling of one command until released.
type gate struct {
	next             qunsu.InboundHandler
	entered, release chan struct{}
}

func (g *gate) Handle(ctx context.Context, in qunsu.Inbound) error {
	if strings.Contains(in.Text, "帮助") {
		close(g.entered)
		<-g.release
	}
	return g.next.Handle(ctx, in)
}

// SIGTERM while a command is being handled: serve takes no new requests, the
// command is finished and committed, its answer posted, and serve ends well
// within its bound without cutting anything off.
func TestServeOps_ShutdownFinishesTheCommandInHand(t *testing.T) {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	o, r := opsSlack(t, func(h qunsu.InboundHandler) qunsu.InboundHandler { g.next = h; return g })
	r.waitReady(http.StatusOK)
	if st := r.command("U01ZHANGWEI", reportsChan, "帮助", "trig-help"); st != 200 {
		t.Fatalf("slash command: %d", st)
	}
	select {
	case <-g.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the command was not taken up")
	}
	stopped := make(chan error, 1)
	var took time.Duration
	go func() {
		var err error
		took, err = o.shutdown()
		stopped <- err
	}()
	// No new requests: the listener is closed while the command is in hand.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if status, _ := get(r.base + "/healthz"); status == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve still takes requests while stopping")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	close(g.release)
	if err := <-stopped; err != nil {
		t.Fatalf("serve: %v", err)
	}
	t.Logf("stopped in %v", took)
	if took > shutdownBound/2 {
		t.Errorf("stopping took %v", took)
	}
	if n := len(r.posted(reportsChan, `📖 qunsu`)); n != 1 {
		t.Fatalf("the answer to the command in hand was posted %d times\nlogs:\n%s", n, r.logs.String())
	}
	ctx := context.Background()
	for key, group := range map[string]string{"{t:demo}:inbox": "engine", "{t:demo}:outbox": "slack"} {
		groups, err := r.rdb.XInfoGroups(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		info, err := r.rdb.XInfoStream(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, gi := range groups {
			if gi.Name == group && (gi.Pending != 0 || gi.LastDeliveredID != info.LastGeneratedID) {
				t.Errorf("%s: group %s has %d pending, read up to %s of %s", key, group, gi.Pending, gi.LastDeliveredID, info.LastGeneratedID)
			}
		}
	}
	if logs := r.logs.String(); !strings.Contains(logs, `"msg":"qunsu stopped"`) || !strings.Contains(logs, `"cut_off":false`) {
		t.Errorf("no clean stop logged:\n%s", logs)
	}
}

// An unknown log format is refused, saying what to write instead.
func TestServeRefusesAnUnknownLogFormat(t *testing.T) {
	t.Setenv("QUNSU_CONFIG", "")
	t.Setenv("QUNSU_REDIS_URL", "redis://127.0.0.1:1/0")
	t.Setenv("QUNSU_LOG_FORMAT", "yaml")
	err := runServe(context.Background(), nil, io.Discard, serveEnv{log: io.Discard})
	if err == nil || !strings.Contains(err.Error(), `log_format: "yaml": use text or json (here or in QUNSU_LOG_FORMAT)`) {
		t.Errorf("serve with log_format yaml: %v", err)
	}
}
