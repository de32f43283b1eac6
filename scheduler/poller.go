// Package scheduler fires due timers: it claims them from the deadline queue and
// hands them to the engine, and it keeps each tenant's recurring jobs queued.
package scheduler

import (
	"context"
	"errors"
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
	Meter   qunsu.Meter // optional
	// Stop, when closed, ends Run gracefully: no timer is claimed any more,
	// those claimed are fired, and ctx stays good for their I/O (cancel it to
	// give up at once). Without Stop, Run ends when ctx does.
	Stop <-chan struct{}
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
	p.Meter = qunsu.MeterOrNop(p.Meter)
}

// RunDue fires every timer due now, for every tenant, and returns how many.
// After downtime that includes every stage that came due meanwhile, in order.
// A timer whose handler fails stays leased and is tried again when the lease ends.
func (p *Poller) RunDue(ctx context.Context) (int, error) {
	p.defaults()
	return p.runDue(ctx, p.Stop)
}

// runDue is RunDue that claims nothing more once quit is closed; the timers
// it claimed are fired all the same, so that none waits for its lease to end.
func (p *Poller) runDue(ctx context.Context, quit <-chan struct{}) (int, error) {
	fired := 0
	var errs []error
	for _, tenant := range p.Tenants {
		for !closed(quit) {
			p.Meter.Beat("poller", "")
			due, err := p.Queue.Claim(ctx, tenant, p.Clock.Now(), p.Lease, p.Batch)
			if err != nil {
				// On Redis Cluster a tenant's master may be down while others
				// answer: their timers still fire.
				errs = append(errs, fmt.Errorf("scheduler: claim for %s: %w", tenant, err))
				break
			}
			p.Meter.TimersClaimed(len(due))
			for _, d := range due {
				if err := p.Handler.Fire(ctx, tenant, d); err != nil {
					p.Log.Error("timer failed", "tenant", tenant, "complaint", d.Complaint, "timer", d.Member(), "err", err)
					continue
				}
				p.Meter.TimerFired(p.Clock.Now().Sub(d.Due))
				fired++
			}
			if len(due) == 0 { // firing may queue a next stage that is already due: go on until none is
				break
			}
		}
	}
	return fired, errors.Join(errs...)
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

// Run fires timers as they come due until Stop is closed or ctx ends. It
// sleeps until the next due time, but never longer than MaxWait.
func (p *Poller) Run(ctx context.Context) error {
	p.defaults()
	quit := p.Stop
	if quit == nil {
		quit = ctx.Done()
	}
	failures := 0
	for !closed(quit) && ctx.Err() == nil {
		_, err := p.runDue(ctx, quit)
		failures = p.logOutage(ctx, err, failures)
		wait := p.MaxWait
		if failures > 0 {
			// Redis is away: look again soon, but not ten times a second.
			wait = min(p.MaxWait<<min(failures, 4), time.Second)
		} else if next, ok, err := p.Next(ctx); err == nil && ok {
			if d := next.Sub(p.Clock.Now()); d < wait {
				wait = max(d, time.Millisecond)
			}
		}
		select {
		case <-quit:
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	return nil
}

// closed reports whether ch is closed (a nil ch never is).
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// logOutage logs the first failure of a run of them and the recovery, not each
// poll in between, and returns how many polls in a row have failed.
func (p *Poller) logOutage(ctx context.Context, err error, failures int) int {
	switch {
	case err != nil && ctx.Err() == nil:
		if failures == 0 {
			p.Log.Error("poll failed; retrying until the store answers", "err", err)
		}
		return failures + 1
	case err == nil && failures > 0:
		p.Log.Info("polling again", "failed_polls", failures)
	}
	return 0
}
