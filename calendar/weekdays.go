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

// AddWorkingDays returns 23:59 of the n-th working day after t's day (n <= 0:
// see addWorkingDays).
func (w Weekdays) AddWorkingDays(t time.Time, n int) time.Time {
	return addWorkingDays(w.Location, isWeekday, t, n)
}

// IsWorkingDay reports whether day, in the calendar's time zone, is Monday to Friday.
func (w Weekdays) IsWorkingDay(day time.Time) bool {
	return isWeekday(dateOf(day, w.Location))
}

func isWeekday(d date) bool {
	wd := d.weekday()
	return wd != time.Saturday && wd != time.Sunday
}
