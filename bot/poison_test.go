package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"qunsu"
	"qunsu/bot"
	"qunsu/internal/redistest"
	"qunsu/internal/syncbuf"
	"qunsu/store"
)

// panicsOn crashes on one text and counts what it handled otherwise.
type panicsOn struct {
	text    string
	crashes atomic.Int32
	handled sync.Map // inbound id -> true
	told    chan qunsu.Inbound
}

func (h *panicsOn) TellSetAside(ctx context.Context, in qunsu.Inbound) error {
	h.told <- in
	return nil
}

func (h *panicsOn) Handle(ctx context.Context, in qunsu.Inbound) error {
	if in.Text == h.text {
		h.crashes.Add(1)
		var m map[string]int
		m["boom"]++ // a bug: assignment to a nil map
	}
	h.handled.Store(in.ID, true)
	return nil
}

// A message that crashes its handler does not take the process down: the
// messages after it are acted on, it is tried again after it idles, and after
// five tries it is set aside, kept and logged, its sender is told, and it is
// tried no more.
func TestIntakeOutlivesAMessageThatCrashesItsHandler(t *testing.T) {
	rdb := redistest.Client(t)
	st, tenant := store.New(rdb), redistest.Tenant(t)
	h := &panicsOn{text: "💥", told: make(chan qunsu.Inbound, 10)}
	var logs syncbuf.Buffer
	intake := &bot.Intake{Inbox: st, Handler: h, Tenants: []string{tenant}, Consumer: "test", Workers: 2,
		Idle: 30 * time.Millisecond, Poll: 10 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { intake.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	for i, text := range []string{"💥", "帮助", "列表"} {
		in := qunsu.Inbound{Tenant: tenant, Platform: "slack", ID: "cmd:P" + string(rune('0'+i)), User: "U01ZHANGWEI", Text: text}
		if _, err := intake.Accept(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the messages after it acted on", func() bool {
		_, a := h.handled.Load("cmd:P1")
		_, b := h.handled.Load("cmd:P2")
		return a && b
	})
	waitFor(t, "the crashing message set aside", func() bool {
		return rdb.LLen(context.Background(), "{t:"+tenant+"}:inbox:dead").Val() == 1
	})
	crashes := h.crashes.Load()
	time.Sleep(150 * time.Millisecond) // five idle periods: it would have been tried again
	if n := h.crashes.Load(); crashes != 5 || n != crashes {
		t.Errorf("crashed %d times before it was set aside and %d after, want 5 and none", crashes, n-crashes)
	}
	if n := rdb.XLen(context.Background(), "{t:"+tenant+"}:inbox").Val(); n != 0 {
		t.Errorf("%d entries left in the inbox", n)
	}
	if len(h.told) != 1 {
		t.Fatalf("the sender was told %d times", len(h.told))
	}
	if told := <-h.told; told.ID != "cmd:P0" || told.Text != "💥" {
		t.Errorf("told about %+v", told)
	}
	for _, want := range []string{"crashed its handler", "assignment to entry in nil map", "set aside", "given out 5 times"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logs.String())
		}
	}
}
