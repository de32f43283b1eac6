package store

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu/internal/redistest"
	"qunsu/internal/serveproc"
)

// Commands that callers send at once go together, each with its own answer.
func TestCommandsSentAtOnceShareRoundTrips(t *testing.T) {
	rdb := redistest.Client(t)
	commands := redistest.CountCommands(rdb)
	s, tenant := New(rdb), redistest.Tenant(t)
	ctx := context.Background()
	const n = 400
	for i := range n {
		if i%2 == 0 { // every other key has nothing remembered
			continue
		}
		if err := s.Remember(ctx, tenant, fmt.Sprint("k", i), fmt.Sprint("v", i), 0); err != nil {
			t.Fatal(err)
		}
	}
	commands.Reset()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			v, ok, err := s.Recall(ctx, tenant, fmt.Sprint("k", i))
			if want := i%2 == 1; err != nil || ok != want || (ok && v != fmt.Sprint("v", i)) {
				t.Errorf("k%d: %q %v %v, want found %v", i, v, ok, err, want)
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := commands.RoundTrips(); got >= n/2 {
		t.Errorf("%d reads sent at once took %d round trips, want them to share", n, got)
	}
	t.Logf("%d reads in %d round trips", n, commands.RoundTrips())
}

// A script the server does not know (restarted, or SCRIPT FLUSH) is loaded
// and run; a caller that gives up gets its context's error.
func TestBatchedScriptsSurviveAFlushAndCallersMayGiveUp(t *testing.T) {
	rdb := redistest.Client(t)
	s := New(rdb)
	ctx := context.Background()
	script := redis.NewScript(`return ARGV[1] .. KEYS[1]`)
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := s.batch.script(ctx, script, []string{"{t:x}:k"}, "v-").Text()
	if err != nil || got != "v-{t:x}:k" {
		t.Fatalf("script after a flush: %q %v", got, err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.batch.script(gone, script, []string{"{t:x}:k"}, "v-").Err(); err != context.Canceled {
		t.Errorf("a caller that gave up got %v, want %v", err, context.Canceled)
	}
	if _, _, err := s.Recall(gone, "x", "k"); err == nil {
		t.Error("a read whose caller gave up reported no error")
	}
}

// A command whose caller gave up while it waited for its round trip is not
// sent: a stopping sender's claim would hold its message for a lease.
func TestCommandsGivenUpWhileWaitingAreNotSent(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := New(rdb), redistest.Tenant(t)
	ctx := context.Background()
	// Both runners busy for a moment: what comes now waits.
	var busy sync.WaitGroup
	for range batchRunners {
		busy.Add(1)
		go func() {
			defer busy.Done()
			s.batch.do(ctx, redis.NewCmd(ctx, "blpop", "{t:"+tenant+"}:nothing", 0.3))
		}()
	}
	time.Sleep(50 * time.Millisecond)
	gone, cancel := context.WithCancel(ctx)
	key := "{t:" + tenant + "}:given-up"
	done := make(chan error)
	go func() { done <- s.batch.do(gone, redis.NewStatusCmd(gone, "set", key, "1")) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("the caller that gave up got %v", err)
	}
	busy.Wait()
	time.Sleep(20 * time.Millisecond)
	if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Errorf("a command given up while waiting was sent (exists %d, %v)", n, err)
	}
}

// A command sent alone goes at once; what comes while it is under way (here,
// more than the runners can take) is still sent, and nothing is left behind.
func TestCommandsComingDuringALoneOneAreSent(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := New(rdb), redistest.Tenant(t)
	ctx := context.Background()
	lone := make(chan error)
	go func() {
		lone <- s.batch.do(ctx, redis.NewCmd(ctx, "blpop", "{t:"+tenant+"}:nothing", 0.2))
	}()
	time.Sleep(50 * time.Millisecond)
	var wg sync.WaitGroup
	for i := range 3 * batchRunners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.batch.do(ctx, redis.NewStatusCmd(ctx, "set", fmt.Sprint("{t:", tenant, "}:k", i), "1")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := <-lone; err != redis.Nil {
		t.Fatalf("the lone command: %v, want its timeout (nil reply)", err)
	}
	for i := range 3 * batchRunners {
		if n, _ := rdb.Exists(ctx, fmt.Sprint("{t:", tenant, "}:k", i)).Result(); n != 1 {
			t.Errorf("k%d was not written", i)
		}
	}
	// A runner counts itself out just after its last callers are answered.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		s.batch.mu.Lock()
		running, waiting := s.batch.running, len(s.batch.queue)
		s.batch.mu.Unlock()
		if running == 0 && waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after all: %d round trips under way, %d waiting; want none", running, waiting)
		}
	}
}

// A lone command through the batcher, next to the same command sent
// directly. The time is mostly the round trip's; cpu-us/op is this process's
// share (redis-server runs apart).
func BenchmarkLoneCommand(b *testing.B) {
	rdb := redistest.Client(b)
	s, tenant := New(rdb), redistest.Tenant(b)
	ctx := context.Background()
	key := "{t:" + tenant + "}:bench"
	send := map[string]func(redis.Cmder) error{
		"direct":  func(c redis.Cmder) error { return rdb.Process(ctx, c) },
		"batched": func(c redis.Cmder) error { return s.batch.do(ctx, c) },
	}
	for _, name := range []string{"direct", "batched"} {
		b.Run(name, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				if err := send[name](redis.NewStatusCmd(ctx, "set", key, "1")); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-us/op")
		})
	}
}

// cpuTime is the CPU time the process has used (user and system), in ticks
// of 10 ms; 0 where /proc cannot tell.
func cpuTime() time.Duration {
	d, _ := serveproc.CPUTime(os.Getpid())
	return d
}
