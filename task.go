package qunsu

import (
	"errors"
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
	// KindUpgrade is the bot's own: when it falls due and its rule still holds,
	// the complaint is raised to the rule's To grade (an ordinary complaint
	// unresolved a month after receipt becomes a major complaint).
	KindUpgrade TaskKind = "upgrade"
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
// triggering event; or the end of that day; or a number of working days; or a
// number of calendar months.
type DueRule struct {
	From        string   `yaml:"from"` // t0, report, event
	After       Duration `yaml:"after,omitempty"`
	EndOfDay    bool     `yaml:"end_of_day,omitempty"`
	WorkingDays int      `yaml:"working_days,omitempty"`
	Months      int      `yaml:"months,omitempty"`
}

// TaskMatch is what a complaint must be for a task rule, or a variant of it, to
// apply: every field that is set must hold.
type TaskMatch struct {
	Grades     []Grade      `yaml:"grades,omitempty"`     // only for these grades
	MinGrade   Grade        `yaml:"min_grade,omitempty"`  // only from this grade up
	Actions    []Action     `yaml:"actions,omitempty"`    // only when one of these was seen
	Categories []string     `yaml:"categories,omitempty"` // only for these categories
	Complex    *bool        `yaml:"complex,omitempty"`    // only for complex (true) or simple (false) complaints
	Repair     []RepairKind `yaml:"repair,omitempty"`     // only for these kinds of repair work
}

// TaskVariant changes a rule's name, deadline or clause while its condition
// holds, e.g. 7 working days instead of 3 for a complex complaint. The first
// variant that holds applies; a complaint that changes so that another one
// applies has its task set again.
type TaskVariant struct {
	When   TaskMatch `yaml:"when"`
	Name   Text      `yaml:"name,omitempty"`
	Due    *DueRule  `yaml:"due,omitempty"`
	Clause Text      `yaml:"clause,omitempty"`
}

// PromiseRule marks the task whose deadline is the date promised to the
// customer (承诺反馈日期): the first setting is free, then it may be moved
// Moves times, each with a reason.
type PromiseRule struct {
	Moves  int  `yaml:"moves"`
	Clause Text `yaml:"clause,omitempty"`
}

// TaskRule is a deadline of the procedure, as data.
type TaskRule struct {
	Key       string   `yaml:"key"`
	Name      Text     `yaml:"name"`
	Aliases   []string `yaml:"aliases,omitempty"` // words users type for it in `done`
	Role      Role     `yaml:"role"`
	Kind      TaskKind `yaml:"kind,omitempty"`
	Trigger   Trigger  `yaml:"trigger,omitempty"`
	TaskMatch `yaml:",inline"`
	AnyOf     []TaskMatch   `yaml:"any_of,omitempty"` // and, when set, at least one of these
	Due       DueRule       `yaml:"due"`
	Early     *DueRule      `yaml:"early,omitempty"` // an extra early reminder ("越早越好")
	Auto      bool          `yaml:"auto,omitempty"`  // the bot does it when the task is created
	Clause    Text          `yaml:"clause,omitempty"`
	Variants  []TaskVariant `yaml:"variants,omitempty"`
	Promise   *PromiseRule  `yaml:"promise,omitempty"`
	To        Grade         `yaml:"to,omitempty"` // kind upgrade: the grade the complaint is raised to
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
	Variant int       `json:"variant,omitempty"` // 1 + the index of the rule's variant it was set by; 0: none
	Promise *Promise  `json:"promise,omitempty"` // the date promised to the customer, which is its deadline
}

// Done reports whether the task is closed.
func (t *Task) Done() bool { return !t.DoneAt.IsZero() }

// ByPeople reports whether people complete the task (`done`); an upgrade task
// is the bot's.
func (t *Task) ByPeople() bool { return t.Kind != KindUpgrade }

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
	if t.Kind == KindUpgrade {
		return []Stage{{At: t.Due, Kind: StageDue}} // the bot acts; nobody is reminded
	}
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

// Promise is the date promised to the customer for a task (金地程序 §7.1: the
// expected feedback date is told to the customer and recorded), and its moves.
type Promise struct {
	At    time.Time     `json:"at"`
	SetAt time.Time     `json:"set_at"`
	SetBy string        `json:"set_by"`
	Moves []PromiseMove `json:"moves,omitempty"`
}

// PromiseMove records the promised date being moved, and why.
type PromiseMove struct {
	At     time.Time `json:"at"` // when it was moved
	By     string    `json:"by"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason"`
}

// Why a promised date was not set; nothing changed.
var (
	ErrPromiseSame      = errors.New("promise: the date is already promised")
	ErrPromiseReason    = errors.New("promise: moving the date needs a reason")
	ErrPromiseExhausted = errors.New("promise: the date was moved as often as allowed")
	ErrPromiseDone      = errors.New("promise: the task is done")
)

// PromiseTask returns the complaint's task that carries the promised date, and
// the rule that says so; nil when it has none.
func PromiseTask(c *Complaint, s *Settings) (*Task, *PromiseRule) {
	for i := range s.Tasks {
		rule := &s.Tasks[i]
		if rule.Promise == nil {
			continue
		}
		if t := c.Task(rule.Key); t != nil {
			return t, rule.Promise
		}
	}
	return nil, nil
}

// SetPromise makes at the task's promised date and so its deadline. The first
// setting is free; after it the date may be moved rule.Moves times, each with a
// reason (金地程序 §7.3.2: 反馈期限的变更不得超过两次). A refused change leaves
// the task as it was.
func SetPromise(t *Task, rule PromiseRule, s *Settings, at time.Time, by, reason string, now time.Time) error {
	if t.Done() {
		return ErrPromiseDone
	}
	p := t.Promise
	switch {
	case p == nil:
		t.Promise = &Promise{At: at, SetAt: now, SetBy: by}
	case at.Equal(p.At):
		return ErrPromiseSame
	case len(p.Moves) >= rule.Moves:
		return ErrPromiseExhausted
	case strings.TrimSpace(reason) == "":
		return ErrPromiseReason
	default:
		p.Moves = append(p.Moves, PromiseMove{At: now, By: by, From: p.At, To: at, Reason: strings.TrimSpace(reason)})
		p.At = at
	}
	t.Due = at
	t.Gen++
	t.Fired = t.FirstStage(s.Reminders, now)
	return nil
}
