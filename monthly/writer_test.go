package monthly_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"qunsu"
	"qunsu/config"
	"qunsu/monthly"
)

func settings(t *testing.T, lang qunsu.Lang) *qunsu.Settings {
	t.Helper()
	s, err := config.Default().Tenants[0].Settings()
	if err != nil {
		t.Fatal(err)
	}
	s.Lang = lang
	return &s
}

// report is November 2026 with two closed group cases (one written up, one
// upgraded and penalised), an open ordinary complaint and an open crisis.
func report(t *testing.T, s *qunsu.Settings) qunsu.MonthlyReport {
	at := func(v string) time.Time {
		x, err := time.ParseInLocation("2006-01-02 15:04", v, s.Location)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	mk := func(id, project, category string, grade qunsu.Grade, households int, reported, closed string) *qunsu.Complaint {
		c := &qunsu.Complaint{ID: id, Grade: grade, Status: qunsu.StatusOpen, ReportedAt: at(reported),
			Report: qunsu.Report{Project: project, Category: category, Households: households, OccurredAt: at(reported).Add(-time.Hour)}}
		if closed != "" {
			c.Status, c.ClosedAt, c.CloseNote = qunsu.StatusAftercare, at(closed), "已按方案完成整改，业主签字确认"
		}
		return c
	}
	a := mk("QS-20261103-001", "翡翠湾", "delivery", "general", 12, "2026-11-03 09:00", "2026-11-05 09:00")
	a.Summary = "延期交付，联系人 13812345678"
	a.Tasks = []qunsu.Task{{Key: "hq_report", Due: at("2026-11-03 12:00"), DoneAt: at("2026-11-03 13:00")}}
	b := mk("QS-20261020-001", "云栖苑", "engineering", "major", 35, "2026-10-20 09:00", "2026-11-10 09:30")
	b.Actions = []qunsu.Action{qunsu.ActionBanner}
	b.Changes = []qunsu.GradeChange{{At: at("2026-11-02 15:00"), From: "general", To: "major", By: "zhangwei"}}
	b.Meetings = []qunsu.Meeting{{At: at("2026-10-21 10:00")}, {At: at("2026-11-03 10:00")}}
	b.Cause, b.Prevention = "=HYPERLINK(\"http://x\")地下室防水施工不规范", "防水工序增加第三方验收"
	b.Tasks = []qunsu.Task{{Key: "case_writeup", Due: at("2026-11-17 09:30"), Trigger: qunsu.OnClose, DoneAt: at("2026-11-16 09:00")}}
	c := mk("QS-20261115-001", "翡翠湾", "property", "ordinary", 2, "2026-11-15 09:00", "")
	e := mk("QS-20261120-001", "云栖苑", "delivery", "crisis", 60, "2026-11-20 09:00", "")
	return qunsu.BuildMonthly([]*qunsu.Complaint{a, b, c, e}, at("2026-11-01 00:00"), at("2026-12-01 00:00"), at("2026-12-03 10:00"), s)
}

func files(t *testing.T, m *qunsu.MonthlyReport, s *qunsu.Settings) (*excelize.File, qunsu.File, qunsu.File) {
	t.Helper()
	fs, err := monthly.Writer{}.MonthlyFiles(m, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("%d files, want the workbook and the CSV", len(fs))
	}
	book, err := excelize.OpenReader(bytes.NewReader(fs[0].Data))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	t.Cleanup(func() { book.Close() })
	return book, fs[0], fs[1]
}

func rows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rs, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// sum adds up column col of the rows between the header and the totals row.
func sum(t *testing.T, rs [][]string, col int) int {
	t.Helper()
	total := 0
	for _, r := range rs[1 : len(rs)-1] {
		n, err := strconv.Atoi(r[col])
		if err != nil {
			t.Fatalf("row %v, column %d: not a whole number", r, col)
		}
		total += n
	}
	return total
}

// The workbook opens, has its sheets in the tenant's language, and its
// counts and totals are the report's.
func TestWorkbookSheetsAndTotals(t *testing.T) {
	s := settings(t, qunsu.LangZH)
	m := report(t, s)
	book, xlsx, list := files(t, &m, s)
	if xlsx.Name != "月报-2026-11.xlsx" || xlsx.Type != qunsu.TypeXLSX || !strings.Contains(xlsx.Title, "2026-11") {
		t.Errorf("workbook file %q %q %q", xlsx.Name, xlsx.Type, xlsx.Title)
	}
	if list.Name != "月报-2026-11.csv" || list.Type != qunsu.TypeCSV {
		t.Errorf("csv file %q %q", list.Name, list.Type)
	}
	want := []string{"汇总", "分类", "等级", "项目", "案例", "处罚", "明细"}
	if got := book.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}

	for _, sheet := range []struct {
		name, first string
		tallies     []qunsu.Tally
	}{{"分类", "类别", m.ByCategory}, {"等级", "等级", m.ByGrade}, {"项目", "项目", m.ByProject}} {
		rs := rows(t, book, sheet.name)
		if !slices.Equal(rs[0], []string{sheet.first, "新增", "其中群诉", "结案"}) {
			t.Errorf("%s header %v", sheet.name, rs[0])
		}
		if len(rs) != len(sheet.tallies)+2 {
			t.Fatalf("%s: %d rows, want header, %d tallies, totals", sheet.name, len(rs), len(sheet.tallies))
		}
		total := rs[len(rs)-1]
		groups := 0
		for _, c := range m.Reported {
			if s.Policy.IsGroup(c.Grade) {
				groups++
			}
		}
		wantTotal := []string{"合计", fmt.Sprint(len(m.Reported)), fmt.Sprint(groups), fmt.Sprint(len(m.Closed))}
		if !slices.Equal(total, wantTotal) {
			t.Errorf("%s totals %v, want %v", sheet.name, total, wantTotal)
		}
		for col := 1; col <= 3; col++ {
			if got, _ := strconv.Atoi(total[col]); sum(t, rs, col) != got {
				t.Errorf("%s column %d adds up to %d, totals say %s", sheet.name, col, sum(t, rs, col), total[col])
			}
		}
		if typ, _ := book.GetCellType(sheet.name, "B2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s counts are stored as %v, not numbers", sheet.name, typ)
		}
	}
	if rs := rows(t, book, "等级"); rs[1][0] != "普通客诉" || rs[len(rs)-2][0] != "危机群诉" {
		t.Errorf("grades by name, lowest first: %v", rs)
	}

	summary := map[string]string{}
	for _, r := range rows(t, book, "汇总")[1:] {
		summary[r[0]] = r[1]
	}
	for label, want := range map[string]string{
		"公司": s.Name, "月份": "2026-11", "新增投诉": "3", "其中群诉": "2", "结案": "2",
		"处理时长中位数（小时）": "276.3", "处理时长最长（小时）": "504.5", "处理最久": "QS-20261020-001 云栖苑",
		"当月到期任务": "2", "按时完成": "1", "逾期完成": "1", "逾期未完成": "0", "逾期率": "0.5",
		"结案群诉案例": "2", "其中未填写原因/预防措施": "1", "通报处罚": "2",
	} {
		if summary[label] != want {
			t.Errorf("汇总 %s = %q, want %q", label, summary[label], want)
		}
	}
	if style, _ := book.GetCellStyle("汇总", "B16"); style == 0 {
		t.Errorf("the overdue rate has no percentage format")
	}

	cases := rows(t, book, "案例")
	if !slices.Equal(cases[0], []string{"编号", "项目", "类别", "等级", "户数", "上报时间", "结案时间", "处理时长（小时）", "始末", "原因", "预防措施"}) {
		t.Errorf("案例 header %v", cases[0])
	}
	if len(cases) != 4 || cases[1][0] != "QS-20261103-001" || cases[2][0] != "QS-20261020-001" || cases[3][1] != "2" {
		t.Fatalf("案例: %v", cases)
	}
	if cases[1][9] != "未填写" || cases[1][10] != "未填写" {
		t.Errorf("a case without write-up: %v", cases[1])
	}
	story := cases[2][8]
	for _, part := range []string{"10-20 09:00 上报，定为一般群诉", "11-02 15:00 升级为重大群诉", "召开专题会 2 次", "最终规模 35户、拉横幅", "11-10 09:30 结案：已按方案完成整改"} {
		if !strings.Contains(story, part) {
			t.Errorf("始末 lacks %q: %s", part, story)
		}
	}
	if strings.Contains(rows(t, book, "案例")[1][8], "13812345678") {
		t.Errorf("a phone number in the file: %s", cases[1][8])
	}
	if formula, _ := book.GetCellFormula("案例", "J3"); formula != "" || !strings.HasPrefix(cases[2][9], "=HYPERLINK") {
		t.Errorf("typed text became a formula %q: %q", formula, cases[2][9])
	}

	penalties := rows(t, book, "处罚")
	if len(penalties) != 4 || penalties[1][0] != "QS-20261020-001" || penalties[2][0] != "QS-20261120-001" || penalties[3][1] != "2" {
		t.Fatalf("处罚: %v", penalties)
	}
	if p := penalties[1]; p[3] != "2026-11-02 15:00" || p[4] != "邮件通报批评" || !strings.Contains(p[5], "客关分管领导（李强）") ||
		!strings.Contains(p[5], "项目总经理（陈静）") {
		t.Errorf("penalty of the upgrade: %v", p)
	}

	list2 := rows(t, book, "明细")
	if len(list2) != len(m.Complaints)+2 {
		t.Fatalf("明细: %d rows for %d complaints", len(list2), len(m.Complaints))
	}
	total := list2[len(list2)-1]
	if total[5] != "109" || total[11] != fmt.Sprint(len(m.Reported)) || total[12] != fmt.Sprint(len(m.Closed)) ||
		sum(t, list2, 5) != 109 || sum(t, list2, 11) != len(m.Reported) || sum(t, list2, 12) != len(m.Closed) {
		t.Errorf("明细 totals %v", total)
	}
}

// The CSV is the workbook's list of complaints, UTF-8 with a byte-order mark,
// one record per complaint, typed formulas defused.
func TestCSVIsTheComplaintList(t *testing.T) {
	s := settings(t, qunsu.LangZH)
	m := report(t, s)
	book, _, list := files(t, &m, s)
	body, ok := bytes.CutPrefix(list.Data, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("no UTF-8 byte-order mark: % x", list.Data[:min(8, len(list.Data))])
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := book.GetRows("明细")
	if err != nil {
		t.Fatal(err)
	}
	sheet = sheet[:len(sheet)-1] // the CSV has no totals row
	if len(records) != len(m.Complaints)+1 || len(records) != len(sheet) {
		t.Fatalf("%d records, %d rows, for %d complaints", len(records), len(sheet), len(m.Complaints))
	}
	for i := range records {
		for j := range records[i] {
			want := ""
			if j < len(sheet[i]) {
				want = sheet[i][j]
			}
			if got := strings.TrimPrefix(records[i][j], "'"); got != want {
				t.Errorf("record %d column %d: csv %q, sheet %q", i, j, records[i][j], want)
			}
		}
	}
	for i, c := range m.Complaints {
		if records[i+1][0] != c.ID {
			t.Errorf("record %d is %s, want %s", i+1, records[i+1][0], c.ID)
		}
	}
	if b := records[1]; b[0] != "QS-20261020-001" || !strings.HasPrefix(b[13], "'=HYPERLINK") {
		t.Errorf("a cause typed as a formula is not defused: %q", b[13])
	}
}

// An English tenant gets English sheets, headers and file names.
func TestWorkbookInEnglish(t *testing.T) {
	s := settings(t, qunsu.LangEN)
	m := report(t, s)
	book, xlsx, list := files(t, &m, s)
	if xlsx.Name != "monthly-2026-11.xlsx" || list.Name != "monthly-2026-11.csv" {
		t.Errorf("file names %s, %s", xlsx.Name, list.Name)
	}
	want := []string{"Summary", "Categories", "Grades", "Projects", "Cases", "Penalties", "Complaints"}
	if got := book.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	if rs := rows(t, book, "Grades"); !slices.Equal(rs[0], []string{"Grade", "Reported", "Group complaints", "Closed"}) ||
		rs[len(rs)-1][0] != "Total" {
		t.Errorf("Grades: %v", rs)
	}
}

// A month with nothing in it still makes both files, with zero totals.
func TestEmptyMonth(t *testing.T) {
	s := settings(t, qunsu.LangZH)
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, s.Location)
	m := qunsu.BuildMonthly(nil, from, from.AddDate(0, 1, 0), from.AddDate(0, 2, 0), s)
	book, _, list := files(t, &m, s)
	rs := rows(t, book, "项目")
	if len(rs) != 2 || !slices.Equal(rs[1], []string{"合计", "0", "0", "0"}) {
		t.Errorf("项目 of an empty month: %v", rs)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(list.Data, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil || len(records) != 1 {
		t.Errorf("csv of an empty month: %v %v", records, err)
	}
}
