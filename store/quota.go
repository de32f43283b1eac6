package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
)

var _ qunsu.Quota = (*Store)(nil)

// Take uses every limit once at now, all or none (see takeScript).
func (s *Store) Take(ctx context.Context, tenant string, now time.Time, limits ...qunsu.Limit) (string, time.Duration, error) {
	if len(limits) == 0 {
		return "", 0, nil
	}
	id := make([]byte, 8)
	rand.Read(id)
	receipt := fmt.Sprintf("%d-%s", now.UnixNano(), hex.EncodeToString(id))
	keys := make([]string, len(limits))
	args := []any{now.UnixMilli(), receipt}
	for i, l := range limits {
		keys[i] = quotaKey(tenant, l.Key)
		args = append(args, l.Max, l.Window.Milliseconds())
	}
	ms, err := takeScript.Run(ctx, s.rdb, keys, args...).Int64()
	if err != nil {
		return "", 0, fmt.Errorf("store: quota: %w", err)
	}
	if ms > 0 {
		return "", time.Duration(ms) * time.Millisecond, nil
	}
	return receipt, 0, nil
}

// Settle moves a receipt's uses to at, or gives them back.
func (s *Store) Settle(ctx context.Context, tenant, receipt string, at time.Time, taken bool, limits ...qunsu.Limit) error {
	if receipt == "" {
		return nil
	}
	pipe := s.rdb.TxPipeline()
	for _, l := range limits {
		key := quotaKey(tenant, l.Key)
		if taken {
			pipe.ZAddXX(ctx, key, redis.Z{Score: float64(at.UnixMilli()), Member: receipt})
			pipe.PExpire(ctx, key, l.Window)
		} else {
			pipe.ZRem(ctx, key, receipt)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("store: quota settle: %w", err)
	}
	return nil
}
