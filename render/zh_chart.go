package render

func init() {
	add(zh, map[string]string{
		"chart.file":            "群诉汇总-%s.png",
		"chart.title":           "%s 群诉汇总 %s",
		"chart.open":            "未结群诉（按级别与阶段）",
		"chart.daily":           "近%d天新增与结案",
		"chart.new":             "新增",
		"chart.closed":          "结案",
		"chart.day":             "01-02",
		"phase.short.aftercare": "善后",
	})
}
