package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
)

// rolesFresh bounds how long a cached directory may lag behind Redis when a
// notice of a change was lost and the subscription did not notice (it reports
// reconnects, and every reconnect empties the cache).
const rolesFresh = 10 * time.Second

// roleCache keeps each tenant's role changes while WatchRoles runs. Every
// command and every timer needs them, and they change only when an admin
// changes the directory: a commit that does publishes on the tenant's roles
// channel, and every process watching drops its copy.
type roleCache struct {
	mu       sync.Mutex
	watching map[string]bool // tenant -> subscribed now
	gen      map[string]int  // tenant -> bumped on every notice
	entries  map[string]roleEntry
}

// roleEntry is a tenant's copy: every notice drops it, so it is always of
// the current generation.
type roleEntry struct {
	changes []qunsu.RoleChange
	at      time.Time
}

// get returns the tenant's copy if it is kept and fresh; else the
// generation a read about to be made belongs to (see put).
func (c *roleCache) get(tenant string) ([]qunsu.RoleChange, int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[tenant]
	if ok && c.watching[tenant] && time.Since(e.at) < rolesFresh {
		return e.changes, c.gen[tenant], true
	}
	return nil, c.gen[tenant], false
}

// put keeps what was read unless a notice came in while it was being read.
func (c *roleCache) put(tenant string, changes []qunsu.RoleChange, gen int, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watching[tenant] && gen == c.gen[tenant] {
		c.entries[tenant] = roleEntry{changes: changes, at: at}
	}
}

// forget drops a tenant's copy, as this process changed the directory: its own
// next read must not wait for the notice to come back.
func (c *roleCache) forget(tenant string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != nil {
		c.gen[tenant]++
		delete(c.entries, tenant)
	}
}

// drop forgets a tenant's copy; watching says whether later reads may be kept.
func (c *roleCache) drop(tenant string, watching bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watching == nil {
		c.watching, c.gen, c.entries = map[string]bool{}, map[string]int{}, map[string]roleEntry{}
	}
	c.gen[tenant]++
	c.watching[tenant] = watching
	delete(c.entries, tenant)
}

// RoleChanges returns the directory changes made by command, oldest first.
func (s *Store) RoleChanges(ctx context.Context, tenant string) ([]qunsu.RoleChange, error) {
	changes, gen, ok := s.roles.get(tenant)
	if ok {
		return changes, nil
	}
	at := time.Now()
	raw, err := s.rdb.LRange(ctx, rolesKey(tenant), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("store: role changes: %w", err)
	}
	out := make([]qunsu.RoleChange, 0, len(raw))
	for _, r := range raw {
		var ch qunsu.RoleChange
		if err := json.Unmarshal([]byte(r), &ch); err != nil {
			return nil, fmt.Errorf("store: role change: %w", err)
		}
		out = append(out, ch)
	}
	s.roles.put(tenant, out, gen, at)
	return out, nil
}

// WatchRoles keeps the tenants' role changes in memory until ctx ends,
// listening for the notice every commit that changes them publishes. Without
// it, RoleChanges reads Redis every time.
func (s *Store) WatchRoles(ctx context.Context, tenants []string) {
	channels := make([]string, len(tenants))
	tenantOf := map[string]string{}
	for i, t := range tenants {
		channels[i] = rolesChannel(t)
		tenantOf[channels[i]] = t
	}
	sub := s.rdb.Subscribe(ctx, channels...)
	go func() {
		defer sub.Close()
		defer func() {
			for _, t := range tenants {
				s.roles.drop(t, false)
			}
		}()
		// Subscriptions are reported again after every reconnect: what was
		// published meanwhile is unknown, so the copy is dropped then too.
		in := sub.ChannelWithSubscriptions()
		for {
			select {
			case <-ctx.Done():
				return
			case msg, ok := <-in:
				if !ok {
					return
				}
				switch m := msg.(type) {
				case *redis.Subscription:
					s.roles.drop(tenantOf[m.Channel], m.Kind == "subscribe")
				case *redis.Message:
					s.roles.drop(tenantOf[m.Channel], true)
				}
			}
		}
	}()
}
