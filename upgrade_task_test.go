package qunsu_test

import (
	"testing"
	"time"

	"qunsu"
)

// The month upgrade is the bot's own task: no summary lists it as something
// due for people, and no monthly report counts it as a missed deadline.
func TestUpgradeTaskIsNoOnesDeadline(t *testing.T) {
	s := defaultSettings(t)
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, s.Location)
	upgrade := qunsu.Task{Key: "major_upgrade", Kind: qunsu.KindUpgrade, Role: "cr_head", Due: at.Add(30 * 24 * time.Hour)}
	feedback := qunsu.Task{Key: "feedback", Role: "cr_head", Due: at.Add(30*24*time.Hour + time.Hour)}
	c := &qunsu.Complaint{ID: "QS-20261102-001", Grade: "ordinary", Status: qunsu.StatusOpen, ReportedAt: at,
		Report: qunsu.Report{OccurredAt: at}, Tasks: []qunsu.Task{upgrade, feedback}}

	now := at.Add(30*24*time.Hour - time.Hour) // both fall due within a day
	sum := qunsu.Summarize([]*qunsu.Complaint{c}, now.Add(-time.Hour), now, now, s)
	if len(sum.Upcoming) != 1 || sum.Upcoming[0].Task.Key != "feedback" {
		t.Errorf("due within 24 h: %+v", sum.Upcoming)
	}

	c.Tasks[0].DoneAt, c.Tasks[0].DoneBy = upgrade.Due.Add(time.Second), qunsu.BotID // fired a moment late, as timers do
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, s.Location)
	m := qunsu.BuildMonthly([]*qunsu.Complaint{c}, from, from.AddDate(0, 1, 0), from.AddDate(0, 1, 0), s)
	if m.Deadlines.Due != 1 || m.Deadlines.Late != 0 {
		t.Errorf("deadlines of December: %+v; want only the feedback", m.Deadlines)
	}
}
