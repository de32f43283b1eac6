package chaos

import (
	"context"
	"fmt"
	"io"
	"log"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu/config"
	"qunsu/internal/redistest"
	"qunsu/internal/serveproc"
	"qunsu/internal/slackfake"
	"qunsu/internal/wecomfake"
	"qunsu/store"
)

// The platforms' settings the replicas run with (as the end-to-end tests of
// cmd/qunsu set them).
const (
	tenant        = serveproc.Tenant
	slackSecret   = serveproc.SlackSecret
	reportsChan   = serveproc.ReportsChannel
	managersChan  = serveproc.ManagersChannel
	wecomToken    = serveproc.WeComToken
	wecomAES      = serveproc.WeComAESKey
	robotKey      = serveproc.RobotKey
	unavailableZH = "暂时无法处理，请稍后重试"
)

// simClock is the simulated time every replica runs on (QUNSU_CLOCK): the
// harness computes it the same way, from the same origin.
type simClock struct {
	start, origin time.Time
	rate          float64
}

func (c simClock) now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.origin)) * c.rate))
}

func (c simClock) spec() string {
	return fmt.Sprintf("%s x%g @%d", c.start.Format(time.RFC3339), c.rate, c.origin.UnixMilli())
}

// cluster is the system under test, every part a real process on loopback:
// redis-server with AOF fsynced on every write, and replicas of `qunsu serve`
// talking to a local Slack and a local WeCom.
type cluster struct {
	t                    *testing.T
	began                time.Time
	clock                simClock
	redis                *redistest.Server
	rdb                  *redis.Client
	st                   *store.Store
	slack                *slackfake.Server
	wecom                *wecomfake.Server
	slackWire, wecomWire *wire
	bin                  string
	config               string
	env                  []string
	replicas             []*serveproc.Proc // the replicas, 1-based by N

	mu        sync.Mutex
	redisUp   bool
	faults    []string // what was done to the processes, when
	selfEnded []string // replicas that ended without being told to, with their logs' tails
}

func startCluster(t *testing.T, n int, clock simClock) *cluster {
	c := &cluster{t: t, began: time.Now(), clock: clock, redisUp: true}
	c.redis = redistest.StartServer(t)
	opts, err := redis.ParseURL(c.redis.URL())
	if err != nil {
		t.Fatal(err)
	}
	// The harness's own reads fail fast while Redis is away; it reads again later.
	opts.MaxRetries, opts.DialTimeout = 1, time.Second
	c.rdb = redis.NewClient(opts)
	t.Cleanup(func() { c.rdb.Close() })
	c.st = store.New(c.rdb)

	c.slack = slackfake.New(t)
	c.wecom = wecomfake.New(t)
	people := config.Default().Tenants[0].People
	var everyone []string
	for _, p := range people {
		c.slack.AddUser(p.Slack, p.Name, p.ID+"@example.cn")
		c.wecom.AddUser(p.WeCom, p.Name)
		everyone = append(everyone, p.Slack)
	}
	c.slack.AddChannel(reportsChan, "cr-reports", false, append([]string{slackfake.BotUserID}, everyone...)...)
	c.slack.AddChannel(managersChan, "managers", true, slackfake.BotUserID, "U03WANGFANG")
	c.wecom.AddRobot(robotKey)
	c.slackWire, c.wecomWire = newWire(t, c.slack.URL), newWire(t, c.wecom.URL)

	// The replicas' logs outlive a failed run (or any, with CHAOS_KEEP set), to be read.
	dir, err := os.MkdirTemp("", "qunsu-chaos-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("CHAOS_KEEP") != "" {
			t.Logf("the replicas' logs are kept in %s", dir)
			return
		}
		os.RemoveAll(dir)
	})
	c.bin = serveproc.Build(t, dir)
	c.config = writeConfig(t, dir)
	c.env = append(serveproc.Environ("QUNSU_"),
		"QUNSU_REDIS_URL="+c.redis.URL(), "QUNSU_CLOCK="+clock.spec(), "QUNSU_LOG_LEVEL=info")
	c.env = append(c.env, serveproc.SlackEnv(c.slackWire.url+"/api/")...)
	c.env = append(c.env, serveproc.WeComEnv(c.wecomWire.url)...)
	for i := 1; i <= n; i++ {
		r := &serveproc.Proc{N: i, Addr: serveproc.FreeAddr(t), Bin: c.bin, Env: c.env,
			Args:    []string{"serve", "--config", c.config},
			LogPath: filepath.Join(dir, fmt.Sprintf("replica-%d.log", i)),
			Exited: func(p *serveproc.Proc, err error) {
				c.mu.Lock()
				defer c.mu.Unlock()
				c.selfEnded = append(c.selfEnded, fmt.Sprintf("replica %d ended by itself: %v at %s\n%s",
					p.N, err, c.elapsed(), serveproc.Tail(p.LogPath, 40)))
			}}
		c.replicas = append(c.replicas, r)
	}
	t.Cleanup(func() {
		for _, r := range c.replicas {
			if r.Alive() {
				r.Kill()
			}
		}
	})
	for _, r := range c.replicas {
		if err := c.start(r); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// wire is the way to a fake platform: a proxy that answers each call after
// 20–150 ms, as the real platforms do from afar, so that calls are in flight
// when processes die; and that can hold the answer to a post while something
// is done to the system (Redis killed after the platform took a post, before
// the sender could record it: where doubles hide).
type wire struct {
	url string

	mu   sync.Mutex
	hold func() // run once, on the next post, before its answer goes back
}

// posts are the calls that post a message.
var posts = []string{"/api/chat.postMessage", "/cgi-bin/appchat/send", "/cgi-bin/message/send", "/cgi-bin/webhook/send"}

func newWire(t *testing.T, target string) *wire {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	w := &wire{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ErrorLog = log.New(io.Discard, "", 0) // a caller killed mid-call is the drill's doing
	proxy.ModifyResponse = func(res *http.Response) error {
		if !slices.Contains(posts, res.Request.URL.Path) {
			return nil
		}
		w.mu.Lock()
		hold := w.hold
		w.hold = nil
		w.mu.Unlock()
		if hold != nil {
			hold()
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(20+rand.IntN(130)) * time.Millisecond)
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

// duringPost runs f while the answer to the next post is held, and reports
// whether a post came within timeout (if none did, f has not run).
func (w *wire) duringPost(f func(), timeout time.Duration) bool {
	ran := make(chan struct{})
	w.mu.Lock()
	w.hold = func() { f(); close(ran) }
	w.mu.Unlock()
	select {
	case <-ran:
		return true
	case <-time.After(timeout):
		w.mu.Lock()
		w.hold = nil
		w.mu.Unlock()
		select {
		case <-ran: // it came just then
			return true
		default:
			return false
		}
	}
}

// writeConfig is the shipped configuration with the managers' chats on both
// platforms and Slack paced as the end-to-end tests pace it.
func writeConfig(t *testing.T, dir string) string {
	shipped, err := os.ReadFile("../config/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(string(shipped), "managers: {console: 管理层}",
		"managers: {console: 管理层, slack: "+managersChan+", wecom: \"robot:managers\"}", 1)
	if yaml == string(shipped) {
		t.Fatal("config/default.yaml: the managers' line changed; the drill cannot set its chats")
	}
	head := "slack:\n  post_interval: 50ms\nwecom:\n  robots: {managers: " + robotKey + "}\n"
	path := filepath.Join(dir, "company.yaml")
	if err := os.WriteFile(path, []byte(head+yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// start starts a replica's process and waits until it answers.
func (c *cluster) start(r *serveproc.Proc) error {
	began := time.Now()
	if err := r.Start(); err != nil {
		return err
	}
	c.t.Logf("%s: replica %d answered after %.1fs", c.elapsed(), r.N, time.Since(began).Seconds())
	return nil
}

// pick returns a replica that is running, at random.
func (c *cluster) pick(intn func(int) int) *serveproc.Proc {
	var up []*serveproc.Proc
	for _, r := range c.replicas {
		if r.Alive() {
			up = append(up, r)
		}
	}
	if len(up) == 0 {
		return c.replicas[0]
	}
	return up[intn(len(up))]
}

// other returns a running replica other than r, or r.
func (c *cluster) other(r *serveproc.Proc, intn func(int) int) *serveproc.Proc {
	for range 10 {
		if o := c.pick(intn); o != r {
			return o
		}
	}
	return r
}

func (c *cluster) killRedis() {
	c.mu.Lock()
	c.redisUp = false
	c.mu.Unlock()
	c.redis.Stop()
}

func (c *cluster) startRedis() error {
	if err := c.redis.Start(); err != nil {
		return err
	}
	c.mu.Lock()
	c.redisUp = true
	c.mu.Unlock()
	return nil
}

func (c *cluster) redisIsUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.redisUp
}

func (c *cluster) logFault(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = append(c.faults, fmt.Sprintf("%5.1fs  ", time.Since(c.began).Seconds())+fmt.Sprintf(format, args...))
	c.t.Logf("fault: %s", c.faults[len(c.faults)-1])
}

func (c *cluster) elapsed() string { return fmt.Sprintf("%.1fs", time.Since(c.began).Seconds()) }

// selfExits lists the replicas that ended without being told to.
func (c *cluster) selfExits() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.selfEnded)
}

// logLines returns the log lines of every replica that contain s.
func (c *cluster) logLines(s string) []string {
	var out []string
	for _, r := range c.replicas {
		b, _ := os.ReadFile(r.LogPath)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, s) {
				out = append(out, fmt.Sprintf("replica %d: %s", r.N, line))
			}
		}
	}
	return out
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(timeout, every time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(every)
	}
}

// inboxIdle reports whether the engine has taken and finished everything in the inbox.
func (c *cluster) inboxIdle(ctx context.Context) bool {
	return groupDone(ctx, c.rdb, "{t:"+tenant+"}:inbox", "engine")
}

// groupDone reports whether a consumer group has read every entry of a stream
// and acknowledged them all (by ids: the inbox deletes what it handled).
func groupDone(ctx context.Context, rdb *redis.Client, stream, group string) bool {
	info, err := rdb.XInfoStream(ctx, stream).Result()
	if err != nil {
		n, lerr := rdb.XLen(ctx, stream).Result()
		return lerr == nil && n == 0
	}
	groups, err := rdb.XInfoGroups(ctx, stream).Result()
	if err != nil {
		return false
	}
	for _, g := range groups {
		if g.Name == group {
			return g.Pending == 0 && g.LastDeliveredID == info.LastGeneratedID
		}
	}
	return info.Length == 0
}

// directory maps the shipped people's ids to their Slack and WeCom ids.
type directory struct {
	slack, wecom map[string]string
	ids          []string
}

func shippedDirectory() directory {
	d := directory{slack: map[string]string{}, wecom: map[string]string{}}
	for _, p := range config.Default().Tenants[0].People {
		d.slack[p.ID], d.wecom[p.ID] = p.Slack, p.WeCom
	}
	d.ids = slices.Sorted(maps.Keys(d.slack))
	return d
}
