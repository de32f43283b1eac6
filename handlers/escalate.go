package handlers

import (
	"fmt"
	"time"

	"qunsu"
	"qunsu/render"
)

// raise acts on a due upgrade task: while its rule still holds, the complaint
// is raised to the rule's grade (qunsu.Raise). The roles of the new grade join
// and must acknowledge; the team, each person who joined (who may not be in the
// chat the complaint was reported in) and the managers are told why, with the
// clause. A complaint that was resolved or changed grade meanwhile is left as
// it is, and the task dropped: planned again should its rule hold again.
func raise(ch *qunsu.Change, c *qunsu.Complaint, t *qunsu.Task, s *qunsu.Settings, now time.Time, key string) {
	change, ok := qunsu.Raise(c, s, t, now)
	if !ok {
		return
	}
	team, vacant := qunsu.TeamFor(c, s)
	joined := c.JoinTeam(team)
	qunsu.PlanTasks(c, s, qunsu.OnReport, now)
	if ack := c.Task("ack"); ack != nil && ack.Done() && len(c.Unacked()) > 0 {
		qunsu.RestartTask(c, s, "ack", now)
	}
	ch.Events = append(ch.Events, qunsu.Event{At: now, By: qunsu.BotID, Kind: qunsu.EventUpgraded,
		Detail: string(change.From) + " → " + string(change.To) + ": " + change.Reason})

	lang := s.Lang
	from, to := s.Policy.GradeName(change.From, lang), s.Policy.GradeName(change.To, lang)
	clause := c.Assessment.Clause.In(lang)
	back := from // the word to type to go back: the name has no spaces in Chinese, the key in English
	if lang == qunsu.LangEN {
		back = string(change.From)
	}
	text := render.T(lang, "upgrade.team", c.ID, render.Time(c.ReportedAt, s.Location, now), from, to, clause,
		render.Mentions(c.Unacked()), c.ID, back)
	if len(joined) > 0 {
		text += "\n" + render.T(lang, "update.joined", joinedText(joined, s))
	}
	text += "\n" + render.Card(c, s, lang, now, render.CardOptions{Mention: true, Vacant: vacant})
	m := teamMessage(c, s, text)
	m.Key = key
	ch.Messages = append(ch.Messages, m)
	for _, j := range joined {
		note := render.T(lang, "upgrade.joined", c.ID, c.Project, to, clause, j.Role.Name(lang))
		if j.Notify {
			note = render.T(lang, "upgrade.informed", j.Role.Name(lang), c.ID, c.Project, to, clause)
		}
		ch.Messages = append(ch.Messages, direct(j.Person, note))
	}
	ch.Messages = append(ch.Messages, managers(render.T(lang, "upgrade.managers", c.ID, c.Project, from, to, clause)))
	for i := 1; i < len(ch.Messages); i++ {
		ch.Messages[i].Key = fmt.Sprintf("%s#%d", key, i)
	}
}
