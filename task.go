package qunsu

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// TaskKind says how a task is satisfied.
type TaskKind string

const (
	KindDeadline TaskKind = "deadline" // `done` closes it
	KindMeeting  TaskKind = "meeting"  // a logged meeting closes it
	KindAck      TaskKind = "ack"      // every member acknowledging closes it
)

// Trigger is the moment a task rule creates its task.
type Trigger string

const (
	OnReport  Trigger = "report"  // the complaint is reported
	OnTurn    Trigger = "turn"    // a turn of events: upgrade or new overt action (G §6.3-2)
	OnReply   Trigger = "reply"   // the customer-reply time is set
	OnCadence Trigger = "cadence" // a meeting was held: the next regular meeting
	OnClose   Trigger = "close"   // the complaint is closed (善后)
)

// DueRule says when a task falls due: an offset from T0, the report or the
// triggering event; or the end of that day; or a number of working days.
type DueRule struct {
	From        string   `yaml:"from"` // t0, report, event
	After       Duration `yaml:"after,omitempty"`
	EndOfDay    bool     `yaml:"end_of_day,omitempty"`
	WorkingDays int      `yaml:"working_days,omitempty"`
}

// TaskRule is a deadline of the procedure, as data.
type TaskRule struct {
	Key        string   `yaml:"key"`
	Name       Text     `yaml:"name"`
	Aliases    []string `yaml:"aliases,omitempty"` // words users type for it in `done`
	Role       Role     `yaml:"role"`
	Kind       TaskKind `yaml:"kind,omitempty"`
	Trigger    Trigger  `yaml:"trigger,omitempty"`
	Grades     []Grade  `yaml:"grades,omitempty"`     // only for these grades
	MinGrade   Grade    `yaml:"min_grade,omitempty"`  // only from this grade up
	Actions    []Action `yaml:"actions,omitempty"`    // only when one of these was seen
	Categories []string `yaml:"categories,omitempty"` // only for these categories
	Due        DueRule  `yaml:"due"`
	Early      *DueRule `yaml:"early,omitempty"` // an extra early reminder ("越早越好")
	Auto       bool     `yaml:"auto,omitempty"`  // the bot does it when the task is created
	Clause     Text     `yaml:"clause,omitempty"`
}

// Task is a deadline of one complaint.
type Task struct {
	Key     string    `json:"key"`
	Name    Text      `json:"name"`
	Role    Role      `json:"role"`
	Kind    TaskKind  `json:"kind"`
	Clause  Text      `json:"clause,omitempty"`
	Due     time.Time `json:"due"`
	Early   time.Time `json:"early,omitzero"`
	Gen     int       `json:"gen"`   // bumped when the task is set again, so old timers go stale
	Fired   int       `json:"fired"` // index of the next reminder stage to fire
	DoneAt  time.Time `json:"done_at,omitzero"`
	DoneBy  string    `json:"done_by,omitempty"`
	Trigger Trigger   `json:"trigger,omitempty"`
}

// Done reports whether the task is closed.
func (t *Task) Done() bool { return !t.DoneAt.IsZero() }

// ReminderPolicy says when reminders go out around a deadline and who is
// escalated to when it is missed.
type ReminderPolicy struct {
	Before       []Duration `yaml:"before"`        // e.g. 1h before
	OverdueEvery Duration   `yaml:"overdue_every"` // spacing of overdue reminders
	Chain        []Role     `yaml:"chain"`         // overdue reminder k goes up to Chain[k-1]
}

// StageKind is what a reminder stage says.
type StageKind string

const (
	StageEarly   StageKind = "early"
	StageBefore  StageKind = "before"
	StageDue     StageKind = "due"
	StageOverdue StageKind = "overdue"
)

// Stage is one reminder of a task.
type Stage struct {
	At    time.Time
	Kind  StageKind
	Level int // overdue level, 1-based: the escalation step
}

// Stages returns the task's reminders in time order.
func (t *Task) Stages(p ReminderPolicy) []Stage {
	var out []Stage
	before := append([]Duration(nil), p.Before...)
	sort.Slice(before, func(i, j int) bool { return before[i] > before[j] })
	if !t.Early.IsZero() && (len(before) == 0 || t.Early.Before(t.Due.Add(-before[0].D()))) {
		out = append(out, Stage{At: t.Early, Kind: StageEarly})
	}
	for _, b := range before {
		if b > 0 {
			out = append(out, Stage{At: t.Due.Add(-b.D()), Kind: StageBefore})
		}
	}
	out = append(out, Stage{At: t.Due, Kind: StageDue})
	every := p.OverdueEvery.D()
	if every <= 0 {
		every = time.Hour
	}
	for k := 1; k <= len(p.Chain); k++ {
		out = append(out, Stage{At: t.Due.Add(time.Duration(k) * every), Kind: StageOverdue, Level: k})
	}
	return out
}

// FirstStage returns the stage to start from for a task set at now: the first
// one still ahead, or, when the deadline itself has already passed, the latest
// passed stage, so a deadline missed before the report is escalated at once.
// Earlier stages are not replayed.
func (t *Task) FirstStage(p ReminderPolicy, now time.Time) int {
	stages := t.Stages(p)
	i := 0
	for i < len(stages) && stages[i].At.Before(now) {
		i++
	}
	if i > 0 && (i == len(stages) || stages[i-1].Kind == StageDue || stages[i-1].Kind == StageOverdue) {
		return i - 1
	}
	return i
}

// Timer is an entry of the deadline queue: a reminder stage of a task, or a
// recurring job of a tenant.
type Timer struct {
	Complaint string
	Task      string
	Gen       int
	Stage     int
	Job       string // set for recurring jobs ("daily_summary"); then the rest is empty
}

// Member encodes the timer as a queue member; it is also the idempotency key of
// whatever the timer sends.
func (t Timer) Member() string {
	if t.Job != "" {
		return "job|" + t.Job
	}
	return fmt.Sprintf("task|%s|%s|%d|%d", t.Complaint, t.Task, t.Gen, t.Stage)
}

// ParseTimer decodes a queue member.
func ParseTimer(s string) (Timer, error) {
	parts := strings.Split(s, "|")
	switch {
	case len(parts) == 2 && parts[0] == "job":
		return Timer{Job: parts[1]}, nil
	case len(parts) == 5 && parts[0] == "task":
		gen, err1 := strconv.Atoi(parts[3])
		stage, err2 := strconv.Atoi(parts[4])
		if err1 == nil && err2 == nil {
			return Timer{Complaint: parts[1], Task: parts[2], Gen: gen, Stage: stage}, nil
		}
	}
	return Timer{}, fmt.Errorf("parse timer %q: malformed", s)
}

// Scheduled is a timer with its due time.
type Scheduled struct {
	Timer
	Due time.Time
}

// TaskTimer returns the queue entry for the task's next stage, if any is left.
func (c *Complaint) TaskTimer(t *Task, p ReminderPolicy) (Scheduled, bool) {
	stages := t.Stages(p)
	if t.Done() || t.Fired >= len(stages) {
		return Scheduled{}, false
	}
	return Scheduled{
		Timer: Timer{Complaint: c.ID, Task: t.Key, Gen: t.Gen, Stage: t.Fired},
		Due:   stages[t.Fired].At,
	}, true
}
