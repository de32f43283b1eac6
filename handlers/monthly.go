package handlers

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"月报", "monthly"}, HelpKey: "help.monthly", Order: 92, Run: runMonthly})
}

// monthWords name a month relative to now; the command alone means last
// month, the one a monthly report is usually made for.
var monthWords = map[string]int{
	"": -1, "上月": -1, "上个月": -1, "last": -1,
	"本月": 0, "这个月": 0, "当月": 0, "this": 0,
}

// endOfTime bounds a search for closes with no end.
var endOfTime = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// monthPattern is a month as typed: 2026-11, 2026/11, 2026.11, 2026年11月.
var monthPattern = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$`)

// runMonthly answers with the month's report (DOMAIN §8): a short summary,
// and the workbook and CSV as files.
func runMonthly(ctx context.Context, r *Request) error {
	from, err := parseMonth(strings.Join(r.Words, ""), r.Now, r.S.Location)
	if err != nil {
		return err
	}
	to := from.AddDate(0, 1, 0)
	s := r.S
	cs, err := r.E.Store.OpenOrReported(ctx, s.Tenant, from, to)
	if err != nil {
		return err
	}
	// The others that bear on the month are closed, and were closed after it
	// began (open in it: deadlines, an upgrade's penalty), or shortly before
	// (a write-up or return visit due in it), whether dissolved since or not.
	closed, err := r.E.Store.ClosedIn(ctx, s.Tenant, from.Add(-qunsu.CloseLookback(s)), endOfTime)
	if err != nil {
		return err
	}
	m := qunsu.BuildMonthly(append(cs, closed...), from, to, r.Now, s)
	var files []qunsu.File
	if r.E.Monthly != nil {
		if files, err = r.E.Monthly.MonthlyFiles(&m, s); err != nil {
			return err
		}
	}
	r.reply(monthlyText(&m, s, r.Lang, files), files...)
	return nil
}

// parseMonth reads the month asked for and returns its first moment in loc;
// a month that has not begun is refused.
func parseMonth(word string, now time.Time, loc *time.Location) (time.Time, error) {
	word = strings.ToLower(strings.TrimSpace(halfWidth(word)))
	local := now.In(loc)
	this := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc)
	if offset, ok := monthWords[word]; ok {
		return this.AddDate(0, offset, 0), nil
	}
	m := monthPattern.FindStringSubmatch(word)
	if m == nil {
		return time.Time{}, qunsu.Errorf(qunsu.EINVALID, "err.monthly_usage", word)
	}
	year, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	if month < 1 || month > 12 {
		return time.Time{}, qunsu.Errorf(qunsu.EINVALID, "err.monthly_usage", word)
	}
	from := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, loc)
	if from.After(this) {
		return time.Time{}, qunsu.Errorf(qunsu.EINVALID, "err.monthly_future", from.Format("2006-01"), this.Format("2006-01"))
	}
	return from, nil
}

// monthlyListed is how many complaint ids the summary names in a line.
const monthlyListed = 10

// monthlyText is the summary posted with the files, in the speaker's language.
func monthlyText(m *qunsu.MonthlyReport, s *qunsu.Settings, lang qunsu.Lang, files []qunsu.File) string {
	t := func(key string, args ...any) string { return render.T(lang, key, args...) }
	group := 0
	for _, c := range m.Reported {
		if s.Policy.IsGroup(c.Grade) {
			group++
		}
	}
	lines := []string{
		t("monthly.title", s.Name, m.Month(), render.Time(m.Now, s.Location, m.Now)),
		t("monthly.reported", len(m.Reported), group),
		t("monthly.closed", len(m.Closed)),
	}
	if h := m.Handling; h.Count > 0 {
		lines = append(lines, t("monthly.handling", render.Duration(lang, h.Median), render.Duration(lang, h.Mean),
			render.Duration(lang, h.Max), h.Longest.ID))
	}
	d := m.Deadlines
	lines = append(lines, t("monthly.deadlines", fmt.Sprintf("%.1f%%", 100*d.Rate()), d.Due, d.OnTime, d.Late, d.Overdue),
		t("monthly.cases", len(m.Cases)))
	var unwritten []string
	for _, k := range m.Cases {
		if !k.Written() {
			unwritten = append(unwritten, k.Complaint.ID)
		}
	}
	if n := len(unwritten); n > 0 {
		if n > monthlyListed {
			unwritten = append(unwritten[:monthlyListed], "…")
		}
		lines = append(lines, t("monthly.unwritten", n, strings.Join(unwritten, t("list.sep"))))
	}
	lines = append(lines, t("monthly.penalties", len(m.Penalties)))
	if len(files) == 0 {
		lines = append(lines, t("monthly.no_files"))
	} else {
		var names []string
		for _, f := range files {
			names = append(names, f.Name)
		}
		lines = append(lines, t("monthly.files", strings.Join(names, t("list.sep"))))
	}
	return strings.Join(lines, "\n")
}
