package render

import (
	"fmt"
	"strings"
	"time"

	"qunsu"
)

// CardOptions says how a complaint card is drawn.
type CardOptions struct {
	Mention bool         // @-mention team members (in the team chat) or just name them
	Vacant  []qunsu.Role // roles the directory names nobody for
	Full    bool         // personal data unmasked: only in a direct message to someone allowed
}

// Card renders a complaint: grade and why, facts, phase, team with acks, tasks
// with due times and state. Personal data in the description is masked.
func Card(c *qunsu.Complaint, s *qunsu.Settings, lang qunsu.Lang, now time.Time, o CardOptions) string {
	return BlocksText(CardBlocks(c, s, lang, now, o))
}

// BlocksText is a card's blocks as plain text, a part a line.
func BlocksText(blocks []qunsu.Block) string {
	var parts []string
	for _, b := range blocks {
		if b.Kind != qunsu.BlockDivider {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// CardBlocks renders the card in parts, for platforms that lay posts out: the
// title; grade, facts and phase; the team; the tasks.
func CardBlocks(c *qunsu.Complaint, s *qunsu.Settings, lang qunsu.Lang, now time.Time, o CardOptions) []qunsu.Block {
	var b strings.Builder
	loc := s.Location
	fmt.Fprintf(&b, "%s%s\n", T(lang, "card.grade"), Grade(c.Assessment, s.Policy, lang))
	if c.Manual {
		fmt.Fprintf(&b, "%s%s\n", T(lang, "card.grade"), T(lang, "card.manual", s.Policy.GradeName(c.Grade, lang)))
	}
	facts := []string{T(lang, "card.households", c.Households)}
	if c.People > 0 {
		facts = append(facts, T(lang, "card.people", c.People))
	}
	if c.Amount > 0 {
		facts = append(facts, T(lang, "card.amount", c.Amount))
	}
	if c.Category != "" {
		facts = append(facts, T(lang, "card.category", qunsu.CategoryName(c.Category, lang)))
	}
	if len(c.Actions) > 0 {
		facts = append(facts, T(lang, "card.actions", Actions(c.Actions, lang)))
	}
	facts = append(facts, traitFacts(c, lang)...)
	fmt.Fprintf(&b, "%s\n", strings.Join(facts, "　"))
	if line := promiseLine(c, s, lang, now); line != "" {
		fmt.Fprintf(&b, "%s\n", line)
	}
	fmt.Fprintf(&b, "%s\n", T(lang, "card.times", Time(c.OccurredAt, loc, now), Time(c.ReportedAt, loc, now), Name(c.ReportedBy, &s.Directory)))
	if c.Summary != "" {
		summary := c.Summary
		if !o.Full {
			summary = qunsu.MaskPII(summary)
		}
		fmt.Fprintf(&b, "%s%s\n", T(lang, "card.summary"), summary)
	}
	fmt.Fprintf(&b, "%s%s", T(lang, "card.phase"), Phase(c.Phase(now), lang))
	blocks := []qunsu.Block{
		{Kind: qunsu.BlockHeader, Text: fmt.Sprintf("%s %s · %s", T(lang, "card.title"), c.ID, c.Project)},
		{Kind: qunsu.BlockText, Text: b.String()},
		{Kind: qunsu.BlockDivider},
		{Kind: qunsu.BlockText, Text: strings.TrimRight(Team(c, s, lang, o), "\n")},
	}
	if tasks := strings.TrimRight(Tasks(c, s, lang, now), "\n"); tasks != "" {
		blocks = append(blocks, qunsu.Block{Kind: qunsu.BlockText, Text: tasks})
	}
	return blocks
}

// Team renders the team by role, marking who has acknowledged.
func Team(c *qunsu.Complaint, s *qunsu.Settings, lang qunsu.Lang, o CardOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", T(lang, "card.team", c.ID))
	for _, info := range qunsu.Roles {
		var people []string
		for _, m := range c.Team {
			if m.Role != info.Key {
				continue
			}
			who := Name(m.Person, &s.Directory)
			if o.Mention {
				who = qunsu.Mention(m.Person)
			}
			switch {
			case m.Notify:
				who += T(lang, "card.notified")
			case !m.AckedAt.IsZero():
				who += " ✅"
			default:
				who += " ⏳"
			}
			people = append(people, who)
		}
		if len(people) > 0 {
			lead := ""
			if info.Key == qunsu.RoleCRHead {
				lead = T(lang, "card.lead")
			}
			fmt.Fprintf(&b, "· %s%s%s%s\n", info.Name.In(lang), lead, T(lang, "colon"), strings.Join(people, "  "))
		}
	}
	if len(o.Vacant) > 0 {
		fmt.Fprintf(&b, "%s\n", T(lang, "card.vacant", Roles(o.Vacant, lang)))
	}
	return b.String()
}

// Tasks renders a complaint's tasks, open ones first by due time.
func Tasks(c *qunsu.Complaint, s *qunsu.Settings, lang qunsu.Lang, now time.Time) string {
	if len(c.Tasks) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", T(lang, "card.tasks"))
	for _, done := range []bool{false, true} {
		for i := range c.Tasks {
			if t := &c.Tasks[i]; t.Done() == done {
				fmt.Fprintf(&b, "%s\n", TaskLine(c, t, s, lang, now))
			}
		}
	}
	return b.String()
}

// TaskLine renders one task: state, name, due, responsible role and clause.
func TaskLine(c *qunsu.Complaint, t *qunsu.Task, s *qunsu.Settings, lang qunsu.Lang, now time.Time) string {
	loc := s.Location
	clause := ""
	if cl := t.Clause.In(lang); cl != "" {
		clause = " · " + cl
	}
	switch {
	case t.Done() && t.DoneBy == qunsu.BotID:
		return T(lang, "task.auto", t.Name.In(lang), clause)
	case t.Done():
		return T(lang, "task.done", t.Name.In(lang), Time(t.DoneAt, loc, now), Name(t.DoneBy, &s.Directory), clause)
	case !c.Live(t):
		return T(lang, "task.paused", t.Name.In(lang), Time(t.Due, loc, now), t.Role.Name(lang), clause)
	case t.Due.Before(now):
		return T(lang, "task.overdue", t.Name.In(lang), Time(t.Due, loc, now), Duration(lang, now.Sub(t.Due)), t.Role.Name(lang), clause)
	}
	return T(lang, "task.open", t.Name.In(lang), Time(t.Due, loc, now), t.Role.Name(lang), clause)
}
