package qunsu_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"qunsu"
)

// testCalendar counts Monday to Friday as working days, except the days off,
// plus the make-up working days (调休): a small stand-in for China's calendar.
type testCalendar struct {
	off, on map[string]bool // "2006-01-02"
}

func (c testCalendar) AddWorkingDays(t time.Time, n int) time.Time {
	day := t.In(shanghai)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		key := day.Format("2006-01-02")
		weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
		if c.on[key] || (!weekend && !c.off[key]) {
			n--
		}
	}
	return qunsu.EndOfDay(day, shanghai)
}

func ordinarySettings(t *testing.T) *qunsu.Settings {
	s := defaultSettings(t)
	s.Calendar = testCalendar{}
	return s
}

// ordinary reports an ordinary complaint (2 households, no overt action) on
// Monday 2026-11-23 10:00 with the given facts.
func ordinary(t *testing.T, s *qunsu.Settings, category string, repair qunsu.RepairKind, complex bool) *qunsu.Complaint {
	t.Helper()
	c := &qunsu.Complaint{ID: "QS-20261123-001", Status: qunsu.StatusOpen, ReportedAt: at("2026-11-23 10:00"),
		Report: qunsu.Report{Project: "翡翠湾", Households: 2, Category: category, Repair: repair, Complex: complex,
			OccurredAt: at("2026-11-23 09:30")}}
	c.Assessment = qunsu.Assess(c.Facts(c.ReportedAt), s.Policy)
	c.Grade = c.Assessment.Grade
	if c.Grade != "ordinary" {
		t.Fatalf("graded %s, want ordinary", c.Grade)
	}
	team, _ := qunsu.TeamFor(c, s)
	c.JoinTeam(team)
	qunsu.PlanTasks(c, s, qunsu.OnReport, c.ReportedAt)
	return c
}

// Every deadline of an ordinary complaint (DOMAIN §7), from a report on
// Monday 10:00, with the clause each comes from.
func TestOrdinary_SLAs(t *testing.T) {
	s := ordinarySettings(t)
	type row struct {
		name     string
		category string
		repair   qunsu.RepairKind
		complex  bool
		close    string // closed at, for the tasks closing brings
		task     string
		due      string
		clause   string
	}
	rows := []row{
		{name: "confirm 1h (001 §5.2)", task: "confirm", due: "2026-11-23 11:00", clause: "5.2"},
		{name: "plan 2 wd (001 §6.2)", task: "plan", due: "2026-11-25 23:59", clause: "6.2"},
		{name: "feedback simple 3 wd (000 §4.1)", task: "feedback", due: "2026-11-26 23:59", clause: "简单投诉3个工作日"},
		{name: "feedback complex 7 wd (000 §4.1)", complex: true, task: "feedback", due: "2026-12-02 23:59", clause: "复杂投诉7个工作日"},
		{name: "survey 1 wd (004 §3.4.5)", category: "repair", task: "survey", due: "2026-11-24 23:59", clause: "3.4.5"},
		{name: "repair, category only: single trade 3 wd", category: "repair", task: "repair", due: "2026-11-26 23:59", clause: "单工种3个工作日"},
		{name: "repair single 3 wd on another category", category: "engineering", repair: qunsu.RepairSingle, task: "repair", due: "2026-11-26 23:59", clause: "单工种"},
		{name: "survey for repair work on another category", category: "engineering", repair: qunsu.RepairMulti, task: "survey", due: "2026-11-24 23:59", clause: "3.4.5"},
		{name: "repair multi 7 wd (004 §3.4.5)", category: "repair", repair: qunsu.RepairMulti, task: "repair", due: "2026-12-02 23:59", clause: "多工种7个工作日"},
		{name: "return visit 3 wd after close (001 §7.2)", close: "2026-11-27 15:00", task: "return_visit", due: "2026-12-02 23:59", clause: "7.2"},
		{name: "upgrade a month after receipt (投诉处理机制 §3.3.2)", task: "major_upgrade", due: "2026-12-23 10:00", clause: "3.3.2"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			c := ordinary(t, s, r.category, r.repair, r.complex)
			if r.close != "" {
				c.Status, c.ClosedAt = qunsu.StatusAftercare, at(r.close)
				qunsu.PlanTasks(c, s, qunsu.OnClose, c.ClosedAt)
			}
			task := c.Task(r.task)
			if task == nil {
				t.Fatalf("no task %s among %v", r.task, keys(c))
			}
			if !task.Due.Equal(at(r.due)) {
				t.Errorf("due %s, want %s", task.Due.In(shanghai).Format("2006-01-02 15:04"), r.due)
			}
			if cl := task.Clause.In(qunsu.LangZH); !strings.Contains(cl, r.clause) {
				t.Errorf("clause %q lacks %q", cl, r.clause)
			}
		})
	}
}

// Working days are the calendar's: a day off is skipped, a make-up Saturday counts.
func TestOrdinary_WorkingDaysFollowTheCalendar(t *testing.T) {
	s := ordinarySettings(t)
	s.Calendar = testCalendar{off: map[string]bool{"2026-11-24": true, "2026-11-25": true}, on: map[string]bool{"2026-11-28": true}}
	c := ordinary(t, s, "repair", qunsu.RepairNone, false)
	for key, due := range map[string]string{"survey": "2026-11-26 23:59", "plan": "2026-11-27 23:59", "feedback": "2026-11-28 23:59"} {
		if got := c.Task(key).Due; !got.Equal(at(due)) {
			t.Errorf("%s due %s, want %s", key, got.In(shanghai).Format("2006-01-02 15:04"), due)
		}
	}
}

// No repair, no repair tasks; a group complaint gets none of the ordinary ones.
func TestOrdinary_TasksOnlyWhereTheyApply(t *testing.T) {
	s := ordinarySettings(t)
	c := ordinary(t, s, "delivery", qunsu.RepairNone, false)
	for _, k := range []string{"survey", "repair", "hq_report", "first_meeting", "major_report"} {
		if c.Task(k) != nil {
			t.Errorf("ordinary delivery complaint has %s", k)
		}
	}
	g := reported(t, s, 10, nil, "2026-11-23 09:30", "2026-11-23 10:00")
	for _, k := range []string{"confirm", "plan", "feedback", "major_upgrade"} {
		if g.Task(k) != nil {
			t.Errorf("group complaint has ordinary task %s", k)
		}
	}
}

// Marked complex later, the feedback moves to 7 working days from the report
// (a new generation: the old timers go stale); marked simple again, back to 3.
func TestOrdinary_ComplexMovesFeedback(t *testing.T) {
	s := ordinarySettings(t)
	c := ordinary(t, s, "", qunsu.RepairNone, false)
	gen := c.Task("feedback").Gen
	plan := *c.Task("plan")
	c.Complex = true
	qunsu.PlanTasks(c, s, qunsu.OnReport, at("2026-11-24 15:00"))
	fb := c.Task("feedback")
	if !fb.Due.Equal(at("2026-12-02 23:59")) || fb.Gen != gen+1 || fb.Name.In(qunsu.LangZH) != "向客户反馈处理结果（复杂投诉）" {
		t.Errorf("complex: %+v", fb)
	}
	if got := *c.Task("plan"); !reflect.DeepEqual(got, plan) {
		t.Errorf("plan changed with it: %+v", got)
	}
	c.Complex = false
	qunsu.PlanTasks(c, s, qunsu.OnReport, at("2026-11-24 16:00"))
	if fb := c.Task("feedback"); !fb.Due.Equal(at("2026-11-26 23:59")) || fb.Gen != gen+2 {
		t.Errorf("simple again: %+v", fb)
	}
	// A repair turning multi-trade takes 7 working days.
	r := ordinary(t, s, "repair", qunsu.RepairSingle, false)
	r.Repair = qunsu.RepairMulti
	qunsu.PlanTasks(r, s, qunsu.OnReport, at("2026-11-24 09:00"))
	if got := r.Task("repair").Due; !got.Equal(at("2026-12-02 23:59")) {
		t.Errorf("multi-trade repair due %s", got)
	}
}

// 金地程序 §7.3.2: the first promised date is free, two moves follow, each
// with a reason; a third is refused and changes nothing.
func TestOrdinary_PromiseMovesAtMostTwice(t *testing.T) {
	s := ordinarySettings(t)
	c := ordinary(t, s, "", qunsu.RepairNone, false)
	task, rule := qunsu.PromiseTask(c, s)
	if task == nil || task.Key != "feedback" || rule.Moves != 2 {
		t.Fatalf("promise task %+v, rule %+v", task, rule)
	}
	now := at("2026-11-23 11:00")
	set := func(when, reason string) error {
		return qunsu.SetPromise(task, *rule, s, at(when), "zhangwei", reason, now)
	}
	if err := set("2026-11-25 18:00", ""); err != nil {
		t.Fatalf("first setting: %v", err)
	}
	if !task.Due.Equal(at("2026-11-25 18:00")) {
		t.Errorf("the promised date is the deadline: %s", task.Due)
	}
	if err := set("2026-11-25 18:00", "x"); !errors.Is(err, qunsu.ErrPromiseSame) {
		t.Errorf("same date: %v", err)
	}
	if err := set("2026-11-26 18:00", " "); !errors.Is(err, qunsu.ErrPromiseReason) {
		t.Errorf("a move without a reason: %v", err)
	}
	if err := set("2026-11-26 18:00", "材料待到货"); err != nil {
		t.Fatalf("first move: %v", err)
	}
	if err := set("2026-11-30 18:00", "厂家延期"); err != nil {
		t.Fatalf("second move: %v", err)
	}
	before := *task
	beforePromise := *task.Promise
	if err := set("2026-12-01 18:00", "再次延期"); !errors.Is(err, qunsu.ErrPromiseExhausted) {
		t.Fatalf("third move: %v", err)
	}
	if !reflect.DeepEqual(*task.Promise, beforePromise) || task.Due != before.Due || task.Gen != before.Gen || task.Fired != before.Fired {
		t.Errorf("a refused move changed the task: %+v", task)
	}
	p := task.Promise
	if len(p.Moves) != 2 || p.Moves[0].Reason != "材料待到货" || !p.Moves[1].From.Equal(at("2026-11-26 18:00")) || !p.At.Equal(at("2026-11-30 18:00")) {
		t.Errorf("moves recorded: %+v", p)
	}
	// The promise stays the deadline when the complaint turns complex.
	c.Complex = true
	qunsu.PlanTasks(c, s, qunsu.OnReport, now)
	if fb := c.Task("feedback"); !fb.Due.Equal(at("2026-11-30 18:00")) || fb.Promise == nil || len(fb.Promise.Moves) != 2 {
		t.Errorf("complex after a promise: %+v", fb)
	}
	if limit, _, _ := qunsu.RuleDeadline(c, s, "feedback"); !limit.Equal(at("2026-12-02 23:59")) {
		t.Errorf("rule deadline %s", limit)
	}
	task.DoneAt = now
	if err := qunsu.SetPromise(task, *rule, s, at("2026-12-01 18:00"), "zhangwei", "x", now); !errors.Is(err, qunsu.ErrPromiseDone) {
		t.Errorf("after feedback: %v", err)
	}
}

// 投诉处理机制 §3.3.2 / 万科 一级投诉: an ordinary complaint still open a month
// after receipt becomes a major complaint, not a group one; nothing else is raised.
func TestOrdinary_RaiseAfterAMonth(t *testing.T) {
	s := ordinarySettings(t)
	c := ordinary(t, s, "", qunsu.RepairNone, false)
	task := c.Task("major_upgrade")
	if st := task.Stages(s.Reminders); len(st) != 1 || st[0].Kind != qunsu.StageDue || task.ByPeople() {
		t.Fatalf("the upgrade is one moment, the bot's: %+v", st)
	}
	now := at("2026-12-23 10:00")
	change, ok := qunsu.Raise(c, s, task, now)
	if !ok || c.Grade != "ordinary_major" || change.From != "ordinary" || change.By != qunsu.BotID || !task.Done() {
		t.Fatalf("raised %v: %+v, grade %s", ok, change, c.Grade)
	}
	if s.Policy.IsGroup(c.Grade) || !s.GradeAtLeast("general", c.Grade) || s.GradeAtLeast(c.Grade, "general") {
		t.Errorf("a major complaint is no group complaint and ranks below 一般群诉")
	}
	if a := c.Assessment; !strings.Contains(a.Clause.In(qunsu.LangZH), "3.3.2") || len(a.Reasons) != 1 || a.Reasons[0].Value != 30 {
		t.Errorf("assessment %+v", a)
	}
	if len(c.Changes) != 1 {
		t.Errorf("changes %+v", c.Changes)
	}
	team, _ := qunsu.TeamFor(c, s)
	roles := map[qunsu.Role]bool{}
	for _, m := range team {
		roles[m.Role] = !m.Notify
	}
	if !roles["cr_vp"] || !roles["project_gm"] || roles["gm"] {
		t.Errorf("major complaint team %+v: cr_vp and project_gm act, gm is informed (004 §3.4.7)", team)
	}
	if n := qunsu.PlanTasks(c, s, qunsu.OnReport, now); len(n) != 1 || n[0] != "major_report" {
		t.Errorf("tasks the upgrade brings: %v", n)
	}
	if t2 := c.Task("major_report"); !t2.Due.Equal(now.Add(time.Hour)) {
		t.Errorf("report to the GM due %s", t2.Due)
	}

	// Closed, it waits (a reopened complaint may still be raised); grown into
	// a group complaint, or raised already, the upgrade no longer applies.
	for name, tc := range map[string]struct {
		prepare func(c *qunsu.Complaint)
		kept    bool
	}{
		"closed":         {func(c *qunsu.Complaint) { c.Status = qunsu.StatusAftercare }, true},
		"now a group":    {func(c *qunsu.Complaint) { c.Grade = "general" }, false},
		"raised already": {func(c *qunsu.Complaint) { c.Grade = "ordinary_major" }, false},
	} {
		c := ordinary(t, s, "", qunsu.RepairNone, false)
		tc.prepare(c)
		grade := c.Grade
		if _, ok := qunsu.Raise(c, s, c.Task("major_upgrade"), now); ok || c.Grade != grade || len(c.Changes) != 0 {
			t.Errorf("%s: raised to %s", name, c.Grade)
		}
		if task := c.Task("major_upgrade"); (task != nil) != tc.kept || (task != nil && task.Done()) {
			t.Errorf("%s: upgrade task %+v", name, task)
		}
	}
}

func keys(c *qunsu.Complaint) []string {
	var out []string
	for _, t := range c.Tasks {
		out = append(out, t.Key)
	}
	return out
}
