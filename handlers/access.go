package handlers

import (
	"strings"

	"qunsu"
)

// require refuses the speaker unless they may act under perm on complaint c,
// or on the whole tenant when c is nil. The refusal says who may.
func (r *Request) require(perm qunsu.Permission, c *qunsu.Complaint) error {
	project, category := "", ""
	if c != nil {
		project, category = c.Project, c.Category
	}
	if r.S.Allows(r.Speaker, perm, project, category) {
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
