package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"qunsu"
)

// NextFunc parses a cron spec read in loc and returns the function that gives
// the first firing after a moment. robfig/cron's parser is used for the spec; the
// firing itself rides on the deadline queue so that it survives restarts, catches
// up after downtime and follows the simulated clock.
func NextFunc(spec string, loc *time.Location) (func(time.Time) time.Time, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %w", spec, err)
	}
	return func(after time.Time) time.Time { return sched.Next(after.In(loc)) }, nil
}

// EnsureJobs queues each tenant's daily summary if it is not queued yet. A
// summary already queued keeps its time, so one that fell due while nothing
// was running goes out now.
func EnsureJobs(ctx context.Context, q qunsu.TimerQueue, tenants []*qunsu.Settings, now time.Time) error {
	for _, s := range tenants {
		if s.NextSummary == nil {
			continue
		}
		job := qunsu.Timer{Job: qunsu.JobDailySummary}
		if _, queued, err := q.Due(ctx, s.Tenant, job); err != nil || queued {
			if err != nil {
				return fmt.Errorf("scheduler: ensure jobs: %w", err)
			}
			continue
		}
		if err := q.Schedule(ctx, s.Tenant, qunsu.Scheduled{Timer: job, Due: s.NextSummary(now)}); err != nil {
			return fmt.Errorf("scheduler: ensure jobs: %w", err)
		}
	}
	return nil
}
