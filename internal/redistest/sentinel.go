package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// MasterName is the name the sentinel knows its master by.
const MasterName = "qunsu-test"

var (
	sentinelOnce   sync.Once
	sharedSentinel *Sentinel
	sentinelErr    error
)

// Sentinel is a redis-server master (AOF on, so it can be restarted on its
// data) and one sentinel monitoring it, in a temporary directory of their own.
// With no replica there is nothing to fail over to: a restarted master stays
// the master.
type Sentinel struct {
	dir      string
	Master   *Server
	sentinel *Server
}

// NewSentinel starts a master and its sentinel; Close stops both and removes
// their files. For TestMain, or wherever no testing.TB is at hand.
func NewSentinel() (*Sentinel, error) {
	dir, err := os.MkdirTemp("", "qunsu-sentinel-")
	if err != nil {
		return nil, err
	}
	s := &Sentinel{dir: dir}
	if err := s.start(); err != nil {
		s.Close()
		return nil, fmt.Errorf("redis sentinel: %w", err)
	}
	return s, nil
}

// StartSentinel starts a master and sentinel of the test's own, closed when
// the test ends.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	s, err := NewSentinel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// SharedSentinel returns the test binary's master and sentinel, starting them
// on first use; Main closes them. Tests on it stay apart by tenant.
func SharedSentinel(t testing.TB) *Sentinel {
	t.Helper()
	sentinelOnce.Do(func() { sharedSentinel, sentinelErr = NewSentinel() })
	if sentinelErr != nil {
		t.Fatal(sentinelErr)
	}
	return sharedSentinel
}

// SentinelURL is the shared sentinel's URL (see SharedSentinel).
func SentinelURL(t testing.TB) string {
	t.Helper()
	return SharedSentinel(t).URL()
}

func (s *Sentinel) start() error {
	mdir, sdir := filepath.Join(s.dir, "master"), filepath.Join(s.dir, "sentinel")
	for _, d := range []string{mdir, sdir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	var err error
	if s.Master, err = start(mdir); err != nil {
		return err
	}
	// A sentinel rewrites its configuration file, so it gets one of its own.
	conf := filepath.Join(sdir, "sentinel.conf")
	monitor := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1\n", MasterName, s.Master.port) +
		fmt.Sprintf("sentinel down-after-milliseconds %s 5000\n", MasterName)
	if err := os.WriteFile(conf, []byte(monitor), 0o644); err != nil {
		return err
	}
	s.sentinel, err = launch(sdir, func(port int) []string {
		return []string{conf, "--sentinel", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", sdir}
	})
	if err != nil {
		return err
	}
	return s.waitWatching()
}

// waitWatching waits until the sentinel names the master and has seen it
// answer.
func (s *Sentinel) waitWatching() error {
	rdb := redis.NewSentinelClient(&redis.Options{Addr: s.sentinel.Addr()})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		m, err := rdb.Master(ctx, MasterName).Result()
		if err == nil && m["flags"] == "master" && m["port"] == strconv.Itoa(s.Master.port) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the sentinel does not watch its master: %v %v", m, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// URL is the address of the master through the sentinel, as store.Open takes it.
func (s *Sentinel) URL() string {
	return fmt.Sprintf("redis+sentinel://%s/%s", s.sentinel.Addr(), MasterName)
}

// Flush empties the master, for a test that needs it with nothing in it.
func (s *Sentinel) Flush(t testing.TB) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: s.Master.Addr()})
	defer rdb.Close()
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatalf("flush %s: %v", s.Master.Addr(), err)
	}
}

// Close kills the sentinel and the master and removes their files.
func (s *Sentinel) Close() {
	if s.sentinel != nil {
		s.sentinel.Stop()
	}
	if s.Master != nil {
		s.Master.Stop()
	}
	os.RemoveAll(s.dir)
}
