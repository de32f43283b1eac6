package qunsu

import (
	"testing"
	"time"
)

// Each day counts what was reported and what was closed that day in the
// tenant's time zone; a complaint reported long ago counts on its closing day.
func TestDailyCounts(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, loc)
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, loc) }
	cs := []*Complaint{
		{ID: "a", ReportedAt: day(23, 9)},                                                    // new today
		{ID: "b", ReportedAt: day(22, 23), ClosedAt: day(23, 1)},                             // new yesterday, closed today
		{ID: "c", ReportedAt: time.Date(2026, 9, 1, 0, 0, 0, 0, loc), ClosedAt: day(15, 12)}, // reported long ago, closed in the window
		{ID: "d", ReportedAt: day(10, 0)},                                                    // the first day of the 14
		{ID: "e", ReportedAt: day(9, 23), ClosedAt: day(9, 23)},                              // the day before: out
		{ID: "f", ReportedAt: day(23, 1).Add(-time.Hour).UTC()},                              // 23rd 00:00 CST, given in UTC
	}
	got := DailyCounts(cs, 14, now, loc)
	if len(got) != 14 {
		t.Fatalf("%d days, want 14", len(got))
	}
	if !got[0].Day.Equal(day(10, 0)) || !got[13].Day.Equal(day(23, 0)) {
		t.Errorf("days from %v to %v, want the 10th to the 23rd", got[0].Day, got[13].Day)
	}
	want := map[int][2]int{0: {1, 0}, 5: {0, 1}, 12: {1, 0}, 13: {2, 1}}
	for i, d := range got {
		if w := want[i]; d.New != w[0] || d.Closed != w[1] {
			t.Errorf("%s: new %d closed %d, want %d %d", d.Day.Format("01-02"), d.New, d.Closed, w[0], w[1])
		}
	}
	if DailyCounts(cs, 0, now, loc) != nil {
		t.Error("no days asked for, yet some counted")
	}
}
