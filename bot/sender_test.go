package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"qunsu"
	"qunsu/bot"
	"qunsu/internal/redistest"
	"qunsu/store"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// platform is a fake chat platform: it records what was posted where, and
// fails on demand.
type platform struct {
	mu       sync.Mutex
	posted   map[string]int         // key -> times posted
	chats    map[string][]string    // chat -> keys in order
	at       map[string][]time.Time // chat -> post times
	lookups  int                    // times a resumed delivery looked before posting
	attempts map[string]int
	// before, if set, may refuse an attempt before anything is posted.
	before func(m qunsu.Message, attempt int) error
	// after, if set, may lose the answer of an attempt that was posted.
	after func(m qunsu.Message, attempt int) error
	// hang, if set, blocks an attempt after posting until ctx ends (a process dying mid-send).
	hang func(m qunsu.Message) bool
	// lookup, if set, may fail the look before a resumed attempt.
	lookup func(m qunsu.Message, attempt int) error
}

func newPlatform() *platform {
	return &platform{posted: map[string]int{}, chats: map[string][]string{}, at: map[string][]time.Time{}, attempts: map[string]int{}}
}

func (p *platform) Route(ctx context.Context, m qunsu.Message) (bot.Route, bool, error) {
	if m.Chat.Platform == "elsewhere" {
		return bot.Route{}, false, nil
	}
	if m.Chat.ID == "gone" {
		return bot.Route{}, false, bot.Permanent(errors.New("channel_not_found"))
	}
	return bot.Route{Chat: m.Chat.ID, Every: 20 * time.Millisecond}, true, nil
}

func (p *platform) Deliver(ctx context.Context, r bot.Route, m qunsu.Message, since time.Time) error {
	p.mu.Lock()
	p.attempts[m.Key]++
	n := p.attempts[m.Key]
	if !since.IsZero() {
		p.lookups++
		if p.lookup != nil {
			if err := p.lookup(m, n); err != nil {
				p.mu.Unlock()
				return err
			}
		}
		if p.posted[m.Key] > 0 {
			p.mu.Unlock()
			return nil // found it on the platform: posted already
		}
	}
	if p.before != nil {
		if err := p.before(m, n); err != nil {
			p.mu.Unlock()
			return err
		}
	}
	p.posted[m.Key]++
	p.chats[r.Chat] = append(p.chats[r.Chat], m.Key)
	p.at[r.Chat] = append(p.at[r.Chat], time.Now())
	hang := p.hang != nil && p.hang(m)
	p.mu.Unlock()
	if hang {
		<-ctx.Done()
		return ctx.Err()
	}
	if p.after != nil {
		return p.after(m, n)
	}
	return nil
}

func (p *platform) count(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.posted[key]
}

func enqueue(t *testing.T, s *store.Store, tenant string, msgs ...qunsu.Message) {
	t.Helper()
	if err := s.Commit(context.Background(), qunsu.Change{Tenant: tenant, Messages: msgs}); err != nil {
		t.Fatal(err)
	}
}

func msg(chat, key string) qunsu.Message {
	return qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "fake", ID: chat}, Text: key, Key: key}
}

func start(t *testing.T, s *store.Store, tenant, consumer string, p bot.Transport) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	snd := &bot.Sender{Platform: "fake", Outbox: s, Transport: p, Tenants: []string{tenant}, Consumer: consumer,
		Idle: 100 * time.Millisecond, Poll: 50 * time.Millisecond, Lease: 150 * time.Millisecond, Backoff: bot.Backoff{Initial: 5 * time.Millisecond, Max: 40 * time.Millisecond}}
	done := make(chan struct{})
	go func() { snd.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Lost answers, transient errors and rate limits: every message arrives once,
// in order per chat, spaced as the chat demands.
func TestSenderDeliversEachMessageOnceInOrder(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	p := newPlatform()
	p.before = func(m qunsu.Message, n int) error {
		switch {
		case m.Key == "a3" && n == 1:
			return &bot.RetryAfter{Wait: 60 * time.Millisecond, Err: errors.New("ratelimited")}
		case m.Key == "b2" && n <= 2:
			return errors.New("503 service unavailable")
		}
		return nil
	}
	p.after = func(m qunsu.Message, n int) error {
		if m.Key == "a2" && n == 1 {
			return errors.New("connection reset") // posted, but the answer was lost
		}
		return nil
	}
	var msgs []qunsu.Message
	for i := 1; i <= 5; i++ {
		msgs = append(msgs, msg("A", fmt.Sprintf("a%d", i)), msg("B", fmt.Sprintf("b%d", i)))
	}
	msgs = append(msgs, qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "elsewhere", ID: "X"}, Key: "x1"})
	enqueue(t, s, tenant, msgs...)
	stop := start(t, s, tenant, "one", p)
	defer stop()
	waitFor(t, "all posted", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.chats["A"]) == 5 && len(p.chats["B"]) == 5
	})
	time.Sleep(50 * time.Millisecond)
	for _, m := range msgs[:10] {
		if n := p.count(m.Key); n != 1 {
			t.Errorf("%s posted %d times", m.Key, n)
		}
	}
	if p.count("x1") != 0 {
		t.Error("another platform's message was posted")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for chat, keys := range p.chats {
		for i, k := range keys {
			if want := fmt.Sprintf("%s%d", string(chat[0]+32), i+1); k != want {
				t.Errorf("chat %s: post %d is %s, want %s", chat, i, k, want)
			}
		}
		for i := 1; i < len(p.at[chat]); i++ {
			if gap := p.at[chat][i].Sub(p.at[chat][i-1]); gap < 20*time.Millisecond {
				t.Errorf("chat %s: posts %d and %d %v apart, want ≥20ms", chat, i-1, i, gap)
			}
		}
	}
	if p.lookups == 0 {
		t.Error("a lost answer was retried without looking first")
	}
}

// A chat that is rate limited holds up only itself.
func TestSenderRateLimitHoldsOnlyItsChat(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	p := newPlatform()
	p.before = func(m qunsu.Message, n int) error {
		if m.Chat.ID == "slow" && n == 1 {
			return &bot.RetryAfter{Wait: 400 * time.Millisecond}
		}
		return nil
	}
	enqueue(t, s, tenant, msg("slow", "s1"), msg("fast", "f1"), msg("fast", "f2"))
	began := time.Now()
	stop := start(t, s, tenant, "one", p)
	defer stop()
	waitFor(t, "slow posted", func() bool { return p.count("s1") == 1 })
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.at["fast"]) != 2 || p.at["fast"][1].After(p.at["slow"][0]) {
		t.Errorf("the fast chat waited for the slow one: fast %v, slow %v", p.at["fast"], p.at["slow"])
	}
	if wait := p.at["slow"][0].Sub(began); wait < 400*time.Millisecond {
		t.Errorf("Retry-After not honoured: posted after %v", wait)
	}
}

// A process dies after the platform took a message but before it recorded
// that: another process resumes, looks first, and posts nothing twice.
func TestSenderResumesAfterCrashWithoutDoubles(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	first := newPlatform()
	first.hang = func(m qunsu.Message) bool { return m.Key == "k2" }
	enqueue(t, s, tenant, msg("C", "k1"), msg("C", "k2"), msg("C", "k3"))
	stop := start(t, s, tenant, "dies", first)
	waitFor(t, "k2 posted", func() bool { return first.count("k2") == 1 })
	stop() // killed mid-send

	second := newPlatform()
	second.posted["k1"], second.posted["k2"] = 1, 1 // what the platform holds already
	stop2 := start(t, s, tenant, "takes-over", second)
	defer stop2()
	waitFor(t, "k3 posted", func() bool { return second.count("k3") == 1 })
	if second.count("k2") != 1 || second.count("k1") != 1 {
		t.Errorf("posted again after the crash: k1 %d, k2 %d", second.count("k1"), second.count("k2"))
	}
	if second.lookups != 1 {
		t.Errorf("%d lookups, want 1 (for k2 only)", second.lookups)
	}
}

// A sender that finds a message claimed by a process that died mid-post
// waits for the claim to run out, then still looks before posting: the dead
// process's attempt may have reached the platform.
func TestSenderLooksAfterWaitingOutADeadClaim(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	enqueue(t, s, tenant, msg("C", "k1"))
	// The dead process claimed k1 and began its post; its lease outlives
	// the new sender's first claims.
	if state, _, err := s.BeginSend(context.Background(), tenant, "fake", "k1", "dead", 300*time.Millisecond); err != nil || state != qunsu.SendFresh {
		t.Fatalf("the dead process's claim: %v %v", state, err)
	}
	p := newPlatform()
	p.posted["k1"] = 1 // the dead process's post reached the platform
	stop := start(t, s, tenant, "takes-over", p)
	defer stop()
	waitFor(t, "k1 settled", func() bool {
		state, _, _ := s.BeginSend(context.Background(), tenant, "fake", "k1", "probe", time.Millisecond)
		return state == qunsu.SendDone
	})
	if n := p.count("k1"); n != 1 || p.lookups != 1 {
		t.Errorf("k1 posted %d times after %d lookups; want once, found by one lookup", n, p.lookups)
	}
}

// A message the platform refuses for good is set aside with the reason, and
// does not hold up the chat.
func TestSenderSetsAsideRefusedMessages(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	p := newPlatform()
	p.before = func(m qunsu.Message, n int) error {
		if m.Key == "bad" {
			return bot.Permanent(errors.New("invalid_blocks"))
		}
		return nil
	}
	enqueue(t, s, tenant, msg("C", "bad"), msg("gone", "lost"), msg("C", "good"))
	stop := start(t, s, tenant, "one", p)
	defer stop()
	waitFor(t, "good posted", func() bool { return p.count("good") == 1 })
	waitFor(t, "two set aside", func() bool {
		dead, _ := s.Buried(context.Background(), tenant, "fake")
		return len(dead) == 2
	})
	dead, _ := s.Buried(context.Background(), tenant, "fake")
	if dead[0] != "lost: channel_not_found" && dead[1] != "lost: channel_not_found" {
		t.Errorf("dead letters %v", dead)
	}
}

// Two senders on one outbox: every message is posted once.
func TestTwoSendersPostEachMessageOnce(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	p := newPlatform()
	var msgs []qunsu.Message
	for i := 0; i < 60; i++ {
		msgs = append(msgs, msg(fmt.Sprintf("c%d", i%6), fmt.Sprintf("m%d", i)))
	}
	enqueue(t, s, tenant, msgs...)
	stop1 := start(t, s, tenant, "one", p)
	stop2 := start(t, s, tenant, "two", p)
	defer stop1()
	defer stop2()
	waitFor(t, "all posted", func() bool {
		for _, m := range msgs {
			if p.count(m.Key) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(300 * time.Millisecond) // past Idle: a reclaim would double now
	for _, m := range msgs {
		if n := p.count(m.Key); n != 1 {
			t.Errorf("%s posted %d times", m.Key, n)
		}
	}
}

// An attempt whose answer was lost may have posted; a rate limit on the look
// that follows says nothing about it, so the next attempt looks again rather
// than posting a second time.
func TestSenderStaysUncertainThroughRateLimits(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	p := newPlatform()
	p.after = func(m qunsu.Message, n int) error {
		if n == 1 {
			return errors.New("EOF") // posted; the answer was lost
		}
		return nil
	}
	p.lookup = func(m qunsu.Message, n int) error {
		if n == 2 {
			return &bot.RetryAfter{Wait: 30 * time.Millisecond, Err: errors.New("ratelimited")}
		}
		return nil
	}
	enqueue(t, s, tenant, msg("C", "once"))
	stop := start(t, s, tenant, "one", p)
	defer stop()
	waitFor(t, "three attempts", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.attempts["once"] >= 3
	})
	time.Sleep(100 * time.Millisecond)
	if n := p.count("once"); n != 1 {
		t.Errorf("posted %d times", n)
	}
	if p.lookups < 2 {
		t.Errorf("%d lookups, want the look to be tried again", p.lookups)
	}
}

// What was posted leaves the outbox once it is older than Keep.
func TestSenderTrimsWhatWasPosted(t *testing.T) {
	rdb, tenant := redistest.Client(t), redistest.Tenant(t)
	s := store.New(rdb)
	if err := s.Subscribe(context.Background(), tenant, "fake"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		enqueue(t, s, tenant, msg("c1", fmt.Sprintf("k%d", i)))
	}
	p := newPlatform()
	ctx, cancel := context.WithCancel(context.Background())
	snd := &bot.Sender{Platform: "fake", Outbox: s, Transport: p, Tenants: []string{tenant}, Consumer: "c1",
		Poll: 20 * time.Millisecond, Keep: time.Millisecond}
	done := make(chan struct{})
	go func() { snd.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "every message posted", func() bool { return p.count("k4") == 1 })
	waitFor(t, "the outbox trimmed to the last entry read", func() bool {
		n, _ := rdb.XLen(context.Background(), "{t:"+tenant+"}:outbox").Result()
		return n == 1
	})
}
