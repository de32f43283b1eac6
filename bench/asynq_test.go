package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// asynqFired is the list the asynq workers append each handled task to:
// "<id> <due ms> <handled ms>".
const asynqFired = "bench:asynq:fired"

// asynqEnv names the Redis address a re-run test binary serves asynq tasks from.
const asynqEnv = "BENCH_ASYNQ_REDIS"

// TestAsynqWorker is not a test of its own: the benchmark runs the test binary
// again as asynq worker processes (with BENCH_ASYNQ_REDIS set), so that
// asynq's workers are separate processes as qunsu's are. asynq runs as
// shipped, apart from a concurrency equal to qunsu's poller's.
func TestAsynqWorker(t *testing.T) {
	addr := os.Getenv(asynqEnv)
	if addr == "" {
		t.Skip("run by TestBench as an asynq worker process")
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	mux := asynq.NewServeMux()
	mux.HandleFunc("reminder", func(ctx context.Context, task *asynq.Task) error {
		return rdb.RPush(ctx, asynqFired, fmt.Sprintf("%s %d", task.Payload(), time.Now().UnixMilli())).Err()
	})
	srv := asynq.NewServer(asynq.RedisClientOpt{Addr: addr}, asynq.Config{Concurrency: 8, LogLevel: asynq.WarnLevel})
	if err := srv.Run(mux); err != nil { // until SIGTERM
		t.Fatal(err)
	}
}

// asynqWorker is one worker process.
type asynqWorker struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func startAsynqWorker(t *testing.T, addr, logPath string) *asynqWorker {
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAsynqWorker$", "-test.count=1")
	cmd.Env = append(os.Environ(), asynqEnv+"="+addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &asynqWorker{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(w.done) }()
	t.Cleanup(func() { w.kill() })
	return w
}

func (w *asynqWorker) kill() {
	w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.done
}

func (w *asynqWorker) stop() {
	select {
	case <-w.done:
		return // killed already
	default:
	}
	w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(15 * time.Second):
		w.kill()
	}
}

// enqueueAsynq schedules the tasks with ids from..to-1 through asynq's
// client, each due at dueAt(id). Many at once: this is set-up.
func enqueueAsynq(t *testing.T, addr string, from, to int, dueAt func(id int) time.Time) {
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: addr, PoolSize: 64})
	defer client.Close()
	var next atomic.Int64
	next.Store(int64(from))
	var failed atomic.Value
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				id := int(next.Add(1)) - 1
				if id >= to || failed.Load() != nil {
					return
				}
				at := dueAt(id)
				task := asynq.NewTask("reminder", []byte(fmt.Sprintf("%d %d", id, at.UnixMilli())))
				if _, err := client.Enqueue(task, asynq.ProcessAt(at), asynq.TaskID(strconv.Itoa(id))); err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		t.Fatalf("asynq enqueue: %v", err)
	}
}

// asynqLateness reads what the workers handled, for the tasks with ids below due.
func asynqLateness(t *testing.T, rdb *redis.Client, due int) lateness {
	lines, err := rdb.LRange(context.Background(), asynqFired, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	var l lateness
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("asynq worker wrote %q", line)
		}
		id, _ := strconv.Atoi(f[0])
		dueMs, _ := strconv.ParseInt(f[1], 10, 64)
		atMs, _ := strconv.ParseInt(f[2], 10, 64)
		if id >= due {
			continue
		}
		seen[id]++
		if seen[id] > 1 {
			l.doubled++
			continue
		}
		l.note(time.UnixMilli(atMs), time.UnixMilli(dueMs))
	}
	l.miss = due - len(seen)
	return l
}

// runAsynq runs asynq's side: sc.pending tasks queued, sc.due of them due
// within the window, which opens 5 s after they are queued; three
// worker processes, one killed halfway.
func runAsynq(t *testing.T, r *rig, sc scale) lateness {
	addr := r.redis.Addr()
	began := time.Now()
	// The far ones first (ids sc.due and up), so that the due ones are queued
	// last, just before the window opens.
	far, span := began.Add(time.Hour), 30*24*time.Hour
	enqueueAsynq(t, addr, sc.due, sc.pending, func(id int) time.Time {
		return far.Add(time.Duration(int64(span) / int64(sc.pending) * int64(id)))
	})
	t.Logf("asynq: %d far tasks queued in %.1fs", sc.pending-sc.due, time.Since(began).Seconds())
	window := time.Duration(sc.dueWindow * float64(time.Second))
	start := time.Now().Add(5 * time.Second)
	enqueueAsynq(t, addr, 0, sc.due, func(id int) time.Time {
		return start.Add(time.Duration(int64(window) * int64(id) / int64(sc.due))).Truncate(time.Millisecond)
	})
	var workers []*asynqWorker
	for i := 1; i <= 3; i++ {
		workers = append(workers, startAsynqWorker(t, addr, filepath.Join(r.dir, fmt.Sprintf("asynq-%d.log", i))))
	}
	if sc.kill {
		time.Sleep(time.Until(start.Add(window / 2)))
		workers[1].kill()
	}
	// asynq takes a dead worker's tasks back after its 30 s lease, when its recoverer next looks (every minute).
	deadline := start.Add(window + 100*time.Second)
	for time.Now().Before(deadline) {
		if n, _ := r.rdb.LLen(context.Background(), asynqFired).Result(); n >= int64(sc.due) {
			break
		}
		time.Sleep(time.Second)
	}
	for _, w := range workers {
		w.stop()
	}
	return asynqLateness(t, r.rdb, sc.due)
}
