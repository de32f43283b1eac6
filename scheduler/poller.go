// Package scheduler fires due timers: it claims them from the deadline queue and
// hands them to the engine, and it keeps each tenant's recurring jobs queued.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"qunsu"
	"qunsu/internal/keyed"
)

// Preloader is a TimerHandler that reads at once what a batch of timers will
// need (the complaints they are about: a round trip for all instead of one
// each), and gives it to their Fire calls through the context it returns.
type Preloader interface {
	Preload(ctx context.Context, tenant string, due []qunsu.Scheduled) context.Context
}

// Poller claims due timers and fires them. Between rounds it sleeps until the
// queue's head comes due, waking early when Wake says an earlier timer was
// queued; so an idle poller costs Redis a few commands per MaxWait, however
// many timers wait.
type Poller struct {
	Queue   qunsu.TimerQueue
	Handler qunsu.TimerHandler
	Clock   qunsu.Clock
	Tenants []string
	Lease   time.Duration // wall time a claimed timer is ours before others may take it
	Batch   int           // timers claimed per round trip
	Workers int           // timers of different complaints fired at once
	// Wake signals that a timer due before the queue's head was queued
	// (store.Wakeups); optional.
	Wake <-chan struct{}
	// MaxWait is the longest sleep between rounds: how late a timer may be when
	// its wake-up was lost (the connection to Redis dropped meanwhile), or
	// without Wake.
	MaxWait time.Duration
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
	if p.Workers <= 0 {
		p.Workers = 8
	}
	if p.MaxWait <= 0 {
		p.MaxWait = 100 * time.Millisecond
		if p.Wake != nil {
			p.MaxWait = 10 * time.Second
		}
	}
	if p.Log == nil {
		p.Log = slog.Default()
	}
	p.Meter = qunsu.MeterOrNop(p.Meter)
}

// rate is how many seconds of the poller's clock pass per wall second.
func (p *Poller) rate() float64 {
	if c, ok := p.Clock.(qunsu.PacedClock); ok && c.Rate() > 0 {
		return c.Rate()
	}
	return 1
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
	lease := time.Duration(float64(p.Lease) * p.rate()) // on the clock the queue is scored by
	for _, tenant := range p.Tenants {
		for !closed(quit) {
			p.Meter.Beat("poller", "")
			due, err := p.Queue.Claim(ctx, tenant, p.Clock.Now(), lease, p.Batch)
			if err != nil {
				// On Redis Cluster a tenant's master may be down while others
				// answer: their timers still fire.
				errs = append(errs, fmt.Errorf("scheduler: claim for %s: %w", tenant, err))
				break
			}
			p.Meter.TimersClaimed(len(due))
			fired += p.fire(ctx, tenant, due)
			if len(due) == 0 { // firing may queue a next stage that is already due: go on until none is
				break
			}
		}
	}
	return fired, errors.Join(errs...)
}

// fire fires claimed timers, those of different complaints at once (up to
// Workers), those of one complaint in the order claimed, and returns how many
// fired.
func (p *Poller) fire(ctx context.Context, tenant string, due []qunsu.Scheduled) int {
	if pre, ok := p.Handler.(Preloader); ok {
		ctx = pre.Preload(ctx, tenant, due)
	}
	var fired atomic.Int64
	complaint := func(d qunsu.Scheduled) string { return d.Complaint }
	keyed.Run(due, complaint, p.Workers, func(_ int, d qunsu.Scheduled) {
		if err := p.Handler.Fire(ctx, tenant, d); err != nil {
			p.Log.Error("timer failed", "tenant", tenant, "complaint", d.Complaint, "timer", d.Member(), "err", err)
			return
		}
		p.Meter.TimerFired(p.Clock.Now().Sub(d.Due))
		fired.Add(1)
	})
	return int(fired.Load())
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
// sleeps until the next due time, or until Wake or the clock being moved by
// hand says to look again, but never longer than MaxWait.
func (p *Poller) Run(ctx context.Context) error {
	p.defaults()
	quit := p.Stop
	if quit == nil {
		quit = ctx.Done()
	}
	wake := p.Wake
	failures := 0
	for !closed(quit) && ctx.Err() == nil {
		_, err := p.runDue(ctx, quit)
		failures = p.logOutage(ctx, err, failures)
		wait := p.MaxWait
		if failures > 0 {
			// Redis is away: look again soon, but not ten times a second.
			wait = min(100*time.Millisecond<<min(failures, 4), time.Second)
		} else if next, ok, err := p.Next(ctx); err == nil && ok {
			d := time.Duration(float64(next.Sub(p.Clock.Now())) / p.rate())
			wait = min(wait, max(d, time.Millisecond))
		}
		var moved <-chan struct{}
		if c, ok := p.Clock.(qunsu.SteppedClock); ok {
			moved = c.Moved()
		}
		timer := time.NewTimer(wait)
		select {
		case <-quit:
		case <-ctx.Done():
		case <-timer.C:
		case <-moved:
		case _, ok := <-wake:
			if !ok {
				wake = nil // ctx is ending
			}
		}
		timer.Stop()
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
