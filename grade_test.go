package qunsu_test

import (
	"fmt"
	"testing"
	"time"

	"qunsu"
	"qunsu/config"
)

func defaultSettings(t *testing.T) *qunsu.Settings {
	t.Helper()
	s, err := config.Default().Tenants[0].Settings()
	if err != nil {
		t.Fatal(err)
	}
	return &s
}

// Every household boundary of G §3 (DOMAIN §2), with no action and with each
// action: overt ones raise the grade, a lawsuit (not overt) does not.
func TestAssess_G3_HouseholdBoundariesAndActions(t *testing.T) {
	s := defaultSettings(t)
	type row struct {
		households     int
		without, overt qunsu.Grade
		clause         string
	}
	rows := []row{
		{1, "ordinary", "general", "3.4"},
		{5, "ordinary", "general", "3.4"}, // G §3.4 / G §2: ≤5 with an overt action is a group complaint
		{6, "general", "general", "3.1"},
		{20, "general", "general", "3.1"},
		{21, "general", "major", "3.2"}, // G §3.2: both conditions, else one lower
		{50, "general", "major", "3.2"},
		{51, "major", "crisis", "3.3"}, // G §3.3
		{5000, "major", "crisis", "3.3"},
	}
	for _, r := range rows {
		got := qunsu.Assess(qunsu.Facts{Households: r.households}, s.Policy)
		if got.Grade != r.without {
			t.Errorf("G§%s %d households, no action: %s, want %s", r.clause, r.households, got.Grade, r.without)
		}
		for _, a := range qunsu.Actions {
			want := r.without
			if a.Overt {
				want = r.overt
			}
			got := qunsu.Assess(qunsu.Facts{Households: r.households, Actions: []qunsu.Action{a.Key}}, s.Policy)
			if got.Grade != want {
				t.Errorf("G§%s %d households + %s: %s, want %s", r.clause, r.households, a.Key, got.Grade, want)
			}
		}
	}
}

// The grading message names the inputs, the grade and the clause (DOMAIN §2).
func TestAssess_G3_2_ReasonsAndClause(t *testing.T) {
	s := defaultSettings(t)
	a := qunsu.Assess(qunsu.Facts{Households: 35, Actions: []qunsu.Action{qunsu.ActionBanner}}, s.Policy)
	if a.Grade != "major" || a.Clause.In(qunsu.LangZH) != "《群诉处理指引》3.2" || len(a.Reasons) != 2 {
		t.Fatalf("35 households + banner: %+v", a)
	}
	if r := a.Reasons[0]; r.Field != "households" || r.Value != 35 || r.Range.Min != 21 || r.Range.Max != 50 {
		t.Errorf("households reason: %+v", r)
	}
	if r := a.Reasons[1]; r.Field != "overt" || fmt.Sprint(r.Actions) != "[banner]" {
		t.Errorf("overt reason: %+v", r)
	}
	lowered := qunsu.Assess(qunsu.Facts{Households: 35}, s.Policy)
	if lowered.Hint.In(qunsu.LangZH) != "任何过度维权行为出现即升级为重大群诉" {
		t.Errorf("21–50 without overt action should say what raises it: %+v", lowered)
	}
}

// Other schemes are data too: people, amount, age and category conditions.
func TestAssess_RuleFormatExpressesOtherSchemes(t *testing.T) {
	yes := true
	p := qunsu.Policy{
		Levels: []qunsu.GradeLevel{{Key: "l4"}, {Key: "l3"}, {Key: "l2"}, {Key: "l1"}},
		Rules: []qunsu.Rule{
			{Grade: "l1", When: qunsu.Condition{People: &qunsu.Range{Min: 10}}},
			{Grade: "l1", When: qunsu.Condition{Amount: &qunsu.Range{Min: 10000}}},
			{Grade: "l1", When: qunsu.Condition{AgeDays: &qunsu.Range{Min: 30}}},
			{Grade: "l1", When: qunsu.Condition{Actions: []qunsu.Action{qunsu.ActionMedia, qunsu.ActionLawsuit}}},
			{Grade: "l2", When: qunsu.Condition{People: &qunsu.Range{Min: 3, Max: 9}}},
			{Grade: "l2", When: qunsu.Condition{Overt: &yes, Categories: []string{"engineering"}}},
			{Grade: "l3", When: qunsu.Condition{People: &qunsu.Range{Min: 1, Max: 2}}},
			{Grade: "l4"},
		},
	}
	cases := []struct {
		f    qunsu.Facts
		want qunsu.Grade
	}{
		{qunsu.Facts{People: 12}, "l1"},
		{qunsu.Facts{People: 5}, "l2"},
		{qunsu.Facts{People: 2}, "l3"},
		{qunsu.Facts{Amount: 10000}, "l1"},
		{qunsu.Facts{Age: 31 * 24 * time.Hour}, "l1"},
		{qunsu.Facts{Actions: []qunsu.Action{qunsu.ActionLawsuit}}, "l1"},
		{qunsu.Facts{Actions: []qunsu.Action{qunsu.ActionBanner}, Category: "engineering"}, "l2"},
		{qunsu.Facts{Actions: []qunsu.Action{qunsu.ActionBanner}, Category: "sales"}, "l4"},
		{qunsu.Facts{}, "l4"},
	}
	for _, c := range cases {
		if got := qunsu.Assess(c.f, p).Grade; got != c.want {
			t.Errorf("%+v: %s, want %s", c.f, got, c.want)
		}
	}
}
