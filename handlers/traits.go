package handlers

import (
	"strings"

	"qunsu"
	"qunsu/render"
)

// The fields of an ordinary complaint's handling: complex or simple (客户投诉管理制度
// §4.1) and the repair work it needs (004 §3.4.5). Report and update read them.
func init() {
	for key, field := range map[string]string{
		"复杂": "complex", "complex": "complex", "复杂投诉": "complex",
		"维修": "repair", "repair": "repair", "工种": "repair",
	} {
		fields[key] = field
	}
}

var (
	yesWords = []string{"是", "复杂", "yes", "y", "true", "1", "complex"}
	noWords  = []string{"否", "简单", "不是", "no", "n", "false", "0", "simple"}
)

// fillTraits reads complex=yes|no and repair=single|multi|none.
func fillTraits(rep *qunsu.Report, kv map[string]string) error {
	if v := strings.ToLower(strings.TrimSpace(kv["complex"])); v != "" {
		switch {
		case contains(yesWords, v):
			rep.Complex = true
		case contains(noWords, v):
			rep.Complex = false
		default:
			return qunsu.Errorf(qunsu.EINVALID, "err.bad_complex", kv["complex"])
		}
	}
	if v := strings.TrimSpace(kv["repair"]); v != "" {
		kind, ok := qunsu.LookupRepair(v)
		if !ok {
			return qunsu.Errorf(qunsu.EINVALID, "err.bad_repair", v)
		}
		rep.Repair = kind
	}
	return nil
}

// describeTraits says what an update changed of them: "复杂投诉 否→是".
func describeTraits(before, after qunsu.Report, lang qunsu.Lang) []string {
	var parts []string
	if before.Complex != after.Complex {
		parts = append(parts, render.T(lang, "change.complex", render.YesNo(before.Complex, lang), render.YesNo(after.Complex, lang)))
	}
	if before.Repair != after.Repair {
		parts = append(parts, render.T(lang, "change.repair", after.Repair.Name(lang)))
	}
	return parts
}
