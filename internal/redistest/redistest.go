// Package redistest gives tests real Redis deployments: a single redis-server
// (the one named by QUNSU_TEST_REDIS_URL, which test.sh starts, or else one it
// starts itself on a free loopback port), a three-master Redis Cluster, and a
// master watched by a Sentinel. Each is started at most once per test binary,
// on first use, and stopped by Main. Tests stay apart by tenant, since every
// key carries it.
package redistest

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

var (
	once    sync.Once
	shared  *Server
	url     string
	onceErr error
	counter atomic.Int64
)

// URL returns the address of the shared test server, starting it if needed.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if url = os.Getenv("QUNSU_TEST_REDIS_URL"); url != "" {
			return
		}
		dir, err := os.MkdirTemp("", "qunsu-redis-")
		if err != nil {
			onceErr = err
			return
		}
		shared, onceErr = start(dir)
		if onceErr == nil {
			url = shared.URL()
		}
	})
	if onceErr != nil {
		t.Fatalf("redis for tests: %v (install redis-server, or run ./test.sh)", onceErr)
	}
	return url
}

// Client returns a client of the shared test server, closed when the test ends.
func Client(t testing.TB) redis.UniversalClient {
	t.Helper()
	opts, err := redis.ParseURL(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Tenant returns a tenant name no other test uses.
func Tenant(t testing.TB) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(strings.ToLower(t.Name()))
	return fmt.Sprintf("%s-%d-%d", name, os.Getpid(), counter.Add(1))
}

// Stop stops every server, cluster and sentinel this package started for the
// test binary (Main calls it).
func Stop() {
	if shared != nil {
		shared.Stop()
		os.RemoveAll(shared.dir)
	}
	if sharedCluster != nil {
		sharedCluster.Close()
	}
	if sharedSentinel != nil {
		sharedSentinel.Close()
	}
}

// Main runs a package's tests and then stops what it started: call it from
// TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}
