package handlers

import (
	"testing"
	"time"

	"qunsu"
)

var loc, _ = time.LoadLocation("Asia/Shanghai")
var now = time.Date(2026, 11, 22, 9, 0, 0, 0, loc)

func TestParseReport_KeyValueAndFreeText(t *testing.T) {
	kv, err := parseReport(splitWords("项目=翡翠湾 户数=35 行为=拉横幅,媒体 类别=交付 描述=延期交付 三个月 发生=2026-11-22 08:30"), now, loc)
	if err != nil || kv.Project != "翡翠湾" || kv.Households != 35 || len(kv.Actions) != 2 || kv.Category != "delivery" ||
		kv.Summary != "延期交付 三个月" || !kv.OccurredAt.Equal(time.Date(2026, 11, 22, 8, 30, 0, 0, loc)) {
		t.Errorf("key=value: %+v %v", kv, err)
	}
	free, err := parseReport(splitWords("翡翠湾 35户 拉横幅 交付延期"), now, loc)
	if err != nil || free.Project != "翡翠湾" || free.Households != 35 || free.Actions[0] != qunsu.ActionBanner || free.Category != "delivery" {
		t.Errorf("free text: %+v %v", free, err)
	}
	en, err := parseReport(splitWords("project=Emerald households=8 actions=banner category=sales"), now, loc)
	if err != nil || en.Project != "Emerald" || en.Category != "sales" {
		t.Errorf("english keys: %+v %v", en, err)
	}
}

// Bad input names what was wrong (the text key) and changes nothing.
func TestParseReport_BadInput(t *testing.T) {
	cases := map[string]string{
		"户数=35":                "err.missing_project",
		"项目=翡翠湾":               "err.missing_households",
		"项目=翡翠湾 户数=abc":        "err.not_whole_number",
		"项目=翡翠湾 户数=0":          "err.not_whole_number",
		"项目=翡翠湾 户数=-3":         "err.not_whole_number",
		"项目=翡翠湾 户数=999999":     "err.out_of_range",
		"项目=翡翠湾 户数=5 行为=跳舞":    "err.unknown_action",
		"项目=翡翠湾 户数=5 类别=天气":    "err.unknown_category",
		"项目=翡翠湾 户数=5 发生=昨天":    "err.bad_time",
		"项目=翡翠湾 户数=5 发生=23:30": "err.future_time",
		"项目=翡翠湾 户数=5 颜色=红":     "err.unknown_key",
	}
	for in, want := range cases {
		_, err := parseReport(splitWords(in), now, loc)
		e, ok := err.(*qunsu.Error)
		if !ok || e.Key != want || e.Code != qunsu.EINVALID {
			t.Errorf("%q: %v, want %s", in, err, want)
		}
	}
}

func TestParseTime_Forms(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-21 08:30": "2026-11-21 08:30", "11-21 08:30": "2026-11-21 08:30",
		"08:30": "2026-11-22 08:30", "2026/11/21 08:30": "2026-11-21 08:30", "08：30": "2026-11-22 08:30",
	} {
		got, err := parseTime(in, now, loc, happened)
		if err != nil || got.Format("2006-01-02 15:04") != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
}

func TestShortDatesFallOnTheExpectedSideOfNow(t *testing.T) {
	newYear := time.Date(2027, 1, 2, 9, 0, 0, 0, loc)
	lastWeek := time.Date(2026, 12, 28, 9, 0, 0, 0, loc)
	for _, c := range []struct {
		in       string
		now      time.Time
		expected side
		want     string
	}{
		{"12-30 20:00", newYear, happened, "2026-12-30 20:00"}, // last week, across New Year
		{"1月1日 08:00", newYear, happened, "2027-01-01 08:00"},
		{"03-01 10:00", now, happened, "2026-03-01 10:00"},      // months ago, this year
		{"11-23 10:00", now, happened, "2026-11-23 10:00"},      // tomorrow: a slip, refused as in the future
		{"01-05 10:00", lastWeek, due, "2027-01-05 10:00"},      // next week, across New Year
		{"12-01 10:00", lastWeek, due, "2026-12-01 10:00"},      // weeks ago: a slip, refused as passed
		{"11-22 08:00", now, due, "2026-11-22 08:00"},           // an hour ago: the same
		{"2026-01-05 10:00", lastWeek, due, "2026-01-05 10:00"}, // a year written is kept
	} {
		got, err := parseTime(c.in, c.now, loc, c.expected)
		if err != nil || got.Format("2006-01-02 15:04") != c.want {
			t.Errorf("%q on %s: %v %v, want %s", c.in, c.now.Format(time.DateOnly), got, err, c.want)
		}
	}
	// A promised day alone is the end of that day.
	if got, ok := dateOnly("01-05", lastWeek, loc); !ok || got.Format("2006-01-02 15:04") != "2027-01-05 23:59" {
		t.Errorf("01-05 on 2026-12-28: %v %v", got, ok)
	}
	// What happened on 30 December, reported on 2 January, is not in the
	// future; what happened in March, reported in November, is not either.
	for _, c := range []struct {
		in   string
		at   time.Time
		want string
	}{{"12-30 20:00", newYear, "2026-12-30 20:00"}, {"03-01 10:00", now, "2026-03-01 10:00"}} {
		rep, err := parseReport(splitWords("项目=翡翠湾 户数=5 发生="+c.in), c.at, loc)
		if err != nil || rep.OccurredAt.Format("2006-01-02 15:04") != c.want {
			t.Errorf("occurred=%s on %s: %+v %v", c.in, c.at.Format(time.DateOnly), rep, err)
		}
	}
}
