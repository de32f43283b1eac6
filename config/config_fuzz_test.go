package config

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// problemLine is one problem as check-config shows it: file, line, key, what.
var problemLine = regexp.MustCompile(`^fuzz\.yaml:([1-9][0-9]*): (\S.*?): (\S.*)$`)

// FuzzConfig reads any bytes as a configuration file, as Load does, and
// validates what it reads. It never panics; every problem, from reading or
// validating, names the file, a line of it and the key; a configuration
// that validates builds every tenant's settings.
func FuzzConfig(f *testing.F) {
	for _, path := range []string{"default.yaml", "../examples/vanke.yaml"} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "tenants: []\n", "- 1\n- 2\n", "tenants: {}\n", "\t- a", "x: &a [*a]\n",
		"tenants:\n  - id: a\n    colour: red\n",
		"tenants:\n  - id: a\n    meetings: {early_weeks: abc}\n",
		"tenants: [a: b: c]\n",
		"tenants:\n  - id: a\n\x01\n",
		"tenants:\n  - id: \xff\n",
		"tenants:\n  - {id: a, people: 5}\n",
		"tenants:\n - id: a\n   reminders: {overdue_every: 5x}\n",
		"tenants:\n  - id: a\n    id: b\n",
		"tenants:\n  - id: a\n    timezone: Mars/Base\n    summary_cron: \"99 * * * *\"\n    lang: fr\n",
		"tenants:\n  - id: a\n    policy:\n      levels: [{key: low}]\n      rules:\n        - grade: huge\n          when: {households: {min: 9, max: 2}}\n",
		"tenants:\n  - id: a\n    people: [{id: p}, {id: p}]\n    directory:\n      - {role: boss, people: [q]}\n",
		"wecom: {corp_id: x, robots: {\"a b\\nc\": k}}\ntenants:\n  - {id: a, managers: {wecom: \"robot:zz\"}}\n",
		"slack: {bot_token: xoxp-1, signing_secret: nothex, api_url: \"ftp://x\"}\ntenants:\n  - {id: a}\n",
		"tenants:\n  - id: a\n    reminders: {overdue_every: 99999999999d}\n",
		"tenants:\r\n  - id: a\r\n    colour: red\r\n",
		"tenants:\n  - id: a\n    tasks:\n      - {key: x, kind: nap, trigger: never, due: {from: moon}}\n      - {key: x}\n",
	} {
		f.Add([]byte(s))
	}
	base := Default().Tenants[0]
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parse("fuzz.yaml", b)
		if err != nil {
			checkProblems(t, b, err.Error())
			return
		}
		for i := range c.Tenants {
			c.Tenants[i].inherit(base)
		}
		if err := c.Validate(); err != nil {
			checkProblems(t, b, err.Error())
			return
		}
		for _, w := range c.Warnings() {
			checkProblems(t, b, w)
		}
		for _, tenant := range c.Tenants {
			if _, err := tenant.Settings(); err != nil {
				t.Fatalf("validated, but tenant %q has no settings: %v", tenant.ID, err)
			}
		}
	})
}

// checkProblems asserts that every line of a report names the file, a line
// within it and a key.
func checkProblems(t *testing.T, b []byte, report string) {
	t.Helper()
	lines := 1 + strings.Count(string(b), "\n") + strings.Count(string(b), "\r") +
		strings.Count(string(b), "\u0085") + strings.Count(string(b), "\u2028") + strings.Count(string(b), "\u2029")
	for _, problem := range strings.Split(report, "\n") {
		m := problemLine.FindStringSubmatch(problem)
		if m == nil {
			t.Fatalf("%q: problem %q does not name file, line and key", b, problem)
		}
		if n, _ := strconv.Atoi(m[1]); n > lines {
			t.Fatalf("%q: problem %q names line %d of %d", b, problem, n, lines)
		}
	}
}
