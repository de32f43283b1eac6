package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// Many tenants on a three-master cluster: their hash tags spread them over
// every master, each tenant's keys all live on the one master that owns its
// slot, and each goes from a report through its deadline's claim to the
// reminder in its outbox.
func TestManyTenantsSpreadOverTheClusterMasters(t *testing.T) {
	const tenants = 300
	c := redistest.SharedCluster(t)
	s := store.New(open(t, c.URL()))
	direct := map[string]*redis.Client{} // a plain client per master: it answers MOVED for keys it does not own
	for _, addr := range c.Addrs() {
		direct[addr] = redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { direct[addr].Close() })
	}
	some := direct[c.Addrs()[0]]
	ranges, err := some.ClusterSlots(ctx).Result()
	if err != nil || len(ranges) != 3 {
		t.Fatalf("slot ranges %v %v", ranges, err)
	}
	owner := func(slot int64) string {
		for _, r := range ranges {
			if int(slot) >= r.Start && int(slot) <= r.End {
				return r.Nodes[0].Addr
			}
		}
		return ""
	}

	base := redistest.Tenant(t)
	perMaster := map[string]int{}
	slots := map[int64]bool{}
	for i := 0; i < tenants; i++ {
		tenant := fmt.Sprintf("%s-%d", base, i)
		reportClaimRemind(t, s, tenant)
		tag := "{t:" + tenant + "}"
		slot, err := some.ClusterKeySlot(ctx, tag).Result()
		if err != nil {
			t.Fatal(err)
		}
		addr := owner(slot)
		keys := []string{tag + ":c:QS-20261122-001", tag + ":tl:QS-20261122-001", tag + ":all", tag + ":outbox"}
		if n, err := direct[addr].Exists(ctx, keys...).Result(); err != nil || n != int64(len(keys)) {
			t.Fatalf("%s (slot %d): %d of its keys on its master %s: %v", tenant, slot, n, addr, err)
		}
		perMaster[addr]++
		slots[slot] = true
	}
	t.Logf("%d tenants in %d slots; per master %v", tenants, len(slots), perMaster)
	for _, addr := range c.Addrs() {
		// 100 each on average; fewer than 50 would mean the tags do not spread.
		if perMaster[addr] < tenants/6 {
			t.Errorf("master %s holds %d of %d tenants", addr, perMaster[addr], tenants)
		}
	}
}

// reportClaimRemind files a complaint with a deadline, claims the deadline
// when due, commits its reminder, and checks what the outbox gives out.
func reportClaimRemind(t *testing.T, s *store.Store, tenant string) {
	t.Helper()
	c := complaint(tenant)
	timer := qunsu.Timer{Complaint: c.ID, Task: "hq_report", Stage: 1}
	due := c.ReportedAt.Add(6 * time.Hour)
	err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: c,
		Events:   []qunsu.Event{{Kind: qunsu.EventReported, By: "zhangwei"}},
		Schedule: []qunsu.Scheduled{{Timer: timer, Due: due}},
		Messages: []qunsu.Message{{Tenant: tenant, Text: "filed", Key: "filed"}}})
	if err != nil {
		t.Fatalf("%s: report: %v", tenant, err)
	}
	got, err := s.Claim(ctx, tenant, due, time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].Timer != timer {
		t.Fatalf("%s: claim %v %v", tenant, got, err)
	}
	err = s.Commit(ctx, qunsu.Change{Tenant: tenant, Claimed: &timer,
		Messages: []qunsu.Message{{Tenant: tenant, Text: "reminder", Key: "reminder"}}})
	if err != nil {
		t.Fatalf("%s: reminder: %v", tenant, err)
	}
	msgs, err := s.Receive(ctx, tenant, "chat", "w", 10, time.Minute, 0)
	if err != nil || len(msgs) != 2 || msgs[0].Message.Text != "filed" || msgs[1].Message.Text != "reminder" {
		t.Fatalf("%s: outbox %+v %v", tenant, msgs, err)
	}
	if _, queued, err := s.Next(ctx, tenant); queued || err != nil {
		t.Fatalf("%s: a finished timer is still queued (%v)", tenant, err)
	}
}
