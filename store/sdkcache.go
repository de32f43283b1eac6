package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// SDKCache is a key-value cache on Redis in the shape chat SDKs take (the
// WeCom SDK's cache.Cache): every process of a deployment then shares one
// access token instead of each fetching its own. Keys live under a tenant's
// tag; values are strings.
type SDKCache struct {
	store  *Store
	tenant string
}

// SDKCache returns the cache for a tenant.
func (s *Store) SDKCache(tenant string) *SDKCache { return &SDKCache{store: s, tenant: tenant} }

func (c *SDKCache) key(k string) string { return tag(c.tenant) + ":sdk:" + k }

// Get returns the value of key, or nil.
func (c *SDKCache) Get(key string) any {
	v, err := c.store.rdb.Get(context.Background(), c.key(key)).Result()
	if err != nil {
		return nil
	}
	return v
}

// Set keeps val (a string) under key for timeout.
func (c *SDKCache) Set(key string, val any, timeout time.Duration) error {
	if err := c.store.rdb.Set(context.Background(), c.key(key), fmt.Sprint(val), timeout).Err(); err != nil {
		return fmt.Errorf("store: sdk cache: %w", err)
	}
	return nil
}

// IsExist reports whether key holds a value.
func (c *SDKCache) IsExist(key string) bool {
	n, err := c.store.rdb.Exists(context.Background(), c.key(key)).Result()
	return err == nil && n == 1
}

// Delete drops key.
func (c *SDKCache) Delete(key string) error {
	if err := c.store.rdb.Del(context.Background(), c.key(key)).Err(); err != nil && err != redis.Nil {
		return fmt.Errorf("store: sdk cache: %w", err)
	}
	return nil
}
