package handlers

import (
	"context"
	"strings"
	"time"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"结案", "close"}, HelpKey: "help.close", Order: 60, Run: runClose})
	register(&Command{Words: []string{"重开", "reopen"}, HelpKey: "help.reopen", Order: 65, Run: runReopen})
}

// runClose moves a complaint to aftercare (G §6.4): the other reminders stop and
// the case write-up is due. Its cause and prevention may follow the note
// (原因=… 措施=…).
func runClose(ctx context.Context, r *Request) error {
	id, rest, err := r.complaintArg()
	if err != nil {
		return err
	}
	rest, writeup, err := caseFields(rest)
	if err != nil {
		return err
	}
	note := strings.Join(rest, " ")
	if note == "" {
		return qunsu.Errorf(qunsu.EINVALID, "err.missing_note", r.Word, id)
	}
	if err := checkLength(note, MaxSummaryRunes); err != nil {
		return err
	}
	_, err = r.change(ctx, id, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		if err := r.require(qunsu.PermClose, c); err != nil {
			return err
		}
		if err := requireOpen(c); err != nil {
			return err
		}
		c.Status, c.ClosedAt, c.CloseNote = qunsu.StatusAftercare, r.Now, note
		qunsu.PlanTasks(c, r.S, qunsu.OnClose, r.Now)
		r.event(ch, qunsu.EventClosed, note)
		s := r.S
		text := render.T(s.Lang, "close.team", c.ID, Name(r, r.Speaker.ID), qunsu.MaskPII(note))
		if lines := writeup.record(r, c, ch); lines != "" {
			text += "\n" + lines
		}
		text += "\n" + render.Tasks(c, s, s.Lang, r.Now)
		r.tell(ch, c, strings.TrimSpace(text), render.T(r.Lang, "close.answer", c.ID))
		ch.Messages = append(ch.Messages, managers(render.T(s.Lang, "close.managers", c.ID, c.Project,
			s.Policy.GradeName(c.Grade, s.Lang), qunsu.MaskPII(note))))
		dissolveIfFinished(r, c, ch)
		return nil
	})
	return err
}

// runReopen reopens a closed complaint; its open tasks resume from now on,
// without replaying reminders whose moment passed while it was closed.
func runReopen(ctx context.Context, r *Request) error {
	id, rest, err := r.complaintArg()
	if err != nil {
		return err
	}
	reason := strings.Join(rest, " ")
	if reason == "" {
		return qunsu.Errorf(qunsu.EINVALID, "err.missing_note", r.Word, id)
	}
	if err := checkLength(reason, MaxSummaryRunes); err != nil {
		return err
	}
	_, err = r.change(ctx, id, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		if err := r.require(qunsu.PermReopen, c); err != nil {
			return err
		}
		if c.Status == qunsu.StatusOpen {
			return qunsu.Errorf(qunsu.EINVALID, "err.not_closed", c.ID)
		}
		c.Status, c.ClosedAt = qunsu.StatusOpen, time.Time{}
		kept := c.Tasks[:0]
		for _, t := range c.Tasks {
			if t.Done() || t.Trigger != qunsu.OnClose { // closing's own tasks wait for the next close
				kept = append(kept, t)
			}
		}
		c.Tasks = kept
		for i := range c.Tasks {
			t := &c.Tasks[i]
			if first := t.FirstStage(r.S.Reminders, r.Now); !t.Done() && t.Fired < first {
				t.Fired = first
			}
		}
		r.event(ch, qunsu.EventReopened, reason)
		r.tell(ch, c, render.T(r.S.Lang, "reopen.team", c.ID, Name(r, r.Speaker.ID), qunsu.MaskPII(reason))+"\n"+
			render.Tasks(c, r.S, r.S.Lang, r.Now), render.T(r.Lang, "reopen.answer", c.ID))
		return nil
	})
	return err
}
