package scheduler_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/scheduler"
	"qunsu/store"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// While Redis is away the poller keeps going by itself, says so once (not
// every poll), and fires what is due as soon as Redis answers again.
func TestPollerRidesOutARedisOutage(t *testing.T) {
	srv := redistest.StartServer(t)
	opts, _ := redis.ParseURL(srv.URL())
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb)
	logs := &lockedBuffer{}
	f := &finisher{st: st, entered: make(chan struct{}), release: make(chan struct{})}
	close(f.release)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	p := &scheduler.Poller{Queue: st, Handler: f, Clock: fixedClock{now}, Tenants: []string{"outage"},
		Log: slog.New(slog.NewTextHandler(logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	srv.Stop()
	time.Sleep(1500 * time.Millisecond)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	due := qunsu.Scheduled{Timer: qunsu.Timer{Job: "after_outage"}, Due: now.Add(-time.Minute)}
	if err := st.Schedule(context.Background(), "outage", due); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.mu.Lock()
		fired := len(f.fired)
		f.mu.Unlock()
		if fired == 1 && strings.Contains(logs.String(), "polling again") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fired %d; want the timer due after the outage fired and the recovery logged\n%s", fired, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := logs.String()
	if n := strings.Count(out, "poll failed"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, out)
	}
}
