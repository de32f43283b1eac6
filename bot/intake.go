package bot

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"qunsu"
)

// Intake feeds the engine from the inbox. Platform adapters put what people
// say in the inbox and answer the platform at once; the intake's workers do
// the work. A message a worker left unfinished (its process died) is taken
// over by another after Idle; the engine acts on each message once. One that
// is never finished (its handling fails or crashes every time) is set aside
// by the inbox after a few tries, kept, and logged.
//
// Adapters that accept through the intake (Intake.Accept) hand it what they
// queue in the same step, while one of its hand-off workers is free: the
// entry is this process's from then on, as if read, and the worker acts on it
// without a read of its own.
type Intake struct {
	Inbox    qunsu.Inbox
	Handler  qunsu.InboundHandler
	Tenants  []string
	Consumer string
	// Workers is the number of readers per tenant, and of hand-off workers
	// in all (default 4): up to twice as many messages may be acted on at once.
	Workers int
	Idle    time.Duration // default 30s
	Poll    time.Duration // longest wait for new messages before looking for abandoned ones; default 2s
	Log     *slog.Logger
	Meter   qunsu.Meter // optional
	// Stop, when closed, ends Run gracefully: no message is read any more, the
	// one in hand is finished, and ctx stays good for its I/O (cancel ctx to
	// give up at once). Without Stop, Run ends when ctx does.
	Stop <-chan struct{}

	handOff handOff
}

// handOff passes entries an adapter queued straight to this process's
// hand-off workers. An entry is given to this process only when a worker is
// free for it (a slot), and only while the workers run: what is given is
// acted on here, or taken over by a reader after Idle if this process loses
// track of it (it dies, the script's reply is lost, the handler fails).
type handOff struct {
	mu      sync.RWMutex
	taker   qunsu.TakingInbox // nil: the inbox cannot give entries as it queues them
	open    bool
	slots   chan struct{}              // one per worker; taken while an entry is given or in hand
	entries chan qunsu.InboundEnvelope // closed when the workers are to stop
}

// Accept queues what someone said (qunsu.Accepter, for adapters). While Run
// runs and a hand-off worker is free, the entry is given to this process in
// the same round trip and acted on at once; else the readers read it.
func (in *Intake) Accept(ctx context.Context, m qunsu.Inbound) (bool, error) {
	if queued, given, err := in.handOff.give(ctx, m, in.Consumer+"-handoff"); given {
		return queued, err
	}
	return in.Inbox.Accept(ctx, m)
}

// give queues m and gives the entry to a free hand-off worker; given is false
// when no worker was free or the hand-off is closed, and m is not queued.
func (h *handOff) give(ctx context.Context, m qunsu.Inbound, consumer string) (queued, given bool, err error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if !h.open || h.taker == nil {
		return false, false, nil
	}
	select {
	case h.slots <- struct{}{}:
	default: // every hand-off worker is busy: the readers take it
		return false, false, nil
	}
	queued, taken, err := h.taker.AcceptTaking(ctx, m, consumer)
	if taken == nil {
		<-h.slots
		return queued, true, err
	}
	h.entries <- *taken // a slot was free, so there is room
	return queued, true, nil
}

// Run works until Stop is closed or ctx ends.
func (in *Intake) Run(ctx context.Context) error {
	if in.Workers <= 0 {
		in.Workers = 4
	}
	if in.Idle <= 0 {
		in.Idle = 30 * time.Second
	}
	if in.Poll <= 0 {
		in.Poll = 2 * time.Second
	}
	if in.Log == nil {
		in.Log = slog.Default()
	}
	in.Meter = qunsu.MeterOrNop(in.Meter)
	quit := quitting(ctx, in.Stop)
	// Handling outlives the stop signal: a command half-done is finished, not
	// cut off. When ctx is the stop signal, it must outlive ctx too.
	hctx := ctx
	if in.Stop == nil {
		hctx = context.WithoutCancel(ctx)
	}
	var wg sync.WaitGroup
	in.openHandOff()
	for w := 0; w < in.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for env := range in.handOff.entries {
				in.handle(hctx, env.Inbound.Tenant, env)
				<-in.handOff.slots
			}
		}()
	}
	go func() {
		<-quit
		in.closeHandOff()
	}()
	for _, tenant := range in.Tenants {
		for w := 0; w < in.Workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in.work(ctx, hctx, quit, tenant, w)
			}()
		}
	}
	wg.Wait()
	return nil
}

func (in *Intake) work(ctx, hctx context.Context, quit <-chan struct{}, tenant string, w int) {
	consumer, loop := fmt.Sprintf("%s-%d", in.Consumer, w), fmt.Sprintf("%s/%d", tenant, w)
	failures := 0
	for !closed(quit) {
		in.Meter.Beat("intake", loop)
		// One at a time: a message waiting behind a slow one in a batch could
		// be taken over by another worker while this one still means to do it.
		// The read is not cut off by the stop signal: what it takes is handled.
		batch, err := in.Inbox.ReceiveInbound(ctx, tenant, consumer, 1, in.Idle, in.Poll)
		if err != nil {
			if ctx.Err() == nil {
				in.Log.Error("inbox read failed", "tenant", tenant, "err", err)
				sleep(quit, Backoff{}.Wait(failures))
				failures++
			}
			continue
		}
		failures = 0
		for _, env := range batch {
			if env.SetAside != "" {
				in.setAside(hctx, tenant, env)
				continue
			}
			in.handle(hctx, tenant, env)
		}
	}
}

// handle acts on an entry and marks it done; one that fails is left pending,
// for another worker to take over after Idle.
func (in *Intake) handle(hctx context.Context, tenant string, env qunsu.InboundEnvelope) {
	c, cancel := context.WithTimeout(hctx, 30*time.Second)
	defer cancel()
	// A message that crashes its handler would otherwise take the process
	// down, and every replica after it that takes the message over; left
	// pending, it is tried again and set aside after a few tries.
	defer func() {
		if p := recover(); p != nil {
			in.Log.Error("inbound message crashed its handler; left for another try", "tenant", tenant,
				"platform", env.Inbound.Platform, "id", env.Inbound.ID, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	finished := false
	var err error
	// A change finishes an entry in its own tenant's inbox: only when that is
	// the inbox the entry came from.
	if h, ok := in.Handler.(qunsu.EntryHandler); ok && env.Inbound.Tenant == tenant {
		finished, err = h.HandleEntry(c, env.Inbound, env.ID)
	} else {
		err = in.Handler.Handle(c, env.Inbound)
	}
	if err == nil && !finished {
		err = in.Inbox.DoneInbound(c, tenant, env.ID)
	}
	if err != nil {
		in.Log.Error("inbound message failed", "tenant", tenant, "platform", env.Inbound.Platform,
			"id", env.Inbound.ID, "err", err)
	}
}

// setAside moves an entry the inbox gave with SetAside to its dead-letter
// list, logs it, and tells whoever sent it, if the handler can. Told after it
// is set aside, so that nobody hears of a failure of a message a slow worker
// finished meanwhile; a process that dies in between leaves it kept and
// logged, its sender not told.
func (in *Intake) setAside(hctx context.Context, tenant string, env qunsu.InboundEnvelope) {
	c, cancel := context.WithTimeout(hctx, 30*time.Second)
	defer cancel()
	kept, err := in.Inbox.SetAsideInbound(c, tenant, env)
	switch {
	case err != nil:
		in.Log.Error("inbox entry to set aside left for the next try", "tenant", tenant, "entry", env.ID, "err", err)
		return
	case !kept:
		return // finished meanwhile
	}
	in.Log.Error("inbox entry set aside, not acted on; kept on the inbox's dead-letter list", "tenant", tenant,
		"entry", env.ID, "platform", env.Inbound.Platform, "user", env.Inbound.User, "id", env.Inbound.ID, "why", env.SetAside)
	teller, ok := in.Handler.(qunsu.SetAsideTeller)
	if !ok || env.Inbound.Tenant != tenant {
		return
	}
	if err := teller.TellSetAside(c, env.Inbound); err != nil {
		in.Log.Error("could not tell the sender of an entry set aside", "tenant", tenant, "entry", env.ID, "err", err)
	}
}

// openHandOff lets Accept give entries to the hand-off workers.
func (in *Intake) openHandOff() {
	h := &in.handOff
	h.mu.Lock()
	defer h.mu.Unlock()
	h.taker, _ = in.Inbox.(qunsu.TakingInbox)
	h.slots = make(chan struct{}, in.Workers)
	h.entries = make(chan qunsu.InboundEnvelope, in.Workers)
	h.open = true
}

// closeHandOff stops giving entries; the workers finish those given and end.
func (in *Intake) closeHandOff() {
	h := &in.handOff
	h.mu.Lock()
	defer h.mu.Unlock()
	h.open = false
	close(h.entries)
}

// quitting returns a channel closed when stop is closed or ctx ends; without
// stop, ctx's end.
func quitting(ctx context.Context, stop <-chan struct{}) <-chan struct{} {
	if stop == nil {
		return ctx.Done()
	}
	quit := make(chan struct{})
	go func() {
		defer close(quit)
		select {
		case <-stop:
		case <-ctx.Done():
		}
	}()
	return quit
}

// closed reports whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
