package render

func init() {
	add(en, map[string]string{
		"chart.file":            "complaint-summary-%s.png",
		"chart.title":           "%s complaint summary %s",
		"chart.open":            "Open complaints by grade and phase",
		"chart.daily":           "New and closed, last %d days",
		"chart.new":             "New",
		"chart.closed":          "Closed",
		"chart.day":             "Jan 2",
		"phase.short.aftercare": "aftercare",
	})
}
