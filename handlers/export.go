package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"time"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"导出", "export"}, HelpKey: "help.export", Order: 82, Run: runExport})
}

// runExport sends a complaint's full history — the complaint as stored and
// every event with who, when, through which platform and what — as JSON or
// CSV, by direct message to someone allowed to see personal data.
func runExport(ctx context.Context, r *Request) error {
	id, rest, err := r.complaintArg()
	if err != nil {
		return err
	}
	format := "json"
	if len(rest) > 0 {
		format = strings.ToLower(rest[0])
	}
	if len(rest) > 1 || (format != "json" && format != "csv") {
		return qunsu.Errorf(qunsu.EINVALID, "err.export_usage", r.Word, id)
	}
	c, err := r.E.Store.Complaint(ctx, r.S.Tenant, id)
	if err != nil {
		return err
	}
	if err := r.require(qunsu.PermPersonalData, c); err != nil {
		return err
	}
	events, err := r.E.Store.Timeline(ctx, r.S.Tenant, c.ID)
	if err != nil {
		return err
	}
	var body []byte
	if format == "csv" {
		body, err = ExportCSV(events, &r.S.Directory, r.S.Location)
	} else {
		body, err = ExportJSON(c, events)
	}
	if err != nil {
		return err
	}
	title := r.T("export.title", c.ID, strings.ToUpper(format), Name(r, r.Speaker.ID), render.Time(r.Now, r.S.Location, r.Now))
	r.answer(c, title+"\n"+string(body), true)
	return nil
}

// ExportJSON is a complaint with its whole timeline, indented.
func ExportJSON(c *qunsu.Complaint, events []qunsu.Event) ([]byte, error) {
	if events == nil {
		events = []qunsu.Event{}
	}
	return json.MarshalIndent(struct {
		Complaint *qunsu.Complaint `json:"complaint"`
		Timeline  []qunsu.Event    `json:"timeline"`
	}{c, events}, "", "  ")
}

// ExportCSV is a complaint's timeline, one event per row, times in loc.
func ExportCSV(events []qunsu.Event, dir *qunsu.Directory, loc *time.Location) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"at", "by", "name", "platform", "kind", "detail"})
	for _, e := range events {
		_ = w.Write([]string{e.At.In(loc).Format(time.RFC3339), e.By, render.Name(e.By, dir), e.Platform, e.Kind, cell(e.Detail)})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// cell keeps typed text from being taken for a formula by a spreadsheet.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
