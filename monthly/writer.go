package monthly

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"qunsu"
	"qunsu/render"
)

// Writer writes a monthly report as an XLSX workbook (summary, counts by
// category, grade and project, cases, penalties, complaints) and a CSV of the
// complaints, in the tenant's language.
type Writer struct{}

var _ qunsu.MonthlyWriter = Writer{}

// MonthlyFiles returns the workbook, then the CSV.
func (Writer) MonthlyFiles(m *qunsu.MonthlyReport, s *qunsu.Settings) ([]qunsu.File, error) {
	ts := tables(m, s)
	book, err := XLSX(ts)
	if err != nil {
		return nil, fmt.Errorf("monthly: workbook: %w", err)
	}
	list, err := CSV(ts[len(ts)-1])
	if err != nil {
		return nil, fmt.Errorf("monthly: csv: %w", err)
	}
	lang, month := s.Lang, m.Month()
	return []qunsu.File{
		{Name: render.T(lang, "monthly.file.xlsx", month), Type: qunsu.TypeXLSX,
			Title: render.T(lang, "monthly.file.title", s.Name, month), Data: book},
		{Name: render.T(lang, "monthly.file.csv", month), Type: qunsu.TypeCSV,
			Title: render.T(lang, "monthly.file.csv_title", s.Name, month), Data: list},
	}, nil
}

// XLSX writes each table on a sheet of its own: a bold header row that stays
// in view, the rows, and a bold totals row.
func XLSX(ts []table) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	for i, t := range ts {
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), t.sheet)
		} else {
			_, err = f.NewSheet(t.sheet)
		}
		if err == nil {
			err = writeSheet(f, st, t)
		}
		if err != nil {
			return nil, fmt.Errorf("sheet %s: %w", t.sheet, err)
		}
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// styles are the cell styles of the workbook.
type styles struct {
	header, total, text, wrap, hours, percent int
}

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	oneDecimal, pct := "0.0", "0.0%"
	defs := []struct {
		id    *int
		style excelize.Style
	}{
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}},
		{&st.total, excelize.Style{Font: &excelize.Font{Bold: true},
			Border: []excelize.Border{{Type: "top", Color: "000000", Style: 1}}}},
		{&st.text, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.wrap, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.hours, excelize.Style{CustomNumFmt: &oneDecimal, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.percent, excelize.Style{CustomNumFmt: &pct, Alignment: &excelize.Alignment{Vertical: "top"}}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(&d.style)
		if err != nil {
			return st, err
		}
		*d.id = id
	}
	return st, nil
}

func writeSheet(f *excelize.File, st styles, t table) error {
	sheet := t.sheet
	header := make([]any, len(t.header))
	for i, h := range t.header {
		header[i] = h
	}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(t.header))
	if err := f.SetCellStyle(sheet, "A1", last+"1", st.header); err != nil {
		return err
	}
	row := 2
	for _, r := range t.rows {
		if err := writeRow(f, st, sheet, row, r, t.wrap); err != nil {
			return err
		}
		row++
	}
	if t.total != nil {
		if err := writeRow(f, st, sheet, row, t.total, false); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, "A"+strconv.Itoa(row), last+strconv.Itoa(row), st.total); err != nil {
			return err
		}
	}
	for i, w := range t.widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// writeRow writes cells as typed values: numbers stay numbers, so the sheet
// adds them up; text is always text, never a formula.
func writeRow(f *excelize.File, st styles, sheet string, row int, cells []any, wrap bool) error {
	for i, v := range cells {
		cell, err := excelize.CoordinatesToCellName(i+1, row)
		if err != nil {
			return err
		}
		style := st.text
		switch x := v.(type) {
		case hours:
			err, style = f.SetCellFloat(sheet, cell, float64(x), -1, 64), st.hours
		case percent:
			err, style = f.SetCellFloat(sheet, cell, float64(x), -1, 64), st.percent
		case int:
			err = f.SetCellInt(sheet, cell, int64(x))
		case string:
			err = f.SetCellStr(sheet, cell, x)
			if wrap {
				style = st.wrap
			}
		default:
			err = fmt.Errorf("cell %s: unexpected %T", cell, v)
		}
		if err == nil {
			err = f.SetCellStyle(sheet, cell, cell, style)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// bom starts a UTF-8 CSV so that Excel reads its Chinese as UTF-8.
const bom = "\ufeff"

// CSV writes a table's header and rows (no totals row: each line is one
// record), UTF-8 with a byte-order mark.
func CSV(t table) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(bom)
	w := csv.NewWriter(&b)
	w.UseCRLF = true // what Excel writes and expects
	_ = w.Write(t.header)
	for _, r := range t.rows {
		line := make([]string, len(r))
		for i, v := range r {
			line[i] = csvCell(v)
		}
		_ = w.Write(line)
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// csvCell formats a cell; typed text that a spreadsheet would take for a
// formula is quoted with a leading apostrophe.
func csvCell(v any) string {
	switch x := v.(type) {
	case hours:
		return strconv.FormatFloat(float64(x), 'f', 1, 64)
	case percent:
		return strconv.FormatFloat(float64(x)*100, 'f', 1, 64) + "%"
	case int:
		return strconv.Itoa(x)
	case string:
		if x != "" && strings.ContainsRune("=+-@\t\r", rune(x[0])) {
			return "'" + x
		}
		return x
	}
	return fmt.Sprint(v)
}
