package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"qunsu"
	"qunsu/internal/keyed"
)

// Route is where a message goes on a platform.
type Route struct {
	// Chat is the platform's chat id. Messages to one chat are posted in the
	// order they were written, one at a time.
	Chat string
	// Every is the least time between two posts to Chat (Slack: a second).
	Every time.Duration
}

// Transport posts messages on one platform.
type Transport interface {
	// Route says where m goes, creating the chat or inviting people first when
	// m asks for it. ok is false for a message that is not the platform's (an
	// answer to a command typed on another platform).
	Route(ctx context.Context, m qunsu.Message) (r Route, ok bool, err error)
	// Deliver posts m. since is zero for a first attempt; otherwise an attempt
	// that began at since may have reached the platform (the process died, or
	// the answer was lost), and Deliver must look before it posts again.
	// Errors: *RetryAfter when the platform asks to wait, Permanent when
	// retrying cannot help, anything else is retried with backoff.
	Deliver(ctx context.Context, r Route, m qunsu.Message, since time.Time) error
}

// Sender delivers a tenant's outbox to one platform. Each message is claimed
// before it is posted and marked when the platform took it, so however many
// senders run and wherever one dies, a message is posted once; one left
// half-done is resumed, by this or another process, after Idle.
type Sender struct {
	Platform  string // the outbox consumer group and the namespace of its marks
	Outbox    qunsu.Outbox
	Transport Transport
	Tenants   []string
	Consumer  string
	Idle      time.Duration // default 30s
	Poll      time.Duration // longest wait for new messages before looking for abandoned ones; default 2s
	Lease     time.Duration // how long a claim on a message lasts unless extended; default 2m
	Backoff   Backoff
	// Posting is how many posts may be under way at once (default 16): a
	// burst to thousands of chats must leave Redis connections to the poller
	// and the intake.
	Posting int
	// Keep is how long the outbox keeps what every platform has finished
	// with, for inspection (default 1h); older entries are trimmed now and
	// then, so that the outbox does not grow for ever.
	Keep time.Duration
	// LaneIdle is how long a chat's lane with nothing to do lives on (default
	// 5s), and never before the chat's turn has come, so that a new lane does
	// not post too soon. Short: after downtime ten thousand chats get a post or
	// two each, and every lane that lingers keeps its goroutine's stack.
	LaneIdle time.Duration
	// Gather is how long the sender waits, after a read that found fewer
	// messages than it could take, before it reads again (default 5ms): under
	// a steady stream each read then takes several, not one each, at a few
	// milliseconds' delay to a post.
	Gather time.Duration
	Log    *slog.Logger
	Meter  qunsu.Meter // optional
	// Stop, when closed, ends Run gracefully: the outbox is read once more
	// (what was written while the rest of the process stopped), the messages
	// handed to chats' lanes are posted while their turn comes soon (within
	// stopPatience), a post in hand is finished rather than cut off, and no
	// failed attempt is made again; ctx stays good for the I/O (cancel it to
	// give up at once). What is left is resumed after Idle, by this process's
	// successor or another. Without Stop, Run ends when ctx does, leaving a
	// message being posted then to be resumed.
	Stop <-chan struct{}

	slots    chan struct{} // one per post under way
	mu       sync.Mutex
	inflight map[string]bool  // outbox entries handed to a lane
	lanes    map[string]*lane // per tenant and chat
	whole    int              // jobs queued whole in all lanes (see sendersWhole)
	quit     <-chan struct{}  // Stop or ctx's end
	stopOnce sync.Once
	stopBy   time.Time // a stopping sender waits for no chat's turn past this
}

// ErrorCoder is a Transport that names its platform's error codes, for
// monitoring.
type ErrorCoder interface {
	// ErrorCode returns the platform's code for err ("ratelimited", "45009"),
	// or "" for an error that is not the platform's (a network failure).
	ErrorCode(err error) string
}

type job struct {
	tenant string
	env    qunsu.Envelope
	route  Route
	idOnly bool // env holds only the entry's id: the message is read again
}

// lane posts the messages of one chat in order. Its queue grows with what it
// is handed, not ahead of it: a busy hour touches thousands of chats once each.
type lane struct {
	tenant  string
	route   Route
	queue   []job         // handed and not taken yet, whole (guarded by Sender.mu)
	later   []string      // handed after those, by entry id only (guarded by Sender.mu)
	wake    chan struct{} // a job was queued
	pending int           // jobs handed to it and not finished (guarded by Sender.mu): it retires at 0 only
	next    time.Time     // the chat's next post may not come before
}

// laneWhole is how many queued messages a lane keeps whole. Beyond, it keeps
// their ids only and reads each again from the outbox when its turn comes: a
// chat paced at a post a second that is handed thousands (one boss told of
// every overdue task) neither holds up the other chats nor fills memory.
const laneWhole = 32

// sendersWhole is how many queued messages all lanes of a sender keep whole
// together: after downtime thousands of chats each get a reminder and a card
// at once, and kept whole they alone would take most of the memory a process
// has. The rest wait as ids, read again when their turn comes.
const sendersWhole = 1024

// readMax is how many outbox entries a sender reads at once.
const readMax = 50

// postingDefault is how many posts a sender has under way at once, unless
// told (see Sender.Posting).
const postingDefault = 16

// idleLane is how long a lane with nothing to do lives on by default (see
// Sender.LaneIdle).
const idleLane = 5 * time.Second

// stopPatience is how long a stopping sender waits for chats' turns (their
// pace, a rate limit) to post what its lanes hold.
const stopPatience = 2 * time.Second

// errStopping is why a stopping sender leaves a message.
var errStopping = errors.New("sender stopping")

// Run delivers until Stop is closed or ctx ends (see Stop). Call
// Outbox.Subscribe for the platform before anything is written that it must
// post.
func (s *Sender) Run(ctx context.Context) error {
	if s.Idle <= 0 {
		s.Idle = 30 * time.Second
	}
	if s.Lease <= 0 {
		s.Lease = 2 * time.Minute
	}
	if s.Poll <= 0 {
		s.Poll = 2 * time.Second
	}
	if s.Keep <= 0 {
		s.Keep = time.Hour
	}
	if s.Gather <= 0 {
		s.Gather = 5 * time.Millisecond
	}
	if s.Posting <= 0 {
		s.Posting = postingDefault
	}
	if s.LaneIdle <= 0 {
		s.LaneIdle = idleLane
	}
	s.slots = make(chan struct{}, s.Posting)
	if s.Log == nil {
		s.Log = slog.Default()
	}
	s.Meter = qunsu.MeterOrNop(s.Meter)
	s.inflight, s.lanes, s.whole = map[string]bool{}, map[string]*lane{}, 0
	s.quit = quitting(ctx, s.Stop)
	var wg sync.WaitGroup
	for _, tenant := range s.Tenants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.dispatch(ctx, tenant, &wg)
		}()
	}
	<-s.quit
	wg.Wait()
	return nil
}

// runner names the sender in heartbeats.
func (s *Sender) runner() string { return "sender:" + s.Platform }

// drainBy returns the time after which a stopping sender leaves what its lanes hold.
func (s *Sender) drainBy() time.Time {
	s.stopOnce.Do(func() { s.stopBy = time.Now().Add(stopPatience) })
	return s.stopBy
}

// platformError counts an error the platform answered.
func (s *Sender) platformError(err error) {
	if c, ok := s.Transport.(ErrorCoder); ok {
		if code := c.ErrorCode(err); code != "" {
			s.Meter.PlatformError(s.Platform, code)
		}
	}
}

// dispatch reads the outbox and hands each message to its chat's lane. Once
// stopping, it reads once more without waiting: what was written while the
// rest of the process stopped (the answer to a command in hand) goes too.
func (s *Sender) dispatch(ctx context.Context, tenant string, wg *sync.WaitGroup) {
	failures := 0
	var trimmed time.Time
	for ctx.Err() == nil {
		last := closed(s.quit)
		s.Meter.Beat(s.runner(), tenant)
		if time.Since(trimmed) >= min(s.Keep, time.Minute) {
			trimmed = time.Now()
			if _, err := s.Outbox.Trim(ctx, tenant, trimmed.Add(-s.Keep)); err != nil && ctx.Err() == nil {
				s.Log.Warn("outbox trim failed; trying again later", "platform", s.Platform, "tenant", tenant, "err", err)
			}
		}
		block := s.Poll
		if last {
			block = 0
		}
		batch, err := s.Outbox.Receive(ctx, tenant, s.Platform, s.Consumer, readMax, s.Idle, block)
		if err != nil {
			if ctx.Err() == nil && !last {
				s.Log.Error("outbox read failed", "platform", s.Platform, "tenant", tenant, "err", err)
				sleep(s.quit, s.Backoff.Wait(failures))
				failures++
			}
			if last {
				return
			}
			continue
		}
		failures = 0
		var fresh []qunsu.Envelope
		var skipped []string // not the platform's after all: acknowledged together, in one round trip
		for _, env := range batch {
			switch {
			case env.Elsewhere: // acknowledged by Receive
				s.Meter.SendResult(s.Platform, "skipped")
			case s.taken(env.ID): // a lane of ours has it already
			default:
				fresh = append(fresh, env)
			}
		}
		for i, r := range s.routeAll(ctx, tenant, fresh) {
			env := fresh[i]
			switch {
			case r.err != nil:
				s.release(env.ID) // ctx ended, or it was buried
			case !r.ok:
				skipped = append(skipped, env.ID)
			default:
				s.enqueue(ctx, job{tenant: tenant, env: env, route: r.route}, wg)
			}
		}
		s.skip(ctx, tenant, skipped)
		if last {
			return
		}
		if n := len(batch); n > 0 && n < readMax {
			sleep(s.quit, s.Gather)
		}
	}
}

// skip acknowledges messages that are not the platform's (answers to
// commands typed on another one).
func (s *Sender) skip(ctx context.Context, tenant string, ids []string) {
	if len(ids) == 0 {
		return
	}
	if err := s.Outbox.Done(ctx, tenant, s.Platform, ids...); err != nil {
		s.Log.Error("outbox ack failed", "platform", s.Platform, "tenant", tenant, "err", err)
	}
	for _, id := range ids {
		s.release(id)
		s.Meter.SendResult(s.Platform, "skipped")
	}
}

// routed is where a message of a batch goes (see route).
type routed struct {
	route Route
	ok    bool
	err   error
}

// routeAll routes a batch, the messages of different chats at once (up to
// Posting): finding a chat costs the platform's store a round trip or two,
// and one after the other they held up thousands of chats' lanes after
// downtime. Messages to one chat are routed in order, so that creating it and
// inviting people happen once and in the order written.
func (s *Sender) routeAll(ctx context.Context, tenant string, batch []qunsu.Envelope) []routed {
	out := make([]routed, len(batch))
	chat := func(env qunsu.Envelope) string { return env.Message.Chat.Key() }
	keyed.Run(batch, chat, s.Posting, func(i int, env qunsu.Envelope) {
		r := &out[i]
		r.route, r.ok, r.err = s.route(ctx, tenant, env)
	})
	return out
}

// route finds where a message goes. It tries a few times, then leaves the
// message pending (it comes back after Idle) rather than hold up every other
// chat of the tenant; a message the platform can never take is set aside.
func (s *Sender) route(ctx context.Context, tenant string, env qunsu.Envelope) (Route, bool, error) {
	for n := 0; ; n++ {
		r, ok, err := s.Transport.Route(ctx, env.Message)
		if err == nil {
			return r, ok, nil
		}
		s.platformError(err)
		log := s.Log.With("platform", s.Platform, "tenant", tenant, "complaint", complaintOf(env.Message), "key", env.Message.Key)
		if IsPermanent(err) {
			log.Error("platform refused the message for good; set aside", "err", err)
			s.bury(ctx, tenant, env, err)
			return Route{}, false, err
		}
		wait := s.Backoff.Wait(n)
		var ra *RetryAfter
		if errors.As(err, &ra) {
			wait = ra.Wait
		}
		if n >= 2 || wait > 5*time.Second {
			log.Warn("route failed; trying again later", "after", s.Idle, "err", err)
			return Route{}, false, err
		}
		s.Meter.SendRetried(s.Platform)
		if !sleep(s.quit, wait) {
			return Route{}, false, errStopping
		}
	}
}

// taken marks an entry as handed to a lane; it reports whether it was already.
func (s *Sender) taken(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight[id] {
		return true
	}
	s.inflight[id] = true
	return false
}

func (s *Sender) release(id string) {
	s.mu.Lock()
	delete(s.inflight, id)
	s.mu.Unlock()
}

// enqueue hands a job to its chat's lane, starting the lane if needed. It
// never waits: a slow chat holds up no other.
func (s *Sender) enqueue(ctx context.Context, j job, wg *sync.WaitGroup) {
	key := j.tenant + "\x00" + j.route.Chat
	s.mu.Lock()
	l := s.lanes[key]
	if l == nil {
		l = &lane{tenant: j.tenant, route: j.route, wake: make(chan struct{}, 1)}
		s.lanes[key] = l
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runLane(ctx, key, l)
		}()
	}
	l.pending++ // from here on the lane stays until this job is done
	if len(l.queue) < laneWhole && len(l.later) == 0 && s.whole < sendersWhole {
		l.queue = append(l.queue, j)
		s.whole++
	} else {
		l.later = append(l.later, j.env.ID)
	}
	s.mu.Unlock()
	signal(l.wake)
}

// signal wakes whoever waits on ch, unless it is woken already.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// queued reports whether the lane has a job to take.
func (s *Sender) queued(l *lane) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(l.queue)+len(l.later) > 0
}

// take returns the lane's next job, if it has one.
func (s *Sender) take(l *lane) (job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(l.queue) > 0:
		j := l.queue[0]
		l.queue[0] = job{}
		l.queue = l.queue[1:]
		s.whole--
		return j, true
	case len(l.later) > 0:
		id := l.later[0]
		l.later = l.later[1:]
		return job{tenant: l.tenant, env: qunsu.Envelope{ID: id}, route: l.route, idOnly: true}, true
	}
	l.queue, l.later = nil, nil // let long queues' arrays go
	return job{}, false
}

// reread fills in the message of a job queued by id only, trying until the
// outbox answers or ctx ends; ok is false when there is nothing to post.
func (s *Sender) reread(ctx context.Context, j job) (job, bool) {
	for n := 0; ctx.Err() == nil; n++ {
		m, found, err := s.Outbox.Entry(ctx, j.tenant, j.env.ID)
		if err == nil {
			j.env.Message, j.idOnly = m, false
			return j, found
		}
		if ctx.Err() == nil {
			s.Log.Error("outbox read failed", "platform", s.Platform, "tenant", j.tenant, "err", err)
			sleep(ctx.Done(), s.Backoff.Wait(n))
		}
	}
	return j, false
}

// runLane posts a chat's messages one by one, and ends when idle, or when
// stopping once it has gone through what it was handed.
func (s *Sender) runLane(ctx context.Context, key string, l *lane) {
	timer := time.NewTimer(s.LaneIdle)
	defer timer.Stop()
	quit, draining := s.quit, false
	for {
		if draining && s.retire(key, l, true) {
			return
		}
		// The chat's turn is waited for with the next message still queued, so
		// that it counts against sendersWhole (or stays an id) meanwhile.
		if wait := time.Until(l.next); wait > 0 && !draining && s.queued(l) {
			pause := time.NewTimer(wait)
			select {
			case <-ctx.Done():
			case <-pause.C:
			case <-quit:
				quit, draining = nil, true
			}
			pause.Stop()
		}
		if j, ok := s.take(l); ok && ctx.Err() == nil {
			if j.idOnly {
				j, ok = s.reread(ctx, j)
			}
			if ok {
				s.post(ctx, l, j)
			}
			s.mu.Lock()
			delete(s.inflight, j.env.ID)
			l.pending--
			s.mu.Unlock()
			timer.Reset(s.LaneIdle)
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-timer.C:
			if s.retire(key, l, false) {
				return
			}
			timer.Reset(s.LaneIdle)
		case <-quit:
			quit, draining = nil, true
		}
	}
}

// retire ends a lane that has nothing handed to it and whose chat's turn has
// come (a stopping sender's lane need not wait for its turn); it reports
// whether it did.
func (s *Sender) retire(key string, l *lane, stopping bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.pending > 0 || (!stopping && time.Now().Before(l.next)) {
		return false
	}
	delete(s.lanes, key)
	return true
}

// post delivers one message: wait for the chat's turn, claim the message,
// deliver; on failure wait and go again until the platform takes it, refuses
// it for good, or ctx ends. A message another sender holds is waited for, so
// the chat's order holds even after a crash.
func (s *Sender) post(ctx context.Context, l *lane, j job) {
	m, tenant := j.env.Message, j.tenant
	log := s.Log.With("platform", s.Platform, "tenant", tenant, "complaint", complaintOf(m), "key", m.Key, "chat", j.route.Chat)
	// uncertain: an earlier attempt may have reached the platform, so Deliver
	// must look first. A rate-limited call says nothing about earlier ones, so
	// nothing makes it certain again.
	uncertain := false
	attempted := false // this loop has called Deliver: a resumed claim may be its own try
	for n := 0; ctx.Err() == nil; n++ {
		if closed(s.quit) && (n > 0 || l.next.After(s.drainBy())) {
			return // stopping: left to be resumed
		}
		sleep(ctx.Done(), time.Until(l.next)) // before the claim, so that no lease is spent waiting
		state, tried, err := s.Outbox.BeginSend(ctx, tenant, s.Platform, m.Key, s.Consumer, s.Lease)
		if err != nil {
			if ctx.Err() != nil {
				return // stopped: left to be resumed
			}
			log.Error("claim failed", "err", err)
			sleep(s.quit, s.Backoff.Wait(n))
			continue
		}
		switch state {
		case qunsu.SendDone:
			if err := s.Outbox.Done(ctx, tenant, s.Platform, j.env.ID); err != nil {
				log.Error("outbox ack failed", "err", err)
			}
			s.Meter.SendResult(s.Platform, "duplicate")
			return
		case qunsu.SendBusy:
			sleep(s.quit, s.Backoff.Wait(n)) // until its sender is done, or its lease ends
			continue
		case qunsu.SendResumed:
			// Another process's attempt (also once its claim, found busy, ran
			// out), or ours before a crash.
			uncertain = uncertain || !attempted
		}
		since := time.Time{}
		if uncertain {
			since = tried
		}
		// Bounded, so that the claim outlives the attempt. Stopping does not cut
		// it off: only ctx does.
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return // stopped: left to be resumed
		}
		dctx, cancel := context.WithTimeout(ctx, s.Lease/2)
		err = s.Transport.Deliver(dctx, j.route, m, since)
		attempted = true
		cancel()
		<-s.slots
		l.next = time.Now().Add(j.route.Every)
		if err == nil {
			s.finish(ctx, log, tenant, m.Key, j.env.ID)
			s.Meter.SendResult(s.Platform, "posted")
			return
		}
		s.platformError(err)
		var ra *RetryAfter
		switch {
		case IsPermanent(err):
			log.Error("platform refused the message for good; set aside", "err", err)
			s.bury(ctx, tenant, j.env, err)
			return
		case errors.As(err, &ra):
			log.Warn("rate limited", "wait", ra.Wait)
			l.next = time.Now().Add(ra.Wait)
			s.Meter.SendRetried(s.Platform)
		default:
			uncertain = true
			wait := s.Backoff.Wait(n)
			log.Warn("delivery failed; retrying", "wait", wait, "err", err)
			s.Meter.SendRetried(s.Platform)
			sleep(s.quit, wait)
		}
	}
}

// finish records a posted message, insisting: until it is recorded, a restart
// would have to look on the platform again.
func (s *Sender) finish(ctx context.Context, log *slog.Logger, tenant, key, id string) {
	for n := 0; ; n++ {
		err := s.Outbox.FinishSend(context.WithoutCancel(ctx), tenant, s.Platform, key, s.Consumer, id)
		if err == nil {
			return
		}
		log.Error("recording a posted message failed; retrying", "err", err)
		if !sleep(ctx.Done(), s.Backoff.Wait(n)) {
			return
		}
	}
}

func (s *Sender) bury(ctx context.Context, tenant string, env qunsu.Envelope, reason error) {
	s.Meter.SendResult(s.Platform, "buried")
	if err := s.Outbox.Bury(context.WithoutCancel(ctx), tenant, s.Platform, s.Consumer, env.ID, env.Message, reason.Error()); err != nil {
		s.Log.Error("setting a refused message aside failed", "platform", s.Platform, "tenant", tenant,
			"complaint", complaintOf(env.Message), "key", env.Message.Key, "err", err)
	}
}

// complaintOf returns the complaint a message is about, when it says.
func complaintOf(m qunsu.Message) string {
	if m.Card != "" {
		return m.Card
	}
	return m.Chat.Complaint
}

// Chats resolves each kind of chat to a platform's chat id; a Transport's
// Route calls Resolve. An answer to a command typed on another platform is
// not the platform's (ok false).
type Chats struct {
	Platform string
	Team     func(ctx context.Context, m qunsu.Message) (string, error) // may create the chat and invite
	Managers func() (string, error)
	Direct   func(ctx context.Context, person string) (string, error)
}

// Resolve returns the chat m goes to.
func (c Chats) Resolve(ctx context.Context, m qunsu.Message) (chat string, ok bool, err error) {
	if only := m.Chat.OnlyOn(); only != "" && only != c.Platform {
		return "", false, nil // an answer to a command typed on another platform, or a person told there only
	}
	switch m.Chat.Kind {
	case qunsu.ChatOrigin:
		chat = m.Chat.ID
	case qunsu.ChatTeam:
		chat, err = c.Team(ctx, m)
	case qunsu.ChatManagers:
		chat, err = c.Managers()
	case qunsu.ChatDirect:
		chat, err = c.Direct(ctx, m.Chat.Person)
	default:
		err = Permanent(fmt.Errorf("unknown chat kind %q", m.Chat.Kind))
	}
	return chat, err == nil, err
}
