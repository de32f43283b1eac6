package handlers

import (
	"context"
	"strings"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"更新", "update"}, HelpKey: "help.update", Order: 20, Run: runUpdate})
}

func runUpdate(ctx context.Context, r *Request) error {
	id, rest, err := r.complaintArg()
	if err != nil {
		return err
	}
	kv, err := updateArgs(rest)
	if err != nil {
		return err
	}
	if len(kv) == 0 {
		return qunsu.Errorf(qunsu.EINVALID, "err.no_changes", id)
	}
	_, err = r.change(ctx, id, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		if err := requireOpen(c); err != nil {
			return err
		}
		return applyUpdate(r, c, ch, kv)
	})
	return err
}

// updateArgs reads key=value pairs plus the free forms "62户" and action words.
func updateArgs(words []string) (map[string]string, error) {
	a, err := parseArgs(words)
	if err != nil {
		return nil, err
	}
	for _, w := range a.free {
		switch {
		case householdsWord.MatchString(w):
			a.kv["households"] = householdsWord.FindStringSubmatch(w)[1]
		case peopleWord.MatchString(w):
			a.kv["people"] = peopleWord.FindStringSubmatch(w)[1]
		default:
			if _, ok := qunsu.LookupAction(strings.TrimPrefix(w, "+")); !ok {
				return nil, qunsu.Errorf(qunsu.EINVALID, "err.unknown_key", w, fieldHelp)
			}
			a.kv["actions"] = strings.TrimPrefix(a.kv["actions"]+","+w, ",")
		}
	}
	return a.kv, nil
}

// applyUpdate changes the facts, re-grades (grades only go up by themselves), and
// on a turn of events (G §6.3-2) — an upgrade or a new overt action — brings in
// the new grade's roles and asks for a special meeting at once.
func applyUpdate(r *Request, c *qunsu.Complaint, ch *qunsu.Change, kv map[string]string) error {
	s := r.S
	before := c.Report
	if v := kv["households"]; v != "" {
		n, err := positive("户数/households", v, MaxHouseholds)
		if err != nil {
			return err
		}
		c.Households = n
	}
	if err := fillFacts(&c.Report, kv, r.Now, s.Location); err != nil {
		return err
	}
	fromGrade := c.Grade
	a := qunsu.Assess(c.Facts(r.Now), s.Policy)
	upgraded := s.Policy.Rank(a.Grade) > s.Policy.Rank(c.Grade)
	if upgraded || (a.Grade == c.Grade && !c.Manual) {
		c.Assessment, c.Grade, c.Manual = a, a.Grade, false
	}
	newOvert := newActions(before.Actions, c.Actions, func(x qunsu.Action) bool { return x.Info().Overt })
	turn := upgraded || len(newOvert) > 0

	team, vacant := qunsu.TeamFor(c, s)
	joined := c.JoinTeam(team)
	qunsu.PlanTasks(c, s, qunsu.OnReport, r.Now)
	if turn {
		qunsu.PlanTasks(c, s, qunsu.OnTurn, r.Now)
	}
	if len(c.Unacked()) > 0 && c.Task("ack") != nil && c.Task("ack").Done() {
		qunsu.RestartTask(c, s, "ack", r.Now)
	}

	detail := describeChange(before, c.Report, s.Lang)
	r.event(ch, qunsu.EventUpdated, detail)
	if upgraded {
		c.Changes = append(c.Changes, qunsu.GradeChange{At: r.Now, From: fromGrade, To: c.Grade, By: r.Speaker.ID})
		r.event(ch, qunsu.EventUpgraded, string(fromGrade)+" → "+string(c.Grade))
	}
	text := render.T(s.Lang, "update.changed", c.ID, Name(r, r.Speaker.ID), detail)
	if turn {
		text = render.T(s.Lang, "update.turn", c.ID, s.Policy.GradeName(fromGrade, s.Lang),
			render.Grade(c.Assessment, s.Policy, s.Lang), orDash(render.Actions(newOvert, s.Lang)))
	}
	if len(joined) > 0 {
		text += "\n" + render.T(s.Lang, "update.joined", joinedText(joined, s))
	}
	text += "\n" + render.Card(c, s, s.Lang, r.Now, render.CardOptions{Mention: true, Vacant: vacant})
	r.tell(ch, c, text, render.T(r.Lang, "update.answer", c.ID, s.Policy.GradeName(c.Grade, r.Lang), detail))
	if qunsu.AnyEscalated(newOvert) {
		ch.Messages = append(ch.Messages, teamMessage(c, s, render.Safety(s.Lang)))
	}
	if qunsu.HasAction(newOvert, qunsu.ActionMedia) {
		ch.Messages = append(ch.Messages, teamMessage(c, s,
			render.T(s.Lang, "update.media", render.Mentions(c.PeopleIn(qunsu.RoleMediaHead)))))
	}
	ch.Messages = append(ch.Messages, notifyInformed(c, s, joined)...)
	return nil
}

// newActions returns the actions in after that were not in before and pass keep.
func newActions(before, after []qunsu.Action, keep func(qunsu.Action) bool) []qunsu.Action {
	var out []qunsu.Action
	for _, a := range after {
		if !qunsu.HasAction(before, a) && keep(a) {
			out = append(out, a)
		}
	}
	return out
}

// describeChange says what an update changed: "户数 35→62；行为 +媒体曝光".
func describeChange(before, after qunsu.Report, lang qunsu.Lang) string {
	var parts []string
	num := func(key string, a, b int) {
		if a != b {
			parts = append(parts, render.T(lang, key, a, b))
		}
	}
	num("change.households", before.Households, after.Households)
	num("change.people", before.People, after.People)
	num("change.amount", before.Amount, after.Amount)
	if added := newActions(before.Actions, after.Actions, func(qunsu.Action) bool { return true }); len(added) > 0 {
		parts = append(parts, render.T(lang, "change.actions", render.Actions(added, lang)))
	}
	if before.Category != after.Category {
		parts = append(parts, render.T(lang, "change.category", qunsu.CategoryName(after.Category, lang)))
	}
	if before.Summary != after.Summary {
		parts = append(parts, render.T(lang, "change.summary", qunsu.MaskPII(after.Summary)))
	}
	if !before.OccurredAt.Equal(after.OccurredAt) {
		parts = append(parts, render.T(lang, "change.occurred", after.OccurredAt.Format("2006-01-02 15:04")))
	}
	parts = append(parts, describeTraits(before, after, lang)...)
	if len(parts) == 0 {
		return render.T(lang, "change.none")
	}
	return strings.Join(parts, render.T(lang, "change.sep"))
}

// joinedText mentions people who joined the team, with their roles.
func joinedText(joined []qunsu.Member, s *qunsu.Settings) string {
	var parts []string
	for _, m := range joined {
		parts = append(parts, m.Role.Name(s.Lang)+" "+qunsu.Mention(m.Person))
	}
	return strings.Join(parts, render.T(s.Lang, "list.sep"))
}

// Name is a person's display name in the request's tenant.
func Name(r *Request, id string) string { return render.Name(id, &r.S.Directory) }
