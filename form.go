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
// command needs. Answers to keyed fields reach the engine as they are
// (Inbound.Fields): a description may hold anything, even "户数：80". Answers to
// fields without a key are words after the command. The engine checks both
// like anything typed.
type Form struct {
	Title   string  `json:"title"`
	Submit  string  `json:"submit"`
	Command string  `json:"command"`
	Fields  []Field `json:"fields"`
}

// Answer turns a form's answers into a command: answers[i] holds the values
// given for Fields[i] (several for FieldChoices). line is the command as it
// would be typed (for the record); fields holds the keyed answers. Empty
// answers are left out; line breaks become spaces.
func (f Form) Answer(answers [][]string) (line string, fields map[string]string) {
	parts, typed := []string{f.Command}, []string{f.Command}
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
		if field.Key == "" {
			parts, typed = append(parts, value), append(typed, value)
			continue
		}
		if fields == nil {
			fields = map[string]string{}
		}
		fields[field.Key] = value
		typed = append(typed, field.Key+"="+value)
	}
	return strings.Join(typed, " "), fields
}
