package render_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"qunsu"
	"qunsu/config"
	"qunsu/render"
)

// summaryOf makes a summary with n new complaints and n overdue tasks.
func summaryOf(t *testing.T, n int) (qunsu.Summary, *qunsu.Settings) {
	s, err := config.Default().Tenants[0].Settings()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, s.Location)
	from, to := qunsu.Period("month", now, s.Location)
	sum := qunsu.Summary{From: from, To: to, Now: now, Open: n, ByGrade: map[qunsu.Grade]int{}, ByGradePhase: map[qunsu.Grade]map[qunsu.Phase]int{}}
	for i := 0; i < n; i++ {
		c := &qunsu.Complaint{ID: qunsu.ComplaintID(now, i+1), Report: qunsu.Report{Project: fmt.Sprintf("翡翠湾%d期", i)},
			Grade: "general", Status: qunsu.StatusOpen, ReportedAt: now.Add(-time.Hour)}
		c.Tasks = []qunsu.Task{{Key: "hq_report", Name: qunsu.Text{qunsu.LangZH: "报备总部客户关系部"}, Role: "cr_head",
			Due: now.Add(-time.Duration(n-i) * time.Minute)}}
		sum.New = append(sum.New, c)
		sum.Overdue = append(sum.Overdue, qunsu.TaskRef{Complaint: c, Task: &c.Tasks[0]})
	}
	return sum, &s
}

// A summary lists every entry while a heading has at most SummaryLines.
func TestSummaryListsEveryEntryUpToTheLimit(t *testing.T) {
	sum, s := summaryOf(t, render.SummaryLines)
	text := render.Summary(sum, "month", s, qunsu.LangZH)
	for _, c := range sum.New {
		if n := strings.Count(text, c.ID+" "+c.Project+" · "); n != 1 {
			t.Errorf("%s listed %d times as new, want once", c.ID, n)
		}
		if n := strings.Count(text, c.ID+" 报备总部客户关系部 — "); n != 1 {
			t.Errorf("%s listed %d times as overdue, want once", c.ID, n)
		}
	}
	if strings.Contains(text, "另有") {
		t.Errorf("nothing is left out, yet the summary says so:\n%s", text)
	}
}

// Past the limit, a heading still counts every entry, lists the first ones in
// order and says how many more there are; a summary of thousands fits one
// Slack message (40,000 characters, 50 blocks of 3,000).
func TestSummaryListsTheFirstEntriesAndCountsTheRest(t *testing.T) {
	const n = 10_000
	sum, s := summaryOf(t, n)
	for _, lang := range []qunsu.Lang{qunsu.LangZH, qunsu.LangEN} {
		text := render.Summary(sum, "month", s, lang)
		for _, head := range []string{render.T(lang, "summary.new", n), render.T(lang, "summary.overdue", n)} {
			if !strings.Contains(text, head+"\n") {
				t.Errorf("%s: no heading %q", lang, head)
			}
		}
		for i, c := range sum.New {
			want := 0
			if i < render.SummaryLines {
				want = 2 // as new and as overdue
			}
			if got := strings.Count(text, c.ID+" "); got != want {
				t.Fatalf("%s: entry %d (%s) listed %d times, want %d", lang, i, c.ID, got, want)
			}
		}
		more := "  · " + render.T(lang, "summary.more", n-render.SummaryLines) + "\n"
		if got := strings.Count(text, more); got != 2 {
			t.Errorf("%s: %q appears %d times, want 2 (new, overdue)", lang, strings.TrimSpace(more), got)
		}
		if runes := utf8.RuneCountInString(text); runes > 6000 {
			t.Errorf("%s: a summary of %d complaints is %d characters; it must fit one chat message", lang, n, runes)
		}
	}
}

// A long list shows its first ListLines complaints in order, counts them all
// in its title, and says how many more there are and how to narrow it.
func TestListShowsTheFirstComplaintsAndHowToNarrowIt(t *testing.T) {
	const n = 10_000
	sum, s := summaryOf(t, n)
	for _, lang := range []qunsu.Lang{qunsu.LangZH, qunsu.LangEN} {
		text := render.List(sum.New, false, s, lang, sum.Now)
		if !strings.HasPrefix(text, render.T(lang, "list.title", n)+"\n") {
			t.Errorf("%s: the title does not count all %d: %q", lang, n, text[:min(len(text), 80)])
		}
		for i, c := range sum.New {
			want := 0
			if i < render.ListLines {
				want = 1
			}
			if got := strings.Count(text, c.ID+" "); got != want {
				t.Fatalf("%s: complaint %d (%s) listed %d times, want %d", lang, i, c.ID, got, want)
			}
		}
		if more := render.T(lang, "list.more", n-render.ListLines); !strings.HasSuffix(text, "\n"+more) {
			t.Errorf("%s: the list does not end with %q", lang, more)
		}
		if runes := utf8.RuneCountInString(text); runes > 6000 {
			t.Errorf("%s: a list of %d complaints is %d characters; it must fit one chat message", lang, n, runes)
		}
	}
	if all := render.List(sum.New[:render.ListLines], false, s, qunsu.LangZH, sum.Now); strings.Contains(all, "未列出") {
		t.Errorf("a list of exactly %d says more are not listed:\n%s", render.ListLines, all)
	}
	// Narrowed by project and grade already, the list counts the rest and
	// suggests nothing more.
	for _, lang := range []qunsu.Lang{qunsu.LangZH, qunsu.LangEN} {
		text := render.List(sum.New, true, s, lang, sum.Now)
		if more := render.T(lang, "list.more_narrowed", n-render.ListLines); !strings.HasSuffix(text, "\n"+more) {
			t.Errorf("%s: a narrowed list does not end with %q:\n…%s", lang, more, text[max(0, len(text)-200):])
		}
	}
}
