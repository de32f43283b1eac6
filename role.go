package qunsu

import "strings"

// Role is a duty in the response team (G §5.1, DOMAIN §3).
type Role string

const (
	RoleGM           Role = "gm"
	RoleCRVP         Role = "cr_vp"
	RoleProjectGM    Role = "project_gm"
	RoleCRHead       Role = "cr_head"
	RolePRHead       Role = "pr_head"
	RoleMediaHead    Role = "media_head"
	RoleLegal        Role = "legal"
	RoleFunctionHead Role = "function_head"
	RoleSales        Role = "sales"
	RolePropertyGM   Role = "property_gm"
	RolePropertyPM   Role = "property_pm"
	RoleHQCR         Role = "hq_cr"
)

// RoleInfo names a role.
type RoleInfo struct {
	Key     Role
	Name    Text
	Aliases []string
}

// Roles is the vocabulary of roles, in the order the team is listed.
var Roles = []RoleInfo{
	{RoleCRHead, Text{LangZH: "客户关系部负责人", LangEN: "head of customer relations"}, []string{"客关负责人", "客服负责人"}},
	{RoleCRVP, Text{LangZH: "客关分管领导", LangEN: "VP customer relations"}, []string{"分管领导"}},
	{RoleProjectGM, Text{LangZH: "项目总经理", LangEN: "project GM"}, []string{"项目总"}},
	{RoleFunctionHead, Text{LangZH: "涉及职能负责人", LangEN: "head of the function involved"}, []string{"职能负责人"}},
	{RoleSales, Text{LangZH: "营销部", LangEN: "sales"}, []string{"项目销售组", "销售"}},
	{RolePropertyPM, Text{LangZH: "物业项目经理", LangEN: "property manager"}, []string{"物业经理"}},
	{RolePropertyGM, Text{LangZH: "物业城市公司总经理", LangEN: "property company GM"}, []string{"物业服务方城市公司总经理", "物业总经理"}},
	{RoleGM, Text{LangZH: "总经理", LangEN: "general manager"}, []string{"总经理", "GM"}},
	{RolePRHead, Text{LangZH: "公共关系负责人", LangEN: "head of public relations"}, []string{"公关负责人"}},
	{RoleMediaHead, Text{LangZH: "媒介负责人", LangEN: "head of media"}, []string{"媒体负责人"}},
	{RoleLegal, Text{LangZH: "公司法务", LangEN: "legal"}, []string{"法务"}},
	{RoleHQCR, Text{LangZH: "总部客户关系部", LangEN: "HQ customer relations"}, []string{"总部客关", "总部"}},
}

// LookupRole finds a role by key, name or alias, ignoring case.
func LookupRole(word string) (RoleInfo, bool) {
	w := strings.ToLower(strings.TrimSpace(word))
	for _, r := range Roles {
		if w == string(r.Key) || matchesText(w, r.Name) || contains(r.Aliases, w) {
			return r, true
		}
	}
	return RoleInfo{}, false
}

// Name returns the role's name in lang (the key itself if unknown).
func (r Role) Name(lang Lang) string {
	if info, ok := LookupRole(string(r)); ok {
		return info.Name.In(lang)
	}
	return string(r)
}

// Person is someone in the company directory, with their handle on each platform.
type Person struct {
	ID    string `yaml:"id" json:"id"`
	Name  string `yaml:"name" json:"name"`
	Slack string `yaml:"slack,omitempty" json:"slack,omitempty"`
	WeCom string `yaml:"wecom,omitempty" json:"wecom,omitempty"`
	Email string `yaml:"email,omitempty" json:"email,omitempty"`
	Admin bool   `yaml:"admin,omitempty" json:"admin,omitempty"`
}

// Assignment puts people in a role, for the whole tenant or narrowed to one project
// and/or one category (function heads are per category).
type Assignment struct {
	Role     Role     `yaml:"role"`
	Project  string   `yaml:"project,omitempty"`
	Category string   `yaml:"category,omitempty"`
	People   []string `yaml:"people"`
}

// Directory maps roles to people for one tenant.
type Directory struct {
	People      []Person
	Assignments []Assignment
}

// Person returns the person with the given id, or name.
func (d *Directory) Person(idOrName string) (Person, bool) {
	for _, p := range d.People {
		if p.ID == idOrName || p.Name == idOrName {
			return p, true
		}
	}
	return Person{}, false
}

// Speaker returns the person who said in: by their handle on the platform, or
// else, for people listed with no handle there, by the e-mail the platform gave.
func (d *Directory) Speaker(in Inbound) (Person, bool) {
	for _, p := range d.People {
		if handle, ok := p.handle(in.Platform); ok && handle == in.User {
			return p, true
		}
		if in.Platform == "console" && (p.ID == in.User || p.Name == in.User) {
			return p, true
		}
	}
	if in.Email != "" {
		for _, p := range d.People {
			if handle, _ := p.handle(in.Platform); handle == "" && p.Email != "" && strings.EqualFold(p.Email, in.Email) {
				return p, true
			}
		}
	}
	return Person{}, false
}

// handle returns a person's handle on a chat platform.
func (p Person) handle(platform string) (string, bool) {
	switch platform {
	case "slack":
		return p.Slack, p.Slack != ""
	case "wecom":
		return p.WeCom, p.WeCom != ""
	}
	return "", false
}

// Resolve returns the ids of the people holding role for a project and category.
// The most specific assignment wins: project and category, then project, then
// category, then tenant-wide.
func (d *Directory) Resolve(role Role, project, category string) []string {
	best, bestScore := []string(nil), -1
	for _, a := range d.Assignments {
		if a.Role != role || (a.Project != "" && a.Project != project) || (a.Category != "" && a.Category != category) {
			continue
		}
		score := 0
		if a.Project != "" {
			score += 2
		}
		if a.Category != "" {
			score++
		}
		if score > bestScore {
			best, bestScore = a.People, score
		}
	}
	return best
}

// RolesOf returns the roles a person holds anywhere in the directory.
func (d *Directory) RolesOf(id string) []Role {
	var out []Role
	for _, a := range d.Assignments {
		for _, p := range a.People {
			if p == id && !containsRole(out, a.Role) {
				out = append(out, a.Role)
			}
		}
	}
	return out
}

func containsRole(list []Role, r Role) bool {
	for _, x := range list {
		if x == r {
			return true
		}
	}
	return false
}
