package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startTimeout bounds how long one redis-server may take to answer.
const startTimeout = 10 * time.Second

// Server is a redis-server process of a test's own that can be stopped and
// started again on the same port and data.
type Server struct {
	dir    string
	port   int
	argv   func(port int) []string // the arguments after the binary
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has ended
}

// StartServer starts a redis-server of the test's own, with AOF on; it is
// stopped at the end.
func StartServer(t testing.TB) *Server {
	t.Helper()
	s, err := start(t.TempDir())
	if err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartServerWith starts a redis-server of the test's own with the given
// settings (e.g. "--appendfsync", "everysec") instead of StartServer's AOF
// fsynced on every write; it is stopped at the end.
func StartServerWith(t testing.TB, settings ...string) *Server {
	t.Helper()
	dir := t.TempDir()
	s, err := launch(dir, func(port int) []string {
		return append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""}, settings...)
	})
	if err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// start starts a redis-server in dir with AOF fsynced on every write, so that
// a stop and start loses nothing.
func start(dir string) (*Server, error) {
	return launch(dir, func(port int) []string {
		return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--appendonly", "yes", "--appendfsync", "always", "--save", ""}
	})
}

// launch starts a server on a free port with the arguments argv gives for it.
// A port taken by someone else between finding and binding it is retried.
func launch(dir string, argv func(port int) []string) (*Server, error) {
	var err error
	for try := 0; try < 3; try++ {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		s := &Server{dir: dir, port: port, argv: argv}
		if err = s.Start(); err == nil {
			return s, nil
		}
	}
	return nil, err
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start (re)starts the server on its port and data directory, and waits until
// this very process answers there.
func (s *Server) Start() error {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(bin, s.argv(s.port)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	killWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(s.exited)
	if err := s.waitServing(cmd.Process.Pid); err != nil {
		s.Stop()
		return err
	}
	return nil
}

// waitServing waits until the process pid answers on the server's port (not
// some other server that took the port).
func (s *Server) waitServing(pid int) error {
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	want := fmt.Sprintf("process_id:%d\r\n", pid)
	for {
		if info, err := rdb.Info(ctx, "server").Result(); err == nil {
			if strings.Contains(info, want) {
				return nil
			}
			return fmt.Errorf("port %d is served by another process", s.port)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("redis-server on port %d exited; see %s", s.port, filepath.Join(s.dir, "redis.log"))
		case <-ctx.Done():
			return fmt.Errorf("redis-server on port %d did not answer within %v", s.port, startTimeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop kills the server (its data stays for Start).
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		fmt.Fprintf(os.Stderr, "redistest: kill redis-server on port %d: %v\n", s.port, err)
	}
	<-s.exited
	s.cmd = nil
}

// URL is the server's address.
func (s *Server) URL() string { return fmt.Sprintf("redis://%s/0", s.Addr()) }

// Addr is the server's host:port.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }
