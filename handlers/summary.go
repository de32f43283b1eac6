package handlers

import (
	"context"
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

// runSummary answers with the summary of today, this week or this month.
func runSummary(ctx context.Context, r *Request) error {
	word := strings.ToLower(strings.Join(r.Words, ""))
	kind, ok := periods[word]
	if !ok {
		return qunsu.Errorf(qunsu.EINVALID, "err.bad_period", word)
	}
	text, err := buildSummary(ctx, r.E, r.S, kind, r.Now, r.Now, r.Lang)
	if err != nil {
		return err
	}
	r.reply(text)
	return nil
}

// buildSummary renders, at now, the summary of the period of kind around at.
func buildSummary(ctx context.Context, e *Engine, s *qunsu.Settings, kind string, at, now time.Time, lang qunsu.Lang) (string, error) {
	from, to := qunsu.Period(kind, at, s.Location)
	cs, err := e.Store.OpenOrReported(ctx, s.Tenant, from, to)
	if err != nil {
		return "", err
	}
	sum := qunsu.Summarize(cs, from, to, now, s)
	return render.Summary(sum, kind, s, lang), nil
}
