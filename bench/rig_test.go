package bench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// The platforms' settings the processes run with (serveproc's, shared with
// the chaos drill).
const (
	tenant       = serveproc.Tenant
	slackSecret  = serveproc.SlackSecret
	reportsChan  = serveproc.ReportsChannel
	managersChan = serveproc.ManagersChannel
	wecomToken   = serveproc.WeComToken
	wecomAES     = serveproc.WeComAESKey
	robotKey     = serveproc.RobotKey
)

var (
	binOnce sync.Once
	binPath string
	binDir  string
)

// qunsuBinary builds the real binary once per run.
func qunsuBinary(t *testing.T) string {
	binOnce.Do(func() {
		var err error
		if binDir, err = os.MkdirTemp("", "qunsu-bench-bin-"); err != nil {
			t.Fatal(err)
		}
		binPath = serveproc.Build(t, binDir)
	})
	if binPath == "" {
		t.Fatal("the qunsu binary could not be built")
	}
	return binPath
}

// rig is the system under test: a redis-server as production runs it (AOF,
// fsync every second), a local Slack and WeCom, and `qunsu serve` processes.
type rig struct {
	t     *testing.T
	redis *redistest.Server
	rdb   *redis.Client
	st    *store.Store
	slack *slackfake.Server
	wecom *wecomfake.Server
	dir   string
	env   []string
	procs []*serveproc.Proc
}

// newRig starts Redis and the fakes, and prepares n processes (not started).
// extraEnv is added to every process's environment (e.g. QUNSU_CLOCK).
func newRig(t *testing.T, n int, extraEnv ...string) *rig {
	return startRig(t, n, true, extraEnv)
}

// newSlackRig is newRig with Slack the only platform.
func newSlackRig(t *testing.T, n int) *rig {
	return startRig(t, n, false, nil)
}

func startRig(t *testing.T, n int, wecom bool, extraEnv []string) *rig {
	r := &rig{t: t, dir: t.TempDir()}
	r.redis = redistest.StartServerWith(t, "--appendonly", "yes", "--appendfsync", "everysec")
	opts, err := redis.ParseURL(r.redis.URL())
	if err != nil {
		t.Fatal(err)
	}
	opts.PoolSize = 64
	r.rdb = redis.NewClient(opts)
	t.Cleanup(func() { r.rdb.Close() })
	r.st = store.New(r.rdb)

	r.slack = slackfake.New(t)
	r.wecom = wecomfake.New(t)
	var everyone []string
	for _, p := range config.Default().Tenants[0].People {
		r.slack.AddUser(p.Slack, p.Name, p.ID+"@example.cn")
		r.wecom.AddUser(p.WeCom, p.Name)
		everyone = append(everyone, p.Slack)
	}
	r.slack.AddChannel(reportsChan, "cr-reports", false, append([]string{slackfake.BotUserID}, everyone...)...)
	r.slack.AddChannel(managersChan, "managers", true, slackfake.BotUserID, "U03WANGFANG")
	r.wecom.AddRobot(robotKey)

	cfg := writeConfig(t, r.dir, wecom)
	bin := qunsuBinary(t)
	r.env = append(serveproc.Environ("QUNSU_"), "QUNSU_REDIS_URL="+r.redis.URL(), "QUNSU_LOG_LEVEL=warn")
	r.env = append(r.env, serveproc.SlackEnv(r.slack.APIURL())...)
	if wecom {
		r.env = append(r.env, serveproc.WeComEnv(r.wecom.URL)...)
	}
	r.env = append(r.env, extraEnv...)
	for i := 1; i <= n; i++ {
		env := append(slices.Clone(r.env), "QUNSU_DEBUG_ADDR="+serveproc.FreeAddr(t))
		p := &serveproc.Proc{N: i, Addr: serveproc.FreeAddr(t), Bin: bin, Env: env,
			Args:    []string{"serve", "--config", cfg},
			LogPath: filepath.Join(r.dir, fmt.Sprintf("qunsu-%d.log", i)),
			Exited: func(p *serveproc.Proc, err error) {
				t.Errorf("qunsu %d ended by itself: %v\n%s", p.N, err, serveproc.Tail(p.LogPath, 20))
			}}
		r.procs = append(r.procs, p)
	}
	t.Cleanup(func() {
		for _, p := range r.procs {
			if p.Alive() {
				p.Kill()
			}
		}
		if t.Failed() {
			for _, p := range r.procs {
				t.Logf("qunsu %d log:\n%s", p.N, serveproc.Tail(p.LogPath, 30))
			}
		}
	})
	return r
}

// startAll starts every process.
func (r *rig) startAll() {
	for _, p := range r.procs {
		if err := p.Start(); err != nil {
			r.t.Fatal(err)
		}
	}
}

// writeConfig is the shipped configuration with the managers' chats on Slack,
// and on WeCom if it is on.
func writeConfig(t *testing.T, dir string, wecom bool) string {
	shipped, err := os.ReadFile("../config/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(string(shipped), "managers: {console: 管理层}",
		"managers: {console: 管理层, slack: "+managersChan+", wecom: \"robot:managers\"}", 1)
	if yaml == string(shipped) {
		t.Fatal("config/default.yaml: the managers' line changed; the benchmark cannot set its chats")
	}
	head := ""
	if wecom {
		head = "wecom:\n  robots: {managers: " + robotKey + "}\n"
	}
	path := filepath.Join(dir, "company.yaml")
	if err := os.WriteFile(path, []byte(head+yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// redisInfo reads one numeric field of INFO.
func (r *rig) redisInfo(section, field string) int64 {
	info, err := r.rdb.Info(r.t.Context(), section).Result()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	r.t.Fatalf("INFO %s has no %s", section, field)
	return 0
}

// profile fetches a CPU profile of process p over secs seconds into
// -bench.pprof's directory, named after what, in the background; the returned
// function waits for it. Without -bench.pprof it does nothing.
func profile(t *testing.T, p *serveproc.Proc, what string, secs int) (wait func()) {
	if *pprofDir == "" {
		return func() {}
	}
	var addr string
	for _, kv := range p.Env {
		if v, ok := strings.CutPrefix(kv, "QUNSU_DEBUG_ADDR="); ok {
			addr = v
		}
	}
	done := make(chan struct{})
	go func() {
		// What every goroutine waits on, and what the heap holds, a third of
		// the way in.
		time.Sleep(time.Duration(secs) * time.Second / 3)
		save := func(path, file string) {
			res, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/%s", addr, path))
			if err != nil {
				return
			}
			defer res.Body.Close()
			if f, err := os.Create(filepath.Join(*pprofDir, what+file)); err == nil {
				io.Copy(f, res.Body)
				f.Close()
			}
		}
		save("goroutine?debug=1", "-goroutines.txt")
		save("heap", "-heap.pprof")
	}()
	go func() {
		defer close(done)
		res, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
		if err != nil {
			t.Logf("profile %s: %v", what, err)
			return
		}
		defer res.Body.Close()
		path := filepath.Join(*pprofDir, what+".pprof")
		f, err := os.Create(path)
		if err != nil {
			t.Logf("profile %s: %v", what, err)
			return
		}
		defer f.Close()
		io.Copy(f, res.Body)
		t.Logf("CPU profile of qunsu %d (%s): %s", p.N, what, path)
	}()
	return func() { <-done }
}
