package handlers

import (
	"context"
	"time"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"收到", "确认", "ack"}, HelpKey: "help.ack", Order: 30, Run: runAck})
}

// runAck records that the speaker has seen the complaint; when everyone who must
// has, the acknowledgement chase stops.
func runAck(ctx context.Context, r *Request) error {
	id, _, err := r.complaintArg()
	if err != nil {
		return err
	}
	_, err = r.change(ctx, id, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		if !c.IsMember(r.Speaker.ID) {
			return qunsu.Errorf(qunsu.EINVALID, "err.not_member", c.ID)
		}
		if !c.Ack(r.Speaker.ID, r.Now) {
			return qunsu.Errorf(qunsu.EINVALID, "err.already_acked", render.Time(ackTime(c, r.Speaker.ID), r.S.Location, r.Now), c.ID)
		}
		r.event(ch, qunsu.EventAcked, "")
		waiting := c.Unacked()
		if t := c.Task("ack"); t != nil && len(waiting) == 0 && !t.Done() {
			t.DoneAt, t.DoneBy = r.Now, qunsu.BotID
		}
		acked := countMembers(c) - len(waiting)
		text := render.T(r.S.Lang, "ack.team", Name(r, r.Speaker.ID), c.ID, acked, countMembers(c))
		if len(waiting) > 0 {
			text += "\n" + render.T(r.S.Lang, "ack.waiting", render.Names(waiting, &r.S.Directory, r.S.Lang))
		}
		r.tell(ch, c, text, render.T(r.Lang, "ack.answer", c.ID))
		return nil
	})
	return err
}

// ackTime is when person acknowledged.
func ackTime(c *qunsu.Complaint, person string) time.Time {
	for _, m := range c.Team {
		if m.Person == person && !m.AckedAt.IsZero() {
			return m.AckedAt
		}
	}
	return time.Time{}
}

// countMembers counts the people who must acknowledge.
func countMembers(c *qunsu.Complaint) int {
	seen := map[string]bool{}
	for _, m := range c.Team {
		if !m.Notify {
			seen[m.Person] = true
		}
	}
	return len(seen)
}
