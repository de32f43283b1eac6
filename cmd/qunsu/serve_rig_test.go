package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/bot/console"
	"qunsu/internal/redistest"
	"qunsu/internal/syncbuf"
	"qunsu/store"
)

// serveRig is the real `qunsu serve` on port 0, with a redis-server of its
// own, on a simulated clock; the platform's settings come from the
// environment the caller set.
type serveRig struct {
	t     *testing.T
	base  string // http://addr
	clock *console.SimClock
	rdb   *redis.Client
	st    *store.Store
	logs  *syncbuf.Buffer
}

// startServe runs serve on the shipped configuration with head put before it
// (a platform's section) and the managers' chats set per platform. It stops
// when the test ends.
func startServe(t *testing.T, head string, managers map[string]string) *serveRig {
	r, _, stop := startServeWith(t, head, managers, nil)
	t.Cleanup(func() {
		if _, err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return r
}

// startServeWith is startServe with the engine's handler wrapped by inbound
// (nil: as it is), returning the rig's redis-server and a stop that ends serve
// as a signal does and says how long it took (later calls return the same).
func startServeWith(t *testing.T, head string, managers map[string]string,
	inbound func(qunsu.InboundHandler) qunsu.InboundHandler) (*serveRig, *redistest.Server, func() (time.Duration, error)) {
	srv := redistest.StartServer(t)
	chats := []string{"console: 管理层"}
	for _, platform := range slices.Sorted(maps.Keys(managers)) {
		chats = append(chats, platform+": "+managers[platform])
	}
	yaml := strings.Replace(string(mustRead(t, "../../config/default.yaml")),
		"managers: {console: 管理层}", "managers: {"+strings.Join(chats, ", ")+"}", 1)
	path := filepath.Join(t.TempDir(), "company.yaml")
	if err := os.WriteFile(path, []byte(head+yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("QUNSU_REDIS_URL", srv.URL())
	t.Setenv("QUNSU_HTTP_ADDR", "127.0.0.1:0")

	opts, _ := redis.ParseURL(srv.URL())
	r := &serveRig{t: t, clock: console.NewSimClock(time.Date(2026, 11, 22, 9, 0, 0, 0, shanghai(t))),
		rdb: redis.NewClient(opts), logs: &syncbuf.Buffer{}}
	r.st = store.New(r.rdb)
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--config", path}, &bytes.Buffer{}, serveEnv{clock: r.clock, log: r.logs,
			ready: func(a string) { addr <- a }, inbound: inbound})
	}()
	select {
	case a := <-addr:
		r.base = "http://" + a
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() { r.rdb.Close() }) // after stop's cleanup: cleanups run last first
	stop := sync.OnceValues(func() (time.Duration, error) {
		began := time.Now()
		cancel()
		select {
		case err := <-done:
			return time.Since(began), err
		case <-time.After(shutdownBound + 5*time.Second):
			return time.Since(began), fmt.Errorf("serve did not stop within %s\nlogs:\n%s", shutdownBound, r.logs.String())
		}
	})
	return r, srv, stop
}

// advance moves the simulated clock; the poller fires what came due.
func (r *serveRig) advance(d time.Duration) { r.clock.Set(r.clock.Now().Add(d)) }

// complaints counts the stored complaints of the demo tenant.
func (r *serveRig) complaints() int {
	all, err := r.st.Complaints(context.Background(), "demo", time.Unix(0, 0), time.Now().AddDate(1, 0, 0), false)
	if err != nil {
		r.t.Fatal(err)
	}
	return len(all)
}

// waitDrained waits until a platform's sender has taken every outbox entry.
func (r *serveRig) waitDrained(platform string, waitFor func(time.Duration, func() bool) bool) {
	r.t.Helper()
	ok := waitFor(15*time.Second, func() bool {
		n, _ := r.rdb.XLen(context.Background(), "{t:demo}:outbox").Result()
		groups, err := r.rdb.XInfoGroups(context.Background(), "{t:demo}:outbox").Result()
		if err != nil {
			return false
		}
		for _, g := range groups {
			if g.Name == platform {
				return g.Pending == 0 && g.EntriesRead == n
			}
		}
		return false
	})
	if !ok {
		r.t.Fatalf("the %s outbox was not drained\nlogs:\n%s", platform, r.logs.String())
	}
}
