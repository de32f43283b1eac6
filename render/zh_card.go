package render

func init() {
	add(zh, map[string]string{
		"grade.clause":      "，依据%s",
		"grade.hint":        "（%s）",
		"reason.households": "%d户(%s)",
		"reason.people":     "%d人(%s)",
		"reason.amount":     "%d元(%s)",
		"reason.age_days":   "已%d天(%s)",
		"reason.no_overt":   "无过度维权行为",
		"reason.overt":      "%s(过度维权行为)",
		"unit.households":   "户",
		"unit.people":       "人",
		"unit.amount":       "元",
		"unit.age_days":     "天",
		"range.atleast":     "%d%s及以上",
		"range.atmost":      "≤%d%s",
		"range.between":     "%d–%d%s",
		"colon":             "：",
		"list.sep":          "、",
		"phase.occurrence":  "发生阶段（T0 → T0+6h）",
		"phase.response":    "应对阶段（6h → 48h）",
		"phase.handling":    "处理阶段（48h → 结案）",
		"phase.aftercare":   "善后阶段（结案后）",
		"card.title":        "📋 群诉",
		"card.grade":        "等级：",
		"card.manual":       "人工调整为%s",
		"card.households":   "户数：%d",
		"card.people":       "人数：%d",
		"card.amount":       "金额：%d元",
		"card.category":     "类别：%s",
		"card.actions":      "行为：%s",
		"card.times":        "发生：%s　上报：%s（%s）",
		"card.summary":      "描述：",
		"card.phase":        "阶段：",
		"card.team":         "应对小组（请回复「收到 %s」确认）：",
		"card.notified":     "（知会）",
		"card.lead":         "（牵头）",
		"card.vacant":       "⚠️ 通讯录未配置：%s",
		"card.tasks":        "期限：",
		"task.auto":         "✅ %s — 机器人已完成%s",
		"task.done":         "✅ %s — %s 由 %s 完成%s",
		"task.paused":       "⏸ %s — %s · %s（已结案，暂停）%s",
		"task.overdue":      "🔴 %s — %s（已逾期%s）· %s%s",
		"task.open":         "☐ %s — %s · %s%s",
	})
}

// add copies texts into a catalog; each file of texts adds its own.
func add(cat, texts map[string]string) {
	for k, v := range texts {
		cat[k] = v
	}
}
