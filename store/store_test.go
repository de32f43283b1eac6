package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// deployments are the Redis setups every store scenario runs on, each reached
// through its URL as store.Open reads it: one server, a three-master Cluster
// (tenants land on different masters) and a master behind a Sentinel.
var deployments = []struct {
	name string
	url  func(testing.TB) string
}{
	{"single", redistest.URL},
	{"cluster", redistest.ClusterURL},
	{"sentinel", redistest.SentinelURL},
}

// onEach runs a scenario on every deployment, each time with a tenant of its own.
func onEach(t *testing.T, scenario func(t *testing.T, s *store.Store, tenant string)) {
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			scenario(t, store.New(open(t, d.url(t))), redistest.Tenant(t))
		})
	}
}

// open connects to url with store.Open, closed when the test ends.
func open(t testing.TB, url string) redis.UniversalClient {
	t.Helper()
	rdb, err := store.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

var ctx = context.Background()

func complaint(tenant string) *qunsu.Complaint {
	return &qunsu.Complaint{Tenant: tenant, ID: "QS-20261122-001", Status: qunsu.StatusOpen,
		ReportedAt: time.UnixMilli(1763773200000), Report: qunsu.Report{Project: "翡翠湾", Households: 35}}
}

func TestCommitIsAtomicAndVersioned(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		c := complaint(tenant)
		due := time.UnixMilli(1763794800000)
		timer := qunsu.Scheduled{Timer: qunsu.Timer{Complaint: c.ID, Task: "hq_report", Stage: 1}, Due: due}
		err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: c,
			Events:   []qunsu.Event{{Kind: qunsu.EventReported, By: "zhangwei"}},
			Schedule: []qunsu.Scheduled{timer},
			Messages: []qunsu.Message{{Tenant: tenant, Text: "hello", Key: "k1"}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Complaint(ctx, tenant, c.ID)
		if err != nil || got.Version != 1 || got.Households != 35 {
			t.Fatalf("stored %+v, %v", got, err)
		}
		// A writer holding the old version is refused and writes nothing.
		stale := complaint(tenant)
		stale.Households = 99
		err = s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: stale,
			Events:   []qunsu.Event{{Kind: qunsu.EventUpdated}},
			Schedule: []qunsu.Scheduled{{Timer: qunsu.Timer{Complaint: c.ID, Task: "x"}, Due: due}},
			Messages: []qunsu.Message{{Text: "nope", Key: "k2"}}})
		if !errors.Is(err, qunsu.ErrConflict) {
			t.Fatalf("stale version: %v", err)
		}
		got, _ = s.Complaint(ctx, tenant, c.ID)
		events, _ := s.Timeline(ctx, tenant, c.ID)
		if got.Households != 35 || len(events) != 1 {
			t.Errorf("conflict wrote something: %+v, %d events", got, len(events))
		}
		if d, ok, _ := s.Due(ctx, tenant, timer.Timer); !ok || !d.Equal(due) {
			t.Errorf("timer due %v %v", d, ok)
		}
		if _, ok, _ := s.Due(ctx, tenant, qunsu.Timer{Complaint: c.ID, Task: "x"}); ok {
			t.Error("conflicting change scheduled a timer")
		}
		msgs, err := s.Receive(ctx, tenant, "test", "a", 10, time.Minute, 0)
		if err != nil || len(msgs) != 1 || msgs[0].Message.Text != "hello" {
			t.Errorf("outbox %+v %v", msgs, err)
		}
		if _, err := s.Complaint(ctx, tenant, "QS-20261122-002"); qunsu.ErrorCode(err) != qunsu.ENOTFOUND {
			t.Errorf("missing complaint: %v", err)
		}
	})
}

func TestOnceLetsMessagesThroughOnce(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		for i := 0; i < 3; i++ {
			if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Once: "summary:2026-11-22",
				Messages: []qunsu.Message{{Text: "summary", Key: "summary:2026-11-22"}}}); err != nil {
				t.Fatal(err)
			}
		}
		msgs, _ := s.Receive(ctx, tenant, "test", "a", 10, time.Minute, 0)
		if len(msgs) != 1 {
			t.Errorf("%d summaries, want 1", len(msgs))
		}
	})
}

func TestNextSeqPerTenantPerDay(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		for want := 1; want <= 3; want++ {
			if n, _ := s.NextSeq(ctx, tenant, "20261122"); n != want {
				t.Errorf("seq %d, want %d", n, want)
			}
		}
		if n, _ := s.NextSeq(ctx, tenant, "20261123"); n != 1 {
			t.Errorf("new day starts at %d", n)
		}
		if n, _ := s.NextSeq(ctx, tenant+"x", "20261122"); n != 1 {
			t.Errorf("other tenant starts at %d", n)
		}
	})
}

func TestClaimNeverEarlyAndLeases(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		due := time.UnixMilli(1763794800123)
		timer := qunsu.Timer{Complaint: "QS-20261122-001", Task: "hq_report"}
		if err := s.Schedule(ctx, tenant, qunsu.Scheduled{Timer: timer, Due: due}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Claim(ctx, tenant, due.Add(-time.Millisecond), time.Minute, 10); len(got) != 0 {
			t.Fatalf("claimed 1ms early: %v", got)
		}
		got, _ := s.Claim(ctx, tenant, due, time.Minute, 10)
		if len(got) != 1 || got[0].Timer != timer || !got[0].Due.Equal(due) {
			t.Fatalf("claim at due: %v", got)
		}
		if again, _ := s.Claim(ctx, tenant, due.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
			t.Errorf("claimed again while leased: %v", again)
		}
		if next, ok, _ := s.Next(ctx, tenant); !ok || !next.Equal(due.Add(time.Minute)) {
			t.Errorf("next = lease end, got %v %v", next, ok)
		}
		// The holder died: after the lease the timer is claimed again, with its due time.
		again, _ := s.Claim(ctx, tenant, due.Add(2*time.Minute), time.Minute, 10)
		if len(again) != 1 || !again[0].Due.Equal(due) {
			t.Fatalf("reclaim after lease: %v", again)
		}
		if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Claimed: &timer}); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Next(ctx, tenant); ok {
			t.Error("finished timer still queued")
		}
	})
}

func TestConcurrentClaimsTakeEachTimerOnce(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		now := time.UnixMilli(1763794800000)
		var timers []qunsu.Scheduled
		for i := 0; i < 1000; i++ {
			timers = append(timers, qunsu.Scheduled{Timer: qunsu.Timer{Complaint: "QS-20261122-001", Task: "t", Stage: i},
				Due: now.Add(-time.Duration(i) * time.Millisecond)})
		}
		if err := s.Schedule(ctx, tenant, timers...); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := s.Claim(ctx, tenant, now, time.Minute, 37)
					if err != nil || len(got) == 0 {
						return
					}
					mu.Lock()
					for _, g := range got {
						seen[g.Member()]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 1000 {
			t.Errorf("claimed %d distinct timers, want 1000", len(seen))
		}
		for m, n := range seen {
			if n != 1 {
				t.Errorf("%s claimed %d times", m, n)
			}
		}
	})
}

func TestOutboxReclaimsUnfinishedMessages(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Messages: []qunsu.Message{{Text: "a", Key: "1"}, {Text: "b", Key: "2"}}}); err != nil {
			t.Fatal(err)
		}
		first, _ := s.Receive(ctx, tenant, "slack", "A", 10, time.Hour, 0)
		if len(first) != 2 || first[0].Message.Text != "a" || first[1].Message.Text != "b" {
			t.Fatalf("in order: %+v", first)
		}
		if err := s.Done(ctx, tenant, "slack", first[0].ID); err != nil {
			t.Fatal(err)
		}
		// A crashed: B takes over what A left unacknowledged once it has been idle.
		if got, _ := s.Receive(ctx, tenant, "slack", "B", 10, time.Hour, 0); len(got) != 0 {
			t.Fatalf("taken over too early: %+v", got)
		}
		time.Sleep(20 * time.Millisecond)
		got, _ := s.Receive(ctx, tenant, "slack", "B", 10, 10*time.Millisecond, 0)
		if len(got) != 1 || got[0].Message.Text != "b" {
			t.Fatalf("reclaimed %+v", got)
		}
		// Another platform's group gets everything on its own.
		if other, _ := s.Receive(ctx, tenant, "wecom", "W", 10, time.Hour, 0); len(other) != 2 {
			t.Errorf("second group got %d", len(other))
		}
	})
}

// A message is posted once: the first sender claims it, a second sees it busy,
// a sender that died mid-post leaves it resumable with the time it tried, and
// once finished every later claim finds it done.
func TestSendClaimsPostEachMessageOnce(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Messages: []qunsu.Message{{Text: "a", Key: "k1"}}}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Receive(ctx, tenant, "slack", "A", 10, time.Hour, 0)
		before := time.Now().Add(-time.Second)
		if st, _, err := s.BeginSend(ctx, tenant, "slack", "k1", "A", 50*time.Millisecond); err != nil || st != qunsu.SendFresh {
			t.Fatalf("first claim: %v %v", st, err)
		}
		if st, _, _ := s.BeginSend(ctx, tenant, "slack", "k1", "B", time.Minute); st != qunsu.SendBusy {
			t.Fatalf("claim while another posts: %v", st)
		}
		if st, _, _ := s.BeginSend(ctx, tenant, "slack", "k1", "A", 50*time.Millisecond); st != qunsu.SendResumed {
			t.Fatalf("the holder extends its claim: %v", st)
		}
		if st, _, _ := s.BeginSend(ctx, tenant, "wecom", "k1", "B", time.Minute); st != qunsu.SendFresh {
			t.Errorf("another platform's claim: %v", st)
		}
		time.Sleep(80 * time.Millisecond) // A died; its lease ends
		st, tried, _ := s.BeginSend(ctx, tenant, "slack", "k1", "B", time.Minute)
		if st != qunsu.SendResumed || tried.Before(before) || tried.After(time.Now()) {
			t.Fatalf("claim after a crash: %v tried %v", st, tried)
		}
		if err := s.FinishSend(ctx, tenant, "slack", "k1", "B", got[0].ID); err != nil {
			t.Fatal(err)
		}
		if st, _, _ := s.BeginSend(ctx, tenant, "slack", "k1", "C", time.Minute); st != qunsu.SendDone {
			t.Errorf("claim after posting: %v", st)
		}
		time.Sleep(20 * time.Millisecond)
		if again, _ := s.Receive(ctx, tenant, "slack", "B", 10, 10*time.Millisecond, 0); len(again) != 0 {
			t.Errorf("finished entry still pending: %+v", again)
		}
	})
}

func TestBuryKeepsRefusedMessagesAndAcks(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		_ = s.Commit(ctx, qunsu.Change{Tenant: tenant, Messages: []qunsu.Message{{Text: "a", Key: "k1"}}})
		got, _ := s.Receive(ctx, tenant, "slack", "A", 10, time.Hour, 0)
		if err := s.Bury(ctx, tenant, "slack", "A", got[0].ID, got[0].Message, "channel_not_found"); err != nil {
			t.Fatal(err)
		}
		if dead, _ := s.Buried(ctx, tenant, "slack"); len(dead) != 1 || dead[0] != "k1: channel_not_found" {
			t.Errorf("dead letters %v", dead)
		}
		time.Sleep(20 * time.Millisecond)
		if again, _ := s.Receive(ctx, tenant, "slack", "B", 10, 10*time.Millisecond, 0); len(again) != 0 {
			t.Errorf("buried entry still pending: %+v", again)
		}
	})
}

// An inbound message is queued once per platform id, however often it arrives,
// and one a worker left unfinished is handed to another.
func TestInboxAcceptsEachMessageOnce(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		in := qunsu.Inbound{Tenant: tenant, Platform: "slack", ID: "ev:Ev1", Text: "收到 QS-20261122-001", User: "U1"}
		for i := 0; i < 3; i++ {
			ok, err := s.Accept(ctx, in)
			if err != nil || ok != (i == 0) {
				t.Fatalf("accept #%d: %v %v", i, ok, err)
			}
		}
		other := in
		other.Platform = "wecom"
		if ok, _ := s.Accept(ctx, other); !ok {
			t.Error("the same id on another platform was refused")
		}
		got, err := s.ReceiveInbound(ctx, tenant, "A", 10, time.Hour, 0)
		if err != nil || len(got) != 2 || got[0].Inbound.Text != in.Text || got[0].Inbound.User != "U1" {
			t.Fatalf("received %+v %v", got, err)
		}
		_ = s.DoneInbound(ctx, tenant, got[0].ID)
		time.Sleep(20 * time.Millisecond)
		again, _ := s.ReceiveInbound(ctx, tenant, "B", 10, 10*time.Millisecond, 0)
		if len(again) != 1 || again[0].Inbound.Platform != "wecom" {
			t.Errorf("reclaimed %+v", again)
		}
		// Accepting and giving in one step works on every deployment too.
		third := in
		third.ID = "ev:Ev3"
		for i := 0; i < 2; i++ {
			queued, taken, err := s.AcceptTaking(ctx, third, "C")
			if err != nil || queued != (i == 0) || (taken != nil) != (i == 0) || (taken != nil && taken.Inbound.ID != third.ID) {
				t.Fatalf("accept and take #%d: %v %+v %v", i, queued, taken, err)
			}
		}
	})
}

// A change for an inbound message already acted on writes nothing.
func TestHandledInboundWritesOnce(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		c := complaint(tenant)
		first := qunsu.Change{Tenant: tenant, Complaint: c, Handles: "slack:cmd:1",
			Messages: []qunsu.Message{{Text: "filed", Key: "k1"}}}
		if err := s.Commit(ctx, first); err != nil {
			t.Fatal(err)
		}
		again := complaint(tenant)
		again.ID = "QS-20261122-002"
		err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: again, Handles: "slack:cmd:1",
			Messages: []qunsu.Message{{Text: "filed again", Key: "k2"}}})
		if !errors.Is(err, qunsu.ErrHandled) {
			t.Fatalf("second change for one message: %v", err)
		}
		if _, err := s.Complaint(ctx, tenant, again.ID); qunsu.ErrorCode(err) != qunsu.ENOTFOUND {
			t.Errorf("the refused change stored its complaint: %v", err)
		}
		if msgs, _ := s.Receive(ctx, tenant, "t", "a", 10, time.Minute, 0); len(msgs) != 1 {
			t.Errorf("%d messages, want 1", len(msgs))
		}
	})
}

func TestMemory(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		if _, ok, err := s.Recall(ctx, tenant, "slack:chan:x"); ok || err != nil {
			t.Fatalf("recall of nothing: %v %v", ok, err)
		}
		_ = s.Remember(ctx, tenant, "slack:chan:x", "C1", 0)
		_ = s.Remember(ctx, tenant, "slack:short", "v", 30*time.Millisecond)
		if v, ok, _ := s.Recall(ctx, tenant, "slack:chan:x"); !ok || v != "C1" {
			t.Errorf("recall %q %v", v, ok)
		}
		time.Sleep(60 * time.Millisecond)
		if _, ok, _ := s.Recall(ctx, tenant, "slack:short"); ok {
			t.Error("a fact outlived its ttl")
		}
		if err := s.Forget(ctx, tenant, "slack:chan:x", "slack:never"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Recall(ctx, tenant, "slack:chan:x"); ok {
			t.Error("a forgotten fact is recalled")
		}
	})
}

// The console's embedded store runs the same scripts.
func TestEmbeddedStoreRunsTheScripts(t *testing.T) {
	rdb, stop, err := store.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	s := store.New(rdb)
	c := complaint("emb")
	timer := qunsu.Scheduled{Timer: qunsu.Timer{Complaint: c.ID, Task: "t"}, Due: time.UnixMilli(1000)}
	if err := s.Commit(ctx, qunsu.Change{Tenant: "emb", Complaint: c, Schedule: []qunsu.Scheduled{timer},
		Messages: []qunsu.Message{{Text: "x", Key: "k"}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Claim(ctx, "emb", time.UnixMilli(1000), time.Minute, 5); err != nil || len(got) != 1 {
		t.Fatalf("claim %v %v", got, err)
	}
	if msgs, err := s.Receive(ctx, "emb", "console", "c", 5, time.Minute, 0); err != nil || len(msgs) != 1 {
		t.Fatalf("receive %v %v", msgs, err)
	}
}

// A platform switched on later reads only what comes after; subscribing
// again changes nothing.
func TestSubscribeStartsAtTheEnd(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		post := func(key string) {
			if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Messages: []qunsu.Message{{Text: key, Key: key}}}); err != nil {
				t.Fatal(err)
			}
		}
		post("before")
		if err := s.Subscribe(ctx, tenant, "late"); err != nil {
			t.Fatal(err)
		}
		post("after")
		got, _ := s.Receive(ctx, tenant, "late", "a", 10, time.Hour, 0)
		if len(got) != 1 || got[0].Message.Key != "after" {
			t.Fatalf("received %+v", got)
		}
		_ = s.Subscribe(ctx, tenant, "late")
		post("later")
		got, _ = s.Receive(ctx, tenant, "late", "a", 10, time.Hour, 0)
		if len(got) != 1 || got[0].Message.Key != "later" {
			t.Errorf("after subscribing again: %+v", got)
		}
	})
}

func TestHandledMarksAnActedOnMessage(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Handles: "slack:cmd:9"}); err != nil {
			t.Fatal(err)
		}
		if done, err := s.Handled(ctx, tenant, "slack:cmd:9"); !done || err != nil {
			t.Errorf("handled: %v %v", done, err)
		}
		if done, _ := s.Handled(ctx, tenant, "slack:cmd:10"); done {
			t.Error("another message counts as handled")
		}
	})
}

// Limits are used all or none, and say how long until they would allow.
func TestQuotaTakesAllOrNone(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		now := time.UnixMilli(1763794800000)
		perMin := func(key string, max int) qunsu.Limit { return qunsu.Limit{Key: key, Max: max, Window: time.Minute} }
		var receipts []string
		for i := 0; i < 2; i++ {
			receipt, wait, err := s.Take(ctx, tenant, now.Add(time.Duration(i)*time.Second), perMin("a", 2), perMin("b", 3))
			if wait != 0 || err != nil || receipt == "" {
				t.Fatalf("take %d: %q %v %v", i, receipt, wait, err)
			}
			receipts = append(receipts, receipt)
		}
		// a is full: nothing is taken, not even from b.
		if _, wait, _ := s.Take(ctx, tenant, now.Add(10*time.Second), perMin("a", 2), perMin("b", 3)); wait != 50*time.Second {
			t.Errorf("wait %v, want 50s (the first use of a leaves the window then)", wait)
		}
		if _, wait, _ := s.Take(ctx, tenant, now.Add(10*time.Second), perMin("b", 3)); wait != 0 {
			t.Errorf("b was charged for a refused take: wait %v", wait)
		}
		// A message that arrived 20s after it was taken: its window counts from then.
		one := perMin("one", 1)
		receipt, _, _ := s.Take(ctx, tenant, now, one)
		if err := s.Settle(ctx, tenant, receipt, now.Add(20*time.Second), true, one); err != nil {
			t.Fatal(err)
		}
		if _, wait, _ := s.Take(ctx, tenant, now.Add(61*time.Second), one); wait != 19*time.Second {
			t.Errorf("the settled use leaves a minute after it arrived: wait %v", wait)
		}
		// A use the platform did not take is given back.
		if err := s.Settle(ctx, tenant, receipts[0], now, false, perMin("a", 2)); err != nil {
			t.Fatal(err)
		}
		if _, wait, _ := s.Take(ctx, tenant, now.Add(10*time.Second), perMin("a", 2)); wait != 0 {
			t.Errorf("after a use was given back: wait %v", wait)
		}
	})
}

// The chat SDK's cache keeps a value per tenant until it is deleted.
func TestSDKCacheKeepsValuesPerTenant(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		c := s.SDKCache(tenant)
		if c.Get("token") != nil || c.IsExist("token") {
			t.Fatal("a value before any was set")
		}
		if err := c.Set("token", "abc", time.Minute); err != nil {
			t.Fatal(err)
		}
		if v := c.Get("token"); v != "abc" || !c.IsExist("token") {
			t.Errorf("get %v", v)
		}
		if s.SDKCache(tenant + "x").IsExist("token") {
			t.Error("another tenant sees the value")
		}
		if err := c.Delete("token"); err != nil || c.IsExist("token") {
			t.Errorf("after delete: %v %v", c.IsExist("token"), err)
		}
	})
}

// A message that is one platform's only (an answer in the chat a command came
// from, a person told there only) reaches the others' senders unread and
// already acknowledged: each would otherwise read, decode and acknowledge
// every answer of the other's for nothing. It holds for the first read, which
// waits for messages, and for those while messages keep coming, which read
// through a script.
func TestOtherPlatformsMessagesComeUnread(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		msgs := []qunsu.Message{
			{Key: "answer", Text: "帮助", Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "slack", ID: "C1"}},
			{Key: "dm", Text: "知会", Chat: qunsu.Chat{Kind: qunsu.ChatDirect, Person: "wangfang", Platform: "wecom"}},
			{Key: "team", Text: "⏰", Chat: qunsu.Chat{Kind: qunsu.ChatTeam, Complaint: "QS-1"}},
			{Key: "anywhere", Text: "知会", Chat: qunsu.Chat{Kind: qunsu.ChatDirect, Person: "wangfang"}},
		}
		for _, platform := range []string{"slack", "wecom"} {
			if err := s.Subscribe(ctx, tenant, platform); err != nil {
				t.Fatal(err)
			}
		}
		for round := 1; round <= 2; round++ {
			if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Messages: msgs}); err != nil {
				t.Fatal(err)
			}
			for platform, elsewhere := range map[string]string{"slack": "dm", "wecom": "answer"} {
				got, err := s.Receive(ctx, tenant, platform, "c", 10, time.Hour, 0)
				if err != nil || len(got) != len(msgs) {
					t.Fatalf("round %d: %s read %d of %d: %v", round, platform, len(got), len(msgs), err)
				}
				for i, env := range got {
					switch key := msgs[i].Key; {
					case key == elsewhere && (!env.Elsewhere || env.Message.Key != ""):
						t.Errorf("round %d: %s read %s, another platform's: %+v", round, platform, key, env)
					case key != elsewhere && (env.Elsewhere || env.Message.Text != msgs[i].Text || env.Message.Chat != msgs[i].Chat):
						t.Errorf("round %d: %s read %s as %+v, want it whole", round, platform, key, env)
					}
				}
				// Taking over everything pending finds the platform's own
				// messages only: the other's were acknowledged.
				pending, err := s.Receive(ctx, tenant, platform, "d", 10, 0, 0)
				if err != nil || len(pending) != len(msgs)-1 {
					t.Fatalf("round %d: %s has %d pending, want %d: %+v %v", round, platform, len(pending), len(msgs)-1, pending, err)
				}
				for _, env := range pending {
					if env.Elsewhere || env.Message.Key == elsewhere {
						t.Errorf("round %d: %s left %+v pending", round, platform, env)
					}
				}
				if err := s.Done(ctx, tenant, platform, entryIDs(pending)...); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, platform := range []string{"slack", "wecom"} {
			if got, err := s.Receive(ctx, tenant, platform, "c", 10, time.Hour, 0); err != nil || len(got) != 0 {
				t.Errorf("%s read %+v after everything, %v", platform, got, err)
			}
		}
	})
}

func entryIDs(envs []qunsu.Envelope) []string {
	out := make([]string, 0, len(envs))
	for _, env := range envs {
		out = append(out, env.ID)
	}
	return out
}
