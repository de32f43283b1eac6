package handlers

import (
	"strings"
	"testing"
	"time"

	"qunsu"
	"qunsu/calendar"
	"qunsu/config"
)

func settings(t testing.TB) *qunsu.Settings {
	s, err := config.Default().Tenants[0].Settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Calendar = calendar.Weekdays{Location: s.Location}
	return &s
}

// The card offers what can be done now: acknowledge, complete an open task,
// log a meeting and close while open; complete a task and reopen in
// aftercare; nothing once the team is dissolved.
func TestCardButtonsFollowTheStatus(t *testing.T) {
	s := settings(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, s.Location)
	c := &qunsu.Complaint{ID: "QS-20261122-001", Status: qunsu.StatusOpen, ReportedAt: now,
		Report: qunsu.Report{Project: "翡翠湾", Households: 35, Actions: []qunsu.Action{qunsu.ActionBanner}, OccurredAt: now}}
	c.Assessment = qunsu.Assess(c.Facts(now), s.Policy)
	c.Grade = c.Assessment.Grade
	team, _ := qunsu.TeamFor(c, s)
	c.JoinTeam(team)
	qunsu.PlanTasks(c, s, qunsu.OnReport, now)

	labels := func(bs []qunsu.Button) string {
		var out []string
		for _, b := range bs {
			out = append(out, b.Label)
		}
		return strings.Join(out, ",")
	}
	open := cardButtons(c, s, now)
	if got := labels(open); got != "收到,完成任务,记录会议,结案" {
		t.Fatalf("open: %s", got)
	}
	if open[0].Command != "收到 QS-20261122-001" || open[0].Form != nil {
		t.Errorf("ack runs at once: %+v", open[0])
	}
	done := open[1].Form
	if done == nil || done.Command != "完成 QS-20261122-001" || done.Fields[0].Kind != qunsu.FieldChoice {
		t.Fatalf("complete a task: %+v", done)
	}
	var keys []string
	for _, o := range done.Fields[0].Options {
		keys = append(keys, o.Value)
	}
	if got := strings.Join(keys, ","); !strings.Contains(got, "hq_report") || strings.Contains(got, "form_team") {
		t.Errorf("task choices %s: want the open tasks only", got)
	}
	if f := open[3].Form; f == nil || f.Command != "结案 QS-20261122-001" || f.Fields[0].Optional {
		t.Errorf("close asks for a note: %+v", f)
	}

	c.Status = qunsu.StatusAftercare
	qunsu.PlanTasks(c, s, qunsu.OnClose, now)
	after := cardButtons(c, s, now)
	if got := labels(after); got != "完成任务,重开" {
		t.Fatalf("aftercare: %s", got)
	}
	if opts := after[0].Form.Fields[0].Options; len(opts) != 1 || opts[0].Value != "case_writeup" {
		t.Errorf("aftercare leaves only the write-up to complete: %+v", opts)
	}
	c.Status = qunsu.StatusDissolved
	if got := cardButtons(c, s, now); len(got) != 0 {
		t.Errorf("dissolved: %v", labels(got))
	}

	en := *s
	en.Lang = qunsu.LangEN
	c.Status = qunsu.StatusOpen
	if b := cardButtons(c, &en, now); b[0].Label != "Acknowledge" || b[0].Command != "ack QS-20261122-001" {
		t.Errorf("English: %+v", b[0])
	}
}

// The report form is the report command with its keys, in either language.
func TestReportFormSpeaksTheCommand(t *testing.T) {
	zh, en := ReportForm(qunsu.LangZH), ReportForm(qunsu.LangEN)
	if zh.Command != "上报" || en.Command != "report" || zh.Fields[0].Key != "项目" || en.Fields[0].Key != "project" {
		t.Errorf("zh %+v\nen %+v", zh, en)
	}
	// A description holding what looks like keys is a description.
	line, fields := zh.Answer([][]string{{"翡翠湾"}, {"35"}, {"banner"}, nil, nil, {"户数：80 a=b 延期"}})
	r := &Request{S: settings(t), Now: time.Now(), In: qunsu.Inbound{Text: line, Fields: fields}}
	rep, err := reportOf(r)
	if err != nil || rep.Project != "翡翠湾" || rep.Households != 35 || len(rep.Actions) != 1 || rep.Summary != "户数：80 a=b 延期" {
		t.Errorf("%v parsed as %+v, %v", fields, rep, err)
	}
}
