package handlers

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"qunsu"
)

// Limits on what a user may type; input beyond them is refused with a message
// saying what to type instead, not truncated, and nothing is written.
const (
	MaxLineRunes    = 2000              // a whole command line
	MaxWords        = 300               // words in a command line
	MaxSummaryRunes = 1000              // a description, a note, a reason
	MaxProjectRunes = 50                // a project's name (it names the team chat)
	MaxHouseholds   = 100000            // households in a complaint
	MaxPeople       = 1000000           // people in a complaint
	MaxAmount       = 1_000_000_000_000 // yuan at stake
	MaxAgeDays      = 366               // how long before the report it may have happened
)

// fields maps every key a user may type (Chinese or English) to its field.
var fields = map[string]string{
	"项目": "project", "project": "project",
	"户数": "households", "households": "households", "户": "households",
	"人数": "people", "people": "people",
	"金额": "amount", "amount": "amount",
	"行为": "actions", "actions": "actions", "action": "actions",
	"类别": "category", "category": "category", "类型": "category",
	"描述": "summary", "summary": "summary", "说明": "summary",
	"发生": "occurred", "occurred": "occurred", "发生时间": "occurred", "t0": "occurred",
	"原因": "reason", "reason": "reason",
	"等级": "grade", "grade": "grade",
}

// fieldHelp lists the keys for error messages.
const fieldHelp = "项目/project 户数/households 人数/people 金额/amount 行为/actions 类别/category 描述/summary 发生/occurred 复杂/complex 维修/repair"

// args is a command's arguments: key=value pairs and the remaining free words.
type args struct {
	kv   map[string]string // field -> value
	free []string
}

// reason is the reason= field followed by the free words given (what is
// left of them once the command's own are taken), checked for length.
func (a args) reason(free []string) (string, error) {
	reason := strings.TrimSpace(a.kv["reason"] + " " + strings.Join(free, " "))
	return reason, checkField("原因/reason", reason, MaxSummaryRunes)
}

var timeOfDay = regexp.MustCompile(`^\d{1,2}:\d{2}$`)

// splitWords splits on ASCII and full-width spaces.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\u3000' })
}

// parseArgs reads key=value pairs (also key＝value and key：value) and free words.
// A value runs to the next key, so descriptions may contain spaces.
func parseArgs(words []string) (args, error) {
	a := args{kv: map[string]string{}}
	if err := checkWords(words); err != nil {
		return a, err
	}
	last := ""
	for _, w := range words {
		key, val, ok := cutKey(w)
		if !ok {
			switch {
			case last == "occurred" && timeOfDay.MatchString(w):
				a.kv[last] += " " + w
			case last == "summary" || last == "reason":
				a.kv[last] += " " + w
			default:
				a.free = append(a.free, w)
				last = ""
			}
			continue
		}
		field, known := fields[strings.ToLower(key)]
		if !known {
			return a, qunsu.Errorf(qunsu.EINVALID, "err.unknown_key", key, fieldHelp)
		}
		a.kv[field], last = val, field
	}
	return a, nil
}

// cutKey splits "key=value"; a colon counts only after a known key, so that
// times like 08:30 stay whole.
func cutKey(w string) (key, val string, ok bool) {
	for _, sep := range []string{"=", "＝"} {
		if k, v, found := strings.Cut(w, sep); found && k != "" {
			return k, v, true
		}
	}
	for _, sep := range []string{"：", ":"} {
		if k, v, found := strings.Cut(w, sep); found {
			if _, known := fields[strings.ToLower(k)]; known {
				return k, v, true
			}
		}
	}
	return "", "", false
}

// halfWidth turns full-width digits, point, plus and minus (what a Chinese
// input method types) into ASCII ones.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '．':
			return '.'
		case r == '＋':
			return '+'
		case r == '－':
			return '-'
		}
		return r
	}, s)
}

// positive parses a whole number in [1, max]; name is the key as the user
// may type it, Chinese/English ("户数/households"): the messages show the
// key of the speaker's language in their example.
func positive(name, s string, max int) (int, error) {
	zhKey, enKey, _ := strings.Cut(name, "/")
	v := strings.TrimSpace(halfWidth(s))
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(v, "户"), "人"))
	digits := strings.TrimPrefix(v, "+")
	if digits == "" || strings.Trim(digits, "0123456789") != "" || strings.Trim(digits, "0") == "" {
		return 0, qunsu.Errorf(qunsu.EINVALID, "err.not_whole_number", name, s, zhKey, enKey)
	}
	// All digits: more than an int holds is out of range, not malformed.
	n, err := strconv.Atoi(digits)
	if err != nil || n > max {
		return 0, qunsu.Errorf(qunsu.EINVALID, "err.out_of_range", name, digits, 1, max, zhKey+"=35", enKey+"=35")
	}
	return n, nil
}

// amount parses whole yuan: 5000, 5000元, 1万, 1.5万元.
func amount(s string) (int, error) {
	v := strings.TrimSuffix(strings.TrimSpace(halfWidth(s)), "元")
	mult := 1.0
	if x, ok := strings.CutSuffix(v, "万"); ok {
		v, mult = x, 10000
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f*mult < 1 {
		return 0, qunsu.Errorf(qunsu.EINVALID, "err.bad_amount", s)
	}
	if f*mult > MaxAmount {
		return 0, qunsu.Errorf(qunsu.EINVALID, "err.out_of_range", "金额/amount", s, 1, MaxAmount, "金额=5000", "amount=5000")
	}
	return int(f * mult), nil
}

// listWords splits a list value on commas, enumeration commas and slashes.
func listWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",，、/;；", r) })
}

// actionsOf parses an action list; a leading + on a word (or on the list) means
// "in addition", which is what updates do anyway.
func actionsOf(s string) ([]qunsu.Action, error) {
	var out []qunsu.Action
	for _, w := range listWords(s) {
		w = strings.TrimPrefix(strings.TrimSpace(w), "+")
		if w == "" {
			continue
		}
		info, ok := qunsu.LookupAction(w)
		if !ok {
			return nil, qunsu.Errorf(qunsu.EINVALID, "err.unknown_action", w, actionHelp())
		}
		if !qunsu.HasAction(out, info.Key) {
			out = append(out, info.Key)
		}
	}
	return out, nil
}

func actionHelp() string {
	var names []string
	for _, a := range qunsu.Actions {
		names = append(names, a.Name.In(qunsu.LangZH)+"/"+string(a.Key))
	}
	return strings.Join(names, " ")
}

func categoryHelp() string {
	var names []string
	for _, c := range qunsu.Categories {
		names = append(names, c.Name.In(qunsu.LangZH)+"/"+c.Key)
	}
	return strings.Join(names, " ")
}

func roleHelp() string {
	var names []string
	for _, r := range qunsu.Roles {
		names = append(names, r.Name.In(qunsu.LangZH)+"/"+string(r.Key))
	}
	return strings.Join(names, " ")
}

func categoryOf(s string) (string, error) {
	c, ok := qunsu.LookupCategory(s)
	if !ok {
		return "", qunsu.Errorf(qunsu.EINVALID, "err.unknown_category", s, categoryHelp())
	}
	return c.Key, nil
}

// timeLayouts are the forms a user may write a time in, most complete first.
var timeLayouts = []struct {
	layout  string
	hasDate bool
	hasYear bool
}{
	{"2006-01-02 15:04", true, true}, {"2006-01-02T15:04", true, true}, {"2006/01/02 15:04", true, true},
	{"2006-01-02", true, true}, {"01-02 15:04", true, false}, {"1月2日 15:04", true, false}, {"15:04", false, false},
}

// side says where a time a user writes is expected to fall: what happened is
// before now, what is due after it.
type side int

const (
	happened side = iota
	due
)

// parseTime reads a user's time in loc; a missing date means today, a missing
// year is placed by yearFor.
func parseTime(s string, now time.Time, loc *time.Location, expected side) (time.Time, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "：", ":"))
	local := now.In(loc)
	for _, l := range timeLayouts {
		t, err := time.ParseInLocation(l.layout, s, loc)
		if err != nil {
			continue
		}
		switch {
		case !l.hasDate:
			t = time.Date(local.Year(), local.Month(), local.Day(), t.Hour(), t.Minute(), 0, 0, loc)
		case !l.hasYear:
			t = yearFor(t, now, loc, expected)
		}
		return t, nil
	}
	return time.Time{}, qunsu.Errorf(qunsu.EINVALID, "err.bad_time", s)
}

// yearFor places t's month, day and clock in this year, unless that puts it
// more than half a year on the wrong side of now (ahead of now for what
// happened, behind it for what is due): then in the year next to it. Around
// New Year "12-30" written on 2 January happened last week and "01-05"
// written on 28 December is due next week, while a slip of a few days or
// months stays this year and is refused as in the future or passed.
func yearFor(t, now time.Time, loc *time.Location, expected side) time.Time {
	const halfYear = 183 * 24 * time.Hour
	year := now.In(loc).Year()
	at := func(y int) time.Time { return time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc) }
	c := at(year)
	switch {
	case expected == happened && c.Sub(now) > halfYear:
		c = at(year - 1)
	case expected == due && now.Sub(c) > halfYear:
		c = at(year + 1)
	}
	return c
}

// checkLength refuses text longer than max characters (a line, a note).
func checkLength(s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return qunsu.Errorf(qunsu.EINVALID, "err.text_too_long", n, max)
	}
	return nil
}

// checkField refuses a field's value longer than max characters; name is
// the key as the user may type it ("描述/summary").
func checkField(name, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return qunsu.Errorf(qunsu.EINVALID, "err.field_too_long", name, n, max)
	}
	return nil
}

// checkWords refuses a command of more than MaxWords words.
func checkWords(words []string) error {
	if len(words) > MaxWords {
		return qunsu.Errorf(qunsu.EINVALID, "err.too_many_words", len(words), MaxWords)
	}
	return nil
}
