package handlers

import (
	"context"
	"fmt"
	"strings"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"查看", "show"}, HelpKey: "help.show", Order: 70, Run: runShow})
	register(&Command{Words: []string{"进展", "timeline", "history"}, HelpKey: "help.timeline", Order: 80, Run: runTimeline})
	register(&Command{Words: []string{"列表", "list"}, HelpKey: "help.list", Order: 75, Run: runList})
}

// runShow answers with the complaint card; "查看 <id> 完整" sends it with
// personal data in full, by direct message, to people allowed to see it.
func runShow(ctx context.Context, r *Request) error {
	c, err := r.load(ctx)
	if err != nil {
		return err
	}
	full, err := r.wantsFull(c)
	if err != nil {
		return err
	}
	text := render.Card(c, r.S, r.Lang, r.Now, render.CardOptions{Full: full})
	r.answer(c, text, full)
	return nil
}

// runTimeline answers with a complaint's timeline: who did what, when, where.
func runTimeline(ctx context.Context, r *Request) error {
	c, err := r.load(ctx)
	if err != nil {
		return err
	}
	full, err := r.wantsFull(c)
	if err != nil {
		return err
	}
	events, err := r.E.Store.Timeline(ctx, r.S.Tenant, c.ID)
	if err != nil {
		return err
	}
	r.answer(c, render.Timeline(c, events, r.S, r.Lang, r.Now, full), full)
	return nil
}

// fullWords ask for personal data in full.
var fullWords = []string{"完整", "全文", "full"}

// wantsFull reports whether the command asks for personal data in full after
// the complaint id, refusing people not allowed to see it (G §4).
func (r *Request) wantsFull(c *qunsu.Complaint) (bool, error) {
	_, rest, _ := r.complaintArg()
	if len(rest) == 0 {
		return false, nil
	}
	if len(rest) > 1 || !contains(fullWords, strings.ToLower(rest[0])) {
		return false, qunsu.Errorf(qunsu.EINVALID, "err.full_usage", r.Word, c.ID)
	}
	return true, r.require(qunsu.PermPersonalData, c)
}

// answer replies with text; personal data in full goes to the speaker alone,
// by direct message on the platform they asked on, with a pointer to it
// where they asked.
func (r *Request) answer(c *qunsu.Complaint, text string, full bool) {
	if !full {
		r.reply(text)
		return
	}
	// On the asker's platform only: the other may not know them, and would keep
	// the undeliverable text with its personal data among its dead letters.
	dm := qunsu.Chat{Kind: qunsu.ChatDirect, Person: r.Speaker.ID, Platform: r.In.Platform}
	r.out = append(r.out, qunsu.Message{Tenant: r.S.Tenant, Chat: dm,
		Text: text, At: r.Now, Key: fmt.Sprintf("in:%s#full", qunsu.InboundKey(r.In))})
	r.reply(r.T("full.sent"))
	r.E.log().Info("personal data disclosed", "tenant", r.S.Tenant, "complaint", c.ID, "platform", r.In.Platform,
		"to", r.Speaker.ID, "command", r.Word)
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
	// Read as for a report (an empty period: the open ones only), without
	// what a list line never shows.
	all, err := r.E.Store.OpenOrReported(ctx, r.S.Tenant, r.Now, r.Now)
	if err != nil {
		return err
	}
	var open []*qunsu.Complaint
	for _, c := range all {
		if c.Status == qunsu.StatusOpen && (project == "" || strings.EqualFold(c.Project, project)) && (grade == "" || c.Grade == grade) {
			open = append(open, c)
		}
	}
	r.reply(render.List(open, project != "" && grade != "", r.S, r.Lang, r.Now))
	return nil
}
