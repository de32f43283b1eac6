// Package store keeps qunsu's state in Redis: complaints and their timelines,
// the deadline queue and the outbox. It works on a single server, Sentinel or
// Cluster through redis.UniversalClient.
package store

import (
	"fmt"
	"strings"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Open connects to Redis. It takes redis:// or rediss:// URLs (one server),
// "redis+cluster://host:port,host:port" (Cluster) and
// "redis+sentinel://master@host:port,host:port" (Sentinel).
func Open(url string) (redis.UniversalClient, error) {
	switch {
	case strings.HasPrefix(url, "redis+cluster://"):
		addrs := strings.Split(strings.TrimPrefix(url, "redis+cluster://"), ",")
		return redis.NewUniversalClient(&redis.UniversalOptions{Addrs: addrs, IsClusterMode: true}), nil
	case strings.HasPrefix(url, "redis+sentinel://"):
		master, hosts, ok := strings.Cut(strings.TrimPrefix(url, "redis+sentinel://"), "@")
		if !ok || master == "" {
			return nil, fmt.Errorf("store: sentinel URL wants redis+sentinel://master@host:port,...")
		}
		return redis.NewUniversalClient(&redis.UniversalOptions{MasterName: master, Addrs: strings.Split(hosts, ",")}), nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("store: redis URL %q: %w", url, err)
	}
	return redis.NewClient(opts), nil
}

// Embedded starts an in-process Redis-compatible server (miniredis) and returns
// a client of it and a function that stops both. State is lost at exit: it is
// for the console and demos only.
func Embedded() (redis.UniversalClient, func(), error) {
	srv, err := miniredis.Run()
	if err != nil {
		return nil, nil, fmt.Errorf("store: embedded: %w", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	return rdb, func() { rdb.Close(); srv.Close() }, nil
}
