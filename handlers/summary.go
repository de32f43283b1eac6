package handlers

import (
	"context"
	"slices"
	"strings"
	"time"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"汇总", "summary"}, HelpKey: "help.summary", Order: 90, Run: runSummary})
}

// periods maps the words for a summary period to its kind.
var periods = map[string]string{
	"": "today", "今日": "today", "今天": "today", "today": "today", "daily": "today",
	"本周": "week", "week": "week", "weekly": "week",
	"本月": "month", "month": "month", "monthly": "month",
}

// ChartDays is how many days the summary's chart counts new and closed
// complaints for, today included.
const ChartDays = 14

// runSummary answers with the summary of today, this week or this month, and
// its chart.
func runSummary(ctx context.Context, r *Request) error {
	word := strings.ToLower(strings.Join(r.Words, ""))
	kind, ok := periods[word]
	if !ok {
		return qunsu.Errorf(qunsu.EINVALID, "err.bad_period", word)
	}
	text, files, err := r.E.summary(ctx, r.S, kind, r.Now, r.Now, r.Lang)
	if err != nil {
		return err
	}
	r.reply(text, files...)
	return nil
}

// summary renders, at now, the summary of the period of kind around at, and
// its chart when the engine draws charts. A chart that fails is logged and
// left out: the summary goes out without it.
func (e *Engine) summary(ctx context.Context, s *qunsu.Settings, kind string, at, now time.Time, lang qunsu.Lang) (string, []qunsu.File, error) {
	from, to := qunsu.Period(kind, at, s.Location)
	since := from
	if e.Charter != nil { // the chart's days too: what was reported then, besides the open ones
		today, _ := qunsu.Period("today", at, s.Location)
		since = earlier(from, today.AddDate(0, 0, -(ChartDays-1)))
	}
	cs, err := e.Store.OpenOrReported(ctx, s.Tenant, since, to)
	if err != nil {
		return "", nil, err
	}
	sum := qunsu.Summarize(cs, from, to, now, s)
	text := render.Summary(sum, kind, s, lang)
	if e.Charter == nil {
		return text, nil, nil
	}
	file, err := e.Charter.SummaryChart(summaryChart(sum, cs, s, at, lang))
	if err != nil {
		e.log().Error("summary chart failed; the summary goes without it", "tenant", s.Tenant, "err", err)
		return text, nil, nil
	}
	return text, []qunsu.File{file}, nil
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// chartPhases are the phases the chart shows, in order (DOMAIN §4).
var chartPhases = []qunsu.Phase{qunsu.PhaseOccurrence, qunsu.PhaseResponse, qunsu.PhaseHandling, qunsu.PhaseAftercare}

// summaryChart is what the summary's chart shows: the complaints not
// dissolved by grade and phase (those closed are in aftercare), and the
// complaints reported and closed on each of the last ChartDays days up to at.
func summaryChart(sum qunsu.Summary, cs []*qunsu.Complaint, s *qunsu.Settings, at time.Time, lang qunsu.Lang) qunsu.SummaryChart {
	loc := s.Location
	date := at.In(loc).Format("2006-01-02")
	c := qunsu.SummaryChart{
		Name:      render.T(lang, "chart.file", date),
		Title:     render.T(lang, "chart.title", s.Name, date),
		OpenTitle: render.T(lang, "chart.open"), DailyTitle: render.T(lang, "chart.daily", ChartDays),
		NewLabel: render.T(lang, "chart.new"), ClosedLabel: render.T(lang, "chart.closed"),
	}
	for _, p := range chartPhases {
		c.Phases = append(c.Phases, render.T(lang, "phase.short."+string(p)))
	}
	byGrade := map[qunsu.Grade][]int{}
	for _, cm := range cs {
		if cm.Status == qunsu.StatusDissolved {
			continue
		}
		if byGrade[cm.Grade] == nil {
			byGrade[cm.Grade] = make([]int, len(chartPhases))
		}
		byGrade[cm.Grade][slices.Index(chartPhases, cm.Phase(sum.Now))]++ // a closed one is in aftercare
	}
	for _, l := range s.Policy.Levels {
		c.Grades = append(c.Grades, l.Name.In(lang))
		row := byGrade[l.Key]
		if row == nil {
			row = make([]int, len(chartPhases))
		}
		c.Open = append(c.Open, row)
	}
	layout := render.T(lang, "chart.day")
	for _, d := range qunsu.DailyCounts(cs, ChartDays, at, loc) {
		c.Days = append(c.Days, d.Day.Format(layout))
		c.New, c.Closed = append(c.New, d.New), append(c.Closed, d.Closed)
	}
	return c
}
