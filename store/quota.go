package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"qunsu"
)

var _ qunsu.Quota = (*Store)(nil)

// Take uses every limit once at now, all or none (see takeScript).
func (s *Store) Take(ctx context.Context, tenant string, now time.Time, limits ...qunsu.Limit) (time.Duration, error) {
	if len(limits) == 0 {
		return 0, nil
	}
	id := make([]byte, 8)
	rand.Read(id)
	keys := make([]string, len(limits))
	args := []any{now.UnixMilli(), fmt.Sprintf("%d-%s", now.UnixNano(), hex.EncodeToString(id))}
	for i, l := range limits {
		keys[i] = quotaKey(tenant, l.Key)
		args = append(args, l.Max, l.Window.Milliseconds())
	}
	ms, err := takeScript.Run(ctx, s.rdb, keys, args...).Int64()
	if err != nil {
		return 0, fmt.Errorf("store: quota: %w", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}
