package chaos

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

var long = flag.Bool("chaos.long", false, "run the long drill (make chaos): more load, more faults")

// plan is a drill: how long load runs, how fast, and what is killed when.
type plan struct {
	name     string
	load     time.Duration // how long requests are sent
	every    time.Duration // one report per tick, and a forgery every third
	commands int           // commands on complaints per tick
	rate     float64       // simulated seconds per wall second
	replicas []fault       // replicas SIGKILLed, and started again after down
	redis    []fault       // redis-server SIGKILLed, and started again after down
	settle   time.Duration // longest wait for every message to reach the platforms
}

type fault struct {
	at, down time.Duration
	replica  int    // 1-based
	during   string // Redis: killed while a post to this platform ("slack", "wecom") is on the wire
}

var (
	shortPlan = plan{name: "short", load: 30 * time.Second, every: time.Second, commands: 2, rate: 600,
		replicas: []fault{{at: 6 * time.Second, down: 5 * time.Second, replica: 2}},
		redis:    []fault{{at: 15 * time.Second, down: 4 * time.Second, during: "wecom"}},
		settle:   4 * time.Minute}
	longPlan = plan{name: "long", load: 120 * time.Second, every: 2 * time.Second, commands: 3, rate: 300,
		replicas: []fault{{at: 12 * time.Second, down: 6 * time.Second, replica: 2},
			{at: 60 * time.Second, down: 8 * time.Second, replica: 3},
			{at: 100 * time.Second, down: 5 * time.Second, replica: 1}},
		redis: []fault{{at: 35 * time.Second, down: 4 * time.Second, during: "slack"},
			{at: 80 * time.Second, down: 7 * time.Second, during: "wecom"}},
		settle: 5 * time.Minute}
)

// The drill starts on a Friday afternoon, so that the day's summary comes due
// within it.
var drillStart = time.Date(2026, 11, 20, 14, 0, 0, 0, time.FixedZone("CST", 8*3600))

// TestChaos runs the drill: three replicas and Redis under load, killed and
// started again; then nothing may be lost, doubled, or let in.
func TestChaos(t *testing.T) {
	p := shortPlan
	if *long {
		p = longPlan
	}
	origin := time.UnixMilli(time.Now().UnixMilli())
	c := startCluster(t, 3, simClock{start: drillStart, origin: origin, rate: p.rate})
	seed := uint64(time.Now().UnixNano())
	t.Logf("drill %s: seed %d, logs in %s", p.name, seed, c.replicas[0].LogPath)
	l := newLoad(c, seed)
	lg, err := newLedger(c)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	began := time.Now()
	c.began = began
	l.until = began.Add(p.load + 90*time.Second)
	faults := make(chan struct{})
	go func() {
		defer close(faults)
		runFaults(t, c, p, began)
	}()
	learning, stopLearning := context.WithCancel(ctx)
	go func() {
		for learning.Err() == nil {
			if c.redisIsUp() {
				l.learn(learning)
			}
			time.Sleep(time.Second)
		}
	}()
	tick := time.NewTicker(p.every)
	for n := 1; time.Since(began) < p.load; n++ {
		<-tick.C
		l.report(n)
		for range p.commands {
			l.command()
		}
		if n%3 == 0 {
			l.forge(n / 3)
		}
	}
	tick.Stop()
	stopLearning()
	<-faults
	loadEnded := time.Since(began)
	l.wg.Wait() // every request has its final answer, or gave up
	t.Logf("%s: the load ended; every request answered", c.elapsed())
	if !waitFor(time.Minute, 200*time.Millisecond, func() bool { return c.inboxIdle(ctx) }) {
		t.Errorf("the inbox was not worked off within a minute of the load's end")
	}
	t.Logf("%s: the inbox is worked off", c.elapsed())
	snap, err := takeSnapshot(ctx, c, time.Time{})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}

	// Wait until everything written by the snapshot reached the platforms.
	var tl *tally
	told := time.Now()
	settled := waitFor(p.settle, 2*time.Second, func() bool {
		tl, err = lg.account(ctx, snap, l.snapshot())
		if err != nil {
			t.Logf("account: %v", err)
			return false
		}
		if !tl.settled() && time.Since(told) > 10*time.Second {
			told = time.Now()
			t.Logf("%s: waiting for %d deliveries, e.g. %s", c.elapsed(), len(tl.waiting), strings.Join(first(tl.waiting, 3), "; "))
		}
		return tl.settled()
	})
	settleTook := time.Since(began) - loadEnded
	if tl == nil {
		t.Fatalf("no account could be made: %v", err)
	}
	for _, e := range c.selfExits() {
		tl.problem("%s", e)
	}
	for _, line := range c.logLines("panic") {
		tl.problem("%s", line)
	}
	for _, r := range c.replicas {
		if !r.Alive() {
			tl.problem("replica %d is not running at the end", r.N)
		} else if err := r.Stop(); err != nil {
			tl.problem("replica %d stopped with %v", r.N, err)
		}
	}

	fmt.Fprint(os.Stdout, table(p, c, snap, tl, loadEnded, settleTook))
	if err := selfCheck(ctx, c, lg, snap, tl, l.snapshot()); err != nil {
		t.Errorf("self-check: %v", err)
	} else {
		fmt.Fprintln(os.Stdout, "self-check: a post doubled on each platform, a report lost and a timer never fired, made on purpose, were all caught")
	}
	if !settled {
		t.Errorf("not everything reached the platforms within %v; still waiting for:\n  %s", p.settle, strings.Join(first(tl.waiting, 30), "\n  "))
	}
	if !tl.ok() {
		t.Errorf("the drill found %d problem(s):\n  %s", len(tl.problems), strings.Join(first(tl.problems, 50), "\n  "))
	}
}

// runFaults kills and starts processes as the plan says: each fault on its
// own, so that a slow restart does not shorten the next outage.
func runFaults(t *testing.T, c *cluster, p plan, began time.Time) {
	var wg sync.WaitGroup
	at := func(d time.Duration, f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(began.Add(d)))
			f()
		}()
	}
	for _, f := range p.replicas {
		r := c.replicas[f.replica-1]
		at(f.at, func() {
			r.Kill()
			c.logFault("replica %d SIGKILLed", r.N)
			time.Sleep(f.down)
			if err := c.start(r); err != nil {
				t.Errorf("restarting replica %d: %v", r.N, err)
			}
			c.logFault("replica %d started again", r.N)
		})
	}
	for _, f := range p.redis {
		at(f.at, func() {
			kill := func() { c.killRedis(); c.logFault("redis-server SIGKILLed") }
			w := map[string]*wire{"slack": c.slackWire, "wecom": c.wecomWire}[f.during]
			switch {
			case w == nil:
				kill()
			case w.duringPost(func() { kill(); c.logFault("  … after %s took a post, before its answer came back", f.during) }, 10*time.Second):
			default:
				kill()
				c.logFault("  … no post to %s came within 10 s", f.during)
			}
			time.Sleep(f.down)
			if err := c.startRedis(); err != nil {
				t.Errorf("restarting redis-server: %v", err)
			}
			c.logFault("redis-server started again (same port, same AOF)")
		})
	}
	wg.Wait()
}

func first(list []string, n int) []string {
	if len(list) > n {
		return append(list[:n:n], fmt.Sprintf("… and %d more", len(list)-n))
	}
	return list
}

// width is how many columns a terminal gives s: two for a CJK character.
func width(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x2e80 {
			n++
		}
	}
	return n
}

// table is the drill's one table.
func table(p plan, c *cluster, snap *snapshot, t *tally, load, settle time.Duration) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("\nqunsu chaos drill (%s): 3 replicas of qunsu serve, 1 redis-server (appendfsync always), loopback only\n", p.name)
	w("simulated clock x%g from %s; load %.0fs of wall time, to %s simulated; settled %.0fs after\n",
		p.rate, drillStart.Format("2006-01-02 15:04"), load.Seconds(), snap.at.Format("01-02 15:04"), settle.Seconds())
	for _, f := range c.faults {
		w("  %s\n", f)
	}
	row := func(label string, cells ...any) {
		b.WriteString(label + strings.Repeat(" ", max(0, 46-width(label))))
		for _, c := range cells {
			fmt.Fprintf(&b, "%13v", c)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	row("", "sent", "acknowledged", "stored", "lost", "doubled")
	row("reports", t.reportsSent, t.reportsAcked, t.reportsStored, t.reportsLost, t.reportsDoubled)
	row("", "due", "sent", "duplicated", "missed")
	row("reminders and escalations", t.remindersDue, t.remindersSent, t.remindersDuplicated, t.remindersMissed)
	row("", "enqueued", "delivered", "duplicated", "stray")
	row("messages to Slack", t.slack.enqueued, t.slack.delivered, t.slack.duplicated, t.slack.stray)
	row("messages to WeCom", t.wecom.enqueued, t.wecom.delivered, t.wecom.duplicated, t.wecom.stray)
	row("", "sent", "refused", "stored")
	row("forged, stale, tampered, replayed requests", t.forgedSent, t.forgedRefused, t.forgedStored)
	row("", "sent", "answered")
	row("platform retries sent to a second replica", t.copies, t.copiesAnswered)
	row("", "sent", "taken")
	row("commands on complaints (ack, done, meeting)", t.commands, t.commandsTaken)
	row("", "told", "taken later")
	row("told \""+unavailableZH+"\" or 503", t.told, t.retried)
	if t.slowAnswers > 0 {
		w("answers slower than the platform waits (Slack 3 s, WeCom 5 s): %d\n", t.slowAnswers)
	}
	if t.ok() {
		w("\nverdict: nothing lost, nothing doubled, nothing forged let in\n")
	} else {
		w("\nverdict: FAILED (%d problems)\n", len(t.problems))
	}
	return b.String()
}
