package qunsu_test

import (
	"testing"
	"time"

	"qunsu"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func reported(t *testing.T, s *qunsu.Settings, households int, actions []qunsu.Action, t0, report string) *qunsu.Complaint {
	t.Helper()
	c := &qunsu.Complaint{ID: "QS-20261122-001", Status: qunsu.StatusOpen, ReportedAt: at(report),
		Report: qunsu.Report{Project: "翡翠湾", Households: households, Actions: actions, Category: "delivery", OccurredAt: at(t0)}}
	c.Assessment = qunsu.Assess(c.Facts(c.ReportedAt), s.Policy)
	c.Grade = c.Assessment.Grade
	team, _ := qunsu.TeamFor(c, s)
	c.JoinTeam(team)
	qunsu.PlanTasks(c, s, qunsu.OnReport, c.ReportedAt)
	return c
}

// The deadlines of G §6, counted from T0 — which may lie before the report.
func TestPlan_G6_DeadlinesFromT0(t *testing.T) {
	s := defaultSettings(t)
	c := reported(t, s, 35, []qunsu.Action{qunsu.ActionBanner}, "2026-11-22 08:30", "2026-11-22 09:00")
	want := map[string]string{
		"hq_report":      "2026-11-22 14:30", // G §6.1-2: T0+6h
		"first_meeting":  "2026-11-23 08:30", // G §6.2-1: T0+24h
		"risk_summary":   "2026-11-22 23:59", // G §6.2-2: end of T0's day
		"customer_info":  "2026-11-22 23:59", // G §6.2-3
		"first_decision": "2026-11-23 08:30", // G §6.2-4
		"ack":            "2026-11-22 09:30",
	}
	for key, due := range want {
		task := c.Task(key)
		if task == nil {
			t.Errorf("no task %s", key)
			continue
		}
		if !task.Due.Equal(at(due)) {
			t.Errorf("%s due %s, want %s", key, task.Due.In(shanghai).Format("2006-01-02 15:04"), due)
		}
	}
	if ft := c.Task("form_team"); ft == nil || !ft.Done() || ft.DoneBy != qunsu.BotID {
		t.Errorf("G §6.1-1: the bot forms the team at once: %+v", ft)
	}
	if fm := c.Task("first_meeting"); !fm.Early.Equal(at("2026-11-22 11:00")) {
		t.Errorf("G §6.2-1 越早越好: early reminder at report+2h, got %s", fm.Early)
	}
	if c.Task("media_takeover") != nil {
		t.Error("no media, no media takeover task")
	}
}

// "End of T0's day" is T0's day even when the report comes the next morning, and
// reminders whose moment passed before the report are not replayed.
func TestPlan_G6_2_EndOfT0DayWhenReportedNextDay(t *testing.T) {
	s := defaultSettings(t)
	c := reported(t, s, 8, nil, "2026-11-21 22:00", "2026-11-22 07:00")
	rs := c.Task("risk_summary")
	if !rs.Due.Equal(at("2026-11-21 23:59")) {
		t.Fatalf("risk summary due %s, want end of T0's day", rs.Due)
	}
	stages := rs.Stages(s.Reminders)
	if rs.Fired != len(stages)-1 {
		t.Errorf("risk summary: every stage passed before the report; only the last (top of the chain) fires, got stage %d", rs.Fired)
	}
	hq := c.Task("hq_report") // T0+6h = 04:00; at 07:00 the 06:00 escalation is the latest passed
	if got := hq.Stages(s.Reminders)[hq.Fired]; got.Kind != qunsu.StageOverdue || got.Level != 1 {
		t.Errorf("hq_report first stage %+v, want the 1st overdue step, fired at once", got)
	}
}

// Reminders: 1h before, at, then every 2h overdue up the chain cr_head → cr_vp → gm.
func TestTask_G6_ReminderStagesAndEscalationChain(t *testing.T) {
	s := defaultSettings(t)
	task := &qunsu.Task{Due: at("2026-11-22 14:30"), Early: at("2026-11-22 11:00")}
	var got []string
	for _, st := range task.Stages(s.Reminders) {
		got = append(got, st.At.In(shanghai).Format("15:04")+string(st.Kind))
	}
	want := "[11:00early 13:30before 14:30due 16:30overdue 18:30overdue 20:30overdue]"
	if g := "[" + join(got) + "]"; g != want {
		t.Errorf("stages %s, want %s", g, want)
	}
}

func join(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

// DOMAIN §3: who is in the team by grade, category and media.
func TestTeamFor_G5_1_RolesByGrade(t *testing.T) {
	s := defaultSettings(t)
	roles := func(c *qunsu.Complaint) map[qunsu.Role]bool {
		out := map[qunsu.Role]bool{}
		for _, m := range c.Team {
			out[m.Role] = true
		}
		return out
	}
	general := roles(reported(t, s, 10, nil, "2026-11-22 08:30", "2026-11-22 09:00"))
	for _, r := range []qunsu.Role{"cr_head", "cr_vp", "project_gm", "function_head"} {
		if !general[r] {
			t.Errorf("general: missing %s", r)
		}
	}
	if general["gm"] || general["media_head"] {
		t.Error("general: gm and media head only from major or with media")
	}
	withMedia := roles(reported(t, s, 10, []qunsu.Action{qunsu.ActionMedia}, "2026-11-22 08:30", "2026-11-22 09:00"))
	if !withMedia["media_head"] {
		t.Error("G §6.1-3: media brings in the media head at once")
	}
	crisis := reported(t, s, 60, []qunsu.Action{qunsu.ActionBanner}, "2026-11-22 08:30", "2026-11-22 09:00")
	cr := roles(crisis)
	for _, r := range []qunsu.Role{"gm", "pr_head", "media_head", "legal", "hq_cr"} {
		if !cr[r] {
			t.Errorf("crisis: missing %s", r)
		}
	}
	for _, m := range crisis.Team {
		if m.Role == "hq_cr" && !m.Notify {
			t.Error("hq_cr is informed, not asked to acknowledge")
		}
	}
}

// A done task leaves the queue; closing stops all but closing's own tasks.
func TestTimers_CloseStopsRemindersButCaseWriteup_G6_4(t *testing.T) {
	s := defaultSettings(t)
	c := reported(t, s, 35, []qunsu.Action{qunsu.ActionBanner}, "2026-11-22 08:30", "2026-11-22 09:00")
	before := c.Timers(s.Reminders)
	c.Status, c.ClosedAt = qunsu.StatusAftercare, at("2026-11-25 10:00")
	qunsu.PlanTasks(c, s, qunsu.OnClose, c.ClosedAt)
	add, remove := qunsu.DiffTimers(before, c.Timers(s.Reminders))
	if len(remove) != len(before) || len(add) != 1 || add[0].Task != "case_writeup" {
		t.Fatalf("close: add %v remove %d of %d", add, len(remove), len(before))
	}
	if w := c.Task("case_writeup"); !w.Due.Equal(at("2026-12-02 10:00")) {
		t.Errorf("G §6.4-3: case write-up due close+7d, got %s", w.Due)
	}
}

// G §6.3-1: twice a week in the first two weeks, then weekly.
func TestMeetingCadence_G6_3_1(t *testing.T) {
	s := defaultSettings(t)
	t0 := at("2026-11-22 08:30")
	if got := s.Meetings.Interval(t0, t0.Add(3*24*time.Hour)); got != 84*time.Hour {
		t.Errorf("early interval %s", got)
	}
	if got := s.Meetings.Interval(t0, t0.Add(15*24*time.Hour)); got != 168*time.Hour {
		t.Errorf("later interval %s", got)
	}
}

func TestTimerMemberRoundTrip(t *testing.T) {
	for _, tm := range []qunsu.Timer{{Complaint: "QS-20261122-001", Task: "hq_report", Gen: 2, Stage: 3}, {Job: "daily_summary"}} {
		got, err := qunsu.ParseTimer(tm.Member())
		if err != nil || got != tm {
			t.Errorf("%+v -> %q -> %+v, %v", tm, tm.Member(), got, err)
		}
	}
	if _, err := qunsu.ParseTimer("task|x|y|z|1"); err == nil {
		t.Error("malformed member accepted")
	}
}
