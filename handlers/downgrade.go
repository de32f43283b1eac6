package handlers

import (
	"context"
	"strings"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"降级", "downgrade"}, HelpKey: "help.downgrade", Order: 25, Run: runDowngrade})
}

// runDowngrade lowers a grade by hand; it needs a reason, and is recorded.
func runDowngrade(ctx context.Context, r *Request) error {
	id, rest, err := r.complaintArg()
	if err != nil {
		return err
	}
	a, err := parseArgs(rest)
	if err != nil {
		return err
	}
	free := a.free
	word := a.kv["grade"]
	if word == "" && len(free) > 0 {
		word, free = free[0], free[1:]
	}
	reason, err := a.reason(free)
	if word == "" || reason == "" {
		return qunsu.Errorf(qunsu.EINVALID, "err.missing_reason", id)
	}
	if err != nil {
		return err
	}
	to, ok := lookupGrade(r.S.Policy, word)
	if !ok {
		return qunsu.Errorf(qunsu.EINVALID, "err.unknown_grade", word, gradeHelp(r.S.Policy, r.Lang))
	}
	_, err = r.change(ctx, id, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		if err := r.require(qunsu.PermDowngrade, c); err != nil {
			return err
		}
		if err := requireOpen(c); err != nil {
			return err
		}
		if r.S.Policy.Rank(to) >= r.S.Policy.Rank(c.Grade) {
			return qunsu.Errorf(qunsu.EINVALID, "err.not_lower", c.ID,
				r.S.Policy.GradeName(c.Grade, r.Lang), r.S.Policy.GradeName(to, r.Lang))
		}
		from := c.Grade
		c.Grade, c.Manual = to, true
		c.Changes = append(c.Changes, qunsu.GradeChange{At: r.Now, From: from, To: to, By: r.Speaker.ID, Reason: reason})
		r.event(ch, qunsu.EventDowngraded, string(from)+" → "+string(to)+": "+reason)
		s := r.S
		r.tell(ch, c, render.T(s.Lang, "downgrade.done", c.ID, s.Policy.GradeName(from, s.Lang),
			s.Policy.GradeName(to, s.Lang), Name(r, r.Speaker.ID), qunsu.MaskPII(reason)),
			render.T(r.Lang, "downgrade.answer", c.ID, s.Policy.GradeName(to, r.Lang)))
		return nil
	})
	return err
}

// lookupGrade finds a grade of the policy by key or name in any language.
func lookupGrade(p qunsu.Policy, word string) (qunsu.Grade, bool) {
	w := strings.ToLower(word)
	for _, l := range p.Levels {
		if strings.ToLower(string(l.Key)) == w {
			return l.Key, true
		}
		for _, name := range l.Name {
			if n := strings.ToLower(name); n == w || strings.TrimSuffix(n, "群诉") == w {
				return l.Key, true
			}
		}
	}
	return "", false
}

func gradeHelp(p qunsu.Policy, lang qunsu.Lang) string {
	var names []string
	for _, l := range p.Levels {
		names = append(names, l.Name.In(lang)+"/"+string(l.Key))
	}
	return strings.Join(names, " ")
}
