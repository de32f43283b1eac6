package scheduler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"qunsu"
	"qunsu/bot/console"
	"qunsu/internal/redistest"
	"qunsu/scheduler"
	"qunsu/store"
)

// recorder fires a timer by finishing it, and tells when each fired.
type recorder struct {
	st    *store.Store
	mu    sync.Mutex
	fired map[string]time.Time
	clock qunsu.Clock
}

func (r *recorder) Fire(ctx context.Context, tenant string, t qunsu.Scheduled) error {
	r.mu.Lock()
	r.fired[t.Member()] = r.clock.Now()
	r.mu.Unlock()
	return r.st.Commit(ctx, qunsu.Change{Tenant: tenant, Claimed: &t.Timer})
}

func (r *recorder) firedAt(t qunsu.Timer) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.fired[t.Member()]
	return at, ok
}

// waitFired waits up to within for t to fire.
func (r *recorder) waitFired(t qunsu.Timer, within time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if at, ok := r.firedAt(t); ok {
			return at, true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Time{}, false
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// pacedClock runs rate times as fast as the wall clock from start.
type pacedClock struct {
	start, origin time.Time
	rate          float64
}

func (c pacedClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.origin)) * c.rate))
}
func (c pacedClock) Rate() float64 { return c.rate }

func runPoller(t *testing.T, p *scheduler.Poller) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// A poller asleep until the queue's head (an hour away) fires a timer queued
// meanwhile for sooner when it is due, woken by the store, not after MaxWait.
func TestPollerWokenByEarlierTimer(t *testing.T) {
	rdb, tenant := redistest.Client(t), redistest.Tenant(t)
	st := store.New(rdb)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	later := qunsu.Timer{Complaint: "QS-1", Task: "later"}
	if err := st.Schedule(ctx, tenant, qunsu.Scheduled{Timer: later, Due: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{st: st, fired: map[string]time.Time{}, clock: wallClock{}}
	runPoller(t, &scheduler.Poller{Queue: st, Handler: rec, Clock: wallClock{}, Tenants: []string{tenant},
		Wake: st.Wakeups(ctx, []string{tenant}), MaxWait: time.Minute})
	time.Sleep(300 * time.Millisecond) // asleep until the head
	sooner := qunsu.Timer{Complaint: "QS-2", Task: "sooner"}
	due := time.Now().Add(200 * time.Millisecond).Truncate(time.Millisecond) // the queue keeps milliseconds
	if err := st.Commit(ctx, qunsu.Change{Tenant: tenant, Schedule: []qunsu.Scheduled{{Timer: sooner, Due: due}}}); err != nil {
		t.Fatal(err)
	}
	at, ok := rec.waitFired(sooner, 10*time.Second)
	if !ok {
		t.Fatal("the sooner timer did not fire within 10 s (MaxWait is a minute: the wake-up was not heard)")
	}
	if at.Before(due) {
		t.Errorf("fired %v early", due.Sub(at))
	}
	if _, ok := rec.firedAt(later); ok {
		t.Error("the timer due in an hour fired")
	}
}

// On a simulated clock running 600 times as fast, the poller sleeps the wall
// time the clock needs: a timer due in 30 simulated seconds fires after about
// 50 ms, although MaxWait is a minute.
func TestPollerSleepsOnPacedClock(t *testing.T) {
	rdb, tenant := redistest.Client(t), redistest.Tenant(t)
	st := store.New(rdb)
	now := time.Now()
	clock := pacedClock{start: now, origin: now, rate: 600}
	due := qunsu.Timer{Complaint: "QS-1", Task: "soon"}
	if err := st.Schedule(context.Background(), tenant, qunsu.Scheduled{Timer: due, Due: clock.Now().Add(30 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{st: st, fired: map[string]time.Time{}, clock: clock}
	runPoller(t, &scheduler.Poller{Queue: st, Handler: rec, Clock: clock, Tenants: []string{tenant}, MaxWait: time.Minute})
	if _, ok := rec.waitFired(due, 10*time.Second); !ok {
		t.Fatal("a timer 30 simulated seconds away did not fire within 10 wall seconds")
	}
}

// On a clock moved by hand, moving it past the head wakes the poller.
func TestPollerWokenByClockMoved(t *testing.T) {
	rdb, tenant := redistest.Client(t), redistest.Tenant(t)
	st := store.New(rdb)
	clock := console.NewSimClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	due := qunsu.Timer{Complaint: "QS-1", Task: "in-an-hour"}
	if err := st.Schedule(context.Background(), tenant, qunsu.Scheduled{Timer: due, Due: clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{st: st, fired: map[string]time.Time{}, clock: clock}
	runPoller(t, &scheduler.Poller{Queue: st, Handler: rec, Clock: clock, Tenants: []string{tenant}, MaxWait: time.Minute})
	time.Sleep(200 * time.Millisecond)
	if _, ok := rec.firedAt(due); ok {
		t.Fatal("fired before the clock moved")
	}
	clock.Set(clock.Now().Add(time.Hour))
	if _, ok := rec.waitFired(due, 10*time.Second); !ok {
		t.Fatal("moving the clock past the timer did not wake the poller")
	}
}

// A claim's lease is wall time: on a clock running 600 times as fast, a 30 s
// lease is 5 simulated hours, so a slow firing is not claimed again by another
// poller meanwhile.
func TestLeaseIsWallTimeOnPacedClock(t *testing.T) {
	rdb, tenant := redistest.Client(t), redistest.Tenant(t)
	st := store.New(rdb)
	now := time.Now()
	clock := pacedClock{start: now, origin: now, rate: 600}
	due := qunsu.Timer{Complaint: "QS-1", Task: "slow"}
	if err := st.Schedule(context.Background(), tenant, qunsu.Scheduled{Timer: due, Due: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	p := &scheduler.Poller{Queue: st, Handler: &stall{}, Clock: clock, Tenants: []string{tenant}, Lease: 30 * time.Second}
	if _, err := p.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	lease, err := rdb.ZScore(context.Background(), "{t:"+tenant+"}:inflight", due.Member()).Result()
	if err != nil {
		t.Fatal(err)
	}
	if until := time.UnixMilli(int64(lease)).Sub(clock.Now()); until < 4*time.Hour {
		t.Errorf("the lease ends %v from now on the simulated clock; want about 5 h (30 wall seconds)", until)
	}
}

// stall fails every firing, so the timer stays leased.
type stall struct{}

func (stall) Fire(context.Context, string, qunsu.Scheduled) error { return context.DeadlineExceeded }
