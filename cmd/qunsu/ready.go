package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"qunsu"
)

// staleAfter is how long a loop may go without a heartbeat before it counts as
// stuck. It is above the longest a sound loop takes to go round: a read that
// waits 2 s, a command handled within 30 s, a backoff of up to 72 s while
// Redis or a platform is away.
const staleAfter = 90 * time.Second

// readiness answers /readyz: ready while Redis answers PING and every runner
// runs with each of its loops going round. It is the Meter the runners get, so
// it sees their heartbeats, and passes everything on.
type readiness struct {
	qunsu.Meter
	ping  func(context.Context) error
	stale time.Duration
	now   func() time.Time

	mu       sync.Mutex
	runners  map[string]*runnerState
	order    []string
	stopping bool
}

type runnerState struct {
	running bool
	beats   map[string]time.Time // by loop
}

func newReadiness(m qunsu.Meter, ping func(context.Context) error) *readiness {
	return &readiness{Meter: m, ping: ping, stale: staleAfter, now: time.Now, runners: map[string]*runnerState{}}
}

// expect names a runner that must run and beat for the service to be ready.
func (r *readiness) expect(runner string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runners[runner] = &runnerState{beats: map[string]time.Time{}}
	r.order = append(r.order, runner)
}

// running notes that a runner started or ended.
func (r *readiness) running(runner string, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.runners[runner]; st != nil {
		st.running = on
	}
}

// shuttingDown makes the service unready for good.
func (r *readiness) shuttingDown() {
	r.mu.Lock()
	r.stopping = true
	r.mu.Unlock()
}

func (r *readiness) Beat(runner, loop string) {
	r.mu.Lock()
	if st := r.runners[runner]; st != nil {
		st.beats[loop] = r.now()
	}
	r.mu.Unlock()
	r.Meter.Beat(runner, loop)
}

// problems says what is not ready; none when all is.
func (r *readiness) problems(ctx context.Context) []string {
	var out []string
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := r.ping(ctx); err != nil {
		out = append(out, "redis: "+err.Error())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopping {
		out = append(out, "shutting down")
	}
	now := r.now()
	for _, name := range r.order {
		st := r.runners[name]
		switch {
		case !st.running:
			out = append(out, name+": not running")
		case len(st.beats) == 0:
			out = append(out, name+": starting")
		}
		for _, loop := range slices.Sorted(maps.Keys(st.beats)) {
			if age := now.Sub(st.beats[loop]); age > r.stale {
				out = append(out, fmt.Sprintf("%s: %s: no progress for %s", name, loopName(loop), age.Round(time.Second)))
			}
		}
	}
	return out
}

func (r *readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if p := r.problems(req.Context()); len(p) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, strings.Join(p, "\n"))
		return
	}
	fmt.Fprintln(w, "ready")
}

func loopName(loop string) string {
	if loop == "" {
		return "loop"
	}
	return "loop " + loop
}
