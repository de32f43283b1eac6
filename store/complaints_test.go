package store_test

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"qunsu"
	"qunsu/internal/redistest"
	"qunsu/store"
)

// commitAt stores a new complaint reported at, with status, and returns it.
func commitAt(t *testing.T, s *store.Store, tenant, id string, at time.Time, status qunsu.Status) *qunsu.Complaint {
	t.Helper()
	c := &qunsu.Complaint{Tenant: tenant, ID: id, Status: status, ReportedAt: at,
		Report: qunsu.Report{Project: "翡翠湾", Households: 35},
		Tasks:  []qunsu.Task{{Key: "hq_report", Name: qunsu.Text{qunsu.LangZH: "报备总部", qunsu.LangEN: "Report to HQ"}, Due: at.Add(6 * time.Hour)}}}
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: c}); err != nil {
		t.Fatal(err)
	}
	return c
}

func ids(cs []*qunsu.Complaint) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// What a summary covers: every complaint reported in the period, dissolved or
// not, oldest first; then the others not dissolved, oldest first; each once.
func TestOpenOrReportedCoversThePeriodThenTheOpen(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		day := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		commitAt(t, s, tenant, "QS-20261120-001", day.Add(-48*time.Hour), qunsu.StatusOpen)      // before, open
		commitAt(t, s, tenant, "QS-20261120-002", day.Add(-47*time.Hour), qunsu.StatusDissolved) // before, dissolved
		commitAt(t, s, tenant, "QS-20261122-003", day.Add(15*time.Hour), qunsu.StatusAftercare)  // in, closed
		commitAt(t, s, tenant, "QS-20261122-001", day.Add(9*time.Hour), qunsu.StatusOpen)        // in, open
		commitAt(t, s, tenant, "QS-20261122-002", day.Add(10*time.Hour), qunsu.StatusDissolved)  // in, dissolved
		commitAt(t, s, tenant, "QS-20261121-001", day.Add(-2*time.Hour), qunsu.StatusAftercare)  // before, closed
		commitAt(t, s, tenant, "QS-20261123-001", day.Add(24*time.Hour), qunsu.StatusOpen)       // after, open

		got, err := s.OpenOrReported(ctx, tenant, day, day.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"QS-20261122-001", "QS-20261122-002", "QS-20261122-003",
			"QS-20261120-001", "QS-20261121-001", "QS-20261123-001"}
		if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
			t.Fatalf("covered %v, want %v", ids(got), want)
		}
		for _, c := range got {
			if c.Version != 1 || c.Households != 35 || c.Tasks[0].Name.In(qunsu.LangEN) != "Report to HQ" {
				t.Errorf("%s decoded as %+v", c.ID, c)
			}
		}
	})
}

// A complaint reported before the period and closed in it is covered even
// once dissolved (the summary counts it closed that day); one closed before,
// or reopened since, is not.
func TestOpenOrReportedCoversTheClosedOfThePeriod(t *testing.T) {
	onEach(t, func(t *testing.T, s *store.Store, tenant string) {
		day := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		closeAt := func(id string, reported, closed time.Time, status qunsu.Status) *qunsu.Complaint {
			c := commitAt(t, s, tenant, id, reported, qunsu.StatusOpen)
			c.Version, c.Status, c.ClosedAt = 1, status, closed
			if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: c}); err != nil {
				t.Fatal(err)
			}
			return c
		}
		closeAt("QS-20261001-001", day.AddDate(0, -2, 0), day.Add(10*time.Hour), qunsu.StatusDissolved) // closed in the day, dissolved
		closeAt("QS-20261002-001", day.AddDate(0, -2, 0), day.Add(-time.Hour), qunsu.StatusDissolved)   // closed the day before
		reopened := closeAt("QS-20261003-001", day.AddDate(0, -2, 0), day.Add(11*time.Hour), qunsu.StatusDissolved)
		reopened.Version, reopened.Status, reopened.ClosedAt = 2, qunsu.StatusDissolved, time.Time{} // not closed now
		if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: reopened}); err != nil {
			t.Fatal(err)
		}
		commitAt(t, s, tenant, "QS-20261122-001", day.Add(9*time.Hour), qunsu.StatusOpen)

		got, err := s.OpenOrReported(ctx, tenant, day, day.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"QS-20261122-001", "QS-20261001-001"}; fmt.Sprint(ids(got)) != fmt.Sprint(want) {
			t.Fatalf("covered %v, want %v", ids(got), want)
		}
	})
}

// Thousands of complaints are read in batches; all come back in order,
// decoded with their versions, and one whose hash is gone is left out.
func TestComplaintsReadsManyInOrder(t *testing.T) {
	const n = 700
	s := store.New(redistest.Client(t))
	tenant := redistest.Tenant(t)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for i := 0; i < n; i++ {
		c := commitAt(t, s, tenant, fmt.Sprintf("QS-20261101-%03d", i+1), start.Add(time.Duration(i)*time.Minute), qunsu.StatusOpen)
		if i%3 == 0 {
			c.Version = 1
			c.Households = 36
			if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: c}); err != nil {
				t.Fatal(err)
			}
		}
		if i != 300 {
			want = append(want, c.ID)
		}
	}
	gone := fmt.Sprintf("{t:%s}:c:QS-20261101-301", tenant)
	if err := redistest.Client(t).Del(ctx, gone).Err(); err != nil {
		t.Fatal(err)
	}
	for _, openOnly := range []bool{true, false} {
		got, err := s.Complaints(ctx, tenant, start, start.Add(24*time.Hour), openOnly)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
			t.Fatalf("openOnly %v: %d complaints, want %d in order", openOnly, len(got), len(want))
		}
		for _, c := range got {
			var i int
			fmt.Sscanf(c.ID, "QS-20261101-%d", &i)
			wantVersion, wantHouseholds := int64(1), 35
			if (i-1)%3 == 0 {
				wantVersion, wantHouseholds = 2, 36
			}
			if c.Version != wantVersion || c.Households != wantHouseholds {
				t.Fatalf("%s: version %d, %d households; want %d, %d", c.ID, c.Version, c.Households, wantVersion, wantHouseholds)
			}
		}
	}
}

// A complaint that does not decode fails the whole read, in the first batch
// (while the next is being read) as in the last.
func TestComplaintsReadFailsOnOneThatDoesNotDecode(t *testing.T) {
	const n = 600
	s := store.New(redistest.Client(t))
	tenant := redistest.Tenant(t)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		commitAt(t, s, tenant, fmt.Sprintf("QS-20261101-%03d", i+1), start.Add(time.Duration(i)*time.Minute), qunsu.StatusOpen)
	}
	// A first read builds the closed index (reading each complaint once, a
	// batch at a time), so that those below go through the report's read.
	if got, err := s.OpenOrReported(ctx, tenant, start, start.Add(24*time.Hour)); err != nil || len(got) != n {
		t.Fatalf("first read: %d complaints, %v; want %d", len(got), err, n)
	}
	for _, broken := range []int{5, n} {
		key := fmt.Sprintf("{t:%s}:c:QS-20261101-%03d", tenant, broken)
		saved, err := redistest.Client(t).HGet(ctx, key, "j").Result()
		if err != nil {
			t.Fatal(err)
		}
		redistest.Client(t).HSet(ctx, key, "j", "{not json")
		got, err := s.OpenOrReported(ctx, tenant, start, start.Add(24*time.Hour))
		if err == nil || !strings.Contains(err.Error(), "decode complaint") {
			t.Errorf("complaint %d broken: %d complaints, error %v; want a decode error", broken, len(got), err)
		}
		redistest.Client(t).HSet(ctx, key, "j", saved)
	}
	got, err := s.OpenOrReported(ctx, tenant, start, start.Add(24*time.Hour))
	if err != nil || len(got) != n {
		t.Fatalf("mended: %d complaints, %v; want %d", len(got), err, n)
	}
}

// Complaints read for a report come without what no report shows (the team,
// the origin chat, the grading reasons), and can never be saved back: a
// change built on one would lose the team.
func TestComplaintsReadForAReportAreNeverSaved(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	c := &qunsu.Complaint{Tenant: tenant, ID: "QS-20261122-001", Status: qunsu.StatusOpen, ReportedAt: at,
		Report:     qunsu.Report{Project: "翡翠湾", Households: 35},
		Origin:     qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "slack", ID: "C1"},
		Assessment: qunsu.Assessment{Grade: "major", Reasons: []qunsu.Reason{{Field: "households", Value: 35}}},
		Team:       []qunsu.Member{{Person: "zhangwei", Role: "cr_head"}}}
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: c}); err != nil {
		t.Fatal(err)
	}
	got, err := s.OpenOrReported(ctx, tenant, at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil || len(got) != 1 {
		t.Fatalf("read %d, %v", len(got), err)
	}
	r := got[0]
	if r.Households != 35 || r.Version != 1 || len(r.Team) != 0 || r.Origin.ID != "" || len(r.Assessment.Reasons) != 0 {
		t.Errorf("read for a report as %+v", r)
	}
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: r}); err == nil {
		t.Fatal("a complaint read for a report was saved")
	}
	full, err := s.Complaint(ctx, tenant, c.ID)
	if err != nil || len(full.Team) != 1 || full.Version != 1 {
		t.Fatalf("the stored complaint: %+v, %v", full, err)
	}
}

// Complaints read for a report keep only what they hold, not the whole JSON
// they were decoded from: ten thousand open complaints are read at once.
func TestComplaintsReadForAReportHoldOnlyTheirOwnStrings(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	const n = 2000
	var team []qunsu.Member // about 4 KB of JSON that no report reads
	for i := range 40 {
		team = append(team, qunsu.Member{Person: fmt.Sprintf("person-%03d-with-a-long-name", i), Role: "function_head"})
	}
	for i := range n {
		c := &qunsu.Complaint{Tenant: tenant, ID: fmt.Sprintf("QS-20261122-%04d", i), Status: qunsu.StatusOpen,
			ReportedAt: at, Report: qunsu.Report{Project: "翡翠湾", Households: 35}, Team: team}
		if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: c}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := s.OpenOrReported(ctx, tenant, at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil || len(got) != n {
		t.Fatalf("read %d, %v", len(got), err)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n; per > 2000 {
		t.Errorf("each complaint read for a report holds %d bytes; its JSON is about 4.5 KB, what it keeps far less", per)
	}
	runtime.KeepAlive(got)
}

// A complaint read for a report reads as it was saved, but for what no report
// shows (team, origin chat, grading reasons): its strings, copied out of the
// decoder's buffer, are the ones saved, each in its place.
func TestComplaintsReadForAReportReadAsSaved(t *testing.T) {
	rdb := redistest.Client(t)
	s, tenant := store.New(rdb), redistest.Tenant(t)
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	saved := &qunsu.Complaint{Tenant: tenant, ID: "QS-20261122-0001", Status: qunsu.StatusAftercare, ReportedAt: at,
		ReportedBy: "ZhangWei", Grade: "major", ClosedAt: at.Add(time.Hour), CloseNote: "已协商", Cause: "延期交付",
		Prevention: "提前告知", CardSum: "c0ffee",
		Report: qunsu.Report{Project: "翡翠湾", Households: 35, Actions: []qunsu.Action{qunsu.ActionBanner, qunsu.ActionSitIn},
			Category: "delivery", Summary: "业主拉横幅", OccurredAt: at},
		Team:       []qunsu.Member{{Person: "LiNa", Role: "function_head"}},
		Origin:     qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "slack", ID: "C1"},
		Assessment: qunsu.Assessment{Grade: "major", Rule: 2},
		Tasks: []qunsu.Task{{Key: "hq_report", Name: qunsu.Text{qunsu.LangZH: "报备总部"}, Role: "function_head", DoneBy: "LiNa",
			Due: at.Add(6 * time.Hour), DoneAt: at.Add(time.Hour),
			Promise: &qunsu.Promise{At: at.Add(48 * time.Hour), SetAt: at, SetBy: "WangFang"}}},
		Meetings: []qunsu.Meeting{{At: at, By: "LiNa", Notes: "第一次会议"}, {At: at.Add(time.Hour), By: "WangFang"}},
		Changes:  []qunsu.GradeChange{{At: at, From: "general", To: "major", By: "rules", Reason: "户数≥30"}},
	}
	if err := s.Commit(ctx, qunsu.Change{Tenant: tenant, Complaint: saved}); err != nil {
		t.Fatal(err)
	}
	got, err := s.OpenOrReported(ctx, tenant, at.Add(-time.Hour), at.Add(time.Hour))
	if err != nil || len(got) != 1 {
		t.Fatalf("read %d, %v", len(got), err)
	}
	want := *saved
	want.Version, want.Partial = 1, true
	want.Team, want.Origin, want.Assessment = nil, qunsu.Chat{}, qunsu.Assessment{} // not read
	if !reflect.DeepEqual(got[0], &want) {
		t.Errorf("read for a report:\n%+v\nwant\n%+v", got[0], &want)
	}
}
