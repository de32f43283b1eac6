package calendar

import (
	"fmt"
	"time"

	"qunsu"
)

// date is a day of the calendar, without a time or a zone.
type date struct {
	year  int
	month time.Month
	day   int
}

// dateOf is t's day in loc (UTC when nil).
func dateOf(t time.Time, loc *time.Location) date {
	y, m, d := t.In(orUTC(loc)).Date()
	return date{y, m, d}
}

// parseDate reads a day written as 2006-01-02.
func parseDate(s string) (date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return date{}, fmt.Errorf("%q is not a date: want YYYY-MM-DD, e.g. 2026-10-08", s)
	}
	return dateOf(t, time.UTC), nil
}

// next is the following day; time.Date normalises the 32nd of a month.
func (d date) next() date {
	return dateOf(time.Date(d.year, d.month, d.day+1, 12, 0, 0, 0, time.UTC), time.UTC)
}

func (d date) weekday() time.Weekday {
	return time.Date(d.year, d.month, d.day, 12, 0, 0, 0, time.UTC).Weekday()
}

func (d date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day)
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// addWorkingDays returns 23:59 in loc of the n-th working day after t's day.
// For n <= 0 it is t's own day when that is a working day, else the first
// working day after it: a "same working day" deadline set on a day off falls
// on the next working day.
func addWorkingDays(loc *time.Location, working func(date) bool, t time.Time, n int) time.Time {
	loc = orUTC(loc)
	d := dateOf(t, loc)
	if n <= 0 {
		for !working(d) {
			d = d.next()
		}
	}
	for ; n > 0; n-- {
		d = d.next()
		for !working(d) {
			d = d.next()
		}
	}
	return qunsu.EndOfDay(time.Date(d.year, d.month, d.day, 12, 0, 0, 0, loc), loc)
}
