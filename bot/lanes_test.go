package bot_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"qunsu"
	"qunsu/bot"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// A burst of messages to thousands of chats (a minute of reminders, one per
// complaint) costs memory by what is queued, not by a fixed buffer per chat:
// 2,000 chats waiting on their first post hold well under 20 MB.
func TestManyChatsCostWhatTheyHold(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	const chats = 2000
	p := newPlatform()
	p.hang = func(qunsu.Message) bool { return true } // every chat's first post hangs: its lane stays
	var msgs []qunsu.Message
	for i := range chats {
		msgs = append(msgs, msg(fmt.Sprintf("chat-%d", i), fmt.Sprintf("k%d", i)))
	}
	enqueue(t, s, tenant, msgs...)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	ctx, cancel := context.WithCancel(context.Background())
	snd := &bot.Sender{Platform: "fake", Outbox: s, Transport: p, Tenants: []string{tenant}, Consumer: "c1",
		Poll: 50 * time.Millisecond, Posting: chats}
	done := make(chan struct{})
	go func() { snd.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "every chat's first post to be attempted", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.attempts) == chats
	})
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 20<<20 {
		t.Errorf("the heap grew by %d MB for %d waiting chats", grown>>20, chats)
	}
}

// counting is a platform that notes how many posts are under way at once.
type counting struct {
	mu        sync.Mutex
	now, most int
	posted    int
}

func (c *counting) Route(ctx context.Context, m qunsu.Message) (bot.Route, bool, error) {
	return bot.Route{Chat: m.Chat.ID}, true, nil
}

func (c *counting) Deliver(ctx context.Context, r bot.Route, m qunsu.Message, since time.Time) error {
	c.mu.Lock()
	c.now++
	c.most = max(c.most, c.now)
	c.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	c.mu.Lock()
	c.now--
	c.posted++
	c.mu.Unlock()
	return nil
}

// However many chats have something to post, at most Posting posts are under
// way at once, and all of them get posted.
func TestPostsUnderWayAreBounded(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	var msgs []qunsu.Message
	for i := range 200 {
		msgs = append(msgs, msg(fmt.Sprintf("chat-%d", i), fmt.Sprintf("k%d", i)))
	}
	enqueue(t, s, tenant, msgs...)
	c := &counting{}
	ctx, cancel := context.WithCancel(context.Background())
	snd := &bot.Sender{Platform: "fake", Outbox: s, Transport: c, Tenants: []string{tenant}, Consumer: "c1",
		Poll: 50 * time.Millisecond, Posting: 4}
	done := make(chan struct{})
	go func() { snd.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "every message posted", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.posted == 200
	})
	if c.most > 4 || c.most < 2 {
		t.Errorf("%d posts were under way at once; want at most 4 (and more than one)", c.most)
	}
}

// paced is a platform whose one chat takes a post an hour.
type paced struct{ counting }

func (p *paced) Route(ctx context.Context, m qunsu.Message) (bot.Route, bool, error) {
	return bot.Route{Chat: m.Chat.ID, Every: time.Hour}, true, nil
}

// A chat handed far more than its pace lets it post (one boss told of every
// overdue task) holds up no other chat, and keeps the backlog in Redis rather
// than in memory.
func TestSlowChatHoldsUpNoOther(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	if err := s.Subscribe(context.Background(), tenant, "fake"); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("长", 4000) // 12 KB
	var msgs []qunsu.Message
	for i := range 1000 {
		m := msg("busy", fmt.Sprintf("k%d", i))
		m.Text = big
		msgs = append(msgs, m)
	}
	enqueue(t, s, tenant, msgs...)
	enqueue(t, s, tenant, qunsu.Message{Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "fake", ID: "other"}, Text: "x", Key: "other"})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	p := &paced{}
	ctx, cancel := context.WithCancel(context.Background())
	snd := &bot.Sender{Platform: "fake", Outbox: s, Transport: p, Tenants: []string{tenant}, Consumer: "c1", Poll: 20 * time.Millisecond}
	done := make(chan struct{})
	go func() { snd.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the other chat's post, behind a thousand to a slow chat", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.posted == 2 // the slow chat's first, and the other's
	})
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 4<<20 {
		t.Errorf("the heap grew by %d MB holding a slow chat's 12 MB backlog", grown>>20)
	}
}

// A chat's backlog kept by id is posted in order all the same.
func TestLongBacklogPostedInOrder(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	var msgs []qunsu.Message
	for i := range 100 {
		msgs = append(msgs, msg("c1", fmt.Sprintf("k%03d", i)))
	}
	enqueue(t, s, tenant, msgs...)
	p := newPlatform()
	stop := start(t, s, tenant, "c1", fastPaced{p})
	defer stop()
	waitFor(t, "every message posted", func() bool { return p.count("k099") == 1 })
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, key := range p.chats["c1"] {
		if want := fmt.Sprintf("k%03d", i); key != want {
			t.Fatalf("post %d was %s, want %s (order: %v)", i, key, want, p.chats["c1"])
		}
	}
}

// fastPaced is the fake platform paced at a post every 2 ms: the outbox is
// read far faster, so a backlog longer than a lane keeps whole forms, and
// drains within a second.
type fastPaced struct{ *platform }

func (f fastPaced) Route(ctx context.Context, m qunsu.Message) (bot.Route, bool, error) {
	return bot.Route{Chat: m.Chat.ID, Every: 2 * time.Millisecond}, true, nil
}

// slowRouting is a platform whose Route takes a while (a round trip to its
// store) and notes how many routes run at once, per chat and in all.
type slowRouting struct {
	counting
	rmu     sync.Mutex
	routing map[string]int // chat -> routes under way
	overlap bool           // two routes of one chat ran at once
	most    int
	total   int
	order   map[string][]string // chat -> keys in the order routed
}

func (p *slowRouting) Route(ctx context.Context, m qunsu.Message) (bot.Route, bool, error) {
	chat := m.Chat.ID
	p.rmu.Lock()
	p.routing[chat]++
	p.total++
	p.overlap = p.overlap || p.routing[chat] > 1
	p.most = max(p.most, p.total)
	p.order[chat] = append(p.order[chat], m.Key)
	p.rmu.Unlock()
	time.Sleep(20 * time.Millisecond)
	p.rmu.Lock()
	p.routing[chat]--
	p.total--
	p.rmu.Unlock()
	return bot.Route{Chat: chat}, true, nil
}

// Finding where messages go is done for many chats at once: a batch of
// messages to different chats is not routed one after the other. Messages to
// one chat are routed one at a time, in the order written.
func TestRoutingRunsChatsAtOnceAndEachChatInOrder(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	p := &slowRouting{routing: map[string]int{}, order: map[string][]string{}}
	var msgs []qunsu.Message
	for i := range 40 {
		msgs = append(msgs, msg(fmt.Sprintf("chat-%d", i%10), fmt.Sprintf("k%02d", i)))
	}
	enqueue(t, s, tenant, msgs...)
	stop := start(t, s, tenant, "c1", p)
	defer stop()
	waitFor(t, "every message posted", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.posted == len(msgs)
	})
	p.rmu.Lock()
	defer p.rmu.Unlock()
	if p.most < 2 {
		t.Errorf("routes ran one at a time (at most %d at once)", p.most)
	}
	if p.overlap {
		t.Error("two messages of one chat were routed at once")
	}
	for chat, keys := range p.order {
		if !slices.IsSorted(keys) {
			t.Errorf("%s routed out of order: %v", chat, keys)
		}
	}
}

// Thousands of chats, each with a message waiting its turn (a reminder posted,
// the card's edit a second later, across every complaint after downtime): the
// waiting messages are kept whole only up to a bound shared by all chats, the
// rest as ids, so memory does not grow with their size.
func TestWaitingMessagesAreKeptWholeUpToABound(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	const chats = 3000
	big := strings.Repeat("长", 4000) // 12 KB
	var msgs []qunsu.Message
	for i := range chats {
		chat := fmt.Sprintf("chat-%d", i)
		waiting := msg(chat, fmt.Sprintf("w%d", i))
		waiting.Text = big
		msgs = append(msgs, msg(chat, fmt.Sprintf("k%d", i)), waiting)
	}
	for start := 0; start < len(msgs); start += 500 {
		enqueue(t, s, tenant, msgs[start:start+500]...)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	p := &paced{} // each chat's second post waits an hour
	ctx, cancel := context.WithCancel(context.Background())
	snd := &bot.Sender{Platform: "fake", Outbox: s, Transport: p, Tenants: []string{tenant}, Consumer: "c1",
		Poll: 50 * time.Millisecond, Posting: 64}
	done := make(chan struct{})
	go func() { snd.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "every chat's first post", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.posted == chats
	})
	time.Sleep(200 * time.Millisecond) // the last batch's waiting messages reach their lanes
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// Kept whole, the waiting messages alone would be 36 MB.
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 24<<20 {
		t.Errorf("the heap grew by %d MB for %d chats with a 12 KB message waiting each", grown>>20, chats)
	}
}

// slowChat is a platform whose chats take a post every 400 ms.
type slowChat struct{ *platform }

func (p slowChat) Route(ctx context.Context, m qunsu.Message) (bot.Route, bool, error) {
	return bot.Route{Chat: m.Chat.ID, Every: 400 * time.Millisecond}, true, nil
}

// A lane with nothing to do ends soon, so that thousands of chats touched once
// do not keep a goroutine each, but never before its chat's turn: a message
// that comes meanwhile still waits for the chat's pace.
func TestIdleLaneKeepsItsChatsPace(t *testing.T) {
	s, tenant := store.New(redistest.Client(t)), redistest.Tenant(t)
	p := slowChat{newPlatform()}
	ctx, cancel := context.WithCancel(context.Background())
	snd := &bot.Sender{Platform: "fake", Outbox: s, Transport: p, Tenants: []string{tenant}, Consumer: "c1",
		Poll: 10 * time.Millisecond, LaneIdle: 20 * time.Millisecond}
	done := make(chan struct{})
	go func() { snd.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	enqueue(t, s, tenant, msg("chat", "first"))
	waitFor(t, "the first post", func() bool { return p.count("first") == 1 })
	time.Sleep(150 * time.Millisecond) // idle far longer than LaneIdle
	enqueue(t, s, tenant, msg("chat", "second"))
	waitFor(t, "the second post", func() bool { return p.count("second") == 1 })
	p.mu.Lock()
	defer p.mu.Unlock()
	if gap := p.at["chat"][1].Sub(p.at["chat"][0]); gap < 400*time.Millisecond {
		t.Errorf("the second post came %v after the first; the chat takes one every 400ms", gap)
	}
}
