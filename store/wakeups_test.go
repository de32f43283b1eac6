package store_test

import (
	"context"
	"testing"
	"time"

	"qunsu"
	"qunsu/store"
)

// A commit that queues a timer due before every queued one wakes the pollers
// of its tenant, on every deployment; one due later does not (they will look
// at the head anyway), nor does another tenant's.
func TestEarlierTimerWakesPollers(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		wake := s.Wakeups(ctx, []string{tenant})
		base := time.UnixMilli(1795136400000)
		timer := func(task string, due time.Duration) qunsu.Scheduled {
			return qunsu.Scheduled{Timer: qunsu.Timer{Complaint: "QS-1", Task: task}, Due: base.Add(due)}
		}
		// The subscription is made in the background: retry the first commit
		// until it is heard, with timers each earlier than the last.
		heard := false
		for i := 0; i < 50 && !heard; i++ {
			if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Schedule: []qunsu.Scheduled{timer("first", time.Hour-time.Duration(i)*time.Second)}}); err != nil {
				t.Fatal(err)
			}
			heard = received(wake, 100*time.Millisecond)
		}
		if !heard {
			t.Fatal("queuing the first timer woke nobody")
		}
		if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Schedule: []qunsu.Scheduled{timer("later", 2*time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx, qunsu.Change{Tenant: tenant + "-other", Schedule: []qunsu.Scheduled{timer("elsewhere", -time.Hour)}}); err != nil {
			t.Fatal(err)
		}
		if received(wake, 300*time.Millisecond) {
			t.Error("a timer due after the head, or another tenant's, woke the pollers")
		}
		if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Schedule: []qunsu.Scheduled{timer("later", 3*time.Hour), timer("sooner", time.Minute)}}); err != nil {
			t.Fatal(err)
		}
		if !received(wake, 5*time.Second) {
			t.Error("a timer due before the head woke nobody")
		}
		cancel()
		for range wake { // closed once ctx ends
		}
	})
}

func received(ch <-chan struct{}, within time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(within):
		return false
	}
}
