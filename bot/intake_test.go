package bot_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"qunsu"
	"qunsu/bot"
	"qunsu/calendar"
	"qunsu/config"
	"qunsu/handlers"
	"qunsu/internal/redistest"
	"qunsu/store"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// crashOnce runs the engine, then fails the first time as if the process died
// before it could acknowledge the message.
type crashOnce struct {
	engine *handlers.Engine
	calls  atomic.Int32
}

func (h *crashOnce) Handle(ctx context.Context, in qunsu.Inbound) error {
	err := h.engine.Handle(ctx, in)
	if h.calls.Add(1) == 1 {
		return errors.New("killed before acknowledging")
	}
	return err
}

// testEngine returns an engine for tenant with the shipped settings, on a
// clock standing at a Sunday morning, and that time.
func testEngine(t *testing.T, st *store.Store, tenant string) (*handlers.Engine, time.Time) {
	t.Helper()
	cfg := config.Default()
	cfg.Tenants[0].ID = tenant
	s, err := cfg.Tenants[0].Settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Calendar = calendar.Weekdays{Location: s.Location}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, s.Location)
	return &handlers.Engine{Store: st, Clock: fixedClock{now}, Tenants: map[string]*qunsu.Settings{tenant: &s}}, now
}

// A report is acknowledged to the platform at once; the worker that took it
// dies after filing it; another takes it over; the complaint is filed once,
// and a platform's retry of the same message is not queued again.
func TestIntakeActsOnceOnEachMessage(t *testing.T) {
	st, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	engine, now := testEngine(t, st, tenant)
	h := &crashOnce{engine: engine}

	in := qunsu.Inbound{Tenant: tenant, Platform: "slack", ID: "cmd:T1", User: "U01ZHANGWEI",
		Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "slack", ID: "C1"}, Text: "上报 项目=翡翠湾 户数=35 行为=拉横幅", At: now}
	for i := 0; i < 2; i++ {
		if ok, err := st.Accept(context.Background(), in); err != nil || ok != (i == 0) {
			t.Fatalf("accept #%d: %v %v", i, ok, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	intake := &bot.Intake{Inbox: st, Handler: h, Tenants: []string{tenant}, Consumer: "test", Workers: 2,
		Idle: 50 * time.Millisecond, Poll: 20 * time.Millisecond}
	done := make(chan struct{})
	go func() { intake.Run(ctx); close(done) }()
	waitFor(t, "the message taken over", func() bool { return h.calls.Load() >= 2 })
	time.Sleep(150 * time.Millisecond)
	cancel()
	<-done

	if n := h.calls.Load(); n < 2 {
		t.Errorf("handled %d times, want the crash and the takeover", n)
	}
	if _, err := st.Complaint(context.Background(), tenant, "QS-20261122-001"); err != nil {
		t.Fatalf("the report was lost: %v", err)
	}
	if _, err := st.Complaint(context.Background(), tenant, "QS-20261122-002"); qunsu.ErrorCode(err) != qunsu.ENOTFOUND {
		t.Errorf("filed twice: %v", err)
	}
	if events, _ := st.Timeline(context.Background(), tenant, "QS-20261122-001"); len(events) != 1 {
		t.Errorf("%d timeline events, want 1", len(events))
	}
}

// countingInbox counts the inbox's own acknowledgements.
type countingInbox struct {
	*store.Store
	done atomic.Int32
}

func (c *countingInbox) DoneInbound(ctx context.Context, tenant string, ids ...string) error {
	c.done.Add(1)
	return c.Store.DoneInbound(ctx, tenant, ids...)
}

// A command whose last write is its reply (help) finishes its inbox entry in
// that write, with no acknowledgement of its own; one that files a complaint
// and answers with it is acknowledged after. Either way the inbox ends empty
// and each answer is queued once.
func TestIntakeFinishesEntriesInTheCommandsLastWrite(t *testing.T) {
	rdb := redistest.Client(t)
	st, tenant := store.New(rdb), redistest.Tenant(t)
	engine, now := testEngine(t, st, tenant)
	inbox := &countingInbox{Store: st}
	ctx, cancel := context.WithCancel(context.Background())
	intake := &bot.Intake{Inbox: inbox, Handler: engine, Tenants: []string{tenant}, Consumer: "test", Workers: 1,
		Poll: 20 * time.Millisecond}
	done := make(chan struct{})
	go func() { intake.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	inboxKey, outboxKey := "{t:"+tenant+"}:inbox", "{t:"+tenant+"}:outbox"
	say := func(id, text string) {
		t.Helper()
		in := qunsu.Inbound{Tenant: tenant, Platform: "slack", ID: id, User: "U01ZHANGWEI",
			Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "slack", ID: "C1"}, Text: text, At: now}
		if ok, err := st.Accept(context.Background(), in); err != nil || !ok {
			t.Fatalf("accept %s: %v %v", id, ok, err)
		}
		waitFor(t, id+" worked off", func() bool { return rdb.XLen(context.Background(), inboxKey).Val() == 0 })
	}

	say("cmd:H1", "帮助")
	if n := inbox.done.Load(); n != 0 {
		t.Errorf("help was acknowledged %d times on its own; want it finished with its reply", n)
	}
	if n := rdb.XLen(context.Background(), outboxKey).Val(); n != 1 {
		t.Errorf("%d messages queued for help, want its reply", n)
	}
	say("cmd:R1", "上报 项目=翡翠湾 户数=35 行为=拉横幅")
	if n := inbox.done.Load(); n != 1 {
		t.Errorf("a report was acknowledged %d times on its own, want once", n)
	}
	if _, err := st.Complaint(context.Background(), tenant, "QS-20261122-001"); err != nil {
		t.Fatalf("the report was not filed: %v", err)
	}
	pending, err := rdb.XPending(context.Background(), inboxKey, "engine").Result()
	if err != nil || pending.Count != 0 {
		t.Fatalf("pending in the inbox: %+v, %v; want none", pending, err)
	}
}
