package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/serveproc"
	"qunsu/internal/slackfake"
)

// lateness is what became of a set of due timers: how late each fired (or
// was delivered), and how many fired early, twice, or never.
type lateness struct {
	late                 latencies
	at                   []time.Time // when each fired
	early, doubled, miss int
	first, last          time.Time // the earliest and latest firing
}

// since is how long after start each fired, sorted.
func (l lateness) since(start time.Time) latencies {
	out := make(latencies, len(l.at))
	for i, at := range l.at {
		out[i] = at.Sub(start)
	}
	return out.sorted()
}

func (l lateness) row(name string) []string {
	s := l.late.sorted()
	return []string{name, fmt.Sprint(len(l.late)), ms(s.quantile(0.5)), ms(s.quantile(0.99)), ms(s.quantile(1)),
		fmt.Sprint(l.early), fmt.Sprint(l.doubled), fmt.Sprint(l.miss)}
}

var latenessHead = []string{"", "fired", "p50 late", "p99 late", "max late", "early", "doubled", "missed"}

// dueSet is the timers a run waits for, by queue member, with their due time.
type dueSet map[string]time.Time

// spread gives each timer a due time within [from, from+window), evenly.
func spread(timers []qunsu.Timer, from time.Time, window time.Duration) dueSet {
	out := make(dueSet, len(timers))
	for i, tm := range timers {
		out[tm.Member()] = from.Add(time.Duration(int64(window) * int64(i) / int64(len(timers)))).Truncate(time.Millisecond)
	}
	return out
}

// schedule queues the set through the store, which wakes the pollers.
func (d dueSet) schedule(t *testing.T, r *rig, tenant string) {
	var all []qunsu.Scheduled
	for member, due := range d {
		tm, _ := qunsu.ParseTimer(member)
		all = append(all, qunsu.Scheduled{Timer: tm, Due: due})
	}
	for chunk := range slices.Chunk(all, 1000) {
		if err := r.st.Schedule(context.Background(), tenant, chunk...); err != nil {
			t.Fatal(err)
		}
	}
}

// committed reads, from the outbox, when each timer of the set had its
// reminder written: an entry's id is Redis's clock when it was added, and a
// reminder's first message carries the timer as its key.
func (d dueSet) committed(t *testing.T, r *rig, tenant string, since time.Time) lateness {
	seen := map[string]int{}
	var l lateness
	start := fmt.Sprintf("%d-0", since.UnixMilli()) // what was written before is not the set's
	for {
		entries, err := r.rdb.XRangeN(context.Background(), "{t:"+tenant+"}:outbox", start, "+", 10_000).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			key, _ := e.Values["k"].(string)
			due, ok := d[key]
			if !ok {
				continue
			}
			seen[key]++
			if seen[key] > 1 {
				l.doubled++
				continue
			}
			at := time.UnixMilli(idMillis(e.ID))
			l.note(at, due)
		}
		if len(entries) < 10_000 {
			break
		}
		start = "(" + entries[len(entries)-1].ID
	}
	l.miss = len(d) - len(seen)
	return l
}

func (l *lateness) note(at, due time.Time) {
	if at.Before(due) {
		l.early++
	}
	l.late = append(l.late, max(at.Sub(due), 0))
	l.at = append(l.at, at)
	if l.first.IsZero() || at.Before(l.first) {
		l.first = at
	}
	if at.After(l.last) {
		l.last = at
	}
}

// delivered reads, from the local Slack, when each timer's reminder was posted
// (its metadata carries the key).
func (d dueSet) delivered(r *rig, since time.Time) lateness {
	seen := map[string]int{}
	var l lateness
	calls, _ := r.slack.CallsFrom(0, "chat.postMessage")
	for _, c := range calls {
		key, ok := d.posted(c, since)
		if !ok {
			continue
		}
		seen[key]++
		if seen[key] > 1 {
			l.doubled++
			continue
		}
		l.note(c.At, d[key])
	}
	l.miss = len(d) - len(seen)
	return l
}

// posted returns the timer whose reminder a call posted, if it is the set's.
func (d dueSet) posted(c slackfake.Call, since time.Time) (string, bool) {
	if c.Error != "" || c.Status != 200 || c.At.Before(since) {
		return "", false
	}
	var meta struct {
		Payload struct {
			Key string `json:"key"`
		} `json:"event_payload"`
	}
	json.Unmarshal([]byte(c.Params["metadata"]), &meta)
	_, ok := d[meta.Payload.Key]
	return meta.Payload.Key, ok
}

// waitCommitted waits until every timer of the set has its reminder written,
// or timeout passes.
// (It looks every 2 s: looking costs the machine the run is measuring.)
func (d dueSet) waitCommitted(t *testing.T, r *rig, tenant string, since time.Time, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if d.committed(t, r, tenant, since).miss == 0 {
			return
		}
		time.Sleep(2 * time.Second)
	}
}

// waitDelivered waits until every timer of the set has its reminder posted,
// or timeout passes. It looks every 200 ms at the posts made since it last
// looked, so that looking costs the machine the run measures next to nothing.
func (d dueSet) waitDelivered(r *rig, since time.Time, timeout time.Duration) {
	seen := map[string]bool{}
	next := 0
	waitUntil(timeout, 200*time.Millisecond, func() bool {
		var calls []slackfake.Call
		calls, next = r.slack.CallsFrom(next, "chat.postMessage")
		for _, c := range calls {
			if key, ok := d.posted(c, since); ok {
				seen[key] = true
			}
		}
		return len(seen) == len(d)
	})
}

// peakRSS reads the peak resident memory of the running processes.
func peakRSS(t *testing.T, procs []*serveproc.Proc) int64 {
	var peak int64
	for _, p := range procs {
		if !p.Alive() {
			continue
		}
		if rss, err := serveproc.PeakRSS(p.Pid()); err == nil {
			peak = max(peak, rss)
		} else {
			t.Logf("qunsu %d: %v", p.N, err)
		}
	}
	return peak
}

func resetPeakRSS(procs []*serveproc.Proc) {
	for _, p := range procs {
		if p.Alive() {
			serveproc.ResetPeakRSS(p.Pid())
		}
	}
}

// checkTimers fails the test for what must hold at any speed.
func checkTimers(t *testing.T, what string, l lateness) {
	if l.early > 0 || l.doubled > 0 || l.miss > 0 {
		t.Errorf("%s: %d early, %d doubled, %d missed; want none", what, l.early, l.doubled, l.miss)
	}
}
