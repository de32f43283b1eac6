package qunsu

import (
	"time"
)

// TeamFor returns the team a complaint needs under the settings (DOMAIN §3), and
// the roles for which the directory names nobody.
func TeamFor(c *Complaint, s *Settings) (team []Member, vacant []Role) {
	for _, rule := range s.Team {
		if !rule.holds(c, s) {
			continue
		}
		for _, role := range rule.Roles {
			people := s.Directory.Resolve(role, c.Project, c.Category)
			if len(people) == 0 && !containsRole(vacant, role) {
				vacant = append(vacant, role)
			}
			for _, p := range people {
				team = addMember(team, Member{Person: p, Role: role, Notify: rule.Notify})
			}
		}
	}
	return team, vacant
}

// addMember adds m unless the person already holds the role; a role that must
// acknowledge wins over the same role only notified.
func addMember(team []Member, m Member) []Member {
	for i := range team {
		if team[i].Person == m.Person && team[i].Role == m.Role {
			team[i].Notify = team[i].Notify && m.Notify
			return team
		}
	}
	return append(team, m)
}

// JoinTeam merges members into the complaint's team and returns those who are new
// to it (people not yet in the team in any role).
func (c *Complaint) JoinTeam(members []Member) (joined []Member) {
	for _, m := range members {
		existing := c.Member(m.Person, m.Role)
		switch {
		case existing != nil:
			existing.Notify = existing.Notify && m.Notify
		default:
			if !c.IsMember(m.Person) {
				joined = append(joined, m)
			}
			c.Team = append(c.Team, m)
		}
	}
	return joined
}

func (r TeamRule) holds(c *Complaint, s *Settings) bool {
	return gradeMatches(c.Grade, r.Grades, r.MinGrade, s) &&
		categoryMatches(c.Category, r.Categories) && actionsMatch(c.Actions, r.Actions)
}

func (r TaskRule) holds(c *Complaint, s *Settings) bool {
	if !r.TaskMatch.holds(c, s) {
		return false
	}
	for _, alt := range r.AnyOf {
		if alt.holds(c, s) {
			return true
		}
	}
	return len(r.AnyOf) == 0
}

func (m TaskMatch) holds(c *Complaint, s *Settings) bool {
	return gradeMatches(c.Grade, m.Grades, m.MinGrade, s) &&
		categoryMatches(c.Category, m.Categories) && actionsMatch(c.Actions, m.Actions) &&
		(m.Complex == nil || *m.Complex == c.Complex) && repairMatches(c.Repair, m.Repair)
}

func repairMatches(have RepairKind, want []RepairKind) bool {
	if len(want) == 0 {
		return true
	}
	for _, k := range want {
		if k == have {
			return true
		}
	}
	return false
}

// variant returns 1 + the index of the first variant that holds, 0 for none.
func (r TaskRule) variant(c *Complaint, s *Settings) int {
	for i, v := range r.Variants {
		if v.When.holds(c, s) {
			return i + 1
		}
	}
	return 0
}

// applied returns the rule as variant v (from variant) makes it.
func (r TaskRule) applied(v int) TaskRule {
	if v == 0 {
		return r
	}
	x := r.Variants[v-1]
	if len(x.Name) > 0 {
		r.Name = x.Name
	}
	if x.Due != nil {
		r.Due = *x.Due
	}
	if len(x.Clause) > 0 {
		r.Clause = x.Clause
	}
	return r
}

func gradeMatches(g Grade, grades []Grade, min Grade, s *Settings) bool {
	if len(grades) > 0 {
		found := false
		for _, x := range grades {
			found = found || x == g
		}
		if !found {
			return false
		}
	}
	return min == "" || s.GradeAtLeast(g, min)
}

func categoryMatches(cat string, cats []string) bool {
	if len(cats) == 0 {
		return true
	}
	for _, x := range cats {
		if x == cat {
			return true
		}
	}
	return false
}

func actionsMatch(have, want []Action) bool {
	if len(want) == 0 {
		return true
	}
	for _, a := range have {
		if HasAction(want, a) {
			return true
		}
	}
	return false
}

// PlanTasks creates the tasks that trigger brings for the complaint (DOMAIN §4),
// with event the moment of the trigger. A report-triggered task that exists is
// kept, so planning again after an update only adds what newly applies — unless
// it is open and the update makes another variant of its rule apply (a complaint
// marked complex: feedback in 7 working days, not 3), when it is set again. A
// task of any other trigger is set again from scratch (a new reply time, a new
// turn, the next regular meeting). It returns the keys of the tasks created or
// set again.
func PlanTasks(c *Complaint, s *Settings, trig Trigger, event time.Time) []string {
	var planned []string
	for _, rule := range s.Tasks {
		if triggerOf(rule) != trig || !rule.holds(c, s) {
			continue
		}
		existing := c.Task(rule.Key)
		if existing != nil && trig == OnReport && (existing.Done() || existing.Variant == rule.variant(c, s)) {
			continue
		}
		setTask(c, s, rule, trig, event)
		planned = append(planned, rule.Key)
	}
	return planned
}

// RestartTask sets the task of rule key again from scratch, as if its trigger had
// happened at event (e.g. the acknowledgement chase when new people join). It
// returns false when no rule has that key or the rule does not hold.
func RestartTask(c *Complaint, s *Settings, key string, event time.Time) bool {
	for _, rule := range s.Tasks {
		if rule.Key == key && rule.holds(c, s) {
			setTask(c, s, rule, triggerOf(rule), event)
			return true
		}
	}
	return false
}

// setTask creates the task of a rule, or sets it again with a new generation so
// that timers of its earlier setting go stale. A date promised to the customer
// stays its deadline whatever the rule says.
func setTask(c *Complaint, s *Settings, rule TaskRule, trig Trigger, event time.Time) {
	v := rule.variant(c, s)
	rule = rule.applied(v)
	t := Task{Key: rule.Key, Name: rule.Name, Role: rule.Role, Kind: kindOf(rule),
		Clause: rule.Clause, Trigger: trig, Due: dueTime(rule.Due, c, s, event), Variant: v}
	existing := c.Task(rule.Key)
	if existing != nil && existing.Promise != nil {
		t.Promise, t.Due = existing.Promise, existing.Promise.At
	}
	if trig == OnCadence && t.Kind == KindMeeting {
		t.Due = event.Add(s.Meetings.Interval(c.OccurredAt, event))
	}
	if rule.Early != nil {
		t.Early = dueTime(*rule.Early, c, s, event)
	}
	if rule.Auto {
		t.DoneAt, t.DoneBy = event, BotID
	}
	t.Fired = t.FirstStage(s.Reminders, event)
	if existing != nil {
		t.Gen = existing.Gen + 1
		*existing = t
		return
	}
	c.Tasks = append(c.Tasks, t)
}

func triggerOf(r TaskRule) Trigger {
	if r.Trigger == "" {
		return OnReport
	}
	return r.Trigger
}

func kindOf(r TaskRule) TaskKind {
	if r.Kind == "" {
		return KindDeadline
	}
	return r.Kind
}

// dueTime applies a due rule: from T0, the report or the event, plus an offset,
// or to the end of that day, or a number of working days or of months later.
func dueTime(d DueRule, c *Complaint, s *Settings, event time.Time) time.Time {
	base := event
	switch d.From {
	case "t0":
		base = c.OccurredAt
	case "report":
		base = c.ReportedAt
	}
	switch {
	case d.EndOfDay:
		return EndOfDay(base, s.Location)
	case d.Months > 0:
		return base.AddDate(0, d.Months, 0).Add(d.After.D())
	case d.WorkingDays > 0 && s.Calendar != nil:
		return s.Calendar.AddWorkingDays(base, d.WorkingDays)
	case d.WorkingDays > 0:
		return base.Add(time.Duration(d.WorkingDays) * 24 * time.Hour)
	}
	return base.Add(d.After.D())
}

// EndOfDay returns 23:59 of t's day in loc ("当天" deadlines).
func EndOfDay(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 23, 59, 0, 0, loc)
}

// Live reports whether a task's reminders run: all of an open complaint's open
// tasks, and after close only the tasks that closing brought.
func (c *Complaint) Live(t *Task) bool {
	if t.Done() || c.Status == StatusDissolved {
		return false
	}
	return c.Status == StatusOpen || t.Trigger == OnClose
}

// Timers returns the queue entries the complaint should have now: the next
// reminder of every live task.
func (c *Complaint) Timers(p ReminderPolicy) []Scheduled {
	var out []Scheduled
	for i := range c.Tasks {
		t := &c.Tasks[i]
		if !c.Live(t) {
			continue
		}
		if s, ok := c.TaskTimer(t, p); ok {
			out = append(out, s)
		}
	}
	return out
}

// DiffTimers returns what to add to and remove from the queue to go from the
// timers before to the timers after a change.
func DiffTimers(before, after []Scheduled) (add []Scheduled, remove []Timer) {
	had := map[string]Scheduled{}
	for _, s := range before {
		had[s.Member()] = s
	}
	keep := map[string]bool{}
	for _, s := range after {
		keep[s.Member()] = true
		if old, ok := had[s.Member()]; !ok || !old.Due.Equal(s.Due) {
			add = append(add, s)
		}
	}
	for _, s := range before {
		if !keep[s.Member()] {
			remove = append(remove, s.Timer)
		}
	}
	return add, remove
}

// TaskRule returns the rule of the tasks with key.
func (s *Settings) TaskRule(key string) (TaskRule, bool) {
	for _, r := range s.Tasks {
		if r.Key == key {
			return r, true
		}
	}
	return TaskRule{}, false
}

// Raise acts on a due upgrade task of an open complaint. While its rule still
// holds — the complaint is still of the rule's grades — the complaint is raised
// to the rule's To grade, with the rule's name as the reason and its clause (an
// ordinary complaint unresolved a month after receipt is a major complaint,
// 投诉处理机制 §3.3.2, 万科 一级投诉), and the task is done. An upgrade that no
// longer applies (the complaint became a group complaint meanwhile) leaves the
// task list: t is no longer valid then. It returns the grade change, or false
// when nothing was raised.
func Raise(c *Complaint, s *Settings, t *Task, now time.Time) (GradeChange, bool) {
	if c.Status != StatusOpen {
		return GradeChange{}, false
	}
	rule, ok := s.TaskRule(t.Key)
	if !ok || !rule.holds(c, s) || s.Policy.Rank(rule.To) <= s.Policy.Rank(c.Grade) {
		c.dropTask(t.Key)
		return GradeChange{}, false
	}
	t.DoneAt, t.DoneBy = now, BotID
	day := 24 * time.Hour
	age := Reason{Field: "age_days", Value: int(now.Sub(c.ReportedAt) / day),
		Range: &Range{Min: int(t.Due.Sub(c.ReportedAt) / day)}}
	change := GradeChange{At: now, From: c.Grade, To: rule.To, By: BotID, Reason: rule.Name.In(s.Lang)}
	c.Grade, c.Manual = rule.To, false
	c.Assessment = Assessment{Grade: rule.To, Rule: -1, Reasons: []Reason{age}, Clause: rule.Clause}
	c.Changes = append(c.Changes, change)
	return change, true
}

// RuleDeadline returns the deadline the rules give the complaint's task key
// (its variant applied, counted from the report where the rule counts from the
// event), and the clause: what a promised date is measured against.
func RuleDeadline(c *Complaint, s *Settings, key string) (time.Time, Text, bool) {
	rule, ok := s.TaskRule(key)
	if !ok {
		return time.Time{}, nil, false
	}
	rule = rule.applied(rule.variant(c, s))
	return dueTime(rule.Due, c, s, c.ReportedAt), rule.Clause, true
}

func (c *Complaint) dropTask(key string) {
	kept := c.Tasks[:0]
	for _, t := range c.Tasks {
		if t.Key != key {
			kept = append(kept, t)
		}
	}
	c.Tasks = kept
}
