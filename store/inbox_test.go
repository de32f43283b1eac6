package store_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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

// AcceptTaking queues a message and gives it to a consumer in the same step,
// as a read would: it is that consumer's pending entry, and no reader gets it
// as new. Without the group (no reader ever came) it is only queued; with
// older entries waiting, the oldest is given, so none is passed over.
func TestAcceptTakingGivesTheEntryToTheConsumer(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	inbox := "{t:" + tenant + "}:inbox"
	msg := func(id string) qunsu.Inbound {
		return qunsu.Inbound{Tenant: tenant, Platform: "slack", ID: id, User: "U1", Text: "帮助", At: time.Now(),
			Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "slack", ID: "C1", ReplyURL: "https://hooks.slack.test/r"}}
	}

	queued, taken, err := s.AcceptTaking(ctx, msg("before-group"), "direct")
	if err != nil || !queued || taken != nil {
		t.Fatalf("without a group: queued %v, taken %+v, %v; want queued only", queued, taken, err)
	}
	// The first read makes the group and gets what was queued before it.
	first, err := s.ReceiveInbound(ctx, tenant, "reader", 10, time.Minute, 0)
	if err != nil || len(first) != 1 || first[0].Inbound.ID != "before-group" {
		t.Fatalf("first read: %+v, %v", first, err)
	}

	queued, taken, err = s.AcceptTaking(ctx, msg("m1"), "direct")
	if err != nil || !queued || taken == nil {
		t.Fatalf("accept m1: queued %v, taken %+v, %v", queued, taken, err)
	}
	if taken.Inbound.ID != "m1" || taken.Inbound.Text != "帮助" || !taken.Inbound.Fresh {
		t.Fatalf("given %+v, want m1, fresh", taken.Inbound)
	}
	// What is given is what a reader taking it over would get.
	var read qunsu.Inbound
	if entries, err := rdb.XRange(ctx, inbox, taken.ID, taken.ID).Result(); err != nil || len(entries) != 1 ||
		json.Unmarshal([]byte(entries[0].Values["m"].(string)), &read) != nil {
		t.Fatalf("entry %s: %v %v", taken.ID, entries, err)
	}
	read.Fresh = true
	if !read.At.Equal(taken.Inbound.At) || !sameBut(read, taken.Inbound) {
		t.Fatalf("given %+v, a reader gets %+v", taken.Inbound, read)
	}
	pending, err := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: inbox, Group: "engine", Start: "-", End: "+", Count: 10, Consumer: "direct"}).Result()
	if err != nil || len(pending) != 1 || pending[0].ID != taken.ID {
		t.Fatalf("direct's pending entries: %+v, %v; want %s", pending, err, taken.ID)
	}
	if got, err := s.ReceiveInbound(ctx, tenant, "reader", 10, time.Minute, 0); err != nil || len(got) != 0 {
		t.Fatalf("a reader got a given entry as new: %+v, %v", got, err)
	}

	// Seen before: neither queued nor given.
	if queued, taken, err := s.AcceptTaking(ctx, msg("m1"), "direct"); err != nil || queued || taken != nil {
		t.Fatalf("m1 again: queued %v, taken %+v, %v", queued, taken, err)
	}

	// An entry queued for the readers waits; the next given is that one.
	if ok, err := s.Accept(ctx, msg("m2")); err != nil || !ok {
		t.Fatalf("accept m2: %v %v", ok, err)
	}
	_, taken, err = s.AcceptTaking(ctx, msg("m3"), "direct")
	if err != nil || taken == nil || taken.Inbound.ID != "m2" {
		t.Fatalf("given %+v, %v; want the waiting m2", taken, err)
	}
	got, err := s.ReceiveInbound(ctx, tenant, "reader", 10, time.Minute, 0)
	if err != nil || len(got) != 1 || got[0].Inbound.ID != "m3" {
		t.Fatalf("reader got %+v, %v; want m3", got, err)
	}

	// A waiting entry that cannot be decoded is given, idles with the
	// consumer (a reader takes it over and reports it), and the one queued
	// stays new.
	bad, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: inbox, Values: []string{"m", "{not json"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	queued, taken, err = s.AcceptTaking(ctx, msg("m4"), "direct")
	if err != nil || !queued || taken != nil {
		t.Fatalf("accept m4 behind an unreadable entry: queued %v, taken %+v, %v", queued, taken, err)
	}
	pending, err = rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: inbox, Group: "engine", Start: bad, End: bad, Count: 1}).Result()
	if err != nil || len(pending) != 1 || pending[0].Consumer != "direct" {
		t.Fatalf("the unreadable entry is pending as %+v, %v; want with direct", pending, err)
	}
	got, err = s.ReceiveInbound(ctx, tenant, "reader", 10, time.Minute, 0)
	if err != nil || len(got) != 1 || got[0].Inbound.ID != "m4" {
		t.Fatalf("reader got %+v, %v; want m4", got, err)
	}
}

// sameBut reports whether two inbound messages are the same but for when
// they came (compared with Equal: a decoded time's zone may differ).
func sameBut(a, b qunsu.Inbound) bool {
	a.At, b.At = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

// A change that is a command's last step finishes the inbox entry the command
// came in, in the same write; a change refused (a conflict) finishes nothing,
// so the command is still there to be acted on again.
func TestCommitFinishesTheInboxEntry(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	inbox := "{t:" + tenant + "}:inbox"
	got := acceptAndReceive(t, s, tenant, "m1", "m2")
	reply := qunsu.Message{Tenant: tenant, Key: "in:slack:m1#0", Text: "帮助……", Chat: qunsu.Chat{Platform: "slack", ID: "C1"}}
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Messages: []qunsu.Message{reply}, Finishes: got[0].ID}); err != nil {
		t.Fatal(err)
	}
	entries, err := rdb.XRange(ctx, inbox, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].ID != got[1].ID {
		t.Fatalf("inbox holds %v, want only %s", entries, got[1].ID)
	}
	if n, err := rdb.XLen(ctx, "{t:"+tenant+"}:outbox").Result(); err != nil || n != 1 {
		t.Fatalf("outbox holds %d, %v; want the reply", n, err)
	}

	stale := &qunsu.Complaint{ID: "QS-1", Version: 3, Status: qunsu.StatusOpen}
	err = s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: stale, Finishes: got[1].ID})
	if !errors.Is(err, qunsu.ErrConflict) {
		t.Fatalf("commit of a stale complaint: %v, want a conflict", err)
	}
	pending, err := rdb.XPending(ctx, inbox, "engine").Result()
	if err != nil {
		t.Fatal(err)
	}
	if pending.Count != 1 || pending.Lower != got[1].ID {
		t.Fatalf("pending after a refused change: %+v, want %s still pending", pending, got[1].ID)
	}
}

// A once-only change whose key was taken (another replica sent it) is done
// all the same: Commit reports success, so the entry it finishes is finished.
func TestOnceOnlyChangeFinishesItsEntryWhenItsKeyWasTaken(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	got := acceptAndReceive(t, s, tenant, "m1")
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Once: "daily:2026-11-22"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Once: "daily:2026-11-22", Finishes: got[0].ID}); err != nil {
		t.Fatalf("the second once-only change: %v, want success", err)
	}
	if n, err := rdb.XLen(ctx, "{t:"+tenant+"}:inbox").Result(); err != nil || n != 0 {
		t.Fatalf("inbox holds %d, %v; want the entry finished", n, err)
	}
}

// acceptAndReceive queues a Slack command with each of ids and reads them all
// for one worker, in order.
func acceptAndReceive(t *testing.T, s *store.Store, tenant string, ids ...string) []qunsu.InboundEnvelope {
	t.Helper()
	for _, id := range ids {
		in := qunsu.Inbound{Tenant: tenant, Platform: "slack", ID: id, User: "U1", Text: "帮助"}
		if ok, err := s.Accept(ctx, in); err != nil || !ok {
			t.Fatalf("accept %s: %v %v", id, ok, err)
		}
	}
	got, err := s.ReceiveInbound(ctx, tenant, "w1", 10, time.Minute, 0)
	if err != nil || len(got) != len(ids) {
		t.Fatalf("received %d, %v; want %d", len(got), err, len(ids))
	}
	return got
}
