package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"qunsu"
)

// Intake feeds the engine from the inbox. Platform adapters put what people
// say in the inbox and answer the platform at once; the intake's workers do
// the work. A message a worker left unfinished (its process died) is taken
// over by another after Idle; the engine acts on each message once.
type Intake struct {
	Inbox    qunsu.Inbox
	Handler  qunsu.InboundHandler
	Tenants  []string
	Consumer string
	Workers  int           // per tenant (default 4)
	Idle     time.Duration // default 30s
	Poll     time.Duration // longest wait for new messages before looking for abandoned ones; default 2s
	Log      *slog.Logger
	Meter    qunsu.Meter // optional
	// Stop, when closed, ends Run gracefully: no message is read any more, the
	// one in hand is finished, and ctx stays good for its I/O (cancel ctx to
	// give up at once). Without Stop, Run ends when ctx does.
	Stop <-chan struct{}
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
			c, cancel := context.WithTimeout(hctx, 30*time.Second)
			err := in.Handler.Handle(c, env.Inbound)
			if err == nil {
				err = in.Inbox.DoneInbound(c, tenant, env.ID)
			}
			cancel()
			if err != nil {
				// Left pending: another worker takes it over after Idle.
				in.Log.Error("inbound message failed", "tenant", tenant, "platform", env.Inbound.Platform,
					"id", env.Inbound.ID, "err", err)
			}
		}
	}
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
