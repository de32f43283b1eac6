package bot_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"qunsu"
	"qunsu/bot"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// holdHandler holds the handling of every message until released, and notes
// whether its context was cut off.
type holdHandler struct {
	entered, release chan struct{}
	once             sync.Once
	mu               sync.Mutex
	handled          []string
	cutOff           bool
}

func (h *holdHandler) Handle(ctx context.Context, in qunsu.Inbound) error {
	h.once.Do(func() { close(h.entered) })
	<-h.release
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cutOff = h.cutOff || ctx.Err() != nil
	h.handled = append(h.handled, in.ID)
	return ctx.Err()
}

// Stopped with a message in hand, the intake finishes it (its context stays
// good), acknowledges it, takes no other, and returns.
func TestIntakeFinishesTheMessageInHandWhenStopped(t *testing.T) {
	rdb, tenant := redistest.Client(t), redistest.Tenant(t)
	st := store.New(rdb)
	h := &holdHandler{entered: make(chan struct{}), release: make(chan struct{})}
	stop := make(chan struct{})
	intake := &bot.Intake{Inbox: st, Handler: h, Tenants: []string{tenant}, Consumer: "test", Workers: 1,
		Idle: time.Minute, Poll: 50 * time.Millisecond, Stop: stop}
	done := make(chan struct{})
	go func() { intake.Run(context.Background()); close(done) }()

	accept := func(id string) {
		in := qunsu.Inbound{Tenant: tenant, Platform: "slack", ID: id, Text: "帮助", At: time.Now()}
		if ok, err := st.Accept(context.Background(), in); err != nil || !ok {
			t.Fatalf("accept %s: %v %v", id, ok, err)
		}
	}
	accept("first")
	<-h.entered
	accept("second") // waits behind the first: not taken once stopping
	close(stop)
	time.Sleep(100 * time.Millisecond)
	close(h.release)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the intake did not stop")
	}
	if len(h.handled) != 1 || h.handled[0] != "first" || h.cutOff {
		t.Errorf("handled %v, cut off %v; want the first only, whole", h.handled, h.cutOff)
	}
	pending, err := rdb.XPending(context.Background(), "{t:"+tenant+"}:inbox", "engine").Result()
	if err != nil {
		t.Fatal(err)
	}
	if pending.Count != 0 {
		t.Errorf("%d inbox entries left pending", pending.Count)
	}
}

// holdPlatform posts like platform, but holds the post of one message until
// released, and fails another every time.
type holdPlatform struct {
	*platform
	hold, failing    string
	entered, release chan struct{}
	cutOff           bool
}

func (p *holdPlatform) Deliver(ctx context.Context, r bot.Route, m qunsu.Message, since time.Time) error {
	switch m.Key {
	case p.failing:
		p.mu.Lock()
		p.attempts[m.Key]++
		p.mu.Unlock()
		return errors.New("connection reset")
	case p.hold:
		close(p.entered)
		<-p.release
		p.cutOff = ctx.Err() != nil
	}
	return p.platform.Deliver(ctx, r, m, since)
}

// Stopped while it posts, a sender finishes the post in hand and records it,
// posts what was written before it was stopped, and leaves a message that
// keeps failing for later rather than wait on it.
func TestSenderFinishesWhatItHoldsWhenStopped(t *testing.T) {
	rdb, tenant := redistest.Client(t), redistest.Tenant(t)
	s := store.New(rdb)
	p := &holdPlatform{platform: newPlatform(), hold: "a", failing: "x", entered: make(chan struct{}), release: make(chan struct{})}
	stop := make(chan struct{})
	snd := &bot.Sender{Platform: "fake", Outbox: s, Transport: p, Tenants: []string{tenant}, Consumer: "c1",
		Idle: time.Minute, Poll: 50 * time.Millisecond, Lease: time.Minute, Backoff: bot.Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond},
		Stop: stop}
	if err := s.Subscribe(context.Background(), tenant, "fake"); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { snd.Run(context.Background()); close(done) }()
	enqueue(t, s, tenant, msg("C1", "a"), msg("C1", "b"), msg("C2", "x"))
	<-p.entered
	waitFor(t, "the failing message tried", func() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.attempts["x"] > 0 })

	enqueue(t, s, tenant, msg("C1", "c")) // as the intake answers its last command
	close(stop)
	time.Sleep(100 * time.Millisecond)
	close(p.release)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the sender did not stop")
	}
	if p.cutOff {
		t.Error("the post in hand was cut off")
	}
	for _, key := range []string{"a", "b", "c"} {
		if n := p.count(key); n != 1 {
			t.Errorf("%s posted %d times, want 1", key, n)
		}
		if state, _, _ := s.BeginSend(context.Background(), tenant, "fake", key, "c2", time.Minute); state != qunsu.SendDone {
			t.Errorf("%s not recorded as posted: %v", key, state)
		}
	}
	if got := p.chats["C1"]; len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Errorf("C1 got %v, want a b c", got)
	}
	pending, err := rdb.XPending(context.Background(), "{t:"+tenant+"}:outbox", "fake").Result()
	if err != nil {
		t.Fatal(err)
	}
	if pending.Count != 1 {
		t.Errorf("%d entries pending, want the failing one only", pending.Count)
	}
}

// countingMeter notes what the sender reports.
type countingMeter struct {
	qunsu.NopMeter
	mu      sync.Mutex
	results map[string]int
	codes   map[string]int
	retries int
	beats   int
}

func (m *countingMeter) SendResult(_, result string) { m.mu.Lock(); m.results[result]++; m.mu.Unlock() }
func (m *countingMeter) PlatformError(_, code string) {
	m.mu.Lock()
	m.codes[code]++
	m.mu.Unlock()
}
func (m *countingMeter) SendRetried(string)  { m.mu.Lock(); m.retries++; m.mu.Unlock() }
func (m *countingMeter) Beat(string, string) { m.mu.Lock(); m.beats++; m.mu.Unlock() }

// codedPlatform names its errors.
type codedPlatform struct{ *platform }

func (codedPlatform) ErrorCode(err error) string {
	if errors.Is(err, errBusy) {
		return "busy"
	}
	return ""
}

var errBusy = errors.New("busy")

// The sender reports what became of each message, its retries, and the
// platform's error codes, and beats as it reads.
func TestSenderReportsToTheMeter(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	p := newPlatform()
	p.before = func(m qunsu.Message, attempt int) error {
		if m.Key == "retried" && attempt == 1 {
			return errBusy
		}
		return nil
	}
	meter := &countingMeter{results: map[string]int{}, codes: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	snd := &bot.Sender{Platform: "fake", Outbox: s, Transport: codedPlatform{p}, Tenants: []string{tenant}, Consumer: "c",
		Idle: time.Minute, Poll: 50 * time.Millisecond, Backoff: bot.Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond},
		Meter: meter}
	done := make(chan struct{})
	go func() { snd.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	elsewhere := msg("C1", "elsewhere")
	elsewhere.Chat.Platform = "elsewhere"
	enqueue(t, s, tenant, msg("C1", "plain"), msg("C1", "retried"), msg("gone", "refused"), elsewhere)
	waitFor(t, "every message settled", func() bool {
		meter.mu.Lock()
		defer meter.mu.Unlock()
		return meter.results["posted"] == 2 && meter.results["buried"] == 1 && meter.results["skipped"] == 1
	})
	meter.mu.Lock()
	defer meter.mu.Unlock()
	if meter.retries != 1 || meter.codes["busy"] != 1 || len(meter.codes) != 1 || meter.beats == 0 {
		t.Errorf("retries %d, codes %v, beats %d", meter.retries, meter.codes, meter.beats)
	}
}
