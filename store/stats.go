package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// lagScanMax bounds the count of unread entries when Redis cannot tell the lag
// (entries deleted from the stream): the depth is then a lower bound.
const lagScanMax = 10000

// OutboxDepth returns how far a platform's sender is behind on the tenant's
// outbox: lag, the entries it has not read yet, and pending, those it read and
// has not finished (being posted, or left by a process that died). Both are 0
// while the platform has no consumer group.
func (s *Store) OutboxDepth(ctx context.Context, tenant, platform string) (lag, pending int64, err error) {
	groups, err := s.rdb.XInfoGroups(ctx, outboxKey(tenant)).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return 0, 0, nil
		}
		return 0, 0, fmt.Errorf("store: outbox depth: %w", err)
	}
	for _, g := range groups {
		if g.Name != platform {
			continue
		}
		if g.Lag >= 0 {
			return g.Lag, g.Pending, nil
		}
		unread, err := s.rdb.XRangeN(ctx, outboxKey(tenant), "("+g.LastDeliveredID, "+", lagScanMax).Result()
		if err != nil && err != redis.Nil {
			return 0, 0, fmt.Errorf("store: outbox depth: %w", err)
		}
		return int64(len(unread)), g.Pending, nil
	}
	return 0, 0, nil
}
