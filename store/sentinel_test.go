package store_test

import (
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// Through a sentinel, the master restarted under a client that stays open:
// with no replica there is no failover, the sentinel keeps naming the same
// master, and the client goes on with nothing lost (AOF) — the complaint, a
// timer still queued, a claimed one, a message read but not yet acknowledged.
func TestSentinelMasterRestartLosesNothing(t *testing.T) {
	sn := redistest.StartSentinel(t)
	s := store.New(open(t, sn.URL()))
	tenant := redistest.Tenant(t)
	c := complaint(tenant)
	first := qunsu.Timer{Complaint: c.ID, Task: "ack"}
	second := qunsu.Timer{Complaint: c.ID, Task: "hq_report"}
	due := c.ReportedAt.Add(30 * time.Minute)
	err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: c,
		Schedule: []qunsu.Scheduled{{Timer: first, Due: due}, {Timer: second, Due: due.Add(time.Hour)}},
		Messages: []qunsu.Message{{Text: "filed", Key: "filed"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Claim(ctx, tenant, due, time.Minute, 10); err != nil || len(got) != 1 || got[0].Timer != first {
		t.Fatalf("claim %v %v", got, err)
	}
	if got, err := s.Receive(ctx, tenant, "chat", "A", 10, time.Hour, 0); err != nil || len(got) != 1 {
		t.Fatalf("receive %v %v", got, err)
	}

	sn.Master.Stop()
	if err := sn.Master.Start(); err != nil {
		t.Fatal(err)
	}

	if got, err := s.Complaint(ctx, tenant, c.ID); err != nil || got.Version != 1 || got.Households != 35 {
		t.Fatalf("complaint after restart: %+v %v", got, err)
	}
	if d, ok, err := s.Due(ctx, tenant, second); !ok || !d.Equal(due.Add(time.Hour)) || err != nil {
		t.Errorf("queued timer after restart: %v %v %v", d, ok, err)
	}
	// The claimed timer is finished with its reminder; A died, B takes over its message.
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Claimed: &first,
		Messages: []qunsu.Message{{Text: "reminder", Key: "reminder"}}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	got, err := s.Receive(ctx, tenant, "chat", "B", 10, 10*time.Millisecond, 0)
	if err != nil || len(got) != 2 || got[0].Message.Text != "filed" || got[1].Message.Text != "reminder" {
		t.Fatalf("outbox after restart: %+v %v", got, err)
	}
	if next, ok, _ := s.Next(ctx, tenant); !ok || !next.Equal(due.Add(time.Hour)) {
		t.Errorf("next after restart: %v %v", next, ok)
	}
}
