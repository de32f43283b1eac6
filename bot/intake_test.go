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

// A report is acknowledged to the platform at once; the worker that took it
// dies after filing it; another takes it over; the complaint is filed once,
// and a platform's retry of the same message is not queued again.
func TestIntakeActsOnceOnEachMessage(t *testing.T) {
	st, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	cfg := config.Default()
	cfg.Tenants[0].ID = tenant
	s, err := cfg.Tenants[0].Settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Calendar = calendar.Weekdays{Location: s.Location}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, s.Location)
	engine := &handlers.Engine{Store: st, Clock: fixedClock{now}, Tenants: map[string]*qunsu.Settings{tenant: &s}}
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
