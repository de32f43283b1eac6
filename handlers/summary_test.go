package handlers

import (
	"strings"
	"testing"
	"time"

	"qunsu"
)

// The summary covers what was reported in the period, dissolved or not, and
// every complaint still open or in aftercare, whenever reported.
func TestSummaryCountsThePeriodAndTheOpen(t *testing.T) {
	r := newLimitRig(t)
	store := func(id string, reported time.Time, status qunsu.Status, closed time.Time) {
		c := &qunsu.Complaint{Tenant: r.s.Tenant, ID: id, Status: status, ReportedAt: reported, ClosedAt: closed,
			Grade: "general", Report: qunsu.Report{Project: "翡翠湾", Households: 8, OccurredAt: reported}}
		if err := r.st.Commit(t.Context(), qunsu.Change{Tenant: r.s.Tenant, Complaint: c}); err != nil {
			t.Fatal(err)
		}
	}
	store("QS-20261121-001", r.now.Add(-20*time.Hour), qunsu.StatusOpen, time.Time{})                         // open since yesterday
	store("QS-20261122-001", r.now.Add(-2*time.Hour), qunsu.StatusOpen, time.Time{})                          // new, open
	store("QS-20261122-002", r.now.Add(-time.Hour), qunsu.StatusDissolved, r.now.Add(-30*time.Minute))        // new, dissolved
	store("QS-20261115-001", r.now.Add(-7*24*time.Hour), qunsu.StatusAftercare, r.now.Add(-10*time.Minute))   // closed today
	store("QS-20261101-001", r.now.Add(-21*24*time.Hour), qunsu.StatusDissolved, r.now.Add(-20*24*time.Hour)) // long gone

	text := r.say("汇总 今日", nil)
	for _, want := range []string{"进行中：2\n", "新增：2\n", "结案：2\n",
		"QS-20261122-001 翡翠湾", "QS-20261122-002 翡翠湾", "QS-20261115-001 翡翠湾"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", strings.TrimSpace(want), text)
		}
	}
	if strings.Contains(text, "QS-20261101-001") {
		t.Errorf("a complaint dissolved weeks ago is in today's summary:\n%s", text)
	}
}
