package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
)

// Claim leases up to max timers due at now (see claimScript).
func (s *Store) Claim(ctx context.Context, tenant string, now time.Time, lease time.Duration, max int) ([]qunsu.Scheduled, error) {
	keys := []string{timersKey(tenant), inflightKey(tenant), dueKey(tenant)}
	raw, err := claimScript.Run(ctx, s.rdb, keys, now.UnixMilli(), now.Add(lease).UnixMilli(), max).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("store: claim: %w", err)
	}
	if len(raw)%2 != 0 {
		return nil, fmt.Errorf("store: claim: %w", errMalformed)
	}
	out := make([]qunsu.Scheduled, 0, len(raw)/2)
	for i := 0; i < len(raw); i += 2 {
		t, err := qunsu.ParseTimer(raw[i])
		if err != nil {
			return nil, fmt.Errorf("store: claim: %w", err)
		}
		ms, _ := strconv.ParseInt(raw[i+1], 10, 64)
		out = append(out, qunsu.Scheduled{Timer: t, Due: time.UnixMilli(ms)})
	}
	return out, nil
}

// Next returns the earliest due time in the queue, counting leases as due when
// they end. It reads one entry of each set; it never scans.
func (s *Store) Next(ctx context.Context, tenant string) (time.Time, bool, error) {
	var best int64
	found := false
	for _, key := range []string{timersKey(tenant), inflightKey(tenant)} {
		zs, err := s.rdb.ZRangeWithScores(ctx, key, 0, 0).Result()
		if err != nil {
			return time.Time{}, false, fmt.Errorf("store: next: %w", err)
		}
		if len(zs) == 1 && (!found || int64(zs[0].Score) < best) {
			best, found = int64(zs[0].Score), true
		}
	}
	return time.UnixMilli(best), found, nil
}

// Schedule adds or moves timers.
func (s *Store) Schedule(ctx context.Context, tenant string, timers ...qunsu.Scheduled) error {
	zs := make([]redis.Z, len(timers))
	for i, t := range timers {
		zs[i] = redis.Z{Score: float64(t.Due.UnixMilli()), Member: t.Member()}
	}
	if err := s.rdb.ZAdd(ctx, timersKey(tenant), zs...).Err(); err != nil {
		return fmt.Errorf("store: schedule: %w", err)
	}
	// Rare (jobs at start, tests): waking every poller costs nothing worth
	// saving by comparing with the queue's head first.
	if err := s.rdb.Publish(ctx, wakeChannel(tenant), "schedule").Err(); err != nil {
		return fmt.Errorf("store: schedule: %w", err)
	}
	return nil
}

// Wakeups signals whenever a timer due before every other queued one is
// queued for one of tenants, by any process, so that a poller asleep until the
// queue's head looks again. Signals are coalesced; while the connection to
// Redis is down they are lost, so pollers still look now and then. The channel
// is closed when ctx ends.
func (s *Store) Wakeups(ctx context.Context, tenants []string) <-chan struct{} {
	channels := make([]string, len(tenants))
	for i, t := range tenants {
		channels[i] = wakeChannel(t)
	}
	sub := s.rdb.Subscribe(ctx, channels...)
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		defer sub.Close()
		in := sub.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- struct{}{}:
				default: // one signal pending is enough
				}
			}
		}
	}()
	return out
}

// Due returns a queued timer's due time.
func (s *Store) Due(ctx context.Context, tenant string, t qunsu.Timer) (time.Time, bool, error) {
	score, err := s.rdb.ZScore(ctx, timersKey(tenant), t.Member()).Result()
	if err == redis.Nil {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: due: %w", err)
	}
	return time.UnixMilli(int64(score)), true, nil
}
