package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"qunsu"
	"qunsu/render"
)

// cardMessage is a complaint's card for its team chat, as text and in blocks,
// with buttons for what can be done now. lead, if set, is a line above the
// card in this post only (platforms that edit the card drop it).
func cardMessage(c *qunsu.Complaint, s *qunsu.Settings, now time.Time, lead string) qunsu.Message {
	_, vacant := qunsu.TeamFor(c, s)
	o := render.CardOptions{Mention: true, Vacant: vacant}
	blocks := render.CardBlocks(c, s, s.Lang, now, o)
	text := render.BlocksText(blocks)
	if lead != "" {
		text = lead + "\n" + text
		blocks = append([]qunsu.Block{{Kind: qunsu.BlockText, Text: lead}}, blocks...)
	}
	m := teamMessage(c, s, text)
	m.Blocks, m.Buttons, m.Card = blocks, cardButtons(c, s, now), c.ID
	m.Version = c.Version + 1 // the version this change stores
	return m
}

// cardSum is a digest of what a card shows and whom it is for: two cards
// with the same sum look the same. The blocks count by kind and text (the
// card's text is theirs joined), and the buttons as JSON (few and small).
func cardSum(m qunsu.Message) string {
	h := sha256.New()
	for _, part := range append([]string{m.Title, m.Owner, string(m.Chat.Kind), m.Chat.Complaint, m.Chat.Name}, m.Members...) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	for _, b := range m.Blocks {
		h.Write([]byte(string(b.Kind) + "\x00" + b.Text + "\x00"))
	}
	buttons, err := json.Marshal(m.Buttons)
	if err != nil {
		return "" // never equal to a sum: the card is written
	}
	h.Write(buttons)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// cardButtons are the commands a card offers: acknowledge, complete a task,
// log a meeting and close while open; complete a task and reopen in aftercare.
func cardButtons(c *qunsu.Complaint, s *qunsu.Settings, now time.Time) []qunsu.Button {
	lang := s.Lang
	word := func(zh, en string) string {
		if lang == qunsu.LangEN {
			return en
		}
		return zh
	}
	cmd := func(zh, en string) string { return word(zh, en) + " " + c.ID }
	ask := func(label, title string, kind qunsu.FieldKind, optional bool) *qunsu.Form {
		return &qunsu.Form{Title: render.T(lang, title), Submit: render.T(lang, "form.submit"),
			Fields: []qunsu.Field{{Label: render.T(lang, label), Kind: kind, Optional: optional}}}
	}
	withCommand := func(f *qunsu.Form, command string) *qunsu.Form { f.Command = command; return f }

	var out []qunsu.Button
	done := func() {
		var options []qunsu.Option
		for i := range c.Tasks {
			if t := &c.Tasks[i]; !t.Done() && c.Live(t) && t.ByPeople() {
				options = append(options, qunsu.Option{Label: t.Name.In(lang) + " · " + render.Time(t.Due, s.Location, now), Value: t.Key})
			}
		}
		if len(options) == 0 {
			return
		}
		f := ask("form.done.task", "button.done", qunsu.FieldChoice, false)
		f.Fields[0].Options = options
		out = append(out, qunsu.Button{Label: render.T(lang, "button.done"), Form: withCommand(f, cmd("完成", "done"))})
	}
	switch c.Status {
	case qunsu.StatusOpen:
		out = append(out, qunsu.Button{Label: render.T(lang, "button.ack"), Command: cmd("收到", "ack"), Style: "primary"})
		done()
		out = append(out,
			qunsu.Button{Label: render.T(lang, "button.meeting"),
				Form: withCommand(ask("form.meeting.notes", "button.meeting", qunsu.FieldLongText, true), cmd("开会", "meeting"))},
			qunsu.Button{Label: render.T(lang, "button.close"), Style: "danger",
				Form: withCommand(ask("form.close.note", "button.close", qunsu.FieldLongText, false), cmd("结案", "close"))})
	case qunsu.StatusAftercare:
		done()
		out = append(out, qunsu.Button{Label: render.T(lang, "button.reopen"),
			Form: withCommand(ask("form.reopen.reason", "button.reopen", qunsu.FieldLongText, false), cmd("重开", "reopen"))})
	}
	return out
}

// ReportForm is the report command as a form, for people who would rather not
// type key=value: platforms that can show forms offer it.
func ReportForm(lang qunsu.Lang) qunsu.Form {
	T := func(key string) string { return render.T(lang, key) }
	en := lang == qunsu.LangEN
	key := func(zh, english string) string {
		if en {
			return english
		}
		return zh
	}
	var actions, categories []qunsu.Option
	for _, a := range qunsu.Actions {
		actions = append(actions, qunsu.Option{Label: a.Name.In(lang), Value: string(a.Key)})
	}
	for _, c := range qunsu.Categories {
		categories = append(categories, qunsu.Option{Label: c.Name.In(lang), Value: c.Key})
	}
	return qunsu.Form{Title: T("form.report.title"), Submit: T("form.submit"), Command: key("上报", "report"),
		Fields: []qunsu.Field{
			{Key: key("项目", "project"), Label: T("form.report.project"), Kind: qunsu.FieldText},
			{Key: key("户数", "households"), Label: T("form.report.households"), Kind: qunsu.FieldNumber},
			{Key: key("行为", "actions"), Label: T("form.report.actions"), Kind: qunsu.FieldChoices, Options: actions, Optional: true},
			{Key: key("类别", "category"), Label: T("form.report.category"), Kind: qunsu.FieldChoice, Options: categories, Optional: true},
			{Key: key("发生", "occurred"), Label: T("form.report.occurred"), Kind: qunsu.FieldTime, Optional: true, Hint: T("form.report.occurred_hint")},
			{Key: key("描述", "summary"), Label: T("form.report.summary"), Kind: qunsu.FieldLongText, Optional: true},
		}}
}
