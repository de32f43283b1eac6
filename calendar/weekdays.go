// Package calendar implements qunsu.Calendar.
package calendar

import (
	"time"

	"qunsu"
)

// Weekdays counts Monday to Friday as working days. It knows no public holidays.
type Weekdays struct {
	Location *time.Location
}

var _ qunsu.Calendar = Weekdays{}

// AddWorkingDays returns 23:59 of the n-th working day after t's day.
func (w Weekdays) AddWorkingDays(t time.Time, n int) time.Time {
	loc := w.Location
	if loc == nil {
		loc = time.UTC
	}
	day := t.In(loc)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return qunsu.EndOfDay(day, loc)
}
