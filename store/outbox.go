package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
)

// Receive returns messages for a consumer group: first entries another consumer
// left unfinished for longer than idle, then new ones. The group is created on
// first use from the start of the stream, so nothing enqueued before is missed.
func (s *Store) Receive(ctx context.Context, tenant, group, consumer string, max int, idle, block time.Duration) ([]qunsu.Envelope, error) {
	key := outboxKey(tenant)
	if err := s.rdb.XGroupCreateMkStream(ctx, key, group, "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("store: outbox group: %w", err)
	}
	stale, _, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: key, Group: group, Consumer: consumer,
		MinIdle: idle, Start: "0", Count: int64(max)}).Result()
	if err != nil {
		return nil, fmt.Errorf("store: outbox reclaim: %w", err)
	}
	msgs := stale
	if len(msgs) < max {
		blockFor := block
		if blockFor <= 0 {
			blockFor = -1 // no BLOCK argument: return at once
		}
		streams, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer,
			Streams: []string{key, ">"}, Count: int64(max - len(msgs)), Block: blockFor}).Result()
		if err != nil && err != redis.Nil {
			return nil, fmt.Errorf("store: outbox read: %w", err)
		}
		for _, st := range streams {
			msgs = append(msgs, st.Messages...)
		}
	}
	out := make([]qunsu.Envelope, 0, len(msgs))
	for _, m := range msgs {
		raw, _ := m.Values["m"].(string)
		var msg qunsu.Message
		if err := json.Unmarshal([]byte(raw), &msg); err != nil {
			return nil, fmt.Errorf("store: decode message %s: %w", m.ID, err)
		}
		out = append(out, qunsu.Envelope{ID: m.ID, Message: msg})
	}
	return out, nil
}

// Done acknowledges messages for the group.
func (s *Store) Done(ctx context.Context, tenant, group string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := s.rdb.XAck(ctx, outboxKey(tenant), group, ids...).Err(); err != nil {
		return fmt.Errorf("store: outbox ack: %w", err)
	}
	return nil
}

// Sent reports whether platform already posted the message with key.
func (s *Store) Sent(ctx context.Context, tenant, platform, key string) (bool, error) {
	n, err := s.rdb.Exists(ctx, sentKey(tenant, platform, key)).Result()
	if err != nil {
		return false, fmt.Errorf("store: sent: %w", err)
	}
	return n == 1, nil
}

// MarkSent records that platform posted the message with key (kept 14 days).
func (s *Store) MarkSent(ctx context.Context, tenant, platform, key string) error {
	if err := s.rdb.Set(ctx, sentKey(tenant, platform, key), "1", 14*24*time.Hour).Err(); err != nil {
		return fmt.Errorf("store: mark sent: %w", err)
	}
	return nil
}
