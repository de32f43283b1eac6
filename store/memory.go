package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Recall returns what a platform adapter remembered under key.
func (s *Store) Recall(ctx context.Context, tenant, key string) (string, bool, error) {
	cmd := redis.NewStringCmd(ctx, "get", memoryKey(tenant, key))
	err := s.batch.do(ctx, cmd)
	if err == redis.Nil {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: recall: %w", err)
	}
	return cmd.Val(), true, nil
}

// RecallAll returns what is remembered under each of keys (MGET: one round
// trip); keys with nothing remembered are left out.
func (s *Store) RecallAll(ctx context.Context, tenant string, keys ...string) (map[string]string, error) {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = memoryKey(tenant, k)
	}
	cmd := redis.NewSliceCmd(ctx, append([]any{"mget"}, anys(full)...)...)
	if err := s.batch.do(ctx, cmd); err != nil {
		return nil, fmt.Errorf("store: recall: %w", err)
	}
	vals := cmd.Val()
	out := make(map[string]string, len(keys))
	for i, v := range vals {
		if v, ok := v.(string); ok {
			out[keys[i]] = v
		}
	}
	return out, nil
}

// Remember keeps value under key for ttl (0: for good).
func (s *Store) Remember(ctx context.Context, tenant, key, value string, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, memoryKey(tenant, key), value, ttl).Err(); err != nil {
		return fmt.Errorf("store: remember: %w", err)
	}
	return nil
}

// RememberFirst keeps value under key unless a value is kept there, and
// returns the value kept (SET NX GET: one round trip, atomic).
func (s *Store) RememberFirst(ctx context.Context, tenant, key, value string, ttl time.Duration) (string, error) {
	old, err := s.rdb.SetArgs(ctx, memoryKey(tenant, key), value, redis.SetArgs{Mode: "NX", Get: true, TTL: ttl}).Result()
	if err == redis.Nil {
		return value, nil
	}
	if err != nil {
		return "", fmt.Errorf("store: remember first: %w", err)
	}
	return old, nil
}

// Forget drops what is kept under keys.
func (s *Store) Forget(ctx context.Context, tenant string, keys ...string) error {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = memoryKey(tenant, k)
	}
	if err := s.rdb.Del(ctx, full...).Err(); err != nil {
		return fmt.Errorf("store: forget: %w", err)
	}
	return nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
