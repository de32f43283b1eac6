package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/config"
	"qunsu/handlers"
)

// shippedSettings is the demo tenant of the shipped configuration.
func shippedSettings(t *testing.T) *qunsu.Settings {
	s, err := config.Default().Tenants[0].Settings()
	if err != nil {
		t.Fatal(err)
	}
	return &s
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var projects = []string{"翡翠湾", "云栖苑", "锦绣城", "滨江府"}

// reportComplaints reports n complaints through the real engine, by the
// customer-relations head, and returns their ids. Many at once: this is
// set-up, not a measured figure. They are reported on the console, so that
// the answers to the reports do not queue up in one Slack channel (a post a
// second); what goes to the complaints' own channels goes to Slack.
func reportComplaints(t *testing.T, r *rig, s *qunsu.Settings, n int, at time.Time) []string {
	e := &handlers.Engine{Store: r.st, Clock: fixedClock{at}, Tenants: map[string]*qunsu.Settings{s.Tenant: s}}
	reporter := s.Directory.Resolve(qunsu.RoleCRHead, "", "")[0]
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				text := fmt.Sprintf("上报 项目=%s 户数=%d 类别=交付 描述=bench-%d", projects[i%len(projects)], 6+i%40, i)
				in := qunsu.Inbound{Tenant: s.Tenant, Platform: "console", Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "console", ID: "console"},
					User: reporter, Text: text, At: at, ID: fmt.Sprintf("bench-report-%d", i)}
				if err := e.Handle(context.Background(), in); err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		t.Fatalf("reporting: %v", err)
	}
	ids, err := r.rdb.ZRange(context.Background(), "{t:"+s.Tenant+"}:all", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < n {
		t.Fatalf("reported %d complaints, %d stored", n, len(ids))
	}
	return ids
}

// earliestTimers returns, for each of the complaints, its earliest queued timer.
func earliestTimers(t *testing.T, r *rig, tenant string, complaints []string) map[string]qunsu.Timer {
	want := make(map[string]bool, len(complaints))
	for _, id := range complaints {
		want[id] = true
	}
	out := make(map[string]qunsu.Timer, len(complaints))
	best := make(map[string]float64, len(complaints))
	// The set-up scans the queue; the product never does.
	iter := r.rdb.ZScan(context.Background(), "{t:"+tenant+"}:timers", 0, "task|*", 10_000).Iterator()
	var member string
	for i := 0; iter.Next(context.Background()); i++ {
		if i%2 == 0 {
			member = iter.Val()
			continue
		}
		score, _ := strconv.ParseFloat(iter.Val(), 64)
		tm, err := qunsu.ParseTimer(member)
		if err != nil || !want[tm.Complaint] {
			continue
		}
		if b, ok := best[tm.Complaint]; !ok || score < b {
			best[tm.Complaint], out[tm.Complaint] = score, tm
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// addFillers queues timers of complaints that are not stored (their firing
// would find nothing), due between from and to, until the queue holds total.
// They stand for the deadlines of every other complaint, which the benchmark
// never reaches.
func addFillers(t *testing.T, r *rig, s *qunsu.Settings, total int, from, to time.Time) {
	ctx := context.Background()
	key := "{t:" + s.Tenant + "}:timers"
	have, err := r.rdb.ZCard(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	n := total - int(have)
	span := to.Sub(from)
	const batch = 2000
	for i := 0; i < n; i += batch {
		pipe := r.rdb.Pipeline()
		zs := make([]redis.Z, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			// 300,000 complaints of December, each with a timer of every task.
			c := j % 300_000
			task := s.Tasks[j/300_000%len(s.Tasks)].Key
			tm := qunsu.Timer{Complaint: fmt.Sprintf("QS-2026%04d-%04d", 1201+c/10_000, c%10_000), Task: task, Stage: 1}
			due := from.Add(time.Duration(int64(span) / int64(n) * int64(j)))
			zs = append(zs, redis.Z{Score: float64(due.UnixMilli()), Member: tm.Member()})
		}
		pipe.ZAdd(ctx, key, zs...)
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := r.rdb.ZCard(ctx, key).Result(); got != int64(total) {
		t.Fatalf("%d timers queued, want %d (filler members collided)", got, total)
	}
}

// idOf is the stream entry id's milliseconds: when Redis wrote the entry.
func idMillis(id string) int64 {
	ms, _, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseInt(ms, 10, 64)
	return n
}

// waitDrained waits until the platform's sender has posted everything in the
// outbox, or timeout passes; it reports whether it had.
func waitDrained(r *rig, tenant, platform string, timeout time.Duration) bool {
	return waitFor(timeout, func() bool {
		lag, pending, err := r.st.OutboxDepth(context.Background(), tenant, platform)
		return err == nil && lag == 0 && pending == 0
	})
}
