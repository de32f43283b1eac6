package qunsu

import "time"

// Permission is something only some people may do (G §4: no 越权 actions; DOMAIN
// §3: the directory is changed by admins).
type Permission string

const (
	PermClose        Permission = "close"         // 结案
	PermDowngrade    Permission = "downgrade"     // 降级
	PermReopen       Permission = "reopen"        // 重开
	PermDirectory    Permission = "directory"     // change who holds a role
	PermPersonalData Permission = "personal_data" // see customers' personal data in full, and export histories
)

// Permissions lists every permission, in the order they are explained.
var Permissions = []Permission{PermClose, PermDowngrade, PermReopen, PermDirectory, PermPersonalData}

// Access names the roles that hold each permission. Admins hold them all;
// reporting and the other commands are open to everyone in the directory. A
// permission left out keeps its DefaultAccess; one given with no roles is for
// admins only.
type Access map[Permission][]Role

// DefaultAccess is the access a tenant has unless it configures its own: the
// head of customer relations leads the response (G §5.1) and decides on its end.
func DefaultAccess() Access {
	return Access{
		PermClose:        {RoleCRHead},
		PermDowngrade:    {RoleCRHead},
		PermReopen:       {RoleCRHead},
		PermDirectory:    nil, // admins only
		PermPersonalData: {RoleCRHead, RoleCRVP, RoleGM, RoleLegal},
	}
}

// Allows reports whether person may act under perm on a complaint of project
// and category, or, with both "", on the whole tenant (the directory). A role
// counts as the directory resolves it there (the most specific assignment
// wins, as for the team), so the cr_head of one project may not close
// another's complaints, and a role taken away for a project is gone there.
func (s *Settings) Allows(person Person, perm Permission, project, category string) bool {
	if person.Admin {
		return true
	}
	for _, role := range s.RolesFor(perm) {
		if containsString(s.Directory.Resolve(role, project, category), person.ID) {
			return true
		}
	}
	return false
}

// RolesFor returns the roles that hold perm besides admins.
func (s *Settings) RolesFor(perm Permission) []Role {
	if roles, ok := s.Access[perm]; ok {
		return roles
	}
	return DefaultAccess()[perm]
}

// RoleChange is a change to the directory made by command: a person given or
// taken a role, tenant-wide or for a project and/or category. Changes are kept
// in order and applied over the configured directory.
type RoleChange struct {
	At       time.Time `json:"at"`
	By       string    `json:"by"`
	Platform string    `json:"platform,omitempty"`
	Remove   bool      `json:"remove,omitempty"`
	Role     Role      `json:"role"`
	Project  string    `json:"project,omitempty"`
	Category string    `json:"category,omitempty"`
	Person   string    `json:"person"`
}

// WithChanges returns the directory with changes applied in order. A role
// given for a scope is given there only, on top of whoever held it there
// before; a role taken away for a scope is also taken away in every narrower
// one, so someone removed tenant-wide holds the role nowhere.
func (d Directory) WithChanges(changes []RoleChange) Directory {
	if len(changes) == 0 {
		return d
	}
	out := Directory{People: d.People, Assignments: make([]Assignment, len(d.Assignments))}
	for i, a := range d.Assignments {
		a.People = append([]string(nil), a.People...)
		out.Assignments[i] = a
	}
	for _, ch := range changes {
		if !ch.Remove {
			a := out.assignment(ch.Role, ch.Project, ch.Category)
			if !containsString(a.People, ch.Person) {
				a.People = append(a.People, ch.Person)
			}
			continue
		}
		out.assignment(ch.Role, ch.Project, ch.Category) // so the people inherited there lose them too
		for i := range out.Assignments {
			if a := &out.Assignments[i]; a.Role == ch.Role && within(a, ch.Project, ch.Category) {
				a.People = removeString(a.People, ch.Person)
			}
		}
	}
	return out
}

// HoldsWithin reports whether person is named for role in project and
// category or any narrower scope ("" for any): what taking the role away
// there would change.
func (d *Directory) HoldsWithin(person string, role Role, project, category string) bool {
	if containsString(d.Resolve(role, project, category), person) {
		return true
	}
	for i := range d.Assignments {
		if a := &d.Assignments[i]; a.Role == role && within(a, project, category) && containsString(a.People, person) {
			return true
		}
	}
	return false
}

// within reports whether an assignment's scope lies inside project and
// category ("" for any).
func within(a *Assignment, project, category string) bool {
	return (project == "" || a.Project == project) && (category == "" || a.Category == category)
}

// assignment returns the assignment of role for exactly project and category,
// adding it (with the people who held the role there until now) if missing.
func (d *Directory) assignment(role Role, project, category string) *Assignment {
	for i := range d.Assignments {
		a := &d.Assignments[i]
		if a.Role == role && a.Project == project && a.Category == category {
			return a
		}
	}
	inherited := append([]string(nil), d.Resolve(role, project, category)...)
	d.Assignments = append(d.Assignments, Assignment{Role: role, Project: project, Category: category, People: inherited})
	return &d.Assignments[len(d.Assignments)-1]
}

func removeString(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
