package render

import (
	"fmt"
	"strings"
	"time"

	"qunsu"
)

// Timeline renders a complaint's events, oldest first: when, who, through which
// platform, what. Personal data is masked unless full (direct messages to
// people allowed to see it).
func Timeline(c *qunsu.Complaint, events []qunsu.Event, s *qunsu.Settings, lang qunsu.Lang, now time.Time, full bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", T(lang, "timeline.title", c.ID, c.Project))
	for _, e := range events {
		detail := e.Detail
		if !full {
			detail = qunsu.MaskPII(detail)
		}
		if detail != "" {
			detail = T(lang, "timeline.detail", detail)
		}
		via := ""
		if e.Platform != "" {
			via = T(lang, "timeline.via", Platform(e.Platform, lang))
		}
		fmt.Fprintf(&b, "· %s %s%s %s%s\n", Time(e.At, s.Location, now), Name(e.By, &s.Directory), via, T(lang, "event."+e.Kind), detail)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Platform names a chat platform.
func Platform(p string, lang qunsu.Lang) string {
	if name := T(lang, "platform."+p); name != "platform."+p {
		return name
	}
	return p
}

// ListLines is how many complaints a list shows; the title counts them all,
// and a last line says how many more there are (and, unless the list is
// narrowed by project and grade already, how to narrow it). A
// list must fit one chat message, as a summary must (SummaryLines).
const ListLines = 30

// List renders open complaints one line each, the first ListLines of them.
// narrowed says the list is of one project and one grade already, so its last
// line only counts the rest: there is nothing more to narrow it by.
func List(cs []*qunsu.Complaint, narrowed bool, s *qunsu.Settings, lang qunsu.Lang, now time.Time) string {
	if len(cs) == 0 {
		return T(lang, "list.empty")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", T(lang, "list.title", len(cs)))
	for i, c := range cs {
		if i == ListLines {
			more := "list.more"
			if narrowed {
				more = "list.more_narrowed"
			}
			b.WriteString(T(lang, more, len(cs)-i) + "\n")
			break
		}
		b.WriteString(ListLine(c, s, lang, now) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// ListLine is one complaint in a list: id, project, grade, phase, overdue count,
// next deadline.
func ListLine(c *qunsu.Complaint, s *qunsu.Settings, lang qunsu.Lang, now time.Time) string {
	overdue, next := 0, (*qunsu.Task)(nil)
	for i := range c.Tasks {
		t := &c.Tasks[i]
		switch {
		case !c.Live(t):
		case t.Due.Before(now):
			overdue++
		case next == nil || t.Due.Before(next.Due):
			next = t
		}
	}
	line := fmt.Sprintf("· %s %s · %s · %s", c.ID, c.Project, s.Policy.GradeName(c.Grade, lang), Phase(c.Phase(now), lang))
	if overdue > 0 {
		line += " · " + T(lang, "list.overdue", overdue)
	}
	if next != nil {
		line += " · " + T(lang, "list.next", next.Name.In(lang), Time(next.Due, s.Location, now))
	}
	return line
}

// SummaryLines is how many entries a summary lists under each heading; the
// heading counts them all and the rest is one line ("… 12 more"). A summary
// must fit one chat message (Slack takes 50 blocks of 3,000 characters and
// 40,000 characters of text; WeCom 2,048 or 4,096 bytes per message).
const SummaryLines = 20

// Summary renders a period's summary (DOMAIN §8).
func Summary(sum qunsu.Summary, kind string, s *qunsu.Settings, lang qunsu.Lang) string {
	var b strings.Builder
	loc, now := s.Location, sum.Now
	fmt.Fprintf(&b, "%s\n", T(lang, "summary.title."+kind, s.Name, sum.From.In(loc).Format("2006-01-02"), Time(now, loc, now)))
	fmt.Fprintf(&b, "%s\n", T(lang, "summary.open", sum.Open))
	for _, l := range s.Policy.Levels {
		if n := sum.ByGrade[l.Key]; n > 0 {
			var phases []string
			for _, p := range []qunsu.Phase{qunsu.PhaseOccurrence, qunsu.PhaseResponse, qunsu.PhaseHandling} {
				if k := sum.ByGradePhase[l.Key][p]; k > 0 {
					phases = append(phases, fmt.Sprintf("%s %d", T(lang, "phase.short."+string(p)), k))
				}
			}
			fmt.Fprintf(&b, "  · %s %d（%s）\n", l.Name.In(lang), n, strings.Join(phases, T(lang, "list.sep")))
		}
	}
	// A section's lines are made only for the entries it lists.
	section := func(key string, n int, line func(i int) string) {
		fmt.Fprintf(&b, "%s\n", T(lang, key, n))
		for i := 0; i < n; i++ {
			if i == SummaryLines {
				b.WriteString("  · " + T(lang, "summary.more", n-i) + "\n")
				break
			}
			b.WriteString("  · " + line(i) + "\n")
		}
	}
	complaint := func(c *qunsu.Complaint) string {
		return fmt.Sprintf("%s %s · %s", c.ID, c.Project, s.Policy.GradeName(c.Grade, lang))
	}
	task := func(ref qunsu.TaskRef) string {
		return fmt.Sprintf("%s %s — %s · %s", ref.Complaint.ID, ref.Task.Name.In(lang),
			Time(ref.Task.Due, loc, now), ref.Task.Role.Name(lang))
	}
	section("summary.new", len(sum.New), func(i int) string { return complaint(sum.New[i]) })
	section("summary.closed", len(sum.Closed), func(i int) string { return complaint(sum.Closed[i]) })
	section("summary.overdue", len(sum.Overdue), func(i int) string { return task(sum.Overdue[i]) })
	section("summary.upcoming", len(sum.Upcoming), func(i int) string { return task(sum.Upcoming[i]) })
	section("summary.changes", len(sum.Upgrades), func(i int) string {
		u := sum.Upgrades[i]
		return fmt.Sprintf("%s %s → %s（%s）", u.Complaint.ID, s.Policy.GradeName(u.Change.From, lang),
			s.Policy.GradeName(u.Change.To, lang), Time(u.Change.At, loc, now))
	})
	section("summary.actions", len(sum.Actions), func(i int) string {
		c := sum.Actions[i]
		return fmt.Sprintf("%s %s · %s", c.ID, c.Project, Actions(c.Actions, lang))
	})
	if len(sum.Penalties) > 0 {
		section("summary.penalties", len(sum.Penalties), func(i int) string {
			p := sum.Penalties[i]
			return fmt.Sprintf("%s %s · %s：%s", p.Complaint.ID, s.Policy.GradeName(p.Penalty.Grade, lang),
				p.Penalty.Measure.In(lang), Roles(p.Penalty.Roles, lang))
		})
	}
	return strings.TrimRight(b.String(), "\n")
}
