package qunsu_test

import (
	"testing"
	"time"

	"qunsu"
)

// task is a deadline of a test complaint: due at due, done at done ("" not done).
func task(key, due, done string, trig qunsu.Trigger) qunsu.Task {
	t := qunsu.Task{Key: key, Due: at(due), Trigger: trig}
	if done != "" {
		t.DoneAt, t.DoneBy = at(done), "liqiang"
	}
	return t
}

func complaint(id, project, category string, grade qunsu.Grade, reported, closed string, tasks ...qunsu.Task) *qunsu.Complaint {
	c := &qunsu.Complaint{ID: id, Grade: grade, Status: qunsu.StatusOpen, ReportedAt: at(reported), Tasks: tasks,
		Report: qunsu.Report{Project: project, Category: category, Households: 30, OccurredAt: at(reported)}}
	if closed != "" {
		c.Status, c.ClosedAt = qunsu.StatusAftercare, at(closed)
	}
	return c
}

// The November report built on December 3rd from complaints reported or
// closed in November, with deadlines in it, and some that bear on nothing.
func TestMonthlyReport(t *testing.T) {
	s := defaultSettings(t)
	from, to := at("2026-11-01 00:00"), at("2026-12-01 00:00")
	now := at("2026-12-03 10:00")

	a := complaint("QS-20261103-001", "翡翠湾", "delivery", "general", "2026-11-03 09:00", "2026-11-05 09:00",
		task("form_team", "2026-11-03 09:00", "2026-11-03 09:00", qunsu.OnReport),      // the bot's own: not counted
		task("hq_report", "2026-11-03 12:00", "2026-11-03 11:00", qunsu.OnReport),      // on time
		task("first_decision", "2026-11-04 09:00", "2026-11-04 10:00", qunsu.OnReport)) // late
	b := complaint("QS-20261020-001", "云栖", "engineering", "major", "2026-10-20 09:00", "2026-11-10 09:00",
		task("turn_report", "2026-11-08 09:00", "", qunsu.OnTurn),                   // left undone at close: overdue
		task("regular_meeting", "2026-11-12 09:00", "", qunsu.OnCadence),            // cancelled by the close
		task("case_writeup", "2026-11-17 09:00", "2026-11-16 09:00", qunsu.OnClose)) // on time
	b.Changes = []qunsu.GradeChange{{At: at("2026-11-02 15:00"), From: "general", To: "major", By: "liqiang"}}
	b.Meetings = []qunsu.Meeting{{At: at("2026-10-21 10:00")}, {At: at("2026-11-03 10:00")}}
	b.Cause, b.Prevention = "地下室防水施工不规范", "防水工序增加第三方验收"
	c := complaint("QS-20261115-001", "翡翠湾", "property", "ordinary", "2026-11-15 09:00", "",
		task("confirm", "2026-11-16 09:00", "", qunsu.OnReport),                  // still overdue
		task("feedback", "2026-11-29 09:00", "2026-12-01 09:00", qunsu.OnReport), // late
		task("plan", "2026-12-01 09:00", "", qunsu.OnReport))                     // due next month
	d := complaint("QS-20260901-001", "云栖", "design", "general", "2026-09-01 09:00", "2026-10-25 09:00",
		task("case_writeup", "2026-11-01 09:00", "2026-10-31 09:00", qunsu.OnClose)) // closed before, write-up due in November: on time
	d.Status = qunsu.StatusDissolved
	e := complaint("QS-20261120-001", "云栖", "delivery", "crisis", "2026-11-20 09:00", "",
		task("hq_report", "2026-12-05 09:00", "", qunsu.OnReport))
	old := complaint("QS-20261005-001", "云栖", "sales", "major", "2026-10-05 09:00", "") // penalised in October

	m := qunsu.BuildMonthly([]*qunsu.Complaint{a, b, c, d, e, old, a}, from, to, now, s)

	ids := func(cs []*qunsu.Complaint) string {
		out := ""
		for _, c := range cs {
			out += c.ID[len(c.ID)-12:] + " "
		}
		return out
	}
	if got, want := ids(m.Complaints), "20261020-001 20261103-001 20261115-001 20261120-001 "; got != want {
		t.Errorf("complaints %s, want %s", got, want)
	}
	if got, want := ids(m.Reported), "20261103-001 20261115-001 20261120-001 "; got != want {
		t.Errorf("reported %s, want %s", got, want)
	}
	if got, want := ids(m.Closed), "20261103-001 20261020-001 "; got != want {
		t.Errorf("closed %s, want %s", got, want)
	}
	if m.Month() != "2026-11" {
		t.Errorf("month %s", m.Month())
	}

	wantTallies := func(name string, got []qunsu.Tally, want []qunsu.Tally) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %+v, want %+v", name, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s[%d] = %+v, want %+v", name, i, got[i], want[i])
			}
		}
	}
	wantTallies("by grade", m.ByGrade, []qunsu.Tally{
		{Key: "ordinary", Reported: 1}, {Key: "ordinary_major"}, {Key: "general", Reported: 1, Group: 1, Closed: 1},
		{Key: "major", Closed: 1}, {Key: "crisis", Reported: 1, Group: 1}})
	wantTallies("by category", m.ByCategory, []qunsu.Tally{
		{Key: "engineering", Closed: 1}, {Key: "design"}, {Key: "sales"},
		{Key: "delivery", Reported: 2, Group: 2, Closed: 1}, {Key: "property", Reported: 1},
		{Key: "service"}, {Key: "repair"}, {Key: "environment"}})
	wantTallies("by project", m.ByProject, []qunsu.Tally{
		{Key: "翡翠湾", Reported: 2, Group: 1, Closed: 1}, {Key: "云栖", Reported: 1, Group: 1, Closed: 1}})

	day := 24 * time.Hour
	h := m.Handling
	if h.Count != 2 || h.Median != 23*day/2 || h.Mean != 23*day/2 || h.Max != 21*day || h.Longest != b {
		t.Errorf("handling %+v, want 2 closed, median and mean 11.5d, max 21d (%s)", h, b.ID)
	}

	if got, want := m.Deadlines, (qunsu.Deadlines{Due: 7, OnTime: 3, Late: 2, Overdue: 2}); got != want {
		t.Errorf("deadlines %+v, want %+v", got, want)
	}
	if got := m.Deadlines.Rate(); got != 4.0/7 {
		t.Errorf("overdue rate %v, want 4/7", got)
	}

	if len(m.Cases) != 2 || m.Cases[0].Complaint != a || m.Cases[1].Complaint != b {
		t.Fatalf("cases %+v, want %s then %s", m.Cases, a.ID, b.ID)
	}
	if k := m.Cases[1]; k.FirstGrade != "general" || len(k.Turns) != 1 || k.Meetings != 2 || k.Took != 21*day || !k.Written() {
		t.Errorf("case of %s: %+v", b.ID, k)
	}
	if m.Cases[0].Written() {
		t.Errorf("case %s has no write-up", a.ID)
	}

	if len(m.Penalties) != 2 || m.Penalties[0].Complaint != b || m.Penalties[0].Penalty.Grade != "major" ||
		m.Penalties[1].Complaint != e || m.Penalties[1].Penalty.Grade != "crisis" {
		t.Errorf("penalties %+v: want %s (major, upgraded in November) then %s (crisis)", m.Penalties, b.ID, e.ID)
	}
}

// Within the month, a deadline still ahead is not counted yet; one passed is.
func TestMonthlyDeadlinesAsOfNow(t *testing.T) {
	s := defaultSettings(t)
	c := complaint("QS-20261120-001", "翡翠湾", "delivery", "general", "2026-11-20 09:00", "",
		task("hq_report", "2026-11-20 15:00", "", qunsu.OnReport),
		task("first_decision", "2026-11-25 09:00", "", qunsu.OnReport),
		task("customer_info", "2026-11-25 09:00", "2026-11-21 09:00", qunsu.OnReport))
	m := qunsu.BuildMonthly([]*qunsu.Complaint{c}, at("2026-11-01 00:00"), at("2026-12-01 00:00"), at("2026-11-22 09:00"), s)
	if got, want := m.Deadlines, (qunsu.Deadlines{Due: 2, OnTime: 1, Overdue: 1}); got != want {
		t.Errorf("deadlines %+v, want %+v", got, want)
	}
}

// Nothing in the month: zeros, no division by zero, every grade and category listed.
func TestMonthlyReportEmpty(t *testing.T) {
	s := defaultSettings(t)
	m := qunsu.BuildMonthly(nil, at("2026-11-01 00:00"), at("2026-12-01 00:00"), at("2026-12-01 09:00"), s)
	if m.Deadlines.Rate() != 0 || m.Handling.Count != 0 || len(m.ByGrade) != len(s.Policy.Levels) ||
		len(m.ByCategory) != len(qunsu.Categories) || len(m.ByProject) != 0 {
		t.Errorf("empty month: %+v", m)
	}
}

// A penalty belongs to the month the complaint first reached its grade.
func TestGradeReached(t *testing.T) {
	rep := at("2026-11-01 09:00")
	up1, up2, down := at("2026-11-05 09:00"), at("2026-11-09 09:00"), at("2026-11-12 09:00")
	tests := []struct {
		name    string
		grade   qunsu.Grade
		changes []qunsu.GradeChange
		want    time.Time
	}{
		{"never changed", "major", nil, rep},
		{"upgraded once", "major", []qunsu.GradeChange{{At: up1, From: "general", To: "major"}}, up1},
		{"upgraded twice", "crisis", []qunsu.GradeChange{{At: up1, From: "general", To: "major"}, {At: up2, From: "major", To: "crisis"}}, up2},
		{"up and back down to the first grade", "major", []qunsu.GradeChange{{At: up2, From: "major", To: "crisis"}, {At: down, From: "crisis", To: "major"}}, rep},
		{"up, then down to a grade in between", "major", []qunsu.GradeChange{{At: up1, From: "general", To: "major"}, {At: up2, From: "major", To: "crisis"}, {At: down, From: "crisis", To: "major"}}, up1},
	}
	for _, tt := range tests {
		c := &qunsu.Complaint{Grade: tt.grade, ReportedAt: rep, Changes: tt.changes}
		if got := qunsu.GradeReached(c); !got.Equal(tt.want) {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// Closes this long before a month may have tasks due in it: the default
// write-up is due 7 days after the close, the return visit 3 working days.
func TestCloseLookback(t *testing.T) {
	s := defaultSettings(t)
	if got := qunsu.CloseLookback(s); got < 8*24*time.Hour || got > 31*24*time.Hour {
		t.Errorf("lookback %s: want at least the 7-day write-up and at most a month", got)
	}
	s.Tasks = append(s.Tasks, qunsu.TaskRule{Key: "audit", Trigger: qunsu.OnClose, Due: qunsu.DueRule{From: "event", After: qunsu.Duration(40 * 24 * time.Hour)}})
	if got := qunsu.CloseLookback(s); got < 40*24*time.Hour {
		t.Errorf("lookback %s: shorter than a 40-day close task", got)
	}
	// A variant due later than its rule, and one due months after.
	s.Tasks = append(s.Tasks, qunsu.TaskRule{Key: "survey", Trigger: qunsu.OnClose, Due: qunsu.DueRule{From: "event", After: qunsu.Duration(24 * time.Hour)},
		Variants: []qunsu.TaskVariant{{Due: &qunsu.DueRule{From: "event", After: qunsu.Duration(60 * 24 * time.Hour)}}}})
	if got := qunsu.CloseLookback(s); got < 60*24*time.Hour {
		t.Errorf("lookback %s: shorter than a close task's 60-day variant", got)
	}
	s.Tasks = append(s.Tasks, qunsu.TaskRule{Key: "recheck", Trigger: qunsu.OnClose, Due: qunsu.DueRule{From: "event", Months: 3}})
	if got := qunsu.CloseLookback(s); got < 90*24*time.Hour {
		t.Errorf("lookback %s: shorter than a close task due 3 months after", got)
	}
}
