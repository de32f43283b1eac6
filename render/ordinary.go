package render

import (
	"time"

	"qunsu"
)

// YesNo renders a yes/no value: "是"/"否", "yes"/"no".
func YesNo(v bool, lang qunsu.Lang) string {
	if v {
		return T(lang, "yes")
	}
	return T(lang, "no")
}

// traitFacts are the card's facts of an ordinary complaint's handling: complex,
// and the repair work it needs.
func traitFacts(c *qunsu.Complaint, lang qunsu.Lang) []string {
	var out []string
	if c.Complex {
		out = append(out, T(lang, "card.complex"))
	}
	if c.Repair != qunsu.RepairNone {
		out = append(out, T(lang, "card.repair", c.Repair.Name(lang)))
	}
	return out
}

// promiseLine is the card's line on the date promised to the customer and how
// often it may still move; "" when none was promised.
func promiseLine(c *qunsu.Complaint, s *qunsu.Settings, lang qunsu.Lang, now time.Time) string {
	t, rule := qunsu.PromiseTask(c, s)
	if t == nil || t.Promise == nil {
		return ""
	}
	return T(lang, "card.promise", Time(t.Promise.At, s.Location, now), len(t.Promise.Moves), rule.Moves, rule.Clause.In(lang))
}
