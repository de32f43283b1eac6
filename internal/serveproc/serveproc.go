// Package serveproc runs the real `qunsu serve` binary as child processes for
// drills and benchmarks: built once, started on a loopback address of its own,
// killed (SIGKILL, as a crash would) or stopped (SIGTERM), and measured from
// /proc (CPU time, peak RSS).
package serveproc

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build builds the qunsu binary into dir and returns its path.
func Build(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "qunsu")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	cmd := exec.Command(goTool, "build", "-o", bin, "qunsu/cmd/qunsu")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Environ is the environment without the variables starting with prefix, so
// that a developer's own settings do not leak into the children.
func Environ(prefix string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			out = append(out, kv)
		}
	}
	return out
}

// FreeAddr returns a loopback address nobody listens on now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Proc is one slot of a `qunsu serve` process: it keeps its address and log
// across restarts.
type Proc struct {
	N       int      // 1-based, for messages
	Addr    string   // QUNSU_HTTP_ADDR
	LogPath string   // stdout and stderr, appended to across restarts
	Args    []string // after the binary, e.g. serve --config f
	Env     []string
	Bin     string
	// Exited, if set, is told of every end the caller did not ask for.
	Exited func(p *Proc, err error)

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{} // closed when the current process has ended
	expected bool          // the caller is ending it
}

// Start starts the process and waits until /healthz answers 200.
func (p *Proc) Start() error {
	logf, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.Bin, p.Args...)
	cmd.Env = append(slices.Clone(p.Env), "QUNSU_HTTP_ADDR="+p.Addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	// A child outliving a killed test binary would hold ports and CPU.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("process %d: %w", p.N, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.expected = cmd, done, false
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logf.Close()
		p.mu.Lock()
		unexpected := !p.expected
		p.mu.Unlock()
		if unexpected && p.Exited != nil {
			p.Exited(p, err)
		}
		close(done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("process %d ended while starting\n%s", p.N, Tail(p.LogPath, 30))
		default:
		}
		if res, err := http.Get("http://" + p.Addr + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("process %d did not answer within a minute\n%s", p.N, Tail(p.LogPath, 30))
}

// Alive reports whether the process runs.
func (p *Proc) Alive() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Pid is the running process's id.
func (p *Proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// Kill ends the process at once, as a crash or the OOM killer would.
func (p *Proc) Kill() {
	p.mu.Lock()
	p.expected = true
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Stop asks the process to stop (SIGTERM) and returns how it ended; after
// 30 s it is killed.
func (p *Proc) Stop() error {
	p.mu.Lock()
	p.expected = true
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		if !cmd.ProcessState.Success() {
			return fmt.Errorf("process %d: %s", p.N, cmd.ProcessState)
		}
		return nil
	case <-time.After(30 * time.Second):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return fmt.Errorf("process %d did not stop within 30 s of SIGTERM", p.N)
	}
}

// Tail returns the last n lines of a file.
func Tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
