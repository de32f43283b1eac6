package calendar

import (
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// firstStatutoryYear is the first year lunar-go's HolidayUtil has data for
// (from 2001-12-29 on).
const firstStatutoryYear = 2001

// statutory is China's official holiday arrangement as lunar-go encodes the
// State Council's yearly notice (国务院办公厅关于部分节假日安排的通知): for each
// listed day, whether it is a make-up working day (调休上班, true) or a day off
// (false). Days it does not list follow the week. Read once: lookups in the
// library scan its whole data string.
var statutory = sync.OnceValue(func() map[date]bool {
	days := map[date]bool{}
	for y := firstStatutoryYear; ; y++ {
		list := HolidayUtil.GetHolidaysByYear(y)
		if list.Len() == 0 {
			return days
		}
		for e := list.Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			if d, err := parseDate(h.GetDay()); err == nil {
				days[d] = h.IsWork()
			}
		}
	}
})

// knownYears is the set of years the library lists any day for.
var knownYears = sync.OnceValue(func() map[int]bool {
	years := map[int]bool{}
	for d := range statutory() {
		years[d.year] = true
	}
	return years
})

// Knows reports whether lunar-go has the official arrangement for year; in
// other years only Monday to Friday (and a company's own days) count.
func Knows(year int) bool {
	return knownYears()[year]
}

// UnknownYears lists which of now's year and the next (the years deadlines
// set now fall in) lunar-go has no arrangement for, so the service can say
// once at start-up that it counts Monday to Friday there.
func UnknownYears(now time.Time) []int {
	var out []int
	for _, y := range []int{now.Year(), now.Year() + 1} {
		if !Knows(y) {
			out = append(out, y)
		}
	}
	return out
}
