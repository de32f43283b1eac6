package qunsu

import (
	"sort"
	"time"
)

// MonthlyReport is a month's report (月报, DOMAIN §8): what was reported and
// closed, how long closing took, how many deadlines were missed, the closed
// group complaints written up as cases (G §6.4-3) and the penalties (G §7).
type MonthlyReport struct {
	From, To time.Time // the month, [From, To), in the tenant's time zone
	Now      time.Time // when it was built: "still overdue" is as of then
	// Complaints are those reported or closed in the month, by report time;
	// Reported and Closed are the two (overlapping) parts of them.
	Complaints []*Complaint
	Reported   []*Complaint // by report time
	Closed     []*Complaint // by close time
	// Reported and closed in the month by category (key; "" unknown), grade
	// (every level of the policy, lowest first) and project.
	ByCategory, ByGrade, ByProject []Tally
	Handling                       Handling
	Deadlines                      Deadlines
	Cases                          []Case       // the group complaints closed in the month, by close time
	Penalties                      []PenaltyRef // by the time the grade was reached
}

// Month returns the report's month as "2026-11".
func (m *MonthlyReport) Month() string { return m.From.Format("2006-01") }

// Tally counts the complaints of one category, grade or project.
type Tally struct {
	Key      string
	Reported int // reported in the month
	Group    int // of those, group complaints (by their grade now)
	Closed   int // closed in the month
}

// Handling is how long complaints closed in the month took, from report to close.
type Handling struct {
	Count             int
	Median, Mean, Max time.Duration
	Longest           *Complaint // the one that took Max
}

// Deadlines is how the tasks due in the month were met.
//
// A task counts when its deadline falls in the month and it is not the bot's
// own (an auto task such as forming the team). It is on time when done at or
// before its deadline, late when done after it, and overdue when it is not
// done and its deadline has passed by Now: either its reminders still run, or
// its complaint was closed after the deadline with the task left undone. A task
// not done whose deadline is still ahead is not counted yet, nor is one that
// closing cancelled (the complaint closed before its deadline). Of a task set
// again (a new turn, the next regular meeting) only its latest setting counts.
type Deadlines struct {
	Due     int // counted tasks: OnTime + Late + Overdue
	OnTime  int
	Late    int
	Overdue int
}

// Missed is how many counted tasks missed their deadline: late or overdue.
func (d Deadlines) Missed() int { return d.Late + d.Overdue }

// Rate is the overdue rate: Missed / Due, 0 when nothing was due.
func (d Deadlines) Rate() float64 {
	if d.Due == 0 {
		return 0
	}
	return float64(d.Missed()) / float64(d.Due)
}

// Case is a closed group complaint as the monthly report tells it (G §6.4-3):
// its course (始末) from the complaint's record, and its cause (原因) and
// prevention (预防措施) as written up; either may be missing.
type Case struct {
	Complaint  *Complaint
	FirstGrade Grade         // the grade it was reported with
	Turns      []GradeChange // grade changes, oldest first
	Meetings   int           // special meetings held
	Took       time.Duration // report to close
}

// Written reports whether both the cause and the prevention were recorded.
func (c Case) Written() bool { return c.Complaint.Cause != "" && c.Complaint.Prevention != "" }

// BuildMonthly builds the report of the month [from, to) at now from the
// complaints that may bear on it: those reported, closed or open in it and
// those with tasks due in it. Others, and repeats, are ignored.
func BuildMonthly(cs []*Complaint, from, to, now time.Time, s *Settings) MonthlyReport {
	m := MonthlyReport{From: from, To: to, Now: now}
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }
	seen := map[string]bool{}
	auto := autoTasks(s)
	for _, c := range cs {
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		countDeadlines(&m.Deadlines, c, auto, in, now)
		reported, closed := in(c.ReportedAt), in(c.ClosedAt)
		if reported || closed {
			m.Complaints = append(m.Complaints, c)
		}
		if reported {
			m.Reported = append(m.Reported, c)
		}
		if closed {
			m.Closed = append(m.Closed, c)
		}
		if p, ok := penaltyOf(c, s); ok && in(GradeReached(c)) {
			m.Penalties = append(m.Penalties, PenaltyRef{c, p})
		}
	}
	byTime := func(cs []*Complaint, at func(*Complaint) time.Time) {
		sort.SliceStable(cs, func(i, j int) bool {
			if !at(cs[i]).Equal(at(cs[j])) {
				return at(cs[i]).Before(at(cs[j]))
			}
			return cs[i].ID < cs[j].ID
		})
	}
	reportedAt := func(c *Complaint) time.Time { return c.ReportedAt }
	byTime(m.Complaints, reportedAt)
	byTime(m.Reported, reportedAt)
	byTime(m.Closed, func(c *Complaint) time.Time { return c.ClosedAt })
	sort.SliceStable(m.Penalties, func(i, j int) bool {
		return GradeReached(m.Penalties[i].Complaint).Before(GradeReached(m.Penalties[j].Complaint))
	})

	group := func(c *Complaint) bool { return s.Policy.IsGroup(c.Grade) }
	m.ByCategory = tallies(&m, func(c *Complaint) string { return c.Category }, categoryOrder(), group)
	var levels []string
	for _, l := range s.Policy.Levels {
		levels = append(levels, string(l.Key))
	}
	m.ByGrade = tallies(&m, func(c *Complaint) string { return string(c.Grade) }, levels, group)
	m.ByProject = tallies(&m, func(c *Complaint) string { return c.Project }, nil, group)
	m.Handling = handlingOf(m.Closed)
	for _, c := range m.Closed {
		if group(c) {
			m.Cases = append(m.Cases, caseOf(c))
		}
	}
	return m
}

// tallies counts the month's complaints by key: first the keys of order (all
// of them, counted or not), then the others by count, most first, then by key.
func tallies(m *MonthlyReport, key func(*Complaint) string, order []string, group func(*Complaint) bool) []Tally {
	at := map[string]int{}
	var out []Tally
	get := func(k string) *Tally {
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, Tally{Key: k})
		}
		return &out[i]
	}
	for _, k := range order {
		get(k)
	}
	fixed := len(out)
	for _, c := range m.Reported {
		t := get(key(c))
		t.Reported++
		if group(c) {
			t.Group++
		}
	}
	for _, c := range m.Closed {
		get(key(c)).Closed++
	}
	rest := out[fixed:]
	sort.SliceStable(rest, func(i, j int) bool {
		a, b := rest[i], rest[j]
		if a.Reported+a.Closed != b.Reported+b.Closed {
			return a.Reported+a.Closed > b.Reported+b.Closed
		}
		return a.Key < b.Key
	})
	return out
}

func categoryOrder() []string {
	var out []string
	for _, c := range Categories {
		out = append(out, c.Key)
	}
	return out
}

// handlingOf measures report-to-close times.
func handlingOf(closed []*Complaint) Handling {
	h := Handling{Count: len(closed)}
	if h.Count == 0 {
		return h
	}
	took := make([]time.Duration, len(closed))
	var sum time.Duration
	for i, c := range closed {
		took[i] = c.ClosedAt.Sub(c.ReportedAt)
		sum += took[i]
		if h.Longest == nil || took[i] > h.Max {
			h.Max, h.Longest = took[i], c
		}
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	h.Mean = sum / time.Duration(len(took))
	if n := len(took); n%2 == 1 {
		h.Median = took[n/2]
	} else {
		h.Median = (took[n/2-1] + took[n/2]) / 2
	}
	return h
}

// countDeadlines adds a complaint's tasks due in the month (see Deadlines).
func countDeadlines(d *Deadlines, c *Complaint, auto map[string]bool, in func(time.Time) bool, now time.Time) {
	for i := range c.Tasks {
		t := &c.Tasks[i]
		if !in(t.Due) || auto[t.Key] || !t.ByPeople() { // the bot's own are no one's deadline
			continue
		}
		switch {
		case t.Done() && !t.DoneAt.After(t.Due):
			d.OnTime++
		case t.Done():
			d.Late++
		case !t.Due.Before(now):
			continue // not due yet
		case c.Live(t), t.Trigger == OnClose, c.ClosedAt.IsZero(), c.ClosedAt.After(t.Due):
			d.Overdue++
		default:
			continue // closing cancelled it before its deadline
		}
		d.Due++
	}
}

// autoTasks are the keys of the tasks the bot does itself.
func autoTasks(s *Settings) map[string]bool {
	out := map[string]bool{}
	for _, r := range s.Tasks {
		if r.Auto {
			out[r.Key] = true
		}
	}
	return out
}

// GradeReached returns when a complaint first had the grade it has now: when it
// was reported, or the first change to that grade.
func GradeReached(c *Complaint) time.Time {
	if len(c.Changes) == 0 || c.Changes[0].From == c.Grade {
		return c.ReportedAt
	}
	for _, ch := range c.Changes {
		if ch.To == c.Grade {
			return ch.At
		}
	}
	return c.ReportedAt
}

// penaltyOf returns the penalty of a complaint's grade, if the settings set one.
func penaltyOf(c *Complaint, s *Settings) (Penalty, bool) {
	for _, p := range s.Penalties {
		if p.Grade == c.Grade {
			return p, true
		}
	}
	return Penalty{}, false
}

func caseOf(c *Complaint) Case {
	k := Case{Complaint: c, FirstGrade: c.Grade, Turns: c.Changes, Meetings: len(c.Meetings), Took: c.ClosedAt.Sub(c.ReportedAt)}
	if len(c.Changes) > 0 {
		k.FirstGrade = c.Changes[0].From
	}
	return k
}

// MonthlyWriter writes a monthly report as the files posted with it (a
// workbook and a CSV), in the tenant's language.
type MonthlyWriter interface {
	MonthlyFiles(m *MonthlyReport, s *Settings) ([]File, error)
}

// CloseLookback is how long before a month to look for closes whose tasks
// (the write-up, the return visit) may fall due in it: the furthest any
// close-triggered rule sets a deadline, with a working day counted as two
// days and a fortnight for holidays (国庆, 春节), and a day for "end of day".
func CloseLookback(s *Settings) time.Duration {
	const day = 24 * time.Hour
	longest := day
	span := func(due DueRule) time.Duration {
		d := due.After.D() + day + time.Duration(due.Months)*31*day
		if due.WorkingDays > 0 {
			d += time.Duration(2*due.WorkingDays)*day + 14*day
		}
		return d
	}
	for _, r := range s.Tasks {
		if r.Trigger != OnClose {
			continue
		}
		longest = max(longest, span(r.Due))
		for _, v := range r.Variants { // a variant may be due later than the rule
			if v.Due != nil {
				longest = max(longest, span(*v.Due))
			}
		}
	}
	return longest
}
