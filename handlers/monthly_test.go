package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"qunsu"
	"qunsu/monthly"
)

// at moves the rig's clock to a time in the tenant's zone.
func (r *limitRig) at(v string) {
	r.t.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", v, r.s.Location)
	if err != nil {
		r.t.Fatal(err)
	}
	r.now, r.e.Clock = t, fixedClock{t}
}

// replies runs a command and returns the messages posted back where it was typed.
func (r *limitRig) replies(text string) []qunsu.Message {
	r.t.Helper()
	ctx := context.Background()
	r.n++
	chat := qunsu.Chat{Kind: qunsu.ChatOrigin, Platform: "console", ID: "limits"}
	in := qunsu.Inbound{Tenant: r.s.Tenant, Platform: "console", User: "zhangwei", Chat: chat, Text: text,
		ID: fmt.Sprint("m", r.n), At: r.now}
	if err := r.e.Handle(ctx, in); err != nil {
		r.t.Fatalf("%s: %v", text, err)
	}
	got, err := r.st.Receive(ctx, r.s.Tenant, "console", "test", 100, time.Hour, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	var out []qunsu.Message
	for _, env := range got {
		if env.Message.Chat.Same(chat) {
			out = append(out, env.Message)
		}
		r.st.Done(ctx, r.s.Tenant, "console", env.ID)
	}
	return out
}

// november reports and closes complaints through the engine: a major one
// closed with its write-up, a general one written up in part, and an ordinary
// one reported in October, closed in November and dissolved since.
func november(t *testing.T) *limitRig {
	r := newLimitRig(t)
	r.e.Monthly = monthly.Writer{}
	steps := []struct{ at, say string }{
		{"2026-10-20 09:00", "上报 项目=云栖苑 户数=3 类别=物业 描述=电梯故障"},
		{"2026-11-02 09:00", "结案 QS-20261020-001 已更换电梯主板"},
		{"2026-11-03 09:00", "完成 QS-20261020-001 回访"},
		{"2026-11-03 10:00", "上报 项目=翡翠湾 户数=35 行为=拉横幅 类别=交付 描述=延期交付"},
		{"2026-11-05 10:00", "结案 QS-20261103-001 已按方案完成整改 原因=交付延期未提前告知 措施=节点变更提前30天书面告知"},
		{"2026-11-10 09:00", "上报 项目=云栖苑 户数=8 类别=工程 描述=外墙渗水"},
		{"2026-11-12 09:00", "结案 QS-20261110-001 外墙已修复"},
		{"2026-11-20 09:00", "总结 QS-20261110-001 原因=外墙打胶工艺不达标"},
	}
	for _, st := range steps {
		r.at(st.at)
		for _, m := range r.replies(st.say) {
			if strings.HasPrefix(m.Text, "⚠️") {
				t.Fatalf("%s: %s", st.say, m.Text)
			}
		}
	}
	return r
}

// monthlyFiles checks that a reply carries the workbook and the CSV, and opens the workbook.
func monthlyFiles(t *testing.T, msgs []qunsu.Message) (qunsu.Message, *excelize.File, [][]string) {
	t.Helper()
	if len(msgs) != 1 {
		t.Fatalf("%d replies, want one", len(msgs))
	}
	m := msgs[0]
	if len(m.Files) != 2 || m.Files[0].Type != qunsu.TypeXLSX || m.Files[1].Type != qunsu.TypeCSV ||
		m.Files[0].Name != "月报-2026-11.xlsx" || m.Files[1].Name != "月报-2026-11.csv" {
		var got []string
		for _, f := range m.Files {
			got = append(got, f.Name+" "+f.Type)
		}
		t.Fatalf("files %v, want 月报-2026-11.xlsx and .csv\n%s", got, m.Text)
	}
	book, err := excelize.OpenReader(bytes.NewReader(m.Files[0].Data))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	t.Cleanup(func() { book.Close() })
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(m.Files[1].Data, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return m, book, records
}

// 月报 2026-11 answers with a summary and the two files; their numbers are
// November's, including the complaint reported in October and dissolved.
func TestMonthlyReportThroughTheEngine(t *testing.T) {
	r := november(t)
	r.at("2026-12-03 10:00")

	m, book, records := monthlyFiles(t, r.replies("月报 2026-11"))
	for _, want := range []string{"示例地产 2026-11 群诉月报", "新增：2（其中群诉 2）", "结案：3", "结案群诉案例：2",
		"其中 1 件未填写原因/预防措施：QS-20261110-001", "通报处罚（《群诉处理指引》7）：1", "附件：月报-2026-11.xlsx、月报-2026-11.csv"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("summary lacks %q:\n%s", want, m.Text)
		}
	}
	summary := sheetSummary(book)
	if summary["新增投诉"] != "2" || summary["结案"] != "3" || summary["结案群诉案例"] != "2" || summary["通报处罚"] != "1" {
		t.Errorf("汇总: %v", summary)
	}
	cases, _ := book.GetRows("案例")
	if len(cases) != 4 || cases[1][0] != "QS-20261103-001" || cases[2][0] != "QS-20261110-001" {
		t.Fatalf("案例: %v", cases)
	}
	if c := cases[1]; c[9] != "交付延期未提前告知" || c[10] != "节点变更提前30天书面告知" || !strings.Contains(c[8], "已按方案完成整改") {
		t.Errorf("the case closed with its write-up: %v", c)
	}
	if c := cases[2]; c[9] != "外墙打胶工艺不达标" || c[10] != "未填写" {
		t.Errorf("the case written up in part: %v", c)
	}
	var ids []string
	for _, rec := range records[1:] {
		ids = append(ids, rec[0])
	}
	if want := []string{"QS-20261020-001", "QS-20261103-001", "QS-20261110-001"}; !slices.Equal(ids, want) {
		t.Errorf("csv lists %v, want %v", ids, want)
	}

	// Alone, the command means last month.
	monthlyFiles(t, r.replies("月报"))
	// In English, the summary is English; the files stay in the tenant's language.
	m, _, _ = monthlyFiles(t, r.replies("monthly 2026-11"))
	if !strings.Contains(m.Text, "Reported: 2 (group complaints: 2)") {
		t.Errorf("English summary:\n%s", m.Text)
	}
}

// A month that is not one, or has not begun, gets a message saying what to
// type, and no files; nothing is written.
func TestMonthlyRefusesBadMonths(t *testing.T) {
	r := november(t)
	r.at("2026-11-22 09:00")
	before := r.complaints()
	for _, tt := range []struct{ say, want string }{
		{"月报 2026-13", "请写：月报 2026-11"},
		{"月报 abc", "月份「abc」无法识别"},
		{"月报 2026-12", "2026-12 还没到，未生成月报。请写本月或以前的月份，例如：月报 2026-11"},
		{"monthly next", "Type: monthly 2026-11"},
		{"总结 QS-20261110-001", "请写原因和/或预防措施"},
		{"总结 QS-20261110-001 原因=", "「原因/cause」没有内容"},
		{"结案 QS-20261110-001 原因=只有原因", "请写说明"},
	} {
		msgs := r.replies(tt.say)
		if len(msgs) != 1 || !strings.HasPrefix(msgs[0].Text, "⚠️") || !strings.Contains(msgs[0].Text, tt.want) || len(msgs[0].Files) != 0 {
			t.Errorf("%s: %+v, want one warning with %q and no files", tt.say, msgs, tt.want)
		}
	}
	after := r.complaints()
	for i := range before {
		if after[i].Version != before[i].Version {
			t.Errorf("%s changed: version %d → %d", before[i].ID, before[i].Version, after[i].Version)
		}
	}
	// This month so far is a month too.
	msgs := r.replies("月报 本月")
	if len(msgs) != 1 || len(msgs[0].Files) != 2 || !strings.Contains(msgs[0].Text, "截至 11-22 09:00") {
		t.Errorf("this month: %+v", msgs)
	}
}

func TestParseMonth(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, loc)
	for word, want := range map[string]string{
		"": "2025-12", "上月": "2025-12", "last": "2025-12", "本月": "2026-01", "THIS": "2026-01",
		"2025-11": "2025-11", "2025/3": "2025-03", "2025.03": "2025-03", "2025年3月": "2025-03", "２０２５－１１": "2025-11",
	} {
		got, err := parseMonth(word, now, loc)
		if err != nil || got.Format("2006-01") != want || got.Location() != loc || got.Day() != 1 || got.Hour() != 0 {
			t.Errorf("%q: %v %v, want %s", word, got, err, want)
		}
	}
	for _, word := range []string{"2026-02", "2025-00", "2025-13", "25-11", "abc", "2025-11-01"} {
		if _, err := parseMonth(word, now, loc); qunsu.ErrorCode(err) != qunsu.EINVALID {
			t.Errorf("%q: %v, want a refusal", word, err)
		}
	}
}

// A report made long after its month still counts a complaint that was open
// in it and has been closed and dissolved since: its deadlines in the month,
// and the penalty of its upgrade then.
func TestMonthlyCountsWhatClosedLater(t *testing.T) {
	r := newLimitRig(t)
	r.e.Monthly = monthly.Writer{}
	for _, st := range []struct{ at, say string }{
		{"2026-10-25 09:00", "上报 项目=云栖苑 户数=25 类别=工程 描述=外墙渗水"},
		{"2026-11-15 09:00", "更新 QS-20261025-001 行为=拉横幅"},
		{"2026-12-10 09:00", "结案 QS-20261025-001 外墙已修复 原因=打胶工艺不达标 措施=外墙淋水试验"},
		{"2026-12-11 09:00", "完成 QS-20261025-001 案例总结"},
	} {
		r.at(st.at)
		for _, m := range r.replies(st.say) {
			if strings.HasPrefix(m.Text, "⚠️") {
				t.Fatalf("%s: %s", st.say, m.Text)
			}
		}
	}
	if c := r.complaints()[0]; c.Status != qunsu.StatusDissolved || c.Grade != "major" {
		t.Fatalf("the complaint is %s, %s: want dissolved, major", c.Status, c.Grade)
	}
	r.at("2027-01-05 09:00")
	_, book, records := monthlyFiles(t, r.replies("月报 2026-11"))
	penalties, _ := book.GetRows("处罚")
	if len(penalties) != 3 || penalties[1][0] != "QS-20261025-001" || penalties[1][3] != "2026-11-15 09:00" {
		t.Errorf("处罚: %v, want the upgrade of November 15th", penalties)
	}
	summary := sheetSummary(book)
	if summary["当月到期任务"] == "0" || summary["新增投诉"] != "0" || summary["结案"] != "0" {
		t.Errorf("汇总: %v, want November's deadlines counted, nothing reported or closed", summary)
	}
	if len(records) != 1 {
		t.Errorf("the list holds what was reported or closed in November, nothing: %v", records)
	}
}

// sheetSummary reads the 汇总 sheet as label → value.
func sheetSummary(book *excelize.File) map[string]string {
	out := map[string]string{}
	rows, _ := book.GetRows("汇总")
	for _, row := range rows[1:] {
		out[row[0]] = ""
		if len(row) > 1 {
			out[row[0]] = row[1]
		}
	}
	return out
}
