package handlers

import (
	"context"
	"strings"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"完成", "done"}, HelpKey: "help.done", Order: 40, Run: runDone})
}

// runDone closes a task of a complaint, named by key, name or alias.
func runDone(ctx context.Context, r *Request) error {
	id, rest, err := r.complaintArg()
	if err != nil {
		return err
	}
	word := strings.Join(rest, " ")
	_, err = r.change(ctx, id, func(c *qunsu.Complaint, ch *qunsu.Change) error {
		if word == "" {
			return qunsu.Errorf(qunsu.EINVALID, "err.missing_task", c.ID, openTasks(c, r.S, r.Lang))
		}
		t := findTask(c, r.S, word)
		if t == nil {
			return qunsu.Errorf(qunsu.EINVALID, "err.unknown_task", c.ID, word, openTasks(c, r.S, r.Lang))
		}
		if !t.ByPeople() {
			return qunsu.Errorf(qunsu.EINVALID, "err.task_by_bot", t.Name.In(r.Lang))
		}
		if t.Done() {
			return qunsu.Errorf(qunsu.EINVALID, "err.task_done", t.Name.In(r.Lang), render.Time(t.DoneAt, r.S.Location, r.Now))
		}
		t.DoneAt, t.DoneBy = r.Now, r.Speaker.ID
		r.event(ch, qunsu.EventTaskDone, t.Key)
		s := r.S
		r.tell(ch, c, render.T(s.Lang, "done.team", t.Name.In(s.Lang), c.ID, Name(r, r.Speaker.ID)),
			render.T(r.Lang, "done.answer", t.Name.In(r.Lang), c.ID))
		dissolveIfFinished(r, c, ch)
		return nil
	})
	return err
}

// findTask finds a task by key, name (either language) or its rule's aliases;
// a word that starts a task's name is enough when it names only one open task.
func findTask(c *qunsu.Complaint, s *qunsu.Settings, word string) *qunsu.Task {
	w := strings.ToLower(strings.TrimSpace(word))
	var prefixed []*qunsu.Task
	for i := range c.Tasks {
		t := &c.Tasks[i]
		names := []string{t.Key}
		for _, n := range t.Name {
			names = append(names, n)
		}
		for _, rule := range s.Tasks {
			if rule.Key == t.Key {
				names = append(names, rule.Aliases...)
			}
		}
		for _, n := range names {
			n = strings.ToLower(n)
			if n == w {
				return t
			}
			if strings.HasPrefix(n, w) && !t.Done() {
				prefixed = append(prefixed, t)
				break
			}
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return nil
}

// openTasks lists the open tasks for error messages: "报备总部客户关系部(hq_report) …".
func openTasks(c *qunsu.Complaint, s *qunsu.Settings, lang qunsu.Lang) string {
	var names []string
	for i := range c.Tasks {
		if t := &c.Tasks[i]; c.Live(t) {
			names = append(names, t.Name.In(lang)+"("+t.Key+")")
		}
	}
	if len(names) == 0 {
		return render.T(lang, "tasks.none")
	}
	return strings.Join(names, " ")
}

// dissolveIfFinished dissolves the team once a closed complaint has no task left
// (G §6.4: the team is dissolved at the end of phase 4).
func dissolveIfFinished(r *Request, c *qunsu.Complaint, ch *qunsu.Change) {
	if c.Status != qunsu.StatusAftercare {
		return
	}
	for i := range c.Tasks {
		if c.Live(&c.Tasks[i]) {
			return
		}
	}
	c.Status = qunsu.StatusDissolved
	ch.Events = append(ch.Events, qunsu.Event{At: r.Now, By: qunsu.BotID, Kind: qunsu.EventDissolved})
	ch.Messages = append(ch.Messages, teamMessage(c, r.S, render.T(r.S.Lang, "close.dissolved", c.ID)))
}
