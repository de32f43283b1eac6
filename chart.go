package qunsu

// SummaryChart is what a summary's chart shows, its words already in the
// reader's language: open complaints by grade and phase, and complaints
// reported and closed per day.
type SummaryChart struct {
	Name  string // the file's name, e.g. 汇总-2026-11-23.png
	Title string // above both panels

	OpenTitle string   // the first panel's title
	Grades    []string // along its axis, e.g. 一般, 较大, 重大, 危机
	Phases    []string // its series, one bar per phase in each grade
	Open      [][]int  // Open[grade][phase]

	DailyTitle  string   // the second panel's title
	Days        []string // along its axis, oldest first, e.g. 11-10
	NewLabel    string   // the series of complaints reported per day
	ClosedLabel string   // the series of complaints closed per day
	New, Closed []int    // per day, as Days
}

// Charter draws charts as pictures.
type Charter interface {
	// SummaryChart draws c as a PNG file.
	SummaryChart(c SummaryChart) (File, error)
}
