package handlers

import (
	"context"
	"strings"

	"qunsu"
)

// complaintArg takes the complaint ID that must follow the command word.
func (r *Request) complaintArg() (id string, rest []string, err error) {
	if len(r.Words) == 0 {
		return "", nil, qunsu.Errorf(qunsu.EINVALID, "err.missing_id", r.Word)
	}
	if err := checkWords(r.Words); err != nil {
		return "", nil, err
	}
	id = strings.ToUpper(r.Words[0])
	if !qunsu.ValidID(id) {
		return "", nil, qunsu.Errorf(qunsu.EINVALID, "err.bad_id", r.Words[0])
	}
	return id, r.Words[1:], nil
}

// change runs mutate for a command on a complaint, as the speaker; the change
// is the command's only write, so a command delivered twice acts once.
func (r *Request) change(ctx context.Context, id string, fn func(c *qunsu.Complaint, ch *qunsu.Change) error) (*qunsu.Complaint, error) {
	return r.E.mutate(ctx, r.S, id, nil, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		ch.Handles = qunsu.InboundKey(r.In)
		return fn(c, ch)
	})
}

// tell posts text to the complaint's team and, when the command came from
// another chat, a short answer there.
func (r *Request) tell(ch *qunsu.Change, c *qunsu.Complaint, teamText, answer string) {
	team := teamMessage(c, r.S, teamText)
	ch.Messages = append(ch.Messages, team)
	if !team.Chat.Same(r.In.Chat) && answer != "" {
		ch.Messages = append(ch.Messages, qunsu.Message{Chat: r.In.Chat, Text: answer})
	}
}

// event records what the speaker did.
func (r *Request) event(ch *qunsu.Change, kind, detail string) {
	ch.Events = append(ch.Events, qunsu.Event{At: r.Now, By: r.Speaker.ID, Platform: r.In.Platform, Kind: kind, Detail: detail})
}

// requireOpen refuses commands that need an open complaint.
func requireOpen(c *qunsu.Complaint) error {
	if c.Status != qunsu.StatusOpen {
		return qunsu.Errorf(qunsu.EINVALID, "err.not_open", c.ID, c.ID)
	}
	return nil
}
