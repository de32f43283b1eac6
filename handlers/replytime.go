package handlers

import (
	"context"
	"strings"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"回复时间", "reply-by", "replyby"}, HelpKey: "help.reply", Order: 55, Run: runReplyTime})
}

// runReplyTime sets the time promised to customers for the answer (G §6.2).
func runReplyTime(ctx context.Context, r *Request) error {
	id, rest, err := r.complaintArg()
	if err != nil {
		return err
	}
	at, err := parseTime(strings.Join(rest, " "), r.Now, r.S.Location, due)
	if err != nil {
		return err
	}
	_, err = r.change(ctx, id, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		if err := requireOpen(c); err != nil {
			return err
		}
		// An ordinary complaint's answer to the customer is its promised
		// feedback date, which may move only so often: 承诺 sets it.
		if _, rule := qunsu.PromiseTask(c, r.S); rule != nil && !r.S.Policy.IsGroup(c.Grade) {
			return qunsu.Errorf(qunsu.EINVALID, "err.reply_use_promise", c.ID, rule.Clause.In(r.Lang))
		}
		if len(qunsu.PlanTasks(c, r.S, qunsu.OnReply, at)) == 0 {
			return qunsu.Errorf(qunsu.EINVALID, "err.no_reply_task")
		}
		if !at.After(r.Now) {
			// Reminders are worked out from it: one already passed would be
			// overdue the moment it is set.
			tomorrow := r.Now.In(r.S.Location).AddDate(0, 0, 1).Format("01-02") + " 18:00"
			return qunsu.Errorf(qunsu.EINVALID, "err.reply_past", render.Time(at, r.S.Location, r.Now), r.Word, id, tomorrow)
		}
		when := render.Time(at, r.S.Location, r.Now)
		r.event(ch, qunsu.EventReplySet, at.Format("2006-01-02 15:04"))
		r.tell(ch, c, render.T(r.S.Lang, "reply.team", c.ID, when, Name(r, r.Speaker.ID)),
			render.T(r.Lang, "reply.answer", c.ID, when))
		return nil
	})
	return err
}
