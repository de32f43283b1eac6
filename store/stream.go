package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// readGroup returns up to max entries of a stream for a consumer group: first
// those another consumer left unfinished for longer than idle (it died), then
// new ones, waiting up to block for those (0: no wait). The group is created on
// first use from the start of the stream, so nothing written before is missed.
func (s *Store) readGroup(ctx context.Context, key, group, consumer string, max int, idle, block time.Duration) ([]redis.XMessage, error) {
	if err := s.rdb.XGroupCreateMkStream(ctx, key, group, "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("group: %w", err)
	}
	msgs, _, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: key, Group: group, Consumer: consumer,
		MinIdle: idle, Start: "0", Count: int64(max)}).Result()
	if err != nil {
		return nil, fmt.Errorf("reclaim: %w", err)
	}
	if len(msgs) >= max {
		return msgs, nil
	}
	blockFor := block
	if blockFor <= 0 {
		blockFor = -1 // no BLOCK argument: return at once
	}
	streams, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer,
		Streams: []string{key, ">"}, Count: int64(max - len(msgs)), Block: blockFor}).Result()
	if err != nil && err != redis.Nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	for _, st := range streams {
		msgs = append(msgs, st.Messages...)
	}
	return msgs, nil
}
