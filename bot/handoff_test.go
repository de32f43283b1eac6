package bot_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/bot"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// gateHandler says which message it started on, and holds each until released.
type gateHandler struct {
	entered chan string
	release chan struct{}
	mu      sync.Mutex
	handled []string
}

func newGate() *gateHandler {
	return &gateHandler{entered: make(chan string, 10), release: make(chan struct{})}
}

func (h *gateHandler) Handle(ctx context.Context, in qunsu.Inbound) error {
	h.entered <- in.ID
	<-h.release
	h.mu.Lock()
	defer h.mu.Unlock()
	h.handled = append(h.handled, in.ID)
	return nil
}

func (h *gateHandler) handledIDs() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.handled...)
}

// handOffRig runs an intake on a real store with `workers` hand-off workers,
// and as many readers if readers is set.
type handOffRig struct {
	t      *testing.T
	rdb    redis.UniversalClient
	tenant string
	intake *bot.Intake
	gate   *gateHandler
	stop   chan struct{}
	done   chan struct{}
}

func startHandOff(t *testing.T, workers int, readers bool) *handOffRig {
	rdb, tenant := redistest.Client(t), redistest.Tenant(t)
	r := &handOffRig{t: t, rdb: rdb, tenant: tenant, gate: newGate(), stop: make(chan struct{}), done: make(chan struct{})}
	st := store.New(rdb)
	// Entries are given once the inbox's group exists; a reader's first read
	// makes it, as this one does.
	if _, err := st.ReceiveInbound(context.Background(), tenant, "setup", 1, time.Minute, 0); err != nil {
		t.Fatal(err)
	}
	var tenants []string
	if readers {
		tenants = []string{tenant}
	}
	r.intake = &bot.Intake{Inbox: st, Handler: r.gate, Tenants: tenants, Consumer: "test", Workers: workers,
		Idle: time.Minute, Poll: 50 * time.Millisecond, Stop: r.stop}
	go func() { r.intake.Run(context.Background()); close(r.done) }()
	waitFor(t, "the hand-off open", func() bool { return bot.HandOffOpen(r.intake) })
	t.Cleanup(func() {
		select {
		case <-r.stop:
		default:
			close(r.stop)
		}
		select {
		case <-r.gate.release:
		default:
			close(r.gate.release)
		}
		<-r.done
	})
	return r
}

func (r *handOffRig) inbox() string { return "{t:" + r.tenant + "}:inbox" }

// accept puts a message in the inbox the way an adapter does: through the intake.
func (r *handOffRig) accept(id string) {
	r.t.Helper()
	in := qunsu.Inbound{Tenant: r.tenant, Platform: "slack", ID: id, Text: "帮助", At: time.Now()}
	if ok, err := r.intake.Accept(context.Background(), in); err != nil || !ok {
		r.t.Fatalf("accept %s: %v %v", id, ok, err)
	}
}

// holder is the consumer an inbox entry is pending with ("" if none).
func (r *handOffRig) holder(id string) string {
	r.t.Helper()
	pending, err := r.rdb.XPendingExt(context.Background(), &redis.XPendingExtArgs{Stream: r.inbox(), Group: "engine",
		Start: "-", End: "+", Count: 100}).Result()
	if err != nil {
		r.t.Fatal(err)
	}
	entries, err := r.rdb.XRange(context.Background(), r.inbox(), "-", "+").Result()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, e := range entries {
		var in qunsu.Inbound
		if raw, _ := e.Values["m"].(string); json.Unmarshal([]byte(raw), &in) != nil || in.ID != id {
			continue
		}
		for _, p := range pending {
			if p.ID == e.ID {
				return p.Consumer
			}
		}
	}
	return ""
}

func (r *handOffRig) entered(want string) {
	r.t.Helper()
	select {
	case id := <-r.gate.entered:
		if id != want {
			r.t.Fatalf("started on %s, want %s", id, want)
		}
	case <-time.After(5 * time.Second):
		r.t.Fatalf("%s was not acted on", want)
	}
}

// What an adapter accepts through the intake is given to this process in the
// same step and acted on at once, without a read; while the hand-off worker
// is busy, the next goes to the readers. Both are acted on once and leave the
// inbox.
func TestIntakeActsAtOnceOnWhatItAccepts(t *testing.T) {
	r := startHandOff(t, 1, true)
	r.accept("first")
	r.entered("first")
	if got := r.holder("first"); got != "test-handoff" {
		t.Fatalf("first is pending with %q, want the hand-off", got)
	}
	r.accept("second") // the hand-off worker holds the first
	r.entered("second")
	if got := r.holder("second"); got != "test-0" {
		t.Fatalf("second is pending with %q, want the reader", got)
	}
	close(r.gate.release)
	waitFor(t, "both acted on and done", func() bool {
		n, err := r.rdb.XLen(context.Background(), r.inbox()).Result()
		return err == nil && n == 0 && len(r.gate.handledIDs()) == 2
	})
}

// Once stopping, the intake finishes what it was given and gives itself
// nothing more, though a hand-off worker is free: what is accepted meanwhile
// waits in the inbox, new to any reader, for the next process.
func TestIntakeTakesNothingMoreWhenStopping(t *testing.T) {
	r := startHandOff(t, 2, false)
	r.accept("first")
	r.entered("first")
	close(r.stop)
	waitFor(t, "the hand-off closed", func() bool { return !bot.HandOffOpen(r.intake) })
	r.accept("second")
	if got := r.holder("second"); got != "" {
		t.Fatalf("second is pending with %q, want it new", got)
	}
	close(r.gate.release)
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the intake did not stop")
	}
	if got := r.gate.handledIDs(); len(got) != 1 || got[0] != "first" {
		t.Fatalf("handled %v, want the first only", got)
	}
	next, err := store.New(r.rdb).ReceiveInbound(context.Background(), r.tenant, "next", 10, time.Minute, 0)
	if err != nil || len(next) != 1 || next[0].Inbound.ID != "second" || !next[0].Inbound.Fresh {
		t.Fatalf("the next process read %+v, %v; want second, fresh", next, err)
	}
}
