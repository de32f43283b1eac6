// Package monthly writes the monthly report (月报) as files to post in a chat:
// an XLSX workbook with a sheet per table and a CSV of the month's complaints.
// The tables are built once, in the tenant's language, and written to both.
package monthly

import (
	"math"
	"strings"
	"time"

	"qunsu"
	"qunsu/render"
)

// hours is a duration in a cell: hours, to one decimal.
type hours float64

// percent is a share in a cell, 0–1, shown as a percentage.
type percent float64

// table is one sheet: a header, rows and, for most, a totals row. A cell is a
// string, an int, hours or percent.
type table struct {
	sheet  string
	header []string
	rows   [][]any
	total  []any
	widths []float64 // column widths, in characters
	wrap   bool      // long texts: wrap them in their cells
}

// tables builds every table of the report, in sheet order.
func tables(m *qunsu.MonthlyReport, s *qunsu.Settings) []table {
	b := builder{m: m, s: s, lang: s.Lang}
	return []table{b.summary(), b.tally("category", m.ByCategory), b.tally("grade", m.ByGrade),
		b.tally("project", m.ByProject), b.cases(), b.penalties(), b.complaints()}
}

type builder struct {
	m    *qunsu.MonthlyReport
	s    *qunsu.Settings
	lang qunsu.Lang
}

func (b builder) t(key string, args ...any) string { return render.T(b.lang, key, args...) }

func (b builder) time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc := b.s.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func toHours(d time.Duration) hours { return hours(math.Round(d.Hours()*10) / 10) }

// took is a handling time of the month in hours, or empty when nothing was
// closed in it (no time is not zero time).
func (b builder) took(d time.Duration) any {
	if b.m.Handling.Count == 0 {
		return ""
	}
	return toHours(d)
}

func (b builder) summary() table {
	m := b.m
	group, unwritten := 0, 0
	for _, c := range m.Reported {
		if b.s.Policy.IsGroup(c.Grade) {
			group++
		}
	}
	for _, k := range m.Cases {
		if !k.Written() {
			unwritten++
		}
	}
	longest := ""
	if h := m.Handling.Longest; h != nil {
		longest = h.ID + " " + h.Project
	}
	d := m.Deadlines
	row := func(key string, v any) []any { return []any{b.t("monthly.row." + key), v} }
	return table{sheet: b.t("monthly.sheet.summary"), header: []string{b.t("monthly.col.metric"), b.t("monthly.col.value")},
		rows: [][]any{
			row("company", b.s.Name),
			row("month", m.Month()),
			row("built", b.time(m.Now)),
			row("reported", len(m.Reported)),
			row("reported_group", group),
			row("closed", len(m.Closed)),
			row("handling_median", b.took(m.Handling.Median)),
			row("handling_mean", b.took(m.Handling.Mean)),
			row("handling_max", b.took(m.Handling.Max)),
			row("longest", longest),
			row("tasks_due", d.Due),
			row("on_time", d.OnTime),
			row("late", d.Late),
			row("overdue", d.Overdue),
			row("overdue_rate", percent(d.Rate())),
			row("cases", len(m.Cases)),
			row("unwritten", unwritten),
			row("penalties", len(m.Penalties)),
			row("definitions", b.t("monthly.definitions")),
		},
		widths: []float64{30, 80}, wrap: true}
}

// tally is a table of counts by category, grade or project, with totals.
func (b builder) tally(kind string, ts []qunsu.Tally) table {
	t := table{sheet: b.t("monthly.sheet." + kind), widths: []float64{24, 12, 12, 12},
		header: []string{b.t("monthly.col." + kind), b.t("monthly.col.reported"), b.t("monthly.col.group"), b.t("monthly.col.closed")}}
	var reported, group, closed int
	for _, x := range ts {
		t.rows = append(t.rows, []any{b.keyName(kind, x.Key), x.Reported, x.Group, x.Closed})
		reported, group, closed = reported+x.Reported, group+x.Group, closed+x.Closed
	}
	t.total = []any{b.t("monthly.total"), reported, group, closed}
	return t
}

// keyName names a tally's key: a category or grade by its name, a project as is.
func (b builder) keyName(kind, key string) string {
	switch kind {
	case "category":
		return b.category(key)
	case "grade":
		return b.s.Policy.GradeName(qunsu.Grade(key), b.lang)
	}
	return key
}

func (b builder) category(key string) string {
	if key == "" {
		return b.t("monthly.uncategorised")
	}
	return qunsu.CategoryName(key, b.lang)
}

// cases is the closed group complaints with their course, cause and prevention.
func (b builder) cases() table {
	t := table{sheet: b.t("monthly.sheet.cases"), wrap: true,
		widths: []float64{18, 14, 12, 12, 8, 17, 17, 10, 60, 40, 40},
		header: b.cols("id", "project", "category", "grade", "households", "reported_at", "closed_at", "hours", "story", "cause", "prevention")}
	for _, k := range b.m.Cases {
		c := k.Complaint
		t.rows = append(t.rows, []any{c.ID, c.Project, b.category(c.Category), b.s.Policy.GradeName(c.Grade, b.lang),
			c.Households, b.time(c.ReportedAt), b.time(c.ClosedAt), toHours(k.Took), b.story(k),
			b.written(c.Cause), b.written(c.Prevention)})
	}
	t.total = []any{b.t("monthly.total"), len(b.m.Cases)}
	return t
}

// story tells a case's course (始末) from its record: what it was about, when
// it happened and was reported, its grade and turns, the meetings, its final
// scale and the close.
func (b builder) story(k qunsu.Case) string {
	c, p, loc, now := k.Complaint, b.s.Policy, b.s.Location, b.m.Now
	var parts []string
	if c.Summary != "" {
		parts = append(parts, b.t("monthly.story.summary", qunsu.MaskPII(c.Summary)))
	}
	parts = append(parts, b.t("monthly.story.reported", render.Time(c.OccurredAt, loc, now), render.Time(c.ReportedAt, loc, now),
		p.GradeName(k.FirstGrade, b.lang)))
	for _, ch := range k.Turns {
		if p.Rank(ch.To) > p.Rank(ch.From) {
			parts = append(parts, b.t("monthly.story.up", render.Time(ch.At, loc, now), p.GradeName(ch.To, b.lang)))
		} else {
			parts = append(parts, b.t("monthly.story.down", render.Time(ch.At, loc, now), p.GradeName(ch.To, b.lang), qunsu.MaskPII(ch.Reason)))
		}
	}
	if k.Meetings > 0 {
		parts = append(parts, b.t("monthly.story.meetings", k.Meetings))
	}
	actions := ""
	if len(c.Actions) > 0 {
		actions = render.T(b.lang, "list.sep") + render.Actions(c.Actions, b.lang)
	}
	parts = append(parts, b.t("monthly.story.scale", c.Households, actions))
	parts = append(parts, b.t("monthly.story.closed", render.Time(c.ClosedAt, loc, now), qunsu.MaskPII(c.CloseNote)))
	return strings.Join(parts, b.t("monthly.story.sep"))
}

// written is a recorded text, masked, or says it was not recorded.
func (b builder) written(s string) string {
	if s == "" {
		return b.t("monthly.unrecorded")
	}
	return qunsu.MaskPII(s)
}

// penalties lists who is penalised for the grades reached in the month (G §7),
// the roles with the people the directory names for the complaint's project.
func (b builder) penalties() table {
	t := table{sheet: b.t("monthly.sheet.penalties"), wrap: true, widths: []float64{18, 14, 12, 17, 16, 60},
		header: b.cols("id", "project", "grade", "reached", "measure", "targets")}
	for _, ref := range b.m.Penalties {
		c, p := ref.Complaint, ref.Penalty
		var targets []string
		for _, role := range p.Roles {
			var names []string
			for _, id := range b.s.Directory.Resolve(role, c.Project, c.Category) {
				names = append(names, render.Name(id, &b.s.Directory))
			}
			target := role.Name(b.lang)
			if len(names) > 0 {
				target = b.t("monthly.target", target, strings.Join(names, render.T(b.lang, "list.sep")))
			}
			targets = append(targets, target)
		}
		t.rows = append(t.rows, []any{c.ID, c.Project, b.s.Policy.GradeName(c.Grade, b.lang), b.time(qunsu.GradeReached(c)),
			p.Measure.In(b.lang), strings.Join(targets, render.T(b.lang, "list.sep"))})
	}
	t.total = []any{b.t("monthly.total"), len(b.m.Penalties)}
	return t
}

// complaints lists every complaint reported or closed in the month; the CSV
// holds this table. "Reported/closed this month" are 1 or 0, so they add up.
func (b builder) complaints() table {
	t := table{sheet: b.t("monthly.sheet.complaints"), widths: []float64{18, 14, 12, 12, 8, 8, 10, 17, 17, 17, 10, 10, 10, 40, 40},
		header: b.cols("id", "project", "category", "grade", "is_group", "households", "status", "occurred", "reported_at",
			"closed_at", "hours", "in_month", "closed_in", "cause", "prevention")}
	in := func(at time.Time) int {
		if !at.IsZero() && !at.Before(b.m.From) && at.Before(b.m.To) {
			return 1
		}
		return 0
	}
	var households, reported, closed int
	for _, c := range b.m.Complaints {
		group := render.YesNo(b.s.Policy.IsGroup(c.Grade), b.lang)
		var took any = ""
		if !c.ClosedAt.IsZero() {
			took = toHours(c.ClosedAt.Sub(c.ReportedAt))
		}
		r, cl := in(c.ReportedAt), in(c.ClosedAt)
		households, reported, closed = households+c.Households, reported+r, closed+cl
		t.rows = append(t.rows, []any{c.ID, c.Project, b.category(c.Category), b.s.Policy.GradeName(c.Grade, b.lang), group,
			c.Households, b.t("monthly.status." + string(c.Status)), b.time(c.OccurredAt), b.time(c.ReportedAt), b.time(c.ClosedAt),
			took, r, cl, b.writeup(c, c.Cause), b.writeup(c, c.Prevention)})
	}
	t.total = []any{b.t("monthly.total"), "", "", "", "", households, "", "", "", "", "", reported, closed}
	return t
}

// writeup is a complaint's cause or prevention in the list: said to be
// missing only where a write-up is due, a closed group complaint.
func (b builder) writeup(c *qunsu.Complaint, s string) string {
	if s == "" && (c.ClosedAt.IsZero() || !b.s.Policy.IsGroup(c.Grade)) {
		return ""
	}
	return b.written(s)
}

func (b builder) cols(keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = b.t("monthly.col." + k)
	}
	return out
}
