package scheduler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/scheduler"
	"qunsu/store"
)

func TestMain(m *testing.M) { redistest.Main(m) }

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// finisher fires a timer by finishing it in the store, holding the first one
// until released.
type finisher struct {
	st               *store.Store
	entered, release chan struct{}
	once             sync.Once
	mu               sync.Mutex
	fired            []string
	cutOff           bool
}

func (f *finisher) Fire(ctx context.Context, tenant string, t qunsu.Scheduled) error {
	f.once.Do(func() {
		close(f.entered)
		<-f.release
	})
	f.mu.Lock()
	f.fired = append(f.fired, t.Job)
	f.cutOff = f.cutOff || ctx.Err() != nil
	f.mu.Unlock()
	return f.st.Commit(ctx, qunsu.Change{Tenant: tenant, Claimed: &t.Timer})
}

// meter notes what the poller reports.
type meter struct {
	qunsu.NopMeter
	mu      sync.Mutex
	claimed int
	late    []time.Duration
	beats   int
}

func (m *meter) TimersClaimed(n int) { m.mu.Lock(); m.claimed += n; m.mu.Unlock() }
func (m *meter) TimerFired(late time.Duration) {
	m.mu.Lock()
	m.late = append(m.late, late)
	m.mu.Unlock()
}
func (m *meter) Beat(runner, _ string) {
	if runner == "poller" {
		m.mu.Lock()
		m.beats++
		m.mu.Unlock()
	}
}

// Stopped with a timer in hand, the poller fires it and the others it claimed
// with it (none waits for its lease to end), claims no more, and returns; it
// reports what it claimed and how late each fired.
func TestPollerFinishesWhatItClaimedWhenStopped(t *testing.T) {
	rdb, tenant := redistest.Client(t), redistest.Tenant(t)
	st := store.New(rdb)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	if err := st.Schedule(ctx, tenant,
		qunsu.Scheduled{Timer: qunsu.Timer{Job: "a"}, Due: now.Add(-2 * time.Second)},
		qunsu.Scheduled{Timer: qunsu.Timer{Job: "b"}, Due: now.Add(-time.Second)},
		qunsu.Scheduled{Timer: qunsu.Timer{Job: "c"}, Due: now}); err != nil {
		t.Fatal(err)
	}
	f := &finisher{st: st, entered: make(chan struct{}), release: make(chan struct{})}
	m := &meter{}
	stop := make(chan struct{})
	p := &scheduler.Poller{Queue: st, Handler: f, Clock: fixedClock{now}, Tenants: []string{tenant}, Lease: time.Minute,
		Meter: m, Stop: stop}
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	<-f.entered
	close(stop)
	// Due now, but stopping: not claimed.
	if err := st.Schedule(ctx, tenant, qunsu.Scheduled{Timer: qunsu.Timer{Job: "d"}, Due: now}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	close(f.release)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the poller did not stop")
	}
	if len(f.fired) != 3 || f.cutOff {
		t.Errorf("fired %v, cut off %v; want a, b and c, whole", f.fired, f.cutOff)
	}
	if n, _ := rdb.ZCard(ctx, "{t:"+tenant+"}:inflight").Result(); n != 0 {
		t.Errorf("%d timers left in flight", n)
	}
	if due, ok, _ := st.Due(ctx, tenant, qunsu.Timer{Job: "d"}); !ok || !due.Equal(now) {
		t.Errorf("the timer queued while stopping: due %v, queued %v", due, ok)
	}
	if m.claimed != 3 || len(m.late) != 3 || m.late[0] != 2*time.Second || m.late[2] != 0 || m.beats == 0 {
		t.Errorf("reported %d claimed, lateness %v, %d beats", m.claimed, m.late, m.beats)
	}
}
