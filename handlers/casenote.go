package handlers

import (
	"context"
	"strings"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"总结", "writeup", "write-up"}, HelpKey: "help.casenote", Order: 62, Run: runCaseNote})
}

// EventCaseNoted records a case write-up: its cause and prevention.
const EventCaseNoted = "case_noted"

// caseKeys are the keys of a case write-up (G §6.3-2, §6.4-3), as typed.
var caseKeys = map[string]string{
	"原因": "cause", "cause": "cause",
	"措施": "prevention", "预防措施": "prevention", "prevention": "prevention",
}

// caseNote is a write-up's cause and prevention; empty ones are not given.
type caseNote struct{ cause, prevention string }

// caseFields takes 原因=… and 措施=… (cause=, prevention=) out of words; a
// value runs to the next key, so it may hold spaces. The other words, which
// must come before the keys, are returned as they were.
func caseFields(words []string) (rest []string, n caseNote, err error) {
	values := map[string][]string{}
	field := ""
	for _, w := range words {
		if key, val, ok := caseKey(w); ok {
			field = key
			values[field] = append(values[field][:0], val)
			continue
		}
		if field == "" {
			rest = append(rest, w)
		} else {
			values[field] = append(values[field], w)
		}
	}
	n.cause = strings.TrimSpace(strings.Join(values["cause"], " "))
	n.prevention = strings.TrimSpace(strings.Join(values["prevention"], " "))
	for _, f := range []struct{ key, name string }{{"cause", "原因/cause"}, {"prevention", "措施/prevention"}} {
		v, given := values[f.key]
		text := strings.TrimSpace(strings.Join(v, " "))
		if given && text == "" {
			return nil, n, qunsu.Errorf(qunsu.EINVALID, "err.field_empty", f.name)
		}
		if err := checkField(f.name, text, MaxSummaryRunes); err != nil {
			return nil, n, err
		}
	}
	return rest, n, nil
}

// caseKey splits "原因=…" (also ＝, : and ：) when the key is a write-up's.
func caseKey(w string) (key, val string, ok bool) {
	for _, sep := range []string{"=", "＝", "：", ":"} {
		if k, v, found := strings.Cut(w, sep); found {
			if field, known := caseKeys[strings.ToLower(k)]; known {
				return field, v, true
			}
		}
	}
	return "", "", false
}

// record stores the write-up on the complaint and in its timeline, and returns
// its lines for the team ("" when nothing was given).
func (n caseNote) record(r *Request, c *qunsu.Complaint, ch *qunsu.Change) string {
	if n.cause == "" && n.prevention == "" {
		return ""
	}
	if n.cause != "" {
		c.Cause = n.cause
	}
	if n.prevention != "" {
		c.Prevention = n.prevention
	}
	var lines []string
	if n.cause != "" {
		lines = append(lines, render.T(r.S.Lang, "casenote.cause", qunsu.MaskPII(n.cause)))
	}
	if n.prevention != "" {
		lines = append(lines, render.T(r.S.Lang, "casenote.prevention", qunsu.MaskPII(n.prevention)))
	}
	text := strings.Join(lines, "\n")
	r.event(ch, EventCaseNoted, strings.ReplaceAll(text, "\n", " "))
	return text
}

// runCaseNote records a complaint's case write-up: the cause and the
// prevention, which the monthly report shows with the course of events
// (G §6.4-3). Team members and those who may close may write it, at any
// stage; a later write-up replaces what it gives.
func runCaseNote(ctx context.Context, r *Request) error {
	id, rest, err := r.complaintArg()
	if err != nil {
		return err
	}
	free, note, err := caseFields(rest)
	if err != nil {
		return err
	}
	if len(free) > 0 || (note.cause == "" && note.prevention == "") {
		return qunsu.Errorf(qunsu.EINVALID, "err.casenote_usage", r.Word, id)
	}
	_, err = r.change(ctx, id, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		if !c.IsMember(r.Speaker.ID) {
			if err := r.require(qunsu.PermClose, c); err != nil {
				return err
			}
		}
		s := r.S
		text := render.T(s.Lang, "casenote.team", c.ID, Name(r, r.Speaker.ID), note.record(r, c, ch))
		// The default procedure's write-up task: recording the text is part of
		// it, filing it with HQ the rest, so it is left to be marked done.
		if t := c.Task("case_writeup"); t != nil && c.Live(t) {
			text += "\n" + render.T(s.Lang, "casenote.task", c.ID)
		}
		r.tell(ch, c, text, render.T(r.Lang, "casenote.answer", c.ID))
		return nil
	})
	return err
}
