package scheduler_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/internal/syncbuf"
	"qunsu/scheduler"
	"qunsu/store"
)

// beats counts the poller's rounds.
type beats struct {
	qunsu.NopMeter
	n atomic.Int64
}

func (b *beats) Beat(string, string) { b.n.Add(1) }

// While Redis is away the poller keeps going by itself, says so once (not
// every poll), and fires what is due as soon as Redis answers again.
func TestPollerRidesOutARedisOutage(t *testing.T) {
	srv := redistest.StartServer(t)
	opts, _ := redis.ParseURL(srv.URL())
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb)
	logs := &syncbuf.Buffer{}
	f := &finisher{st: st, entered: make(chan struct{}), release: make(chan struct{})}
	close(f.release)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	rounds := &beats{}
	p := &scheduler.Poller{Queue: st, Handler: f, Clock: fixedClock{now}, Tenants: []string{"outage"},
		Log: slog.New(slog.NewTextHandler(logs, nil)), Meter: rounds}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitUntil := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting until %s\n%s", what, logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// The outage begins once the poller is under way.
	waitUntil("the poller polled", func() bool { return rounds.n.Load() > 0 })
	srv.Stop()
	// go-redis retries a command for a second or two before it fails: a
	// shorter outage goes unseen, so this one lasts until the poller has
	// failed, and then failed again (its next round began, so the one before
	// ended).
	waitUntil("the poller saw the outage", func() bool { return strings.Contains(logs.String(), "poll failed") })
	during := rounds.n.Load()
	waitUntil("the poller kept polling", func() bool { return rounds.n.Load() >= during+2 })
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	due := qunsu.Scheduled{Timer: qunsu.Timer{Job: "after_outage"}, Due: now.Add(-time.Minute)}
	if err := st.Schedule(context.Background(), "outage", due); err != nil {
		t.Fatal(err)
	}
	waitUntil("the timer due after the outage fired and the recovery was logged", func() bool {
		f.mu.Lock()
		fired := len(f.fired)
		f.mu.Unlock()
		return fired == 1 && strings.Contains(logs.String(), "polling again")
	})
	out := logs.String()
	if n := strings.Count(out, "poll failed"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, out)
	}
}
