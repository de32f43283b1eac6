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
}

// Run works until ctx ends.
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
	var wg sync.WaitGroup
	for _, tenant := range in.Tenants {
		for w := 0; w < in.Workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in.work(ctx, tenant, fmt.Sprintf("%s-%d", in.Consumer, w))
			}()
		}
	}
	wg.Wait()
	return nil
}

func (in *Intake) work(ctx context.Context, tenant, consumer string) {
	failures := 0
	for ctx.Err() == nil {
		// One at a time: a message waiting behind a slow one in a batch could
		// be taken over by another worker while this one still means to do it.
		batch, err := in.Inbox.ReceiveInbound(ctx, tenant, consumer, 1, in.Idle, in.Poll)
		if err != nil {
			if ctx.Err() == nil {
				in.Log.Error("inbox read failed", "tenant", tenant, "err", err)
				sleep(ctx.Done(), Backoff{}.Wait(failures))
				failures++
			}
			continue
		}
		failures = 0
		for _, env := range batch {
			// Handling goes on when ctx ends: a command half-done is finished, not cut off.
			hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			err := in.Handler.Handle(hctx, env.Inbound)
			if err == nil {
				err = in.Inbox.DoneInbound(hctx, tenant, env.ID)
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
