package config

import (
	"fmt"

	"qunsu"
)

// checkTaskExtras checks what a task rule says beyond its grades, actions and
// categories: its repair kinds, alternatives and variants, the promise it
// carries, and the grade an upgrade task raises to.
func checkTaskExtras(p *problems, rp string, r qunsu.TaskRule, policy qunsu.Policy, grade func(string, qunsu.Grade)) {
	checkRepair(p, rp+".repair", r.Repair)
	match := func(path string, m qunsu.TaskMatch) {
		for _, g := range m.Grades {
			grade(path+".grades", g)
		}
		grade(path+".min_grade", m.MinGrade)
		checkActions(p, path+".actions", m.Actions)
		checkCategories(p, path+".categories", m.Categories)
		checkRepair(p, path+".repair", m.Repair)
	}
	for i, m := range r.AnyOf {
		match(fmt.Sprintf("%s.any_of[%d]", rp, i), m)
	}
	checkDue(p, rp+".due", r.Due, false)
	for i, v := range r.Variants {
		vp := fmt.Sprintf("%s.variants[%d]", rp, i)
		match(vp+".when", v.When)
		if v.Due != nil {
			checkDue(p, vp+".due", *v.Due, true)
		}
	}
	if r.Promise != nil {
		if r.Promise.Moves < 0 {
			p.add(rp+".promise.moves", "%d: the promised date may be moved 0 or more times", r.Promise.Moves)
		}
		if (r.Kind != "" && r.Kind != qunsu.KindDeadline) || r.Trigger == qunsu.OnClose {
			p.add(rp+".promise", "only a deadline of an open complaint carries a promised date")
		}
	}
	switch {
	case r.Kind == qunsu.KindUpgrade && r.To == "":
		p.add(rp+".to", "an upgrade task names the grade it raises to")
	case r.Kind == qunsu.KindUpgrade && len(r.Grades) == 0 && r.MinGrade == "":
		p.add(rp+".grades", "an upgrade task names the grades it raises from")
	case r.Kind == qunsu.KindUpgrade && policy.Rank(r.To) < 0:
		grade(rp+".to", r.To)
	case r.Kind == qunsu.KindUpgrade:
		for _, g := range r.Grades {
			if policy.Rank(g) >= policy.Rank(r.To) {
				p.add(rp+".to", "%q does not rank above %q: grades only go up by themselves", r.To, g)
			}
		}
	case r.To != "":
		p.add(rp+".to", "only an upgrade task (kind: upgrade) raises the grade")
	}
}

func checkRepair(p *problems, path string, kinds []qunsu.RepairKind) {
	for _, k := range kinds {
		if k != qunsu.RepairSingle && k != qunsu.RepairMulti {
			p.add(path, "unknown repair kind %q (use single or multi)", k)
		}
	}
}

// checkDue checks counts; from is checked here for variants (the rule's own
// is checked with the rule).
func checkDue(p *problems, path string, d qunsu.DueRule, variant bool) {
	switch d.From {
	case "", "t0", "report", "event":
	default:
		if variant {
			p.add(path+".from", "%q: use t0, report or event", d.From)
		}
	}
	if d.WorkingDays < 0 || d.Months < 0 {
		p.add(path, "working_days and months count forward (0 or more)")
	}
}
