package store_test

import (
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// The depth of a platform's outbox is what it has not read plus what it read
// and has not finished; each platform has its own; entries deleted from the
// stream (when Redis cannot tell the lag) are counted by reading.
func TestOutboxDepthPerPlatform(t *testing.T) {
	rdb, tenant := redistest.Client(t), redistest.Tenant(t)
	s := store.New(rdb)
	depth := func(platform string) (int64, int64) {
		t.Helper()
		lag, pending, err := s.OutboxDepth(ctx, tenant, platform)
		if err != nil {
			t.Fatal(err)
		}
		return lag, pending
	}
	if lag, pending := depth("slack"); lag != 0 || pending != 0 {
		t.Fatalf("no outbox yet: lag %d pending %d", lag, pending)
	}
	for _, p := range []string{"slack", "wecom"} {
		if err := s.Subscribe(ctx, tenant, p); err != nil {
			t.Fatal(err)
		}
	}
	var msgs []qunsu.Message
	for _, k := range []string{"a", "b", "c", "d"} {
		msgs = append(msgs, qunsu.Message{Text: k, Key: k})
	}
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Messages: msgs}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Receive(ctx, tenant, "slack", "s1", 1, time.Hour, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("receive: %v %v", got, err)
	}
	if lag, pending := depth("slack"); lag != 3 || pending != 1 {
		t.Errorf("one read: lag %d pending %d, want 3 and 1", lag, pending)
	}
	if lag, pending := depth("wecom"); lag != 4 || pending != 0 {
		t.Errorf("the other platform: lag %d pending %d, want 4 and 0", lag, pending)
	}
	if err := s.Done(ctx, tenant, "slack", got[0].ID); err != nil {
		t.Fatal(err)
	}
	if lag, pending := depth("slack"); lag != 3 || pending != 0 {
		t.Errorf("one done: lag %d pending %d, want 3 and 0", lag, pending)
	}
	if lag, pending := depth("nobody"); lag != 0 || pending != 0 {
		t.Errorf("a platform without a group: lag %d pending %d", lag, pending)
	}

	// An unread entry deleted: Redis no longer knows the lag.
	unread, err := rdb.XRange(ctx, "{t:"+tenant+"}:outbox", "-", "+").Result()
	if err != nil || len(unread) != 4 {
		t.Fatalf("xrange: %v %v", unread, err)
	}
	if err := rdb.XDel(ctx, "{t:"+tenant+"}:outbox", unread[2].ID).Err(); err != nil {
		t.Fatal(err)
	}
	if lag, pending := depth("slack"); lag != 2 || pending != 0 {
		t.Errorf("after a deletion: lag %d pending %d, want 2 and 0", lag, pending)
	}
}
