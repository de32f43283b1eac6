package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The rules of ordinary complaints are checked like the rest: file, line, key.
func TestValidateOrdinaryTaskRules(t *testing.T) {
	dir := t.TempDir()
	head := "tenants:\n  - id: a\n    tasks:\n      - key: x\n        role: cr_head\n        due: {from: report}\n"
	cases := []struct{ yaml, want string }{
		{head + "        repair: [triple]\n", `bad.yaml:7: tenants[0].tasks[0].repair: unknown repair kind "triple"`},
		{head + "        any_of: [{categories: [mars]}]\n", `tenants[0].tasks[0].any_of[0].categories: unknown category "mars"`},
		{head + "        variants:\n          - when: {grades: [huge]}\n", `bad.yaml:8: tenants[0].tasks[0].variants[0].when.grades: unknown grade "huge"`},
		{head + "        variants:\n          - when: {complex: true}\n            due: {from: later}\n", `tenants[0].tasks[0].variants[0].due.from: "later": use t0, report or event`},
		{head + "        kind: upgrade\n        grades: [ordinary]\n", `tenants[0].tasks[0].to: an upgrade task names the grade it raises to`},
		{head + "        kind: upgrade\n        grades: [general]\n        to: ordinary_major\n", `tenants[0].tasks[0].to: "ordinary_major" does not rank above "general"`},
		{head + "        kind: upgrade\n        grades: [ordinary]\n        to: huge\n", `tenants[0].tasks[0].to: unknown grade "huge"`},
		{head + "        to: major\n", `tenants[0].tasks[0].to: only an upgrade task (kind: upgrade) raises the grade`},
		{head + "        kind: meeting\n        promise: {moves: 2}\n", `tenants[0].tasks[0].promise: only a deadline of an open complaint carries a promised date`},
		{head + "        promise: {moves: -1}\n", `tenants[0].tasks[0].promise.moves: -1`},
		{"tenants:\n  - id: a\n    tasks:\n      - key: x\n        role: cr_head\n        due: {from: report, months: -1}\n", `tenants[0].tasks[0].due: working_days and months count forward`},
	}
	for _, tc := range cases {
		path := filepath.Join(dir, "bad.yaml")
		os.WriteFile(path, []byte(tc.yaml), 0o644)
		c, err := Load(path)
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %q", tc.yaml, err, tc.want)
		}
	}
}
