package qunsu

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Status is where a complaint stands.
type Status string

const (
	StatusOpen      Status = "open"      // phases 1–3
	StatusAftercare Status = "aftercare" // closed: phase 4 善后, until the case write-up is done
	StatusDissolved Status = "dissolved" // the team is dissolved
)

// Phase is a stage of the procedure (G §6).
type Phase string

const (
	PhaseOccurrence Phase = "occurrence" // 发生阶段, T0 → T0+6h
	PhaseResponse   Phase = "response"   // 应对阶段, 6h → 48h
	PhaseHandling   Phase = "handling"   // 处理阶段, 48h → close
	PhaseAftercare  Phase = "aftercare"  // 善后阶段, after close
)

// Report is what a team member tells about a complaint.
type Report struct {
	Project    string    `json:"project"`
	Households int       `json:"households"`
	People     int       `json:"people,omitempty"`
	Amount     int       `json:"amount,omitempty"`
	Actions    []Action  `json:"actions,omitempty"`
	Category   string    `json:"category,omitempty"`
	Summary    string    `json:"summary,omitempty"`
	OccurredAt time.Time `json:"occurred_at"` // T0
	// Complex marks a complex complaint: answered in 7 working days, not 3
	// (客户投诉管理制度 §4.1). The default rules read it; others may.
	Complex bool `json:"complex,omitempty"`
	// Repair is the repair work the complaint needs, if any (004 §3.4.5).
	Repair RepairKind `json:"repair,omitempty"`
}

// RepairKind is the kind of repair work a complaint needs: one trade or
// several (004 §3.4.5: 单工种 3, 多工种 7 working days).
type RepairKind string

const (
	RepairNone   RepairKind = ""
	RepairSingle RepairKind = "single"
	RepairMulti  RepairKind = "multi"
)

// RepairKinds lists the kinds of repair work and the words users type for them.
var RepairKinds = []struct {
	Key     RepairKind
	Name    Text
	Aliases []string
}{
	{RepairSingle, Text{LangZH: "单工种", LangEN: "single trade"}, []string{"单项", "单工种维修", "单", "single-trade", "one"}},
	{RepairMulti, Text{LangZH: "多工种", LangEN: "several trades"}, []string{"多项", "多工种维修", "多", "multi-trade", "multiple", "several"}},
	{RepairNone, Text{LangZH: "无", LangEN: "none"}, []string{"否", "不", "无需", "不需要", "no"}},
}

// LookupRepair finds a kind of repair work by key, name or alias, ignoring
// case; "无"/"none" is no repair work.
func LookupRepair(word string) (RepairKind, bool) {
	w := strings.ToLower(strings.TrimSpace(word))
	for _, k := range RepairKinds {
		if (w != "" && w == string(k.Key)) || matchesText(w, k.Name) || contains(k.Aliases, w) {
			return k.Key, true
		}
	}
	return RepairNone, false
}

// Name returns the kind's name in lang.
func (k RepairKind) Name(lang Lang) string {
	for _, x := range RepairKinds {
		if x.Key == k {
			return x.Name.In(lang)
		}
	}
	return string(k)
}

// Member is a person in a complaint's team, through a role.
type Member struct {
	Person  string    `json:"person"`
	Role    Role      `json:"role"`
	Notify  bool      `json:"notify,omitempty"` // informed only; no acknowledgement expected
	AckedAt time.Time `json:"acked_at,omitzero"`
}

// Meeting is a special meeting of the team.
type Meeting struct {
	At    time.Time `json:"at"`
	By    string    `json:"by"`
	Notes string    `json:"notes,omitempty"`
}

// GradeChange records a grade going up or down.
type GradeChange struct {
	At     time.Time `json:"at"`
	From   Grade     `json:"from"`
	To     Grade     `json:"to"`
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
}

// Complaint is a reported complaint and everything the procedure tracks about it.
type Complaint struct {
	Tenant     string        `json:"tenant"`
	ID         string        `json:"id"`
	Report                   // the current facts, as updated
	ReportedAt time.Time     `json:"reported_at"`
	ReportedBy string        `json:"reported_by"`
	Origin     Chat          `json:"origin"`
	Assessment Assessment    `json:"assessment"`
	Grade      Grade         `json:"grade"`
	Manual     bool          `json:"manual,omitempty"` // grade set by hand (downgrade); updates only raise it
	Status     Status        `json:"status"`
	Team       []Member      `json:"team"`
	Tasks      []Task        `json:"tasks"`
	Meetings   []Meeting     `json:"meetings,omitempty"`
	Changes    []GradeChange `json:"changes,omitempty"`
	ClosedAt   time.Time     `json:"closed_at,omitzero"`
	CloseNote  string        `json:"close_note,omitempty"`
	Cause      string        `json:"cause,omitempty"`      // 原因, of the case write-up (G §6.3-2, §6.4-3)
	Prevention string        `json:"prevention,omitempty"` // 预防措施, of the case write-up
	// CardSum is a digest of the last card written for the team chat: a
	// change that leaves the card as it was (a reminder) does not edit it.
	CardSum string `json:"card_sum,omitempty"`
	Version int64  `json:"version"`
	// Partial marks a complaint read for a report, without its team, origin
	// and grading reasons: the store refuses to save it.
	Partial bool `json:"-"`
}

// Facts returns the grading inputs of the complaint at now.
func (c *Complaint) Facts(now time.Time) Facts {
	return Facts{Households: c.Households, People: c.People, Amount: c.Amount,
		Actions: c.Actions, Category: c.Category, Age: now.Sub(c.OccurredAt)}
}

// Phase returns the phase of the procedure at now (G §6).
func (c *Complaint) Phase(now time.Time) Phase {
	if c.Status != StatusOpen {
		return PhaseAftercare
	}
	switch age := now.Sub(c.OccurredAt); {
	case age < 6*time.Hour:
		return PhaseOccurrence
	case age < 48*time.Hour:
		return PhaseResponse
	default:
		return PhaseHandling
	}
}

// Task returns the task with key, or nil.
func (c *Complaint) Task(key string) *Task {
	for i := range c.Tasks {
		if c.Tasks[i].Key == key {
			return &c.Tasks[i]
		}
	}
	return nil
}

// Member returns the team membership of person in role, or nil.
func (c *Complaint) Member(person string, role Role) *Member {
	for i := range c.Team {
		if c.Team[i].Person == person && c.Team[i].Role == role {
			return &c.Team[i]
		}
	}
	return nil
}

// IsMember reports whether person is in the team in any role.
func (c *Complaint) IsMember(person string) bool {
	for _, m := range c.Team {
		if m.Person == person {
			return true
		}
	}
	return false
}

// Unacked returns the ids of the people who must acknowledge and have not.
func (c *Complaint) Unacked() []string {
	var out []string
	for _, m := range c.Team {
		if !m.Notify && m.AckedAt.IsZero() && !containsString(out, m.Person) {
			out = append(out, m.Person)
		}
	}
	return out
}

// Ack records person's acknowledgement in all their roles; it returns false if
// person is not in the team or had already acknowledged.
func (c *Complaint) Ack(person string, now time.Time) bool {
	changed := false
	for i := range c.Team {
		m := &c.Team[i]
		if m.Person == person && m.AckedAt.IsZero() {
			m.AckedAt = now
			changed = true
		}
	}
	return changed
}

// PeopleIn returns the ids of team members holding role.
func (c *Complaint) PeopleIn(role Role) []string {
	var out []string
	for _, m := range c.Team {
		if m.Role == role {
			out = append(out, m.Person)
		}
	}
	return out
}

// Event is an entry of a complaint's timeline: who did what, when.
type Event struct {
	At       time.Time `json:"at"`
	By       string    `json:"by"`                 // person id, or "bot"
	Platform string    `json:"platform,omitempty"` // where they said it; "" for the bot's own
	Kind     string    `json:"kind"`
	Detail   string    `json:"detail,omitempty"`
}

// Event kinds.
const (
	EventReported     = "reported"
	EventUpdated      = "updated"
	EventUpgraded     = "upgraded"
	EventDowngraded   = "downgraded"
	EventAcked        = "acked"
	EventTaskDone     = "task_done"
	EventMeeting      = "meeting"
	EventReplySet     = "reply_set"
	EventPromised     = "promised"      // the date promised to the customer was set
	EventPromiseMoved = "promise_moved" // … or moved, with a reason
	EventReminded     = "reminded"
	EventEscalated    = "escalated"
	EventClosed       = "closed"
	EventReopened     = "reopened"
	EventDissolved    = "dissolved"
)

// BotID is the author of events the bot causes itself.
const BotID = "bot"

var idPattern = regexp.MustCompile(`^QS-(\d{8})-(\d{3,})$`)

// ComplaintID formats the id of the n-th complaint of T0's day.
func ComplaintID(day time.Time, n int) string {
	return fmt.Sprintf("QS-%s-%03d", day.Format("20060102"), n)
}

// ValidID reports whether s has the form QS-YYYYMMDD-NNN.
func ValidID(s string) bool {
	m := idPattern.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	_, err := time.Parse("20060102", m[1])
	n, _ := strconv.Atoi(m[2])
	return err == nil && n > 0
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
