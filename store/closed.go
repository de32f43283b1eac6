package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
)

// ClosedIn returns the complaints closed in [from, to), by close time. Commit
// keeps the closed index; complaints closed before the index existed are
// added to it the first time it is read.
func (s *Store) ClosedIn(ctx context.Context, tenant string, from, to time.Time) ([]*qunsu.Complaint, error) {
	if err := s.buildClosed(ctx, tenant); err != nil {
		return nil, err
	}
	ids, err := s.rdb.ZRangeByScore(ctx, closedKey(tenant), reportedIn(from, to)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: closed: %w", err)
	}
	cs, err := s.Load(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	// The index may name one reopened while it was being built: the
	// complaint itself says when, and whether, it is closed.
	out := cs[:0]
	for _, c := range cs {
		if !c.ClosedAt.IsZero() && !c.ClosedAt.Before(from) && c.ClosedAt.Before(to) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ClosedAt.Before(out[j].ClosedAt) })
	return out, nil
}

// buildClosed adds to the closed index every stored complaint that is closed,
// once per tenant. It adds only what the index lacks (ZADD NX): a complaint
// saved meanwhile was indexed by its commit, which knows better.
func (s *Store) buildClosed(ctx context.Context, tenant string) error {
	if _, ok := s.closedBuilt.Load(tenant); ok {
		return nil // seen built: every summary asks
	}
	built, err := s.rdb.Exists(ctx, closedBuiltKey(tenant)).Result()
	if err == nil && built == 1 {
		s.closedBuilt.Store(tenant, true)
	}
	if err != nil || built == 1 {
		return wrapClosed(err)
	}
	ids, err := s.rdb.ZRange(ctx, allKey(tenant), 0, -1).Result()
	if err != nil {
		return wrapClosed(err)
	}
	for start := 0; start < len(ids); start += loadBatch {
		cs, err := s.Load(ctx, tenant, ids[start:min(start+loadBatch, len(ids))])
		if err != nil {
			return err
		}
		var members []redis.Z
		for _, c := range cs {
			if !c.ClosedAt.IsZero() {
				members = append(members, redis.Z{Score: float64(c.ClosedAt.UnixMilli()), Member: c.ID})
			}
		}
		if len(members) > 0 {
			if err := s.rdb.ZAddNX(ctx, closedKey(tenant), members...).Err(); err != nil {
				return wrapClosed(err)
			}
		}
	}
	if err := s.rdb.Set(ctx, closedBuiltKey(tenant), "1", 0).Err(); err != nil {
		return wrapClosed(err)
	}
	s.closedBuilt.Store(tenant, true)
	return nil
}

func wrapClosed(err error) error {
	if err != nil {
		return fmt.Errorf("store: closed index: %w", err)
	}
	return nil
}

// closedScore is a close time as the index scores it.
func closedScore(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
