package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"qunsu"
)

func TestDefaultValidatesAndBuildsSettings(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := c.Tenants[0].Settings()
	if err != nil || s.Location.String() != "Asia/Shanghai" || s.Lang != qunsu.LangZH || len(s.Tasks) == 0 {
		t.Fatalf("%+v %v", s, err)
	}
}

// 万科's four levels work from configuration alone (DOMAIN §2).
func TestVankeExampleGradesByItsOwnLevels(t *testing.T) {
	c, err := Load("../examples/vanke.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s, _ := c.Tenants[0].Settings()
	cases := []struct {
		f    qunsu.Facts
		want qunsu.Grade
	}{
		{qunsu.Facts{People: 12}, "level1"},
		{qunsu.Facts{People: 5}, "level2"},
		{qunsu.Facts{People: 2}, "level3"},
		{qunsu.Facts{Actions: []qunsu.Action{qunsu.ActionMedia}}, "level1"},
		{qunsu.Facts{Amount: 5000}, "level2"},
		{qunsu.Facts{Amount: 10000}, "level1"},
		{qunsu.Facts{Age: 35 * 24 * time.Hour}, "level1"},
		{qunsu.Facts{}, "level4"},
	}
	for _, tc := range cases {
		if got := qunsu.Assess(tc.f, s.Policy).Grade; got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.f, got, tc.want)
		}
	}
	if len(s.Reminders.Chain) == 0 || len(s.Tasks) == 0 {
		t.Error("reminders and tasks not inherited")
	}
}

// Config errors name the file, the line and the key.
func TestValidateNamesFileLineAndKey(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ yaml, want string }{
		{"tenants:\n  - id: a\n    policy:\n      levels: [{key: low}]\n      rules:\n        - grade: huge\n          when: {}\n", `bad.yaml:6: tenants[0].policy.rules[0].grade: unknown grade "huge"`},
		{"tenants:\n  - id: a\n    timezone: Mars/Base\n", `bad.yaml:3: tenants[0].timezone: "Mars/Base" is not a time zone`},
		{"tenants:\n  - id: a\n    summary_cron: \"99 * * * *\"\n", `bad.yaml:3: tenants[0].summary_cron:`},
		{"tenants:\n  - id: A b\n", `bad.yaml:2: tenants[0].id: "A b"`},
		{"tenants:\n  - id: a\n    directory:\n      - {role: boss, people: [x]}\n", `bad.yaml:4: tenants[0].directory[0].role: unknown role "boss"`},
		{"tenants:\n  - id: a\n    people: [{id: p}]\n    directory:\n      - {role: gm, people: [q]}\n", `"q" is not in people`},
		{"tenants:\n  - id: a\n    access:\n      close: [cr_head]\n      shut: [gm]\n", `bad.yaml:5: tenants[0].access.shut: unknown permission (use close, downgrade, reopen, directory, personal_data)`},
		{"tenants:\n  - id: a\n    access:\n      close: [boss]\n", `bad.yaml:4: tenants[0].access.close: unknown role "boss"`},
		{"log_format: xml\ntenants:\n  - id: a\n", `bad.yaml:1: log_format: "xml": use text or json`},
		{"debug_addr: localhost\ntenants:\n  - id: a\n", `bad.yaml:1: debug_addr: "localhost": want host:port`},
	}
	for _, tc := range cases {
		path := filepath.Join(dir, "bad.yaml")
		os.WriteFile(path, []byte(tc.yaml), 0o644)
		c, err := Load(path)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.yaml, err, tc.want)
		}
	}
	os.WriteFile(filepath.Join(dir, "unknown.yaml"), []byte("tenants:\n  - id: a\n    colour: red\n"), 0o644)
	if _, err := Load(filepath.Join(dir, "unknown.yaml")); err == nil || !strings.Contains(err.Error(), "unknown.yaml:3: tenants[0].colour: field colour not found") {
		t.Errorf("unknown key: %v", err)
	}
}

func TestEnvOverrides(t *testing.T) {
	t.Setenv("QUNSU_REDIS_URL", "redis://127.0.0.1:1/0")
	c := Default()
	FromEnv(c)
	if c.RedisURL != "redis://127.0.0.1:1/0" {
		t.Error(c.RedisURL)
	}
}

// What YAML itself cannot read is named the same way: file, line, key.
func TestReadErrorsNameFileLineAndKey(t *testing.T) {
	for in, want := range map[string]string{
		"tenants:\n  - id: a\n    meetings: {early_weeks: abc}\n": "bad.yaml:3: tenants[0].meetings.early_weeks: cannot unmarshal !!str `abc` into int",
		"tenants:\n - id: a\n   reminders: {overdue_every: 5x}\n": `bad.yaml:3: tenants[0].reminders.overdue_every: duration "5x": want e.g. 30m, 6h or 7d`,
		"tenants:\n  - {id: a, people: 5}\n":                      "bad.yaml:2: tenants[0].people: cannot unmarshal !!int `5` into []qunsu.Person",
		"tenants:\n  - id: a\n    id: b\n":                        `bad.yaml:3: tenants[0].id: mapping key "id" already defined at line 2`,
		"tenants: [a: b: c]\n":                                    `bad.yaml:1: near "tenants: [a: b: c]": did not find expected ',' or ']'`,
		"tenants:\n  - id: \xff\n":                                `bad.yaml:2: near "- id: \xff": invalid leading UTF-8 octet`,
		"- 1\n":                                                   "bad.yaml:1: (document): cannot unmarshal !!seq into config.Config",
	} {
		_, err := parse("bad.yaml", []byte(in))
		if err == nil || err.Error() != want {
			t.Errorf("%q:\n got %v\nwant %s", in, err, want)
		}
	}
	c, err := parse("bad.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err == nil || err.Error() != "bad.yaml:1: tenants: at least one tenant is needed" {
		t.Errorf("an empty file: %v", err)
	}
}

// A company's own days off and working days: read as written, refused with
// file, line and key when they are not dates or are listed both ways.
func TestCalendarOverrides(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("tenants:\n  - id: a\n    calendar: {holidays: [2026-12-31], workdays: [2026-10-11, \"2026-10-12\"]}\n"), 0o644)
	c, err := Load(good)
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Tenants[0].Calendar; !slices.Equal(got.Holidays, []string{"2026-12-31"}) || !slices.Equal(got.Workdays, []string{"2026-10-11", "2026-10-12"}) {
		t.Errorf("read %+v", got)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"tenants:\n  - id: a\n    calendar:\n      holidays: [2026-13-01]\n", `bad.yaml:4: tenants[0].calendar.holidays[0]: "2026-13-01" is not a date: want YYYY-MM-DD`},
		{"tenants:\n  - id: a\n    calendar:\n      holidays:\n        - 2026-12-31\n        - 2026-02-30\n", `bad.yaml:6: tenants[0].calendar.holidays[1]: "2026-02-30" is not a date`},
		{"tenants:\n  - id: a\n    calendar:\n      workdays: [2026-1-5]\n", `bad.yaml:4: tenants[0].calendar.workdays[0]: "2026-1-5" is not a date`},
		{"tenants:\n  - id: a\n    calendar:\n      workdays: [\"2026-10-11 09:00\"]\n", `tenants[0].calendar.workdays[0]: "2026-10-11 09:00" is not a date`},
		{"tenants:\n  - id: a\n    calendar:\n      holidays: [2026-10-11]\n      workdays:\n        - 2026-10-10\n        - 2026-10-11\n", `bad.yaml:7: tenants[0].calendar.workdays[1]: 2026-10-11 is also in holidays: a day is either off or working`},
		{"tenants:\n  - id: a\n    calendar: {days: [2026-10-11]}\n", `bad.yaml:3: tenants[0].calendar.days: field days not found`},
	} {
		path := filepath.Join(dir, "bad.yaml")
		os.WriteFile(path, []byte(tc.yaml), 0o644)
		c, err := Load(path)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
