package handlers

import (
	"strings"

	"qunsu"
)

// require refuses the speaker unless they may act under perm for a complaint
// in project ("" for acts that concern no project). The refusal says who may.
func (r *Request) require(perm qunsu.Permission, project string) error {
	if r.S.Allows(r.Speaker, perm, project) {
		return nil
	}
	sep := "、"
	if r.Lang == qunsu.LangEN {
		sep = ", "
	}
	var roles []string
	for _, role := range r.S.RolesFor(perm) {
		roles = append(roles, role.Name(r.Lang))
	}
	who := r.T("access.admins")
	if len(roles) > 0 {
		who = r.T("access.or_admins", strings.Join(roles, sep))
	}
	return qunsu.Errorf(qunsu.EFORBIDDEN, "err.forbidden", r.Word, who)
}
