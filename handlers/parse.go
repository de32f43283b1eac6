package handlers

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"qunsu"
)

// Limits on what a user may type; longer input is refused, not truncated.
const (
	MaxLineRunes    = 2000
	MaxSummaryRunes = 1000
	MaxHouseholds   = 100000
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
const fieldHelp = "项目/project 户数/households 人数/people 金额/amount 行为/actions 类别/category 描述/summary 发生/occurred"

// args is a command's arguments: key=value pairs and the remaining free words.
type args struct {
	kv   map[string]string // field -> value
	free []string
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

// positive parses a whole number in [1, max]; name is the key the user typed.
func positive(name, s string, max int) (int, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "户"), "人"))
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, qunsu.Errorf(qunsu.EINVALID, "err.bad_number", name, s, name)
	}
	if n > max {
		return 0, qunsu.Errorf(qunsu.EINVALID, "err.number_range", name, n, 1, max)
	}
	return n, nil
}

// amount parses yuan: 5000, 5000元, 1万, 1.5万元.
func amount(s string) (int, error) {
	v := strings.TrimSuffix(strings.TrimSpace(s), "元")
	mult := 1.0
	if x, ok := strings.CutSuffix(v, "万"); ok {
		v, mult = x, 10000
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f*mult > 1e12 {
		return 0, qunsu.Errorf(qunsu.EINVALID, "err.bad_number", "金额/amount", s, "金额")
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

// parseTime reads a user's time in loc; a missing date means today, a missing
// year this year.
func parseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
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
			t = time.Date(local.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc)
		}
		return t, nil
	}
	return time.Time{}, qunsu.Errorf(qunsu.EINVALID, "err.bad_time", s)
}

// checkLength refuses input longer than max characters.
func checkLength(s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return qunsu.Errorf(qunsu.EINVALID, "err.too_long", n, max)
	}
	return nil
}
