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
