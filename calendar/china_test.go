package calendar

import (
	"slices"
	"testing"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func china(t *testing.T, holidays, workdays []string) *China {
	t.Helper()
	c, err := NewChina(shanghai(t), holidays, workdays)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at is 10:00 on day in Shanghai.
func at(t *testing.T, day string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, shanghai(t))
	if err != nil {
		t.Fatal(err)
	}
	return d.Add(10 * time.Hour)
}

type addCase struct {
	name string
	from time.Time
	n    int
	want string // the day whose 23:59 in Shanghai is due
}

func checkAdd(t *testing.T, c interface {
	AddWorkingDays(time.Time, int) time.Time
}, cases []addCase) {
	t.Helper()
	loc := shanghai(t)
	for _, tc := range cases {
		got := c.AddWorkingDays(tc.from, tc.n)
		want, _ := time.ParseInLocation(time.DateOnly, tc.want, loc)
		want = want.Add(23*time.Hour + 59*time.Minute)
		if !got.Equal(want) || got.Location().String() != loc.String() {
			t.Errorf("%s: %s + %d = %s, want %s", tc.name, tc.from.In(loc).Format("2006-01-02 Mon"), tc.n,
				got.Format("2006-01-02 15:04 Mon MST"), want.Format("2006-01-02 15:04 Mon MST"))
		}
	}
}

func TestChinaAddsWorkingDaysAcrossStatutoryHolidays(t *testing.T) {
	checkAdd(t, china(t, nil, nil), []addCase{
		{"a Friday + 1", at(t, "2026-11-20"), 1, "2026-11-23"},
		{"a Thursday + 3 over a weekend", at(t, "2026-11-19"), 3, "2026-11-24"},
		{"New Year: Jan 1-3 off, make-up Sunday Jan 4", at(t, "2025-12-31"), 1, "2026-01-04"},
		{"New Year + 2", at(t, "2025-12-31"), 2, "2026-01-05"},
		{"inside New Year + 1", at(t, "2026-01-02"), 1, "2026-01-04"},
		{"Spring Festival: make-up Saturday Feb 14", at(t, "2026-02-13"), 1, "2026-02-14"},
		{"Spring Festival: Feb 15-23 off", at(t, "2026-02-13"), 2, "2026-02-24"},
		{"Spring Festival + 3 from Thursday", at(t, "2026-02-12"), 3, "2026-02-24"},
		{"inside Spring Festival + 1", at(t, "2026-02-18"), 1, "2026-02-24"},
		{"Spring Festival: make-up Saturday Feb 28", at(t, "2026-02-27"), 1, "2026-02-28"},
		{"after the make-up Saturday", at(t, "2026-02-27"), 2, "2026-03-02"},
		{"Qingming Apr 4-6", at(t, "2026-04-03"), 1, "2026-04-07"},
		{"Labour Day May 1-5", at(t, "2026-04-30"), 1, "2026-05-06"},
		{"Labour Day: make-up Saturday May 9", at(t, "2026-05-08"), 1, "2026-05-09"},
		{"Dragon Boat Jun 19-21", at(t, "2026-06-18"), 1, "2026-06-22"},
		{"National Day: make-up Sunday Sep 20", at(t, "2026-09-18"), 1, "2026-09-20"},
		{"Mid-Autumn Sep 25-27", at(t, "2026-09-24"), 1, "2026-09-28"},
		{"National Day Oct 1-7", at(t, "2026-09-30"), 1, "2026-10-08"},
		{"National Day: make-up Saturday Oct 10", at(t, "2026-09-30"), 3, "2026-10-10"},
		{"after the make-up Saturday Oct 10", at(t, "2026-09-30"), 4, "2026-10-12"},
		{"inside National Day + 1", at(t, "2026-10-03"), 1, "2026-10-08"},
		{"a year lunar-go does not know: Monday to Friday", at(t, "2026-12-31"), 1, "2027-01-01"},
	})
}

// n = 0 is "the same working day": t's day if it works, else the next working day.
func TestChinaZeroWorkingDays(t *testing.T) {
	checkAdd(t, china(t, nil, nil), []addCase{
		{"a working day", at(t, "2026-11-23"), 0, "2026-11-23"},
		{"a Sunday", at(t, "2026-11-22"), 0, "2026-11-23"},
		{"a make-up Sunday", at(t, "2026-09-20"), 0, "2026-09-20"},
		{"inside National Day", at(t, "2026-10-03"), 0, "2026-10-08"},
		{"negative counts as zero", at(t, "2026-10-03"), -2, "2026-10-08"},
	})
}

// The day is the tenant's day: late evening UTC is already tomorrow in Shanghai.
func TestChinaCountsInTheCalendarsTimeZone(t *testing.T) {
	checkAdd(t, china(t, nil, nil), []addCase{
		// 2026-02-13 16:30 UTC is Saturday Feb 14 00:30 in Shanghai, a make-up day.
		{"UTC Friday, Shanghai make-up Saturday", time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC), 1, "2026-02-24"},
		// 2026-09-30 16:30 UTC is Oct 1 00:30 in Shanghai, a holiday.
		{"UTC Sep 30, Shanghai Oct 1", time.Date(2026, 9, 30, 16, 30, 0, 0, time.UTC), 0, "2026-10-08"},
		{"UTC Sep 30 at noon is Sep 30 in Shanghai too", time.Date(2026, 9, 30, 4, 0, 0, 0, time.UTC), 0, "2026-09-30"},
	})
	c := china(t, nil, nil)
	if !c.IsWorkingDay(time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC)) || c.IsWorkingDay(time.Date(2026, 2, 14, 16, 30, 0, 0, time.UTC)) {
		t.Error("IsWorkingDay does not take the day in Shanghai")
	}
}

func TestChinaCompanyDaysWin(t *testing.T) {
	checkAdd(t, china(t, []string{"2026-12-31", "2026-02-14"}, []string{"2026-10-11", "2026-10-05"}), []addCase{
		{"an extra day off", at(t, "2026-12-30"), 1, "2027-01-01"},
		{"an extra day off over a make-up day", at(t, "2026-02-13"), 1, "2026-02-24"},
		{"an extra working day inside a holiday", at(t, "2026-09-30"), 1, "2026-10-05"},
		{"an extra working Sunday after a make-up Saturday", at(t, "2026-10-09"), 2, "2026-10-11"},
		{"untouched days still follow the notice", at(t, "2026-02-27"), 1, "2026-02-28"},
	})
}

func TestNewChinaRefusesBadDays(t *testing.T) {
	for _, tc := range []struct {
		holidays, workdays []string
		want               string
	}{
		{[]string{"2026-13-01"}, nil, `calendar: "2026-13-01" is not a date`},
		{nil, []string{"2026-1-5"}, `calendar: "2026-1-5" is not a date`},
		{[]string{"2026-10-11"}, []string{"2026-10-11"}, "calendar: 2026-10-11 is both a holiday and a working day"},
	} {
		if _, err := NewChina(nil, tc.holidays, tc.workdays); err == nil || err.Error()[:len(tc.want)] != tc.want {
			t.Errorf("%v %v: %v, want %s", tc.holidays, tc.workdays, err, tc.want)
		}
	}
	if _, err := NewChina(nil, []string{"2026-10-11", "2026-10-11"}, nil); err != nil {
		t.Errorf("a day listed twice in one list: %v", err)
	}
}

// The 2026 arrangement (国务院办公厅, 2025-11-04) as the notice gives it.
func TestChinaHas2026Arrangement(t *testing.T) {
	off := [][2]string{{"2026-01-01", "2026-01-03"}, {"2026-02-15", "2026-02-23"}, {"2026-04-04", "2026-04-06"},
		{"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-09-25", "2026-09-27"}, {"2026-10-01", "2026-10-07"}}
	work := []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}
	c := china(t, nil, nil)
	for _, r := range off {
		for d := at(t, r[0]); !d.After(at(t, r[1])); d = d.AddDate(0, 0, 1) {
			if c.IsWorkingDay(d) {
				t.Errorf("%s: working, want a day off", d.Format(time.DateOnly))
			}
		}
	}
	for _, day := range work {
		if !c.IsWorkingDay(at(t, day)) {
			t.Errorf("%s: off, want a make-up working day", day)
		}
	}
	if !Knows(2026) || Knows(2027) {
		t.Errorf("Knows(2026) = %v, Knows(2027) = %v; lunar-go v1.4.6 has 2026 and not 2027", Knows(2026), Knows(2027))
	}
	if got := UnknownYears(at(t, "2026-11-23")); !slices.Equal(got, []int{2027}) {
		t.Errorf("UnknownYears in Nov 2026: %v", got)
	}
	if got := UnknownYears(at(t, "2025-06-01")); len(got) != 0 {
		t.Errorf("UnknownYears in 2025: %v", got)
	}
}

// The table read once agrees, day by day, with the library's own lookup.
func TestChinaAgreesWithHolidayUtil(t *testing.T) {
	c := china(t, nil, nil)
	for d := at(t, "2024-01-01"); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		want := d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
		if h := HolidayUtil.GetHoliday(d.Format(time.DateOnly)); h != nil {
			want = h.IsWork()
		}
		if got := c.IsWorkingDay(d); got != want {
			t.Errorf("%s: working %v, HolidayUtil says %v", d.Format("2006-01-02 Mon"), got, want)
		}
	}
}

func TestWeekdays(t *testing.T) {
	w := Weekdays{Location: shanghai(t)}
	checkAdd(t, w, []addCase{
		{"a Friday + 1", at(t, "2026-11-20"), 1, "2026-11-23"},
		{"knows no holidays", at(t, "2026-09-30"), 1, "2026-10-01"},
		{"n = 0 on a Saturday", at(t, "2026-11-21"), 0, "2026-11-23"},
		{"n = 0 on a Monday", at(t, "2026-11-23"), 0, "2026-11-23"},
	})
	if w.IsWorkingDay(at(t, "2026-11-22")) || !w.IsWorkingDay(at(t, "2026-10-01")) {
		t.Error("IsWorkingDay: a Sunday works or a Thursday does not")
	}
}
