package handlers

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/internal/serveproc"
	"qunsu/store"
)

// BenchmarkSummary builds the daily and the monthly summary of 10,000 open
// complaints over 200 projects (and 1,000 closed), as the command 汇总 and the
// daily job do: for profiling (go test -bench Summary -cpuprofile …).
// bench/summary_test.go measures the same through the whole system.
func BenchmarkSummary(b *testing.B) {
	s := settings(b)
	s.Tenant = redistest.Tenant(b)
	st := store.New(redistest.Client(b))
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, s.Location)
	seedSummaryBench(b, st, s, now, 10_000, 1_000, 200)
	e := &Engine{Store: st, Clock: fixedClock{now}, Tenants: map[string]*qunsu.Settings{s.Tenant: s}}
	for _, kind := range []string{"today", "month"} {
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if _, _, err := e.summary(context.Background(), s, kind, now, now, s.Lang); err != nil {
					b.Fatal(err)
				}
			}
			// On a shared machine the CPU time is steadier than the time taken.
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// seedSummaryBench stores open complaints and closed ones over projects,
// reported in the two months before now, built as a report builds them, with
// most members acknowledged and most past deadlines done.
func seedSummaryBench(b *testing.B, st *store.Store, s *qunsu.Settings, now time.Time, open, closed, projects int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(6, 10))
	seq := map[string]int{}
	for i := 0; i < open+closed; i++ {
		at := now.Add(-time.Duration(rng.Int64N(int64(61 * 24 * time.Hour)))).Truncate(time.Second)
		if i >= open {
			at = now.Add(-48*time.Hour - time.Duration(rng.Int64N(int64(59*24*time.Hour)))).Truncate(time.Second)
		}
		rep := qunsu.Report{Project: fmt.Sprintf("项目%d期", rng.IntN(projects)+1), Households: 1 + rng.IntN(80),
			Category: qunsu.Categories[rng.IntN(len(qunsu.Categories))].Key, Summary: "延期交付三个月", OccurredAt: at}
		if rng.IntN(5) == 0 {
			rep.Actions = []qunsu.Action{qunsu.ActionBanner}
		}
		c := &qunsu.Complaint{Tenant: s.Tenant, Report: rep, ReportedAt: at, ReportedBy: "zhangwei", Status: qunsu.StatusOpen,
			Origin: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "slack", ID: "C0REPORTS"}}
		c.Assessment = qunsu.Assess(c.Facts(at), s.Policy)
		c.Grade = c.Assessment.Grade
		team, _ := qunsu.TeamFor(c, s)
		c.JoinTeam(team)
		qunsu.PlanTasks(c, s, qunsu.OnReport, at)
		day := at.In(s.Location).Format("20060102")
		seq[day]++
		c.ID = qunsu.ComplaintID(at.In(s.Location), seq[day])
		for _, m := range c.Unacked() {
			if rng.IntN(100) < 85 {
				c.Ack(m, at.Add(20*time.Minute))
			}
		}
		for j := range c.Tasks {
			if t := &c.Tasks[j]; !t.Done() && t.Due.Before(now) && rng.IntN(100) < 80 {
				t.DoneAt, t.DoneBy = t.Due.Add(-time.Hour), "zhangwei"
			}
		}
		if i >= open {
			closedAt := at.Add(24 * time.Hour)
			c.Status, c.ClosedAt, c.CloseNote = qunsu.StatusAftercare, closedAt, "已按方案完成整改"
			qunsu.PlanTasks(c, s, qunsu.OnClose, closedAt)
		}
		if err := st.Commit(ctx, qunsu.Change{Tenant: s.Tenant, Complaint: c}); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the CPU time the process has used (user and system), in ticks
// of 10 ms; 0 where /proc cannot tell.
func cpuTime() time.Duration {
	d, _ := serveproc.CPUTime(os.Getpid())
	return d
}
