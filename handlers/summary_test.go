package handlers

import (
	"errors"
	"fmt"
	"slices"
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

// recordCharter keeps what it was asked to draw; with fail set it fails.
type recordCharter struct {
	asked []qunsu.SummaryChart
	fail  bool
}

func (c *recordCharter) SummaryChart(sc qunsu.SummaryChart) (qunsu.File, error) {
	c.asked = append(c.asked, sc)
	if c.fail {
		return qunsu.File{}, errors.New("no font")
	}
	return qunsu.File{Name: sc.Name, Type: qunsu.TypePNG, Title: sc.Title, Data: []byte("png")}, nil
}

// storeComplaint stores a complaint of grade general as it stands.
func (r *limitRig) storeComplaint(id string, reported time.Time, status qunsu.Status, closed time.Time) {
	r.t.Helper()
	c := &qunsu.Complaint{Tenant: r.s.Tenant, ID: id, Status: status, ReportedAt: reported, ClosedAt: closed,
		Grade: "general", Report: qunsu.Report{Project: "翡翠湾", Households: 8, OccurredAt: reported}}
	if err := r.st.Commit(r.t.Context(), qunsu.Change{Tenant: r.s.Tenant, Complaint: c}); err != nil {
		r.t.Fatal(err)
	}
}

// ask runs a command and returns every message it sent, whole.
func (r *limitRig) ask(text string) []qunsu.Message {
	r.t.Helper()
	r.n++
	in := qunsu.Inbound{Tenant: r.s.Tenant, Platform: "console", User: "zhangwei", Text: text, ID: fmt.Sprint("ask", r.n), At: r.now,
		Chat: qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "console", ID: "summary"}}
	if err := r.e.Handle(r.t.Context(), in); err != nil {
		r.t.Fatalf("%s: %v", text, err)
	}
	return r.sent()
}

// sent returns the messages in the outbox, and marks them done.
func (r *limitRig) sent() []qunsu.Message {
	r.t.Helper()
	got, err := r.st.Receive(r.t.Context(), r.s.Tenant, "console", "test", 100, time.Hour, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	var out []qunsu.Message
	for _, env := range got {
		out = append(out, env.Message)
		r.st.Done(r.t.Context(), r.s.Tenant, "console", env.ID)
	}
	return out
}

// The summary carries its chart: the open complaints by grade and phase, and
// the new and closed of each of the last 14 days, closings counted on their
// day whenever the complaint was reported.
func TestSummaryCarriesItsChart(t *testing.T) {
	r := newLimitRig(t)
	charter := &recordCharter{}
	r.e.Charter = charter
	r.storeComplaint("QS-20261121-001", r.now.Add(-20*time.Hour), qunsu.StatusOpen, time.Time{})                         // 11-21, response phase
	r.storeComplaint("QS-20261122-001", r.now.Add(-2*time.Hour), qunsu.StatusOpen, time.Time{})                          // 11-22, occurrence phase
	r.storeComplaint("QS-20261122-002", r.now.Add(-time.Hour), qunsu.StatusDissolved, r.now.Add(-30*time.Minute))        // 11-22, closed 11-22
	r.storeComplaint("QS-20261115-001", r.now.Add(-7*24*time.Hour), qunsu.StatusAftercare, r.now.Add(-10*time.Minute))   // 11-15, closed 11-22
	r.storeComplaint("QS-20261018-001", r.now.Add(-35*24*time.Hour), qunsu.StatusAftercare, r.now.Add(-3*24*time.Hour))  // long ago, closed 11-19
	r.storeComplaint("QS-20261101-001", r.now.Add(-21*24*time.Hour), qunsu.StatusDissolved, r.now.Add(-20*24*time.Hour)) // out of the window
	r.storeComplaint("QS-20260903-001", r.now.Add(-80*24*time.Hour), qunsu.StatusDissolved, r.now.Add(-5*time.Minute))   // long ago, closed and dissolved today

	msgs := r.ask("汇总")
	if len(charter.asked) != 1 || len(msgs) != 1 {
		t.Fatalf("%d charts for %d messages, want 1 and 1", len(charter.asked), len(msgs))
	}
	if !strings.Contains(msgs[0].Text, "结案：3\n") || !strings.Contains(msgs[0].Text, "QS-20260903-001") {
		t.Errorf("the summary does not count the complaint reported long ago and closed today:\n%s", msgs[0].Text)
	}
	if f := msgs[0].Files; len(f) != 1 || f[0].Name != "群诉汇总-2026-11-22.png" || f[0].Type != qunsu.TypePNG || string(f[0].Data) != "png" {
		t.Errorf("the summary's files: %+v", f)
	}
	c := charter.asked[0]
	if len(c.Days) != ChartDays || c.Days[0] != "11-09" || c.Days[13] != "11-22" {
		t.Errorf("days %v, want 11-09 to 11-22", c.Days)
	}
	day := func(d string) int { return slices.Index(c.Days, d) }
	wantNew := map[string]int{"11-15": 1, "11-21": 1, "11-22": 2}
	wantClosed := map[string]int{"11-19": 1, "11-22": 3}
	for _, d := range c.Days {
		if c.New[day(d)] != wantNew[d] || c.Closed[day(d)] != wantClosed[d] {
			t.Errorf("%s: new %d closed %d, want %d %d", d, c.New[day(d)], c.Closed[day(d)], wantNew[d], wantClosed[d])
		}
	}
	g := slices.Index(c.Grades, r.s.Policy.GradeName("general", qunsu.LangZH))
	if g < 0 || !slices.Equal(c.Phases, []string{"发生", "应对", "处理", "善后"}) {
		t.Fatalf("grades %v, phases %v", c.Grades, c.Phases)
	}
	if !slices.Equal(c.Open[g], []int{1, 1, 0, 2}) {
		t.Errorf("general by phase %v, want [1 1 0 2]", c.Open[g])
	}
	if !strings.HasSuffix(c.Title, " 群诉汇总 2026-11-22") {
		t.Errorf("title %q", c.Title)
	}

	r.ask("summary week")
	if c := charter.asked[1]; c.NewLabel != "New" || c.Name != "complaint-summary-2026-11-22.png" {
		t.Errorf("an English summary's chart: %q %q", c.NewLabel, c.Name)
	}
}

// A chart that fails leaves the summary without it; the summary goes out.
func TestSummaryWithoutItsChart(t *testing.T) {
	r := newLimitRig(t)
	r.e.Charter = &recordCharter{fail: true}
	r.storeComplaint("QS-20261122-001", r.now.Add(-2*time.Hour), qunsu.StatusOpen, time.Time{})
	msgs := r.ask("汇总")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "进行中：1") || len(msgs[0].Files) != 0 {
		t.Errorf("summary after a failed chart: %+v", msgs)
	}
}

// The daily summary job posts the chart with the summary to the managers.
func TestDailySummaryJobCarriesTheChart(t *testing.T) {
	r := newLimitRig(t)
	charter := &recordCharter{}
	r.e.Charter = charter
	r.s.NextSummary = func(after time.Time) time.Time { return after.Add(24 * time.Hour) }
	r.storeComplaint("QS-20261122-001", r.now.Add(-2*time.Hour), qunsu.StatusOpen, time.Time{})
	due := qunsu.Scheduled{Timer: qunsu.Timer{Job: qunsu.JobDailySummary}, Due: r.now}
	if err := r.e.Fire(t.Context(), r.s.Tenant, due); err != nil {
		t.Fatal(err)
	}
	msgs := r.sent()
	if len(msgs) != 1 || msgs[0].Chat.Kind != qunsu.ChatManagers || len(msgs[0].Files) != 1 || msgs[0].Files[0].Name != "群诉汇总-2026-11-22.png" {
		t.Fatalf("daily summary: %+v", msgs)
	}
	if c := charter.asked[0]; c.New[len(c.New)-1] != 1 {
		t.Errorf("today's new: %v", c.New)
	}
}
