package handlers

import (
	"context"
	"strings"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"查看", "show"}, HelpKey: "help.show", Order: 70, Run: runShow})
	register(&Command{Words: []string{"进展", "timeline", "history"}, HelpKey: "help.timeline", Order: 80, Run: runTimeline})
	register(&Command{Words: []string{"列表", "list"}, HelpKey: "help.list", Order: 75, Run: runList})
}

// runShow answers with the complaint card.
func runShow(ctx context.Context, r *Request) error {
	c, err := r.load(ctx)
	if err != nil {
		return err
	}
	r.reply(render.Card(c, r.S, r.Lang, r.Now, render.CardOptions{}))
	return nil
}

// runTimeline answers with a complaint's timeline: who did what, when.
func runTimeline(ctx context.Context, r *Request) error {
	c, err := r.load(ctx)
	if err != nil {
		return err
	}
	events, err := r.E.Store.Timeline(ctx, r.S.Tenant, c.ID)
	if err != nil {
		return err
	}
	r.reply(render.Timeline(c, events, r.S, r.Lang, r.Now))
	return nil
}

// load reads the complaint named after the command word.
func (r *Request) load(ctx context.Context) (*qunsu.Complaint, error) {
	id, _, err := r.complaintArg()
	if err != nil {
		return nil, err
	}
	return r.E.Store.Complaint(ctx, r.S.Tenant, id)
}

// runList answers with the open complaints, filtered by project or grade words.
func runList(ctx context.Context, r *Request) error {
	a, err := parseArgs(r.Words)
	if err != nil {
		return err
	}
	project, grade := a.kv["project"], qunsu.Grade("")
	if g := a.kv["grade"]; g != "" {
		if grade, _ = lookupGrade(r.S.Policy, g); grade == "" {
			return qunsu.Errorf(qunsu.EINVALID, "err.unknown_grade", g, gradeHelp(r.S.Policy, r.Lang))
		}
	}
	for _, w := range a.free {
		if g, ok := lookupGrade(r.S.Policy, w); ok {
			grade = g
		} else {
			project = w
		}
	}
	all, err := r.E.Store.Complaints(ctx, r.S.Tenant, r.Now, r.Now, true)
	if err != nil {
		return err
	}
	var open []*qunsu.Complaint
	for _, c := range all {
		if c.Status == qunsu.StatusOpen && (project == "" || strings.EqualFold(c.Project, project)) && (grade == "" || c.Grade == grade) {
			open = append(open, c)
		}
	}
	r.reply(render.List(open, r.S, r.Lang, r.Now))
	return nil
}
