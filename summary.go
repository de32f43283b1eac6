package qunsu

import (
	"sort"
	"time"
)

// TaskRef points at a task of a complaint.
type TaskRef struct {
	Complaint *Complaint
	Task      *Task
}

// UpgradeRef points at a grade change of a complaint.
type UpgradeRef struct {
	Complaint *Complaint
	Change    GradeChange
}

// PenaltyRef is a penalty a complaint's grade brings (G §7).
type PenaltyRef struct {
	Complaint *Complaint
	Penalty   Penalty
}

// Summary is the content of a daily (or any period's) summary (DOMAIN §8).
type Summary struct {
	From, To, Now time.Time
	Open          int
	ByGrade       map[Grade]int
	ByGradePhase  map[Grade]map[Phase]int
	New, Closed   []*Complaint
	Overdue       []TaskRef // open tasks past their due time
	Upcoming      []TaskRef // open tasks due within the next 24 hours
	Upgrades      []UpgradeRef
	Actions       []*Complaint // open complaints with overt actions
	Penalties     []PenaltyRef // for complaints reported in the period
}

// Summarize builds the summary of the period [from, to) at now from the
// complaints (open ones and those reported in the period).
func Summarize(cs []*Complaint, from, to, now time.Time, s *Settings) Summary {
	sum := Summary{From: from, To: to, Now: now, ByGrade: map[Grade]int{}, ByGradePhase: map[Grade]map[Phase]int{}}
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }
	for _, c := range cs {
		if in(c.ReportedAt) {
			sum.New = append(sum.New, c)
			for _, p := range s.Penalties {
				if p.Grade == c.Grade {
					sum.Penalties = append(sum.Penalties, PenaltyRef{c, p})
				}
			}
		}
		if in(c.ClosedAt) {
			sum.Closed = append(sum.Closed, c)
		}
		for _, ch := range c.Changes {
			if in(ch.At) {
				sum.Upgrades = append(sum.Upgrades, UpgradeRef{c, ch})
			}
		}
		if c.Status != StatusOpen {
			continue
		}
		sum.Open++
		sum.ByGrade[c.Grade]++
		if sum.ByGradePhase[c.Grade] == nil {
			sum.ByGradePhase[c.Grade] = map[Phase]int{}
		}
		sum.ByGradePhase[c.Grade][c.Phase(now)]++
		if AnyOvert(c.Actions) {
			sum.Actions = append(sum.Actions, c)
		}
		for i := range c.Tasks {
			t := &c.Tasks[i]
			switch {
			case !c.Live(t) || !t.ByPeople(): // the bot's own (an upgrade) is no one's to do
			case t.Due.Before(now):
				sum.Overdue = append(sum.Overdue, TaskRef{c, t})
			case t.Due.Before(now.Add(24 * time.Hour)):
				sum.Upcoming = append(sum.Upcoming, TaskRef{c, t})
			}
		}
	}
	byDue := func(refs []TaskRef) {
		sort.SliceStable(refs, func(i, j int) bool { return refs[i].Task.Due.Before(refs[j].Task.Due) })
	}
	byDue(sum.Overdue)
	byDue(sum.Upcoming)
	return sum
}

// Period returns the bounds of "today", "week" (from Monday) or "month" around
// now, in loc.
func Period(kind string, now time.Time, loc *time.Location) (from, to time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	switch kind {
	case "week":
		offset := (int(day.Weekday()) + 6) % 7
		from = day.AddDate(0, 0, -offset)
		return from, from.AddDate(0, 0, 7)
	case "month":
		from = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		return from, from.AddDate(0, 1, 0)
	}
	return day, day.AddDate(0, 0, 1)
}

// DayCount is how many complaints were reported and how many closed on a day.
type DayCount struct {
	Day         time.Time // the day's start
	New, Closed int
}

// DailyCounts counts the complaints reported and closed on each of the days
// days up to and including the day of now, in loc, oldest first. A complaint
// counts as closed on the day it was closed, whenever it was reported; one
// reopened since counts as not closed.
func DailyCounts(cs []*Complaint, days int, now time.Time, loc *time.Location) []DayCount {
	if loc == nil {
		loc = time.UTC
	}
	if days <= 0 {
		return nil
	}
	today, _ := Period("today", now, loc)
	first := today.AddDate(0, 0, -(days - 1))
	out := make([]DayCount, days)
	for i := range out {
		out[i].Day = first.AddDate(0, 0, i)
	}
	// The index of t's day, or -1 outside the days.
	index := func(t time.Time) int {
		if t.IsZero() || t.Before(first) {
			return -1
		}
		day, _ := Period("today", t, loc)
		for i := range out {
			if out[i].Day.Equal(day) {
				return i
			}
		}
		return -1
	}
	for _, c := range cs {
		if i := index(c.ReportedAt); i >= 0 {
			out[i].New++
		}
		if i := index(c.ClosedAt); i >= 0 {
			out[i].Closed++
		}
	}
	return out
}
