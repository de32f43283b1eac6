package handlers

import (
	"context"
	"regexp"
	"strings"
	"time"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"上报", "报告", "report"}, HelpKey: "help.report", Order: 10, Run: runReport})
}

var (
	// Digits may be full-width, as Chinese input methods type them.
	householdsWord = regexp.MustCompile(`^([0-9０-９]+)户$`)
	peopleWord     = regexp.MustCompile(`^([0-9０-９]+)人$`)
	amountWord     = regexp.MustCompile(`^[0-9０-９.．]+万?元$`)
)

// parseReport reads a report from key=value pairs or free text
// ("翡翠湾 35户 拉横幅 交付延期"): N户 is the households, known action and category
// words are taken as such, the first other word is the project and the rest the
// description.
func parseReport(words []string, now time.Time, loc *time.Location) (qunsu.Report, error) {
	rep := qunsu.Report{OccurredAt: now}
	a, err := parseArgs(words)
	if err != nil {
		return rep, err
	}
	var summary []string
	for _, w := range a.free {
		switch {
		case householdsWord.MatchString(w) && a.kv["households"] == "":
			a.kv["households"] = householdsWord.FindStringSubmatch(w)[1]
			continue
		case peopleWord.MatchString(w) && a.kv["people"] == "":
			a.kv["people"] = peopleWord.FindStringSubmatch(w)[1]
			continue
		case amountWord.MatchString(w) && a.kv["amount"] == "":
			a.kv["amount"] = w
			continue
		}
		if info, ok := qunsu.LookupAction(w); ok {
			rep.Actions = appendAction(rep.Actions, info.Key)
		} else if cat, ok := qunsu.LookupCategory(w); ok && a.kv["category"] == "" {
			a.kv["category"] = cat.Key
		} else if a.kv["project"] == "" {
			a.kv["project"] = w
			continue
		}
		summary = append(summary, w)
	}
	if a.kv["summary"] == "" {
		a.kv["summary"] = strings.Join(summary, " ")
	}
	return rep, fillReport(&rep, a.kv, now, loc)
}

func fillReport(rep *qunsu.Report, kv map[string]string, now time.Time, loc *time.Location) error {
	rep.Project = strings.TrimSpace(kv["project"])
	if rep.Project == "" {
		return qunsu.Errorf(qunsu.EINVALID, "err.missing_project")
	}
	if err := checkField("项目/project", rep.Project, MaxProjectRunes); err != nil {
		return err
	}
	if kv["households"] == "" {
		return qunsu.Errorf(qunsu.EINVALID, "err.missing_households")
	}
	var err error
	if rep.Households, err = positive("户数/households", kv["households"], MaxHouseholds); err != nil {
		return err
	}
	return fillFacts(rep, kv, now, loc)
}

// fillFacts reads the optional facts shared by report and update.
func fillFacts(rep *qunsu.Report, kv map[string]string, now time.Time, loc *time.Location) error {
	var err error
	if v := kv["people"]; v != "" {
		if rep.People, err = positive("人数/people", v, MaxPeople); err != nil {
			return err
		}
	}
	if v := kv["amount"]; v != "" {
		if rep.Amount, err = amount(v); err != nil {
			return err
		}
	}
	if v := kv["actions"]; v != "" {
		actions, err := actionsOf(v)
		if err != nil {
			return err
		}
		for _, x := range actions {
			rep.Actions = appendAction(rep.Actions, x)
		}
	}
	if v := kv["category"]; v != "" {
		if rep.Category, err = categoryOf(v); err != nil {
			return err
		}
	}
	if v := strings.TrimSpace(kv["summary"]); v != "" {
		if err := checkField("描述/summary", v, MaxSummaryRunes); err != nil {
			return err
		}
		rep.Summary = v
	}
	if v := kv["occurred"]; v != "" {
		t, err := parseTime(v, now, loc, happened)
		if err != nil {
			return err
		}
		if t.After(now) {
			return qunsu.Errorf(qunsu.EINVALID, "err.future_time", v)
		}
		if t.Before(now.AddDate(0, 0, -MaxAgeDays)) {
			return qunsu.Errorf(qunsu.EINVALID, "err.too_old", v, MaxAgeDays)
		}
		rep.OccurredAt = t
	}
	return fillTraits(rep, kv)
}

func appendAction(list []qunsu.Action, a qunsu.Action) []qunsu.Action {
	if qunsu.HasAction(list, a) {
		return list
	}
	return append(list, a)
}

// reportOf reads the report: from a form's fields when it came from one,
// else from the words typed.
func reportOf(r *Request) (qunsu.Report, error) {
	if len(r.In.Fields) == 0 {
		return parseReport(r.Words, r.Now, r.S.Location)
	}
	kv := map[string]string{}
	for k, v := range r.In.Fields {
		field, known := fields[strings.ToLower(k)]
		if !known {
			return qunsu.Report{}, qunsu.Errorf(qunsu.EINVALID, "err.unknown_key", k, fieldHelp)
		}
		kv[field] = v
	}
	rep := qunsu.Report{OccurredAt: r.Now}
	return rep, fillReport(&rep, kv, r.Now, r.S.Location)
}

func runReport(ctx context.Context, r *Request) error {
	s := r.S
	rep, err := reportOf(r)
	if err != nil {
		return err
	}
	c := &qunsu.Complaint{Tenant: s.Tenant, Report: rep, ReportedAt: r.Now, ReportedBy: r.Speaker.ID,
		Origin: r.In.Chat, Status: qunsu.StatusOpen}
	c.Assessment = qunsu.Assess(c.Facts(r.Now), s.Policy)
	c.Grade = c.Assessment.Grade
	team, vacant := qunsu.TeamFor(c, s)
	c.JoinTeam(team)
	qunsu.PlanTasks(c, s, qunsu.OnReport, r.Now)

	day := c.OccurredAt.In(s.Location)
	seq, err := r.E.Store.NextSeq(ctx, s.Tenant, day.Format("20060102"))
	if err != nil {
		return err
	}
	c.ID = qunsu.ComplaintID(day, seq)

	ch := qunsu.Change{Tenant: s.Tenant, Complaint: c, Handles: qunsu.InboundKey(r.In)}
	r.event(&ch, qunsu.EventReported, render.Grade(c.Assessment, s.Policy, s.Lang))
	announce(&ch, c, s, r, vacant)
	finish(&ch, nil, s, r.Now)
	return r.E.Store.Commit(ctx, ch)
}

// announce posts a new complaint: the card to the team (which creates the team
// chat for a group complaint), the safety protocol on escalated behaviour, a note
// to people only informed, and a short answer with a link to the team chat in
// the chat it was reported in.
func announce(ch *qunsu.Change, c *qunsu.Complaint, s *qunsu.Settings, r *Request, vacant []qunsu.Role) {
	if !s.Policy.IsGroup(c.Grade) {
		// An ordinary complaint has no chat of its own: its card goes to the reporter's.
		card := render.Card(c, s, s.Lang, r.Now, render.CardOptions{Mention: true, Vacant: vacant})
		ch.Messages = append(ch.Messages, teamMessage(c, s, render.T(s.Lang, "report.new_ordinary")+"\n"+card))
		return
	}
	ch.Messages = append(ch.Messages, cardMessage(c, s, r.Now, render.T(s.Lang, "report.new")))
	if qunsu.AnyEscalated(c.Actions) {
		ch.Messages = append(ch.Messages, teamMessage(c, s, render.Safety(s.Lang)))
	}
	ch.Messages = append(ch.Messages, notifyInformed(c, s, c.Team)...)
	answer := render.T(r.Lang, "report.answer", c.ID, render.Grade(c.Assessment, s.Policy, r.Lang), qunsu.ChatLink(c.ID))
	ch.Messages = append(ch.Messages, qunsu.Message{Chat: r.In.Chat, Text: answer})
}
