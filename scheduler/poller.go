// Package scheduler fires due timers: it claims them from the deadline queue and
// hands them to the engine, and it keeps each tenant's recurring jobs queued.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"qunsu"
)

// Poller claims due timers and fires them.
type Poller struct {
	Queue   qunsu.TimerQueue
	Handler qunsu.TimerHandler
	Clock   qunsu.Clock
	Tenants []string
	Lease   time.Duration // how long a claimed timer is ours before others may take it
	Batch   int           // timers claimed per round trip
	MaxWait time.Duration // longest sleep between polls, so timers queued meanwhile are seen
	Log     *slog.Logger
}

func (p *Poller) defaults() {
	if p.Lease <= 0 {
		p.Lease = 30 * time.Second
	}
	if p.Batch <= 0 {
		p.Batch = 100
	}
	if p.MaxWait <= 0 {
		p.MaxWait = 100 * time.Millisecond
	}
	if p.Log == nil {
		p.Log = slog.Default()
	}
}

// RunDue fires every timer due now, for every tenant, and returns how many.
// After downtime that includes every stage that came due meanwhile, in order.
// A timer whose handler fails stays leased and is tried again when the lease ends.
func (p *Poller) RunDue(ctx context.Context) (int, error) {
	p.defaults()
	fired := 0
	for _, tenant := range p.Tenants {
		for {
			due, err := p.Queue.Claim(ctx, tenant, p.Clock.Now(), p.Lease, p.Batch)
			if err != nil {
				return fired, fmt.Errorf("scheduler: claim: %w", err)
			}
			for _, d := range due {
				if err := p.Handler.Fire(ctx, tenant, d); err != nil {
					p.Log.Error("timer failed", "tenant", tenant, "timer", d.Member(), "err", err)
					continue
				}
				fired++
			}
			if len(due) == 0 { // firing may queue a next stage that is already due: go on until none is
				break
			}
		}
	}
	return fired, nil
}

// Next returns the earliest due time over all tenants.
func (p *Poller) Next(ctx context.Context) (time.Time, bool, error) {
	var best time.Time
	found := false
	for _, tenant := range p.Tenants {
		t, ok, err := p.Queue.Next(ctx, tenant)
		if err != nil {
			return time.Time{}, false, err
		}
		if ok && (!found || t.Before(best)) {
			best, found = t, true
		}
	}
	return best, found, nil
}

// Run fires timers as they come due until ctx is cancelled. It sleeps until the
// next due time, but never longer than MaxWait.
func (p *Poller) Run(ctx context.Context) error {
	p.defaults()
	for {
		if _, err := p.RunDue(ctx); err != nil {
			p.Log.Error("poll failed", "err", err)
		}
		wait := p.MaxWait
		if next, ok, err := p.Next(ctx); err == nil && ok {
			if d := next.Sub(p.Clock.Now()); d < wait {
				wait = max(d, time.Millisecond)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}
