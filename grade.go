package qunsu

import (
	"time"
)

// Grade is the key of a grade level in a policy ("ordinary", "general", "major",
// "crisis" in the default policy; other schemes define their own).
type Grade string

// GradeLevel is one grade of a policy. Levels are listed lowest first; a level's
// position is its rank. Group levels are group complaints (team chat, G §6 plan).
type GradeLevel struct {
	Key   Grade `yaml:"key"`
	Name  Text  `yaml:"name"`
	Group bool  `yaml:"group"`
}

// Range is an inclusive range of whole numbers; Max 0 means no upper bound.
type Range struct {
	Min int `yaml:"min"`
	Max int `yaml:"max"`
}

// Contains reports whether n lies in the range.
func (r Range) Contains(n int) bool {
	return n >= r.Min && (r.Max == 0 || n <= r.Max)
}

// Condition is what a rule requires; every field that is set must hold.
type Condition struct {
	Households *Range   `yaml:"households,omitempty"`
	People     *Range   `yaml:"people,omitempty"`
	Amount     *Range   `yaml:"amount,omitempty"`   // yuan of compensation claimed
	AgeDays    *Range   `yaml:"age_days,omitempty"` // whole days since T0
	Overt      *bool    `yaml:"overt,omitempty"`    // true: some overt action; false: none
	Actions    []Action `yaml:"actions,omitempty"`  // any of these
	Categories []string `yaml:"categories,omitempty"`
}

// Rule grades a complaint when its condition holds. Hint says what would raise it.
type Rule struct {
	Grade  Grade     `yaml:"grade"`
	When   Condition `yaml:"when"`
	Clause Text      `yaml:"clause"`
	Hint   Text      `yaml:"hint,omitempty"`
}

// Policy is a grading scheme: its levels and its rules, tried in order. The first
// rule that holds gives the grade; the last rule should hold always.
type Policy struct {
	Levels []GradeLevel `yaml:"levels"`
	Rules  []Rule       `yaml:"rules"`
}

// Facts are the inputs a grade is decided on.
type Facts struct {
	Households int
	People     int
	Amount     int
	Actions    []Action
	Category   string
	Age        time.Duration
}

// Reason is one input that made a rule hold, for the grading message.
type Reason struct {
	Field   string   // households, people, amount, age_days, overt, actions, category
	Value   int      // the fact's value, for numeric fields
	Range   *Range   // the rule's range, for numeric fields
	Actions []Action // the matching actions, for overt/actions
	Negated bool     // for overt: "no overt action"
}

// Assessment is a grade and why.
type Assessment struct {
	Grade   Grade    `json:"grade"`
	Rule    int      `json:"rule"` // index in Policy.Rules, -1 if none held
	Reasons []Reason `json:"reasons"`
	Clause  Text     `json:"clause"`
	Hint    Text     `json:"hint,omitempty"`
}

// Assess grades facts under the policy: the first rule whose condition holds.
func Assess(f Facts, p Policy) Assessment {
	for i, r := range p.Rules {
		if reasons, ok := r.When.match(f); ok {
			return Assessment{Grade: r.Grade, Rule: i, Reasons: reasons, Clause: r.Clause, Hint: r.Hint}
		}
	}
	lowest := Grade("")
	if len(p.Levels) > 0 {
		lowest = p.Levels[0].Key
	}
	return Assessment{Grade: lowest, Rule: -1}
}

func (c Condition) match(f Facts) ([]Reason, bool) {
	var reasons []Reason
	numeric := []struct {
		field string
		r     *Range
		v     int
	}{
		{"households", c.Households, f.Households},
		{"people", c.People, f.People},
		{"amount", c.Amount, f.Amount},
		{"age_days", c.AgeDays, int(f.Age / (24 * time.Hour))},
	}
	for _, n := range numeric {
		if n.r == nil {
			continue
		}
		if !n.r.Contains(n.v) {
			return nil, false
		}
		reasons = append(reasons, Reason{Field: n.field, Value: n.v, Range: n.r})
	}
	if c.Overt != nil {
		overt := overtOf(f.Actions)
		if (len(overt) > 0) != *c.Overt {
			return nil, false
		}
		reasons = append(reasons, Reason{Field: "overt", Actions: overt, Negated: !*c.Overt})
	}
	if len(c.Actions) > 0 {
		var hit []Action
		for _, a := range f.Actions {
			if HasAction(c.Actions, a) {
				hit = append(hit, a)
			}
		}
		if len(hit) == 0 {
			return nil, false
		}
		reasons = append(reasons, Reason{Field: "actions", Actions: hit})
	}
	if len(c.Categories) > 0 {
		found := false
		for _, cat := range c.Categories {
			found = found || cat == f.Category
		}
		if !found {
			return nil, false
		}
		reasons = append(reasons, Reason{Field: "category"})
	}
	return reasons, true
}

func overtOf(actions []Action) []Action {
	var out []Action
	for _, a := range actions {
		if a.Info().Overt {
			out = append(out, a)
		}
	}
	return out
}

// Rank returns the position of g among the policy's levels, -1 if unknown.
func (p Policy) Rank(g Grade) int {
	for i, l := range p.Levels {
		if l.Key == g {
			return i
		}
	}
	return -1
}

// Level returns the level of g.
func (p Policy) Level(g Grade) (GradeLevel, bool) {
	i := p.Rank(g)
	if i < 0 {
		return GradeLevel{}, false
	}
	return p.Levels[i], true
}

// GradeName returns the name of g in lang.
func (p Policy) GradeName(g Grade, lang Lang) string {
	if l, ok := p.Level(g); ok {
		return l.Name.In(lang)
	}
	return string(g)
}

// IsGroup reports whether g is a group-complaint grade.
func (p Policy) IsGroup(g Grade) bool {
	l, ok := p.Level(g)
	return ok && l.Group
}
