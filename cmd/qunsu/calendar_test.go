package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// companyCalendar writes the shipped configuration with the company's own
// calendar days and returns its path.
func companyCalendar(t *testing.T, days string) string {
	t.Helper()
	yaml := string(mustRead(t, "../../config/default.yaml"))
	const shipped = "calendar: {holidays: [], workdays: []}"
	if !strings.Contains(yaml, shipped) {
		t.Fatalf("default.yaml lacks %q", shipped)
	}
	path := filepath.Join(t.TempDir(), "company.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(yaml, shipped, "calendar: "+days, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The tenants count working days by China's holidays and their own days.
func TestSettingsCountChinasWorkingDays(t *testing.T) {
	loc := shanghai(t)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, loc) }
	due := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 0, 0, loc) }
	for _, tc := range []struct {
		name, path string
		from       time.Time
		n          int
		want       time.Time
	}{
		{"the shipped file: National Day", "", day(2026, 9, 30), 1, due(2026, 10, 8)},
		{"the shipped file: a make-up Saturday", "", day(2026, 10, 9), 1, due(2026, 10, 10)},
		{"a company's extra working day", companyCalendar(t, "{workdays: [2026-10-11]}"), day(2026, 10, 9), 2, due(2026, 10, 11)},
		{"a company's extra day off", companyCalendar(t, "{holidays: [2026-12-31]}"), day(2026, 12, 30), 1, due(2027, 1, 1)},
	} {
		_, tenants, err := loadSettings(tc.path)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := tenants[0].Calendar.AddWorkingDays(tc.from, tc.n); !got.Equal(tc.want) {
			t.Errorf("%s: %s + %d = %s, want %s", tc.name, tc.from, tc.n, got, tc.want)
		}
	}
	_, _, err := loadSettings(companyCalendar(t, "{holidays: [2026-10-11], workdays: [2026-10-11]}"))
	if err == nil || !strings.Contains(err.Error(), "tenants[0].calendar.workdays[0]: 2026-10-11 is also in holidays") {
		t.Errorf("a day both off and working: %v", err)
	}
}

// serve says at start-up which years it knows no statutory holidays for.
func TestServeLogsYearsWithoutStatutoryHolidays(t *testing.T) {
	r := startServe(t, "", nil) // the rig's clock: 2026-11-22; lunar-go v1.4.6 ends with 2026
	if logs := r.logs.String(); !strings.Contains(logs, "calendar: no statutory holidays known") || !strings.Contains(logs, "years=[2027]") {
		t.Errorf("no warning for 2027 in the logs:\n%s", logs)
	}
}
