package config

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

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
	p.list = append(p.list, fmt.Sprintf("%s:%d: %s: %s", p.c.file, p.c.line(path), path, fmt.Sprintf(format, args...)))
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
		case "", qunsu.KindDeadline, qunsu.KindMeeting, qunsu.KindAck:
		default:
			p.add(rp+".kind", "%q: use deadline, meeting or ack", r.Kind)
		}
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
		return 0
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
	return line
}

func permissionKeys() string {
	keys := make([]string, len(qunsu.Permissions))
	for i, p := range qunsu.Permissions {
		keys[i] = string(p)
	}
	return strings.Join(keys, ", ")
}
