package handlers

import (
	"context"
	"errors"
	"strings"
	"time"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"承诺", "承诺日期", "promise"}, HelpKey: "help.promise", Order: 56, Run: runPromise})
}

// runPromise sets the date promised to the customer for an ordinary
// complaint's feedback, which becomes its deadline, or moves it. The task that
// carries it, and how often it may move, are the rules' (promise:); by default
// the first setting is free and two moves follow, each with a reason (金地程序
// §7.3.2). Group complaints set their customer-reply time with 回复时间 instead.
func runPromise(ctx context.Context, r *Request) error {
	id, rest, err := r.complaintArg()
	if err != nil {
		return err
	}
	a, err := parseArgs(rest)
	if err != nil {
		return err
	}
	if len(a.free) == 0 {
		return qunsu.Errorf(qunsu.EINVALID, "err.promise_usage", r.Word, id)
	}
	at, more, err := promisedTime(a.free, r.Now, r.S.Location)
	if err != nil {
		return err
	}
	reason, err := a.reason(more)
	if err != nil {
		return err
	}
	if !at.After(r.Now) {
		return qunsu.Errorf(qunsu.EINVALID, "err.promise_past", render.Time(at, r.S.Location, r.Now), r.Word, id)
	}
	_, err = r.change(ctx, id, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		if err := requireOpen(c); err != nil {
			return err
		}
		t, rule := qunsu.PromiseTask(c, r.S)
		if t == nil {
			return qunsu.Errorf(qunsu.EINVALID, "err.no_promise_task", c.ID)
		}
		var from time.Time
		if t.Promise != nil {
			from = t.Promise.At
		}
		if err := qunsu.SetPromise(t, *rule, r.S, at, r.Speaker.ID, reason, r.Now); err != nil {
			return promiseError(r, c, t, *rule, err)
		}
		announcePromise(r, c, ch, t, *rule, from)
		return nil
	})
	return err
}

// promisedTime reads the time at the start of words: a date alone is the end
// of that day; what follows the time is the reason.
func promisedTime(words []string, now time.Time, loc *time.Location) (time.Time, []string, error) {
	for n := min(2, len(words)); n > 0; n-- {
		s := strings.Join(words[:n], " ")
		if day, ok := dateOnly(s, now, loc); ok {
			return day, words[n:], nil
		}
		if t, err := parseTime(s, now, loc, due); err == nil {
			return t, words[n:], nil
		}
	}
	_, err := parseTime(words[0], now, loc, due)
	return time.Time{}, nil, err
}

// dateOnly reads "2026-11-26", "11-26" or "11月26日" as the end of that day.
func dateOnly(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	for _, l := range []struct {
		layout  string
		hasYear bool
	}{{"2006-01-02", true}, {"2006/01/02", true}, {"01-02", false}, {"1月2日", false}, {"1-2", false}} {
		t, err := time.ParseInLocation(l.layout, strings.TrimSpace(halfWidth(s)), loc)
		if err != nil {
			continue
		}
		if !l.hasYear {
			t = yearFor(t, now, loc, due)
		}
		return qunsu.EndOfDay(t, loc), true
	}
	return time.Time{}, false
}

// promiseError says why the promised date was not changed and what to do.
func promiseError(r *Request, c *qunsu.Complaint, t *qunsu.Task, rule qunsu.PromiseRule, err error) error {
	when := func(x time.Time) string { return render.Time(x, r.S.Location, r.Now) }
	clause := rule.Clause.In(r.Lang)
	switch {
	case errors.Is(err, qunsu.ErrPromiseDone):
		return qunsu.Errorf(qunsu.EINVALID, "err.promise_done", c.ID, when(t.DoneAt))
	case errors.Is(err, qunsu.ErrPromiseSame):
		return qunsu.Errorf(qunsu.EINVALID, "err.promise_same", c.ID, when(t.Promise.At))
	case errors.Is(err, qunsu.ErrPromiseReason):
		return qunsu.Errorf(qunsu.EINVALID, "err.promise_reason", c.ID, rule.Moves-len(t.Promise.Moves), clause, r.Word)
	case errors.Is(err, qunsu.ErrPromiseExhausted):
		return qunsu.Errorf(qunsu.EINVALID, "err.promise_exhausted", c.ID, len(t.Promise.Moves), clause, when(t.Promise.At), rule.Moves)
	}
	return err
}

// announcePromise tells the team the promised date, set or moved, and whether
// it lies beyond the deadline the rules give.
func announcePromise(r *Request, c *qunsu.Complaint, ch *qunsu.Change, t *qunsu.Task, rule qunsu.PromiseRule, from time.Time) {
	s := r.S
	loc := s.Location
	p := t.Promise
	at := render.Time(p.At, loc, r.Now)
	clause := rule.Clause.In(s.Lang)
	var team, answer string
	if from.IsZero() {
		r.event(ch, qunsu.EventPromised, p.At.In(loc).Format("2006-01-02 15:04"))
		team = render.T(s.Lang, "promise.set", c.ID, at, Name(r, r.Speaker.ID), rule.Moves, clause)
		answer = render.T(r.Lang, "promise.answer", c.ID, at, 0, rule.Moves)
	} else {
		move := p.Moves[len(p.Moves)-1]
		r.event(ch, qunsu.EventPromiseMoved, from.In(loc).Format("2006-01-02 15:04")+" → "+
			p.At.In(loc).Format("2006-01-02 15:04")+": "+move.Reason)
		team = render.T(s.Lang, "promise.moved", c.ID, render.Time(from, loc, r.Now), at, len(p.Moves), rule.Moves,
			clause, Name(r, r.Speaker.ID), qunsu.MaskPII(move.Reason))
		answer = render.T(r.Lang, "promise.answer", c.ID, at, len(p.Moves), rule.Moves)
	}
	if limit, limitClause, ok := qunsu.RuleDeadline(c, s, t.Key); ok && p.At.After(limit) {
		team += "\n" + render.T(s.Lang, "promise.beyond", limitClause.In(s.Lang), render.Time(limit, loc, r.Now))
	}
	team += "\n" + render.TaskLine(c, t, s, s.Lang, r.Now)
	r.tell(ch, c, team, answer)
}
