package render

import (
	"fmt"
	"strings"
	"time"

	"qunsu"
)

// Time formats t for a chat post in loc: "11-22 14:30", with the year when it is
// not now's year.
func Time(t time.Time, loc *time.Location, now time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if t.Year() != now.In(loc).Year() {
		return t.Format("2006-01-02 15:04")
	}
	return t.Format("01-02 15:04")
}

// Duration formats a duration for people: "2小时30分" / "2h30m", "3天" / "3d".
func Duration(lang qunsu.Lang, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	units := []string{"天", "小时", "分"}
	if lang == qunsu.LangEN {
		units = []string{"d", "h", "m"}
	}
	var b strings.Builder
	for i, n := range []int{days, hours, mins} {
		if n > 0 {
			fmt.Fprintf(&b, "%d%s", n, units[i])
		}
	}
	if b.Len() == 0 {
		return "0" + units[2]
	}
	return b.String()
}

// Grade renders a grade with why: "重大群诉 — 35户(21–50户) + 拉横幅(过度维权行为)，依据《群诉处理指引》3.2".
func Grade(a qunsu.Assessment, p qunsu.Policy, lang qunsu.Lang) string {
	var parts []string
	for _, r := range a.Reasons {
		if s := reason(r, lang); s != "" {
			parts = append(parts, s)
		}
	}
	out := p.GradeName(a.Grade, lang)
	if len(parts) > 0 {
		out += " — " + strings.Join(parts, " + ")
	}
	if clause := a.Clause.In(lang); clause != "" {
		out += T(lang, "grade.clause", clause)
	}
	if hint := a.Hint.In(lang); hint != "" {
		out += T(lang, "grade.hint", hint)
	}
	return out
}

func reason(r qunsu.Reason, lang qunsu.Lang) string {
	switch r.Field {
	case "households", "people", "amount", "age_days":
		return T(lang, "reason."+r.Field, r.Value, rangeText(r.Range, lang, r.Field))
	case "overt":
		if r.Negated {
			return T(lang, "reason.no_overt")
		}
		return T(lang, "reason.overt", Actions(r.Actions, lang))
	case "actions":
		return Actions(r.Actions, lang)
	}
	return ""
}

func rangeText(r *qunsu.Range, lang qunsu.Lang, field string) string {
	unit := T(lang, "unit."+field)
	switch {
	case r == nil:
		return ""
	case r.Max == 0:
		return T(lang, "range.atleast", r.Min, unit)
	case r.Min <= 1 && field != "amount":
		return T(lang, "range.atmost", r.Max, unit)
	case r.Min == 0:
		return T(lang, "range.atmost", r.Max, unit)
	}
	return T(lang, "range.between", r.Min, r.Max, unit)
}

// Actions names actions: "拉横幅、媒体曝光" / "banner, media".
func Actions(actions []qunsu.Action, lang qunsu.Lang) string {
	var names []string
	for _, a := range actions {
		names = append(names, a.Info().Name.In(lang))
	}
	return strings.Join(names, T(lang, "list.sep"))
}

// Roles names roles.
func Roles(roles []qunsu.Role, lang qunsu.Lang) string {
	var names []string
	for _, r := range roles {
		names = append(names, r.Name(lang))
	}
	return strings.Join(names, T(lang, "list.sep"))
}

// Mentions mentions people: "@{a} @{b}".
func Mentions(ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, qunsu.Mention(id))
	}
	return strings.Join(out, " ")
}

// Names lists people by display name, from the directory.
func Names(ids []string, d *qunsu.Directory, lang qunsu.Lang) string {
	var out []string
	for _, id := range ids {
		out = append(out, Name(id, d))
	}
	return strings.Join(out, T(lang, "list.sep"))
}

// Name is a person's display name, or their id when unknown.
func Name(id string, d *qunsu.Directory) string {
	if id == qunsu.BotID {
		return "qunsu"
	}
	if p, ok := d.Person(id); ok {
		return p.Name
	}
	return id
}

// Phase names a phase.
func Phase(p qunsu.Phase, lang qunsu.Lang) string { return T(lang, "phase."+string(p)) }
