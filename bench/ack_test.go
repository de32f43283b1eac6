package bench

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"qunsu/config"
	"qunsu/internal/serveproc"
	"qunsu/internal/slackfake"
	"qunsu/internal/wecomfake"
)

// ackCommand is what every request says: help, a real command that reads
// nothing from the store and is answered in the chat it was typed in.
const ackCommand = "帮助"

// inboxKey is the tenant's inbox stream (store/keys.go): the intake deletes
// what it has acted on, so its length is the backlog.
const inboxKey = "{t:" + tenant + "}:inbox"

// Bounds of a run.
const (
	ackTimeout     = 5 * time.Second // WeCom waits 5 s, Slack 3 s
	ackOutstanding = 1024            // requests in flight; beyond, a due request is not sent (counted as an error)
	ackWarmUp      = 100 * time.Millisecond
	// ackSlice is the longest stretch one target gets at a time: qunsu and
	// the floor take turns, so that what else runs on the machine falls on
	// both alike.
	ackSlice = 2.0 // seconds
)

// ackTarget is one endpoint the load is offered to.
type ackTarget struct {
	system, platform string // "qunsu" or "floor"; "Slack slash" or "WeCom callback"
	base             string
	pid              int
	build            func(base string, n int) []*http.Request
	client           *http.Client
}

func (t ackTarget) name() string { return t.system + " " + t.platform }

// ackRun is one target at one rate, over all its turns.
type ackRun struct {
	target  ackTarget
	rate    int
	res     loadResult
	cpu     time.Duration // of the target's process during its turns
	redis   time.Duration // of redis-server during its turns
	gen     time.Duration // of the test process (the load generator, the fake Slack and WeCom) during its turns
	backlog int64         // qunsu: most inbox entries not yet acted on at the end of a turn
	drained time.Duration // qunsu: longest the intake took to act on them
	undrain bool          // qunsu: a backlog was not worked off in time
}

// benchAck measures how fast qunsu acknowledges signed Slack slash commands
// and sealed WeCom callbacks at fixed offered rates, next to a floor server
// measured in the same run.
func benchAck(t *testing.T, sc scale) {
	r := newRig(t, 1)
	r.startAll()
	floor := startFloor(t, r)
	q := r.procs[0]
	gen := &requestMaker{slackURL: r.slack.NewResponseURL}
	redisPid := int(r.redisInfo("server", "process_id"))

	qunsuCPU0, _ := serveproc.CPUTime(q.Pid())
	floorCPU0, _ := serveproc.CPUTime(floor.pid())
	for _, pid := range []int{q.Pid(), floor.pid()} {
		if err := serveproc.ResetPeakRSS(pid); err != nil {
			t.Logf("peak RSS is since start: %v", err)
		}
	}
	if *busy {
		spin(t)
	}
	load0, busy0 := loadAverage(), machineCPU()

	pairs := [][2]ackTarget{
		{{system: "qunsu", platform: "Slack slash", base: "http://" + q.Addr, pid: q.Pid(), build: gen.slack},
			{system: "floor", platform: "Slack slash", base: "http://" + floor.addr, pid: floor.pid(), build: gen.slack}},
		{{system: "qunsu", platform: "WeCom callback", base: "http://" + q.Addr, pid: q.Pid(), build: gen.wecom},
			{system: "floor", platform: "WeCom callback", base: "http://" + floor.addr, pid: floor.pid(), build: gen.wecom}},
	}
	drainFor := 15 * time.Second
	if *full {
		drainFor = 3 * time.Minute
	}
	turns := max(1, int(math.Round(sc.ackFor/ackSlice)))
	var runs []ackRun
	for _, rate := range sc.ackRates {
		for _, pair := range pairs {
			both := []*ackRun{{target: pair[0], rate: rate}, {target: pair[1], rate: rate}}
			for _, run := range both {
				run.target.client = newLoadClient(ackOutstanding)
				run.warmUp(t)
			}
			// The qunsu process over its turns and the floor's between them.
			name := strings.ToLower(strings.ReplaceAll(pair[0].platform, " ", "-"))
			profiled := profile(t, q, fmt.Sprintf("ack-%s-%d", name, rate), int(math.Ceil(2*sc.ackFor)))
			for turn := range turns {
				// Turn about, the floor first every other time.
				for i := range both {
					run := both[(i+turn)%2]
					run.turn(t, sc.ackFor/float64(turns), redisPid)
					if run.target.system == "qunsu" {
						// The floor's turn is not spent beside qunsu's backlog.
						backlog, took, undrained := r.drainInbox(drainFor)
						run.backlog, run.drained = max(run.backlog, backlog), max(run.drained, took)
						run.undrain = run.undrain || undrained
					}
				}
			}
			profiled()
			for _, run := range both {
				run.target.client.CloseIdleConnections()
				run.res.lat, run.res.late = run.res.lat.sorted(), run.res.late.sorted()
				runs = append(runs, *run)
				t.Logf("%s at %d/s: %d right, %d errors, p50 %s, p99 %s, max %s", run.target.name(), rate, run.res.ok, run.res.errors(),
					ms(run.res.lat.quantile(0.5)), ms(run.res.lat.quantile(0.99)), ms(run.res.lat.quantile(1)))
				if run.res.wrong > 0 {
					t.Errorf("%s at %d/s: %d wrong answers, the first: %s", run.target.name(), rate, run.res.wrong, run.res.firstWrong)
				}
			}
		}
	}
	qunsuCPU1, _ := serveproc.CPUTime(q.Pid())
	floorCPU1, _ := serveproc.CPUTime(floor.pid())
	qunsuRSS, err1 := serveproc.PeakRSS(q.Pid())
	floorRSS, err2 := serveproc.PeakRSS(floor.pid())
	if err1 != nil || err2 != nil {
		t.Errorf("peak RSS: %v %v", err1, err2)
	}
	publish(ackTable(runs, sc, turns), ackProcessTable(runs, qunsuRSS, floorRSS, qunsuCPU1-qunsuCPU0, floorCPU1-floorCPU0,
		load0, loadAverage(), machineCPU().since(busy0)))
}

// warmUp offers the target its rate for a moment, unmeasured: connections
// made, scripts loaded.
func (run *ackRun) warmUp(t *testing.T) {
	warm := max(1, int(float64(run.rate)*ackWarmUp.Seconds()))
	openLoop(t.Context(), run.target.client, run.target.build(run.target.base, warm), run.opts())
}

func (run *ackRun) opts() loadOpts {
	return loadOpts{rate: run.rate, timeout: ackTimeout, outstanding: ackOutstanding, check: emptyOK}
}

// turn offers the target its rate for seconds, measured.
func (run *ackRun) turn(t *testing.T, seconds float64, redisPid int) {
	reqs := run.target.build(run.target.base, int(float64(run.rate)*seconds))
	pids := []int{run.target.pid, redisPid, os.Getpid()}
	before := processCPU(pids)
	res := openLoop(t.Context(), run.target.client, reqs, run.opts())
	used := processCPU(pids)
	run.res.merge(res)
	run.cpu += used[0] - before[0]
	run.redis += used[1] - before[1]
	run.gen += used[2] - before[2]
}

// processCPU is the CPU time each process has used so far (0 if unknown).
func processCPU(pids []int) []time.Duration {
	out := make([]time.Duration, len(pids))
	for i, pid := range pids {
		out[i], _ = serveproc.CPUTime(pid)
	}
	return out
}

// emptyOK is the answer both platforms take as "received": an empty 200.
// Anything else (401, 409, 503, a "try again" text) is wrong.
func emptyOK(status int, body []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("status %d: %.200s", status, body)
	}
	if len(body) != 0 {
		return fmt.Errorf("a body: %.200s", body)
	}
	return nil
}

// drainInbox waits until qunsu's intake has acted on everything in the inbox,
// and says how much there was and how long it took.
func (r *rig) drainInbox(within time.Duration) (backlog int64, took time.Duration, undrained bool) {
	began := time.Now()
	backlog = r.rdb.XLen(r.t.Context(), inboxKey).Val()
	for n := backlog; n > 0; n = r.rdb.XLen(r.t.Context(), inboxKey).Val() {
		if time.Since(began) > within {
			return backlog, time.Since(began), true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return backlog, time.Since(began), false
}

// spin keeps one core busy until the test ends: a shell spinning in a loop,
// at the same priority as everything else.
func spin(t *testing.T) {
	cmd := exec.Command("sh", "-c", "while :; do :; done")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // not outliving a killed test binary
	if err := cmd.Start(); err != nil {
		t.Fatalf("-bench.busy: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
}

// requestMaker builds the requests of a run: each a new command from one of
// the shipped directory's people, signed or sealed as its platform does.
type requestMaker struct {
	slackURL func() string // a response URL of the fake Slack
	seq      int64
}

var shippedPeople = config.Default().Tenants[0].People

// slack builds signed slash commands `/qunsu 帮助`, typed in the reports
// channel, each with a trigger id of its own.
func (m *requestMaker) slack(base string, n int) []*http.Request {
	now := time.Now()
	reqs := make([]*http.Request, n)
	for i := range reqs {
		m.seq++
		user := shippedPeople[m.seq%int64(len(shippedPeople))].Slack
		trigger := fmt.Sprintf("%d.%d.b3nch%015x", now.Unix(), 7000000000+m.seq, m.seq*0x9e3779b9)
		body := slackfake.SlashCommandBody("/qunsu", ackCommand, user, reportsChan, trigger, m.slackURL())
		reqs[i] = slackfake.SignedRequest(base+"/slack/commands", slackSecret, now, "application/x-www-form-urlencoded", body)
	}
	return reqs
}

// wecom builds encrypted text messages 帮助 to the app, each with a MsgId of
// its own.
func (m *requestMaker) wecom(base string, n int) []*http.Request {
	reqs := make([]*http.Request, n)
	for i := range reqs {
		m.seq++
		user := shippedPeople[m.seq%int64(len(shippedPeople))].WeCom
		reqs[i] = wecomfake.AppCallback(base+"/wecom/callback", wecomToken, wecomAES,
			wecomfake.AppText{From: user, Content: ackCommand, MsgID: 7_300_000_000_000_000_000 + m.seq})
	}
	return reqs
}

func ackTable(runs []ackRun, sc scale, turns int) *table {
	tb := newTable("Ack latency", "target", "offered/s", "achieved/s", "p50", "p99", "max", "errors",
		"p50 ×floor", "p99 ×floor", "CPU", "Redis CPU", "gen. CPU", "sent late p99")
	floors := map[string]ackRun{}
	for _, run := range runs {
		if run.target.system == "floor" {
			floors[run.target.platform+strconv.Itoa(run.rate)] = run
		}
	}
	for _, run := range runs {
		p50, p99 := run.res.lat.quantile(0.5), run.res.lat.quantile(0.99)
		r50, r99 := "", ""
		if f, ok := floors[run.target.platform+strconv.Itoa(run.rate)]; ok && run.target.system == "qunsu" {
			r50, r99 = ratio(p50, f.res.lat.quantile(0.5)), ratio(p99, f.res.lat.quantile(0.99))
		}
		tb.add(run.target.name(), strconv.Itoa(run.rate), fmt.Sprintf("%.0f", run.res.achieved()),
			ms(p50), ms(p99), ms(run.res.lat.quantile(1)), errorCell(run.res), r50, r99,
			share(run.cpu, run.res.took), share(run.redis, run.res.took), share(run.gen, run.res.took), ms(run.res.late.quantile(0.99)))
	}
	tb.note("Targets: p99 under 10 ms at 1000 requests/s, and within ×1.5 of the floor.")
	if *busy {
		tb.note("A process spinning on one core ran throughout (-bench.busy): the machine as busy as a noisy neighbour makes it.")
	}
	tb.note("Each rate is offered to each target for %g s in all, in %s of %.3g s, qunsu's and the floor's alternating (so", sc.ackFor, turnCount(turns), sc.ackFor/float64(turns))
	tb.note("that whatever else runs on the machine falls on both alike), after %v of warm-up. Open loop: requests leave on", ackWarmUp)
	tb.note("schedule whatever the answers and latency counts from when each was due; up to %d in flight on a keep-alive pool;", ackOutstanding)
	tb.note("%v timeout.", ackTimeout)
	tb.note("Every Slack request is a new slash command `/qunsu %s` (help) from one of the shipped directory's people,", ackCommand)
	tb.note("signed (v0 HMAC); every WeCom request a new text message %s (unique MsgId) from one of them, sealed (AES-CBC, msg_signature).", ackCommand)
	tb.note("qunsu also acts on each in the background (inbox -> engine -> outbox -> senders posting to the fake Slack and WeCom):")
	tb.note("that is part of its load. The senders post as fast as each platform allows one chat (Slack: a post a second per")
	tb.note("channel; WeCom: 30 app messages a minute per person), so most answers of a turn wait in their lanes and are posted")
	tb.note("later, mostly outside the measured turns. After each turn of qunsu's the next waited for the inbox to be worked off:")
	for _, run := range runs {
		if run.target.system != "qunsu" {
			continue
		}
		state := fmt.Sprintf("worked off within %.1f s", run.drained.Seconds())
		if run.undrain {
			state = fmt.Sprintf("NOT worked off within %.0f s", run.drained.Seconds())
		}
		tb.note("  %s at %d/s: at most %d in the inbox at the end of a turn, %s.", run.target.name(), run.rate, run.backlog, state)
	}
	tb.note("The floor checks the same signature or seal, makes one Redis round trip (SET NX EX of the request id) on the same")
	tb.note("redis-server, and answers the same empty 200; it is a process of its own (the test binary, TestFloorServer).")
	tb.note("CPU during the run, in %% of one core: of the serving process, of redis-server, and of the test process (the load")
	tb.note("generator, and the fake Slack and WeCom that qunsu's senders post to). Errors: not sent (too many in flight), no answer,")
	tb.note("or a wrong one.")
	tb.note("Sent late: how long after its due time a request left (the generator's timer and scheduling, on the same 2 cores); it")
	tb.note("is inside every latency above, for qunsu and the floor alike. The handlers alone, without HTTP, load or background")
	tb.note("work: ./test.sh ./bench -run '^$' -bench AckPath -benchmem.")
	return tb
}

func turnCount(n int) string {
	if n == 1 {
		return "1 turn"
	}
	return fmt.Sprintf("%d turns", n)
}

// share is CPU time over a wall-clock time, in % of one core.
func share(cpu, wall time.Duration) string {
	if wall <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*cpu.Seconds()/wall.Seconds())
}

func errorCell(r loadResult) string {
	if r.errors() == 0 {
		return "0"
	}
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{r.shed, "not sent"}, {r.failed, "no answer"}, {r.wrong, "wrong"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return strings.Join(parts, ", ")
}

func ackProcessTable(runs []ackRun, qunsuRSS, floorRSS int64, qunsuCPU, floorCPU time.Duration, load0, load1 string, busy busyShare) *table {
	answered := map[string]int{}
	for _, run := range runs {
		answered[run.target.system] += run.res.ok
	}
	tb := newTable("Ack latency: the processes", "process", "peak RSS", "CPU", "CPU per 1000 requests", "requests answered")
	perK := func(cpu time.Duration, n int) string {
		if n == 0 {
			return "–"
		}
		return ms(cpu * 1000 / time.Duration(n))
	}
	tb.add("qunsu serve", mib(qunsuRSS), fmt.Sprintf("%.1f s", qunsuCPU.Seconds()), perK(qunsuCPU, answered["qunsu"]), strconv.Itoa(answered["qunsu"]))
	tb.add("floor", mib(floorRSS), fmt.Sprintf("%.1f s", floorCPU.Seconds()), perK(floorCPU, answered["floor"]), strconv.Itoa(answered["floor"]))
	tb.note("Peak RSS over the whole part (VmHWM, reset after start); CPU from start of the load to the end, warm-ups, background")
	tb.note("work and qunsu's idle polling included. Target: RSS under 100 MB.")
	tb.note("The machine meanwhile: load average (1 min) %s before, %s after; all cores %s busy (the load generator,", load0, load1, busy)
	tb.note("Redis and the fakes in it, and whatever else ran).")
	return tb
}

// loadAverage is the 1-minute load average.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// machineTimes is the machine's CPU time so far, in clock ticks.
type machineTimes struct{ busy, all int64 }

type busyShare float64

func (b busyShare) String() string { return fmt.Sprintf("%.0f %%", 100*float64(b)) }

func machineCPU() machineTimes {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineTimes{}
	}
	var c machineTimes
	fields := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
	for i, f := range fields[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		if i >= 8 { // guest time is counted in user already
			break
		}
		c.all += n
		if i != 3 && i != 4 { // idle, iowait
			c.busy += n
		}
	}
	return c
}

func (c machineTimes) since(before machineTimes) busyShare {
	if c.all <= before.all {
		return 0
	}
	return busyShare(float64(c.busy-before.busy) / float64(c.all-before.all))
}
