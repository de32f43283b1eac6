package store_test

import (
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// What people said stays in the inbox only until it is acted on: a handled
// entry is gone, an unhandled one is still there for another worker.
func TestInboxKeepsOnlyWhatIsNotActedOn(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	for _, id := range []string{"m1", "m2"} {
		in := qunsu.Inbound{Tenant: tenant, Platform: "wecom", ID: id, User: "ZhangWei", Text: "上报 描述=业主13812345678"}
		if ok, err := s.Accept(ctx, in); err != nil || !ok {
			t.Fatalf("accept %s: %v %v", id, ok, err)
		}
	}
	got, err := s.ReceiveInbound(ctx, tenant, "w1", 10, time.Minute, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("received %d, %v", len(got), err)
	}
	if !got[0].Inbound.Fresh || !got[1].Inbound.Fresh {
		t.Fatalf("first reads not marked fresh: %+v", got)
	}
	if err := s.DoneInbound(ctx, tenant, got[0].ID); err != nil {
		t.Fatal(err)
	}
	entries, err := rdb.XRange(ctx, "{t:"+tenant+"}:inbox", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].ID != got[1].ID {
		t.Fatalf("inbox holds %v, want only %s", entries, got[1].ID)
	}
	// The unfinished one is handed to another worker once idle.
	again, err := s.ReceiveInbound(ctx, tenant, "w2", 10, 0, 0)
	if err != nil || len(again) != 1 || again[0].ID != got[1].ID {
		t.Fatalf("reclaimed %+v, %v", again, err)
	}
	// Taken over, it may have been acted on: the engine must look.
	if again[0].Inbound.Fresh {
		t.Fatal("a taken-over message is marked fresh")
	}
}
