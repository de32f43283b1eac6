package handlers

import (
	"context"
	"strings"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"开会", "会议", "meeting"}, HelpKey: "help.meeting", Order: 50, Run: runMeeting})
}

// runMeeting logs a special meeting: it satisfies every meeting that was due and
// sets the next one by the cadence (G §6.3-1).
func runMeeting(ctx context.Context, r *Request) error {
	id, rest, err := r.complaintArg()
	if err != nil {
		return err
	}
	notes := strings.Join(rest, " ")
	if err := checkLength(notes, MaxSummaryRunes); err != nil {
		return err
	}
	_, err = r.change(ctx, id, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		if err := requireOpen(c); err != nil {
			return err
		}
		c.Meetings = append(c.Meetings, qunsu.Meeting{At: r.Now, By: r.Speaker.ID, Notes: notes})
		for i := range c.Tasks {
			if t := &c.Tasks[i]; t.Kind == qunsu.KindMeeting && !t.Done() {
				t.DoneAt, t.DoneBy = r.Now, r.Speaker.ID
			}
		}
		qunsu.PlanTasks(c, r.S, qunsu.OnCadence, r.Now)
		r.event(ch, qunsu.EventMeeting, notes)
		s := r.S
		next := "—"
		for _, t := range c.Tasks {
			if t.Kind == qunsu.KindMeeting && !t.Done() {
				next = render.Time(t.Due, s.Location, r.Now)
			}
		}
		text := render.T(s.Lang, "meeting.team", len(c.Meetings), c.ID, Name(r, r.Speaker.ID), qunsu.MaskPII(notes), next)
		r.tell(ch, c, text, render.T(r.Lang, "meeting.answer", len(c.Meetings), c.ID, next))
		return nil
	})
	return err
}
