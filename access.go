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

// Allows reports whether person may act under perm for a complaint in project
// ("" for acts that concern no project). A role counts when the person holds it
// tenant-wide or for that project; for a project-free act, anywhere.
func (s *Settings) Allows(person Person, perm Permission, project string) bool {
	if person.Admin {
		return true
	}
	for _, role := range s.RolesFor(perm) {
		if s.Directory.Holds(person.ID, role, project) {
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

// Holds reports whether person holds role tenant-wide or for project; with
// project "", in any project.
func (d *Directory) Holds(person string, role Role, project string) bool {
	for _, a := range d.Assignments {
		if a.Role != role || (project != "" && a.Project != "" && a.Project != project) {
			continue
		}
		if containsString(a.People, person) {
			return true
		}
	}
	return false
}

// RoleChange is a change to the directory made by command: a person given or
// taken a role, tenant-wide or for one project. Changes are kept in order and
// applied over the configured directory.
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

// WithChanges returns the directory with changes applied in order. A role given
// for a project starts from whoever held it there (or tenant-wide) before.
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
		a := out.assignment(ch.Role, ch.Project, ch.Category)
		if ch.Remove {
			a.People = removeString(a.People, ch.Person)
		} else if !containsString(a.People, ch.Person) {
			a.People = append(a.People, ch.Person)
		}
	}
	return out
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
