package calendar

import (
	"fmt"
	"time"

	"qunsu"
)

// China counts working days as China's statutory holidays and make-up working
// days (调休) have them, with a company's own days on top: a company's extra
// day off or extra working day wins; else a statutory day off or make-up day;
// else Monday to Friday. Years the statutory data lacks count Monday to Friday
// (see UnknownYears).
type China struct {
	loc      *time.Location
	override map[date]bool // a company's days: true works, false is off
}

var _ qunsu.Calendar = (*China)(nil)

// NewChina builds the calendar for a tenant in loc, with the company's extra
// days off (holidays) and extra working days (workdays), written 2006-01-02.
func NewChina(loc *time.Location, holidays, workdays []string) (*China, error) {
	c := &China{loc: orUTC(loc), override: map[date]bool{}}
	for _, list := range []struct {
		days []string
		work bool
	}{{holidays, false}, {workdays, true}} {
		for _, s := range list.days {
			d, err := parseDate(s)
			if err != nil {
				return nil, fmt.Errorf("calendar: %w", err)
			}
			if w, ok := c.override[d]; ok && w != list.work {
				return nil, fmt.Errorf("calendar: %s is both a holiday and a working day", d)
			}
			c.override[d] = list.work
		}
	}
	return c, nil
}

// AddWorkingDays returns 23:59 of the n-th working day after t's day, both in
// the calendar's time zone. For n <= 0 it is t's day when that is a working
// day, else the first working day after it.
func (c *China) AddWorkingDays(t time.Time, n int) time.Time {
	return addWorkingDays(c.loc, c.working, t, n)
}

// IsWorkingDay reports whether day, taken in the calendar's time zone, is a
// working day.
func (c *China) IsWorkingDay(day time.Time) bool {
	return c.working(dateOf(day, c.loc))
}

func (c *China) working(d date) bool {
	if w, ok := c.override[d]; ok {
		return w
	}
	if w, ok := statutory()[d]; ok {
		return w
	}
	return isWeekday(d)
}
