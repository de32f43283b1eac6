package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"qunsu"
	"qunsu/render"
)

var _ qunsu.TimerHandler = (*Engine)(nil)

// Fire acts on a due timer: a reminder of a task, or a recurring job. A timer
// whose task was done, set again or closed meanwhile only finishes its claim.
func (e *Engine) Fire(ctx context.Context, tenant string, due qunsu.Scheduled) error {
	s, err := e.settings(ctx, tenant)
	if err != nil {
		return fmt.Errorf("fire: %w", err)
	}
	claimed := due.Timer
	if due.Job != "" {
		return e.fireJob(ctx, s, due)
	}
	_, err = e.mutate(ctx, s, due.Complaint, &claimed, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		t := c.Task(due.Task)
		if t == nil || t.Gen != due.Gen || t.Fired != due.Stage || !c.Live(t) {
			return nil
		}
		stages := t.Stages(s.Reminders)
		if due.Stage >= len(stages) {
			return nil
		}
		t.Fired++
		if t.Kind == qunsu.KindUpgrade {
			raise(ch, c, t, s, e.Clock.Now(), claimed.Member())
			return nil
		}
		remind(ch, c, t, stages[due.Stage], s, e.Clock.Now(), claimed.Member())
		return nil
	})
	if qunsu.ErrorCode(err) == qunsu.ENOTFOUND {
		return e.Store.Commit(ctx, qunsu.Change{Tenant: s.Tenant, Claimed: &claimed})
	}
	return err
}

// remind writes one reminder stage of a task: before and at the deadline to the
// people responsible; once overdue, also up the escalation chain, who are told
// directly as well (DOMAIN §4).
func remind(ch *qunsu.Change, c *qunsu.Complaint, t *qunsu.Task, st qunsu.Stage, s *qunsu.Settings, now time.Time, key string) {
	lang := s.Lang
	who := responsible(c, t, s)
	due := render.Time(t.Due, s.Location, now)
	var text string
	switch {
	case st.Kind == qunsu.StageEarly:
		text = render.T(lang, "remind.early", c.ID, t.Name.In(lang), due, render.Mentions(who))
	case st.Kind == qunsu.StageBefore:
		text = render.T(lang, "remind.before", c.ID, t.Name.In(lang), due, render.Duration(lang, t.Due.Sub(now)), render.Mentions(who))
	case st.Kind == qunsu.StageDue && t.Kind == qunsu.KindAck:
		text = render.T(lang, "remind.ack", c.ID, render.Mentions(who))
	case st.Kind == qunsu.StageDue:
		text = render.T(lang, "remind.due", c.ID, t.Name.In(lang), due, render.Mentions(who))
	case st.Kind == qunsu.StageOverdue:
		role := s.Reminders.Chain[st.Level-1]
		boss := peopleFor(c, role, s)
		text = render.T(lang, "remind.overdue", c.ID, t.Name.In(lang), due, render.Duration(lang, now.Sub(t.Due)),
			render.Mentions(who), role.Name(lang), render.Mentions(boss))
		for _, p := range boss {
			ch.Messages = append(ch.Messages, direct(p, text))
		}
		ch.Events = append(ch.Events, qunsu.Event{At: now, By: qunsu.BotID, Kind: qunsu.EventEscalated,
			Detail: t.Key + " → " + string(role)})
	}
	if st.Kind != qunsu.StageOverdue {
		ch.Events = append(ch.Events, qunsu.Event{At: now, By: qunsu.BotID, Kind: qunsu.EventReminded, Detail: t.Key})
	}
	m := teamMessage(c, s, text)
	m.Key = key
	ch.Messages = append([]qunsu.Message{m}, ch.Messages...)
	for i := 1; i < len(ch.Messages); i++ {
		ch.Messages[i].Key = fmt.Sprintf("%s#%d", key, i)
	}
}

// responsible returns who must act on a task: the unacknowledged members for the
// acknowledgement chase, else the people of its role.
func responsible(c *qunsu.Complaint, t *qunsu.Task, s *qunsu.Settings) []string {
	if t.Kind == qunsu.KindAck {
		return c.Unacked()
	}
	return peopleFor(c, t.Role, s)
}

// peopleFor returns the team's people in role, or the directory's when the role
// is not in the team (e.g. the GM escalated to on a general complaint).
func peopleFor(c *qunsu.Complaint, role qunsu.Role, s *qunsu.Settings) []string {
	if p := c.PeopleIn(role); len(p) > 0 {
		return p
	}
	return s.Directory.Resolve(role, c.Project, c.Category)
}

// fireJob runs a recurring job. The daily summary is sent once per day whichever
// replica gets there first (the Once key), and the next one is queued in the
// same write, so a summary whose time passed while everything was down goes out
// on start.
func (e *Engine) fireJob(ctx context.Context, s *qunsu.Settings, due qunsu.Scheduled) error {
	claimed := due.Timer
	ch := qunsu.Change{Tenant: s.Tenant, Claimed: &claimed}
	if due.Job != qunsu.JobDailySummary || s.NextSummary == nil {
		return e.Store.Commit(ctx, ch)
	}
	now := e.Clock.Now()
	text, files, err := e.summary(ctx, s, "today", due.Due, now, s.Lang)
	if err != nil {
		return err
	}
	day := due.Due.In(s.Location).Format("2006-01-02")
	ch.Once = "summary:" + day
	m := managers(text)
	m.Files = files
	m.Tenant, m.At, m.Key = s.Tenant, now, "summary:"+day
	ch.Messages = []qunsu.Message{m}
	after := now
	if due.Due.After(after) {
		after = due.Due
	}
	ch.Schedule = []qunsu.Scheduled{{Timer: claimed, Due: s.NextSummary(after)}}
	if err := e.Store.Commit(ctx, ch); err != nil && !errors.Is(err, qunsu.ErrConflict) {
		return err
	}
	return nil
}
