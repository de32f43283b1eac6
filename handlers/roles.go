package handlers

import (
	"context"
	"fmt"
	"strings"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"角色", "roles"}, HelpKey: "help.roles", Order: 95, Run: runRoles})
}

// runRoles shows who holds each role, for a project and category if given, or
// one role only.
func runRoles(ctx context.Context, r *Request) error {
	if len(r.Words) > 0 {
		if remove, ok := roleChangeWords[strings.ToLower(r.Words[0])]; ok {
			return runRoleChange(ctx, r, remove)
		}
	}
	a, err := parseArgs(r.Words)
	if err != nil {
		return err
	}
	project, category := a.kv["project"], ""
	if v := a.kv["category"]; v != "" {
		if category, err = categoryOf(v); err != nil {
			return err
		}
	}
	roles := qunsu.Roles
	for _, w := range a.free {
		if info, ok := qunsu.LookupRole(w); ok {
			roles = []qunsu.RoleInfo{info}
		} else if cat, ok := qunsu.LookupCategory(w); ok {
			category = cat.Key
		} else if project == "" && !looksLikeRole(w) {
			project = w
		} else {
			return qunsu.Errorf(qunsu.EINVALID, "err.unknown_role", w, roleHelp())
		}
	}
	var b strings.Builder
	b.WriteString(r.T("roles.title", orDash(project), orDash(qunsu.CategoryName(category, r.Lang))) + "\n")
	for _, info := range roles {
		people := r.S.Directory.Resolve(info.Key, project, category)
		names := render.Names(people, &r.S.Directory, r.Lang)
		if names == "" {
			names = r.T("roles.nobody")
		}
		fmt.Fprintf(&b, "· %s（%s）：%s\n", info.Name.In(r.Lang), info.Key, names)
	}
	r.reply(strings.TrimRight(b.String(), "\n"))
	return nil
}

// looksLikeRole tells role-ish words (ASCII keys with underscores, words ending
// in 负责人/经理) from project names, so a mistyped role is reported as such.
func looksLikeRole(w string) bool {
	return strings.Contains(w, "_") || strings.HasSuffix(w, "负责人") || strings.HasSuffix(w, "经理") || strings.HasSuffix(w, "领导")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// roleChangeWords are the words that change the directory: false gives a role,
// true takes it away.
var roleChangeWords = map[string]bool{"设置": false, "添加": false, "set": false, "add": false,
	"移除": true, "删除": true, "remove": true}

// runRoleChange gives a person a role or takes it away, tenant-wide or for a
// project (and category): 角色 设置 媒介负责人 孙浩 项目=翡翠湾. Teams already
// formed keep their members; complaints reported or upgraded later use it.
func runRoleChange(ctx context.Context, r *Request, remove bool) error {
	if err := r.require(qunsu.PermDirectory, nil); err != nil {
		return err
	}
	a, err := parseArgs(r.Words[1:])
	if err != nil {
		return err
	}
	if len(a.free) != 2 {
		return qunsu.Errorf(qunsu.EINVALID, "err.role_change_usage", r.Word, r.Words[0])
	}
	info, ok := qunsu.LookupRole(a.free[0])
	if !ok {
		return qunsu.Errorf(qunsu.EINVALID, "err.unknown_role", a.free[0], roleHelp())
	}
	person, ok := r.S.Directory.Person(a.free[1])
	if !ok {
		return qunsu.Errorf(qunsu.EINVALID, "err.unknown_person", a.free[1])
	}
	change := qunsu.RoleChange{At: r.Now, By: r.Speaker.ID, Platform: r.In.Platform, Remove: remove,
		Role: info.Key, Project: a.kv["project"], Person: person.ID}
	if v := a.kv["category"]; v != "" {
		if change.Category, err = categoryOf(v); err != nil {
			return err
		}
	}
	where := r.T("roles.everywhere")
	if change.Project != "" || change.Category != "" {
		where = orDash(change.Project) + " / " + orDash(qunsu.CategoryName(change.Category, r.Lang))
	}
	role := info.Name.In(r.Lang)
	switch holds := r.S.Directory.HoldsWithin(person.ID, change.Role, change.Project, change.Category); {
	case remove && !holds:
		return qunsu.Errorf(qunsu.EINVALID, "err.role_not_held", person.Name, role, where)
	case !remove && contains(r.S.Directory.Resolve(change.Role, change.Project, change.Category), person.ID):
		return qunsu.Errorf(qunsu.EINVALID, "err.role_held", person.Name, role, where)
	}
	key := "roles.given"
	if remove {
		key = "roles.taken"
	}
	r.reply(r.T(key, person.Name, role, where))
	err = r.E.Store.Commit(ctx, qunsu.Change{Tenant: r.S.Tenant, Roles: []qunsu.RoleChange{change},
		Handles: qunsu.InboundKey(r.In), Messages: r.takeReplies()})
	if err != nil {
		return err
	}
	r.E.log().Info("directory changed", "tenant", r.S.Tenant, "platform", r.In.Platform, "by", r.Speaker.ID,
		"person", person.ID, "role", change.Role, "project", change.Project, "category", change.Category, "remove", remove)
	return nil
}
