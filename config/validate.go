package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"qunsu"
)

var tenantID = regexp.MustCompile(`^[a-z0-9_-]+$`)

// problems collects validation errors, each as "file:line: path: what".
type problems struct {
	c    *Config
	list []string
}

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, fmt.Sprintf("%s:%d: %s: %s", p.c.file, p.c.line(path), oneLine(path), oneLine(fmt.Sprintf(format, args...))))
}

// Validate checks the configuration and returns every problem at once.
func (c *Config) Validate() error {
	p := &problems{c: c}
	if len(c.Tenants) == 0 {
		p.add("tenants", "at least one tenant is needed")
	}
	seen := map[string]bool{}
	for i := range c.Tenants {
		t := &c.Tenants[i]
		at := fmt.Sprintf("tenants[%d]", i)
		if !tenantID.MatchString(t.ID) {
			p.add(at+".id", "%q: use lowercase letters, digits, _ and -", t.ID)
		}
		if seen[t.ID] {
			p.add(at+".id", "%q is used by another tenant", t.ID)
		}
		seen[t.ID] = true
		t.validate(p, at)
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		p.add("log_format", "%q: use text or json (here or in QUNSU_LOG_FORMAT)", c.LogFormat)
	}
	if c.DebugAddr != "" {
		if _, port, err := net.SplitHostPort(c.DebugAddr); err != nil || port == "" {
			p.add("debug_addr", "%q: want host:port, e.g. 127.0.0.1:6060 (here or in QUNSU_DEBUG_ADDR)", c.DebugAddr)
		}
	}
	c.validateSlack(p)
	c.validateWeCom(p)
	if len(p.list) == 0 {
		return nil
	}
	return errors.New(strings.Join(p.list, "\n"))
}

// Warnings lists settings that are valid but leave something out, each as
// "file:line: path: what".
func (c *Config) Warnings() []string {
	var out []string
	if c.Slack.Enabled() {
		out = append(out, c.unreachable(c.Slack.Tenant, func(p qunsu.Person) bool { return p.Slack == "" && p.Email == "" },
			"has neither slack id nor email: cannot be mentioned, invited or written to on Slack")...)
	}
	if c.WeCom.Enabled() {
		out = append(out, c.unreachable(c.WeCom.Tenant, func(p qunsu.Person) bool { return p.WeCom == "" },
			"has no wecom userid: cannot be put in group chats or written to on WeCom")...)
	}
	return out
}

// checkURL names a URL that is not http(s).
func checkURL(p *problems, path, value string) {
	if value == "" {
		return
	}
	if u, err := url.Parse(value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add(path, "%q is not an http(s) URL", value)
	}
}

// unreachable names the people of a platform's tenant it cannot reach.
func (c *Config) unreachable(tenant string, missing func(qunsu.Person) bool, why string) []string {
	i, t := c.tenantOf(tenant)
	if t == nil {
		return nil
	}
	var out []string
	for j, person := range t.People {
		if missing(person) {
			path := fmt.Sprintf("tenants[%d].people[%d]", i, j)
			out = append(out, fmt.Sprintf("%s:%d: %s: %s %s", c.file, c.line(path), path, person.Name, why))
		}
	}
	return out
}

// tenantOf returns the tenant with id, or the first when id is "".
func (c *Config) tenantOf(id string) (int, *Tenant) {
	for i := range c.Tenants {
		if id == "" || c.Tenants[i].ID == id {
			return i, &c.Tenants[i]
		}
	}
	return -1, nil
}

// tenantID returns the id of the tenant id names (the first for ""), or "".
func (c *Config) tenantID(id string) string {
	if _, t := c.tenantOf(id); t != nil {
		return t.ID
	}
	return ""
}

func (t *Tenant) validate(p *problems, at string) {
	if t.Lang != "" && t.Lang != qunsu.LangZH && t.Lang != qunsu.LangEN {
		p.add(at+".lang", "%q: use zh or en", t.Lang)
	}
	if _, err := time.LoadLocation(t.Timezone); err != nil {
		p.add(at+".timezone", "%q is not a time zone (e.g. Asia/Shanghai)", t.Timezone)
	}
	if _, err := cron.ParseStandard(t.SummaryCron); t.SummaryCron != "" && err != nil {
		p.add(at+".summary_cron", "%q: %v (e.g. \"0 18 * * *\")", t.SummaryCron, err)
	}
	grades := map[qunsu.Grade]bool{}
	for _, l := range t.Policy.Levels {
		grades[l.Key] = true
	}
	grade := func(path string, g qunsu.Grade) {
		if g != "" && !grades[g] {
			p.add(path, "unknown grade %q (levels: %s)", g, levelKeys(t.Policy))
		}
	}
	for i, r := range t.Policy.Rules {
		rp := fmt.Sprintf("%s.policy.rules[%d]", at, i)
		grade(rp+".grade", r.Grade)
		checkCondition(p, rp+".when", r.When)
	}
	if n := len(t.Policy.Rules); n > 0 && !alwaysHolds(t.Policy.Rules[n-1].When) {
		p.add(fmt.Sprintf("%s.policy.rules[%d].when", at, n-1), "the last rule must always hold (when: {}), so every complaint gets a grade")
	}
	for i, r := range t.Team {
		rp := fmt.Sprintf("%s.team[%d]", at, i)
		for _, g := range r.Grades {
			grade(rp+".grades", g)
		}
		grade(rp+".min_grade", r.MinGrade)
		checkRoles(p, rp+".roles", r.Roles)
		checkActions(p, rp+".actions", r.Actions)
		checkCategories(p, rp+".categories", r.Categories)
	}
	keys := map[string]bool{}
	for i, r := range t.Tasks {
		rp := fmt.Sprintf("%s.tasks[%d]", at, i)
		if r.Key == "" || keys[r.Key] {
			p.add(rp+".key", "%q: every task needs its own key", r.Key)
		}
		keys[r.Key] = true
		for _, g := range r.Grades {
			grade(rp+".grades", g)
		}
		grade(rp+".min_grade", r.MinGrade)
		checkRoles(p, rp+".role", []qunsu.Role{r.Role})
		checkActions(p, rp+".actions", r.Actions)
		checkCategories(p, rp+".categories", r.Categories)
		switch r.Kind {
		case "", qunsu.KindDeadline, qunsu.KindMeeting, qunsu.KindAck, qunsu.KindUpgrade:
		default:
			p.add(rp+".kind", "%q: use deadline, meeting, ack or upgrade", r.Kind)
		}
		checkTaskExtras(p, rp, r, t.Policy, grade)
		switch r.Trigger {
		case "", qunsu.OnReport, qunsu.OnTurn, qunsu.OnReply, qunsu.OnCadence, qunsu.OnClose:
		default:
			p.add(rp+".trigger", "%q: use report, turn, reply, cadence or close", r.Trigger)
		}
		switch r.Due.From {
		case "", "t0", "report", "event":
		default:
			p.add(rp+".due.from", "%q: use t0, report or event", r.Due.From)
		}
	}
	checkRoles(p, at+".reminders.chain", t.Reminders.Chain)
	for i, pen := range t.Penalties {
		grade(fmt.Sprintf("%s.penalties[%d].grade", at, i), pen.Grade)
		checkRoles(p, fmt.Sprintf("%s.penalties[%d].roles", at, i), pen.Roles)
	}
	for _, perm := range slices.Sorted(maps.Keys(t.Access)) {
		roles := t.Access[perm]
		if !slices.Contains(qunsu.Permissions, perm) {
			p.add(at+".access."+string(perm), "unknown permission (use %s)", permissionKeys())
		}
		checkRoles(p, at+".access."+string(perm), roles)
	}
	t.Calendar.validate(p, at+".calendar")
	people := map[string]bool{}
	for i, person := range t.People {
		if person.ID == "" || people[person.ID] {
			p.add(fmt.Sprintf("%s.people[%d].id", at, i), "%q: every person needs their own id", person.ID)
		}
		people[person.ID] = true
	}
	for i, a := range t.Directory {
		dp := fmt.Sprintf("%s.directory[%d]", at, i)
		checkRoles(p, dp+".role", []qunsu.Role{a.Role})
		if a.Category != "" {
			checkCategories(p, dp+".category", []string{a.Category})
		}
		for _, id := range a.People {
			if !people[id] {
				p.add(dp+".people", "%q is not in people", id)
			}
		}
	}
}

// validate names days that are not dates and days listed both off and working.
func (c Calendar) validate(p *problems, at string) {
	holidays := map[string]bool{}
	for _, list := range []struct {
		key  string
		days []string
	}{{"holidays", c.Holidays}, {"workdays", c.Workdays}} {
		for i, day := range list.days {
			path := fmt.Sprintf("%s.%s[%d]", at, list.key, i)
			d, err := time.Parse(time.DateOnly, day)
			if err != nil {
				p.add(path, "%q is not a date: want YYYY-MM-DD, e.g. 2026-10-08", day)
				continue
			}
			key := d.Format(time.DateOnly)
			if list.key == "holidays" {
				holidays[key] = true
			} else if holidays[key] {
				p.add(path, "%s is also in holidays: a day is either off or working", key)
			}
		}
	}
}

func checkCondition(p *problems, path string, c qunsu.Condition) {
	for name, r := range map[string]*qunsu.Range{"households": c.Households, "people": c.People, "amount": c.Amount, "age_days": c.AgeDays} {
		if r != nil && r.Max != 0 && r.Min > r.Max {
			p.add(path+"."+name, "min %d is above max %d", r.Min, r.Max)
		}
	}
	checkActions(p, path+".actions", c.Actions)
	checkCategories(p, path+".categories", c.Categories)
}

func alwaysHolds(c qunsu.Condition) bool {
	return c.Households == nil && c.People == nil && c.Amount == nil && c.AgeDays == nil &&
		c.Overt == nil && len(c.Actions) == 0 && len(c.Categories) == 0
}

func checkRoles(p *problems, path string, roles []qunsu.Role) {
	for _, r := range roles {
		if _, ok := qunsu.LookupRole(string(r)); !ok || r == "" {
			p.add(path, "unknown role %q", r)
		}
	}
}

func checkActions(p *problems, path string, actions []qunsu.Action) {
	for _, a := range actions {
		if info, ok := qunsu.LookupAction(string(a)); !ok || info.Key != a {
			p.add(path, "unknown action %q", a)
		}
	}
}

func checkCategories(p *problems, path string, cats []string) {
	for _, c := range cats {
		if info, ok := qunsu.LookupCategory(c); !ok || info.Key != c {
			p.add(path, "unknown category %q", c)
		}
	}
}

func levelKeys(p qunsu.Policy) string {
	var keys []string
	for _, l := range p.Levels {
		keys = append(keys, string(l.Key))
	}
	return strings.Join(keys, ", ")
}

var pathPart = regexp.MustCompile(`([a-z_]+)|\[(\d+)\]`)

// line returns the line of a path such as "tenants[0].policy.rules[3].grade"
// in the parsed document: the deepest node of the path that exists.
func (c *Config) line(path string) int {
	n := c.root
	if n == nil || len(n.Content) == 0 {
		return 1 // an empty file: its first line
	}
	n = n.Content[0]
	line := n.Line
	for _, m := range pathPart.FindAllStringSubmatch(path, -1) {
		next := (*yaml.Node)(nil)
		if m[1] != "" && n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == m[1] {
					next = n.Content[i+1]
				}
			}
		} else if m[2] != "" && n.Kind == yaml.SequenceNode {
			if i, _ := strconv.Atoi(m[2]); i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	// yaml places an empty document ("---") on the line after the file's end.
	return min(max(line, 1), max(c.lines, 1))
}

// simpleKey is a key that can stand in a path as it is.
var simpleKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// pathKey is a mapping key as a part of a path: quoted unless plain.
func pathKey(k string) string {
	if simpleKey.MatchString(k) {
		return k
	}
	return strconv.Quote(k)
}

// located is a node of the document with its path.
type located struct {
	path string
	key  *yaml.Node // the key that names it, for a mapping's value
	node *yaml.Node
}

// nodes lists every node of the document below n, in document order, with
// its path ("tenants[0].people[2].id"). Aliases are not followed.
func nodes(n *yaml.Node, path string, out []located) []located {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			out = nodes(c, path, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := pathKey(k.Value)
			if path != "" {
				p = path + "." + p
			}
			out = nodes(v, p, append(out, located{path: p, key: k, node: v}))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			out = nodes(c, p, append(out, located{path: p, node: c}))
		}
	}
	return out
}

var (
	yamlLine     = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlSyntax   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	fieldMissing = regexp.MustCompile("^field (.*) not found in type")
	keyTwice     = regexp.MustCompile(`^mapping key "(.*)" already defined`)
	wrongValue   = regexp.MustCompile("cannot unmarshal !!\\w+ `([^`]*)`")
)

// readError restates an error from reading the YAML as problems of the form
// "file:line: key: what", like Validate's. root is the parsed document, or
// nil when it does not parse; b is the file's text.
func readError(file string, b []byte, root *yaml.Node, err error) error {
	var all []located
	if root != nil {
		all = nodes(root, "", nil)
	}
	var list []string
	say := func(line int, key, what string) {
		line = min(max(line, 1), lineCount(b))
		list = append(list, fmt.Sprintf("%s:%d: %s: %s", file, line, key, oneLine(what)))
	}
	var te *yaml.TypeError
	switch {
	case errors.As(err, &te):
		for _, e := range te.Errors {
			m := yamlLine.FindStringSubmatch(e)
			if m == nil {
				say(1, "(file)", e)
				continue
			}
			line, _ := strconv.Atoi(m[1])
			say(line, pathAt(all, line, m[2]), m[2])
		}
	case root == nil:
		// A syntax error: yaml names the line from the second on; bytes it
		// cannot read at all it does not place, so they are found here.
		line, what := 1, strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlSyntax.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			what = m[2]
		} else if bad := badByteLine(b); bad > 0 {
			line = bad
		}
		say(line, near(b, line), what)
	default:
		// A value a type of ours refused (a duration): found by its text.
		for _, l := range all {
			if l.node.Kind == yaml.ScalarNode && strings.Contains(err.Error(), strconv.Quote(l.node.Value)) {
				say(l.node.Line, l.path, err.Error())
				return errors.New(strings.Join(list, "\n"))
			}
		}
		say(1, "(file)", err.Error())
	}
	return errors.New(strings.Join(list, "\n"))
}

// pathAt finds the path of what an error at line speaks of: the key it names,
// the value it quotes, or else the first thing on the line.
func pathAt(all []located, line int, what string) string {
	match := func(ok func(l located) bool) string {
		for _, l := range all {
			if ok(l) {
				return l.path
			}
		}
		return ""
	}
	if strings.Contains(what, "into config.Config") {
		return "(document)" // the whole file is not a mapping
	}
	keyNamed := func(name string) string {
		return match(func(l located) bool { return l.key != nil && l.key.Line == line && l.key.Value == name })
	}
	if m := fieldMissing.FindStringSubmatch(what); m != nil {
		if p := keyNamed(m[1]); p != "" {
			return p
		}
	}
	if m := keyTwice.FindStringSubmatch(what); m != nil {
		if p := keyNamed(m[1]); p != "" {
			return p
		}
	}
	if m := wrongValue.FindStringSubmatch(what); m != nil {
		prefix := strings.TrimSuffix(m[1], "...") // yaml shortens long values
		if p := match(func(l located) bool { return l.node.Line == line && strings.HasPrefix(l.node.Value, prefix) }); p != "" {
			return p
		}
	}
	if p := match(func(l located) bool { return l.node.Line == line || (l.key != nil && l.key.Line == line) }); p != "" {
		return p
	}
	return "(document)"
}

// badByteLine returns the line of the first byte YAML cannot read (invalid
// UTF-8, a control character), or 0.
func badByteLine(b []byte) int {
	line := 1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && size == 1) || (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f {
			return line
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return 0
}

// near quotes the start of a line of the file, to say where a syntax error is.
func near(b []byte, line int) string {
	lines := strings.Split(string(b), "\n")
	text := ""
	if line >= 1 && line <= len(lines) {
		text = strings.TrimSpace(lines[line-1])
	}
	if r := []rune(text); len(r) > 40 {
		text = string(r[:40]) + "…"
	}
	return "near " + strconv.Quote(text)
}

// lineCount is how many lines YAML sees in b: it breaks lines at \n, \r,
// \r\n, NEL, LS and PS.
func lineCount(b []byte) int {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	n := 1
	for _, r := range s {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}

// oneLine keeps a problem on its line: each is "file:line: key: what".
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\r`).Replace(s)
}

func permissionKeys() string {
	keys := make([]string, len(qunsu.Permissions))
	for i, p := range qunsu.Permissions {
		keys[i] = string(p)
	}
	return strings.Join(keys, ", ")
}
