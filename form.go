package qunsu

import "strings"

// FieldKind is the kind of answer a form field takes.
type FieldKind string

const (
	FieldText     FieldKind = "text"      // one line
	FieldLongText FieldKind = "long_text" // several lines
	FieldNumber   FieldKind = "number"    // a whole number
	FieldChoice   FieldKind = "choice"    // one of Options
	FieldChoices  FieldKind = "choices"   // any of Options
	FieldTime     FieldKind = "time"      // a date and time, answered as "2006-01-02 15:04"
)

// Option is one choice of a field: Label is shown, Value is typed.
type Option struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Field is one question of a form.
type Field struct {
	// Key is the command's key the answer goes to ("项目" → 项目=…); empty puts
	// the answer after the command as words.
	Key      string    `json:"key,omitempty"`
	Label    string    `json:"label"`
	Kind     FieldKind `json:"kind"`
	Options  []Option  `json:"options,omitempty"`
	Optional bool      `json:"optional,omitempty"`
	Hint     string    `json:"hint,omitempty"`
}

// Form asks, on platforms that can show one (Slack's modals), for what a
// command needs; the answers are written after Command as the user would have
// typed them, and the engine parses and checks that line like any other.
type Form struct {
	Title   string  `json:"title"`
	Submit  string  `json:"submit"`
	Command string  `json:"command"`
	Fields  []Field `json:"fields"`
}

// Line writes the command a form's answers stand for; answers[i] holds the
// values given for Fields[i] (several for FieldChoices). Empty answers are left
// out; line breaks become spaces, since a command is one line.
func (f Form) Line(answers [][]string) string {
	parts := []string{f.Command}
	for i, field := range f.Fields {
		if i >= len(answers) {
			break
		}
		var vals []string
		for _, v := range answers[i] {
			if v = strings.Join(strings.Fields(v), " "); v != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			continue
		}
		value := strings.Join(vals, ",")
		if field.Key != "" {
			value = field.Key + "=" + value
		}
		parts = append(parts, value)
	}
	return strings.Join(parts, " ")
}
