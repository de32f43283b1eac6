package qunsu

import (
	"slices"
	"testing"
)

func accessSettings() *Settings {
	return &Settings{
		Directory: Directory{
			People: []Person{{ID: "zhang"}, {ID: "li"}, {ID: "liu"}, {ID: "boss", Admin: true}},
			Assignments: []Assignment{
				{Role: RoleCRHead, People: []string{"zhang"}},
				{Role: RoleCRHead, Project: "云栖苑", People: []string{"liu"}},
				{Role: RoleLegal, People: []string{"li"}},
			},
		},
		Access: Access{PermClose: {RoleCRHead}, PermDirectory: {}},
	}
}

// Who may act (DOMAIN §3, G §4): a role counts as the directory resolves it
// for the complaint's project (the most specific assignment wins); admins may
// do everything; a permission left out keeps its default; one given with no
// roles is for admins only.
func TestSettingsAllows(t *testing.T) {
	s := accessSettings()
	person := func(id string) Person { p, _ := s.Directory.Person(id); return p }
	cases := []struct {
		who     string
		perm    Permission
		project string
		want    bool
	}{
		{"zhang", PermClose, "翡翠湾", true},          // tenant-wide cr_head
		{"liu", PermClose, "云栖苑", true},            // cr_head of that project
		{"liu", PermClose, "翡翠湾", false},           // … not of another
		{"li", PermClose, "翡翠湾", false},            // legal may not close
		{"boss", PermClose, "翡翠湾", true},           // admin
		{"zhang", PermDirectory, "", false},        // configured empty: admins only
		{"boss", PermDirectory, "", true},          //
		{"li", PermPersonalData, "翡翠湾", true},      // left out: default includes legal
		{"zhang", PermDowngrade, "翡翠湾", true},      // default: cr_head
		{"liu", PermDowngrade, "", false},          // tenant-wide acts need a tenant-wide role
		{"nobody", PermPersonalData, "翡翠湾", false}, // not in the directory
	}
	for _, c := range cases {
		if got := s.Allows(person(c.who), c.perm, c.project, ""); got != c.want {
			t.Errorf("%s %s %q: %v, want %v", c.who, c.perm, c.project, got, c.want)
		}
	}
}

// Directory changes by command apply in order over the configured directory:
// a role given for one project starts from who held it there; removing takes
// the person out of exactly that scope; the configured directory is untouched.
func TestDirectoryWithChanges(t *testing.T) {
	d := accessSettings().Directory
	changed := d.WithChanges([]RoleChange{
		{Role: RoleLegal, Project: "翡翠湾", Person: "liu"},
		{Role: RoleCRHead, Person: "li"},
		{Role: RoleCRHead, Person: "zhang", Remove: true},
		{Role: RoleLegal, Project: "翡翠湾", Person: "liu"}, // again: no double
	})
	for _, c := range []struct {
		role    Role
		project string
		want    []string
	}{
		{RoleLegal, "翡翠湾", []string{"li", "liu"}},
		{RoleLegal, "云栖苑", []string{"li"}},
		{RoleCRHead, "翡翠湾", []string{"li"}},
		{RoleCRHead, "云栖苑", []string{"liu"}},
	} {
		if got := changed.Resolve(c.role, c.project, ""); !slices.Equal(got, c.want) {
			t.Errorf("%s %s: %v, want %v", c.role, c.project, got, c.want)
		}
	}
	if got := d.Resolve(RoleCRHead, "翡翠湾", ""); !slices.Equal(got, []string{"zhang"}) {
		t.Errorf("the configured directory changed: %v", got)
	}
}

// A role taken away is gone with what it allowed: for one project there, and
// tenant-wide everywhere, including projects where it was given alongside
// others by command.
func TestRemovedRolesLoseTheirPermissions(t *testing.T) {
	s := accessSettings()
	zhang, _ := s.Directory.Person("zhang")
	s.Directory = s.Directory.WithChanges([]RoleChange{{Role: RoleCRHead, Project: "翡翠湾", Person: "zhang", Remove: true}})
	if s.Allows(zhang, PermClose, "翡翠湾", "") || !s.Allows(zhang, PermClose, "星河湾", "") {
		t.Error("removed for 翡翠湾: want no close there, close elsewhere")
	}
	s = accessSettings()
	s.Directory = s.Directory.WithChanges([]RoleChange{
		{Role: RoleCRHead, Project: "翡翠湾", Person: "li"},
		{Role: RoleCRHead, Person: "zhang", Remove: true},
	})
	for _, project := range []string{"翡翠湾", "星河湾", ""} {
		if s.Allows(zhang, PermClose, project, "") {
			t.Errorf("removed tenant-wide, zhang may still close in %q", project)
		}
	}
	li, _ := s.Directory.Person("li")
	if !s.Allows(li, PermClose, "翡翠湾", "") {
		t.Error("li, given cr_head for 翡翠湾, may not close there")
	}
}
