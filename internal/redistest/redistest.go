// Package redistest gives tests a real redis-server: the one named by
// QUNSU_TEST_REDIS_URL (test.sh starts it), or else one it starts itself on a
// free loopback port. Tests stay apart by tenant, since every key carries it.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// Stop stops a server this package started for the test binary (call from TestMain).
func Stop() {
	if shared != nil {
		shared.Stop()
	}
}

// Server is a redis-server process of a test's own, with AOF on, that can be
// stopped and started again on the same data.
type Server struct {
	dir  string
	port int
	cmd  *exec.Cmd
}

// StartServer starts a redis-server of the test's own; it is stopped at the end.
func StartServer(t testing.TB) *Server {
	t.Helper()
	s, err := start(t.TempDir())
	if err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

func start(dir string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{dir: dir, port: port}
	return s, s.Start()
}

// Start (re)starts the server on its port and data directory.
func (s *Server) Start() error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return err
	}
	s.cmd = exec.Command(bin, "--port", fmt.Sprint(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "")
	s.cmd.Stdout, _ = os.Create(filepath.Join(s.dir, "redis.log"))
	s.cmd.Stderr = s.cmd.Stdout
	if err := s.cmd.Start(); err != nil {
		return err
	}
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", s.port)})
	defer rdb.Close()
	for i := 0; i < 100; i++ {
		if rdb.Ping(context.Background()).Err() == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on port %d did not answer", s.port)
}

// Stop stops the server (its data stays for Start).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// URL is the server's address.
func (s *Server) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Main runs a package's tests and then stops the server it started: call it
// from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}
