package chart

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"qunsu"
)

func sample() qunsu.SummaryChart {
	return qunsu.SummaryChart{
		Name: "汇总-2026-11-23.png", Title: "华南公司 群诉汇总 2026-11-23",
		OpenTitle:  "进行中的群诉（按级别与阶段）",
		Grades:     []string{"一般", "较大", "重大", "危机"},
		Phases:     []string{"发生", "应对", "处理", "善后"},
		Open:       [][]int{{3, 5, 12, 4}, {1, 2, 3, 0}, {0, 1, 1, 2}, {0, 0, 1, 0}},
		DailyTitle: "近14天新增与结案",
		Days: []string{"11-10", "11-11", "11-12", "11-13", "11-14", "11-15", "11-16",
			"11-17", "11-18", "11-19", "11-20", "11-21", "11-22", "11-23"},
		NewLabel: "新增", ClosedLabel: "结案",
		New:    []int{1, 2, 0, 3, 5, 1, 0, 0, 2, 4, 7, 1, 2, 3},
		Closed: []int{0, 1, 1, 2, 0, 3, 1, 0, 0, 2, 1, 5, 2, 1},
	}
}

// The file is a PNG of the documented size, named and typed for the platforms.
func TestSummaryChartIsAPNG(t *testing.T) {
	f, err := Charter{}.SummaryChart(sample())
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "汇总-2026-11-23.png" || f.Type != qunsu.TypePNG || !f.IsImage() || f.Title == "" {
		t.Errorf("file = %q %q %q", f.Name, f.Type, f.Title)
	}
	img, err := png.Decode(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatalf("the PNG does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height {
		t.Errorf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), Width, Height)
	}
	t.Logf("%d bytes", len(f.Data))
}

// inked counts the pixels of r that are not the background.
func inked(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) != background {
				n++
			}
		}
	}
	return n
}

// differ counts the pixels of r that differ between two pictures.
func differ(a, b image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return n
}

// Chinese labels are drawn as glyphs: the title area has ink, and titles
// that differ in one hanzi differ there (a missing glyph draws the same box
// or nothing for both).
func TestChineseLabelsAreDrawn(t *testing.T) {
	if missing, err := Missing("华南公司群诉汇总进行中的按级别与阶段一般较大重大危机发生应对处理善后近天新增结案（）"); err != nil || len(missing) > 0 {
		t.Fatalf("the font lacks %q (%v)", string(missing), err)
	}
	if missing, _ := Missing("𠀀"); len(missing) != 1 {
		t.Errorf("a character outside the font is not reported missing: %q", string(missing))
	}
	c := sample()
	a, err := Draw(c)
	if err != nil {
		t.Fatal(err)
	}
	if n := inked(a, TitleArea()); n < 500 {
		t.Errorf("the title area has %d inked pixels; the title is not drawn", n)
	}
	c.Title = "华南公司 群诉统计 2026-11-23" // 汇 → 统
	b, _ := Draw(c)
	if n := differ(a, b, TitleArea()); n < 50 {
		t.Errorf("titles differing in a hanzi differ in %d pixels only", n)
	}
	if n := differ(a, b, image.Rect(0, TitleArea().Max.Y, Width, Height)); n != 0 {
		t.Errorf("changing the title changed %d pixels of the panels", n)
	}
	c = sample()
	c.OpenTitle, c.Phases[0] = "", "" // the panel's title and a legend entry gone
	d, _ := Draw(c)
	heading := image.Rect(0, OpenArea().Min.Y, Width, OpenArea().Min.Y+40)
	if n := differ(a, d, heading); n < 200 {
		t.Errorf("the panel's Chinese title and legend account for %d pixels only", n)
	}
}

// barHeight measures the bar of colour c in column x of the picture: how
// many pixels of that colour it has.
func barHeight(img image.Image, x int, r image.Rectangle, c color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		if color.RGBAModel.Convert(img.At(x, y)) == c {
			n++
		}
	}
	return n
}

// colourRuns finds the columns where colour c appears in r, left to right, as
// runs; it returns the middle of each run.
func colourRuns(img image.Image, r image.Rectangle, c color.RGBA) []int {
	var mids []int
	start := -1
	for x := r.Min.X; x <= r.Max.X; x++ {
		has := x < r.Max.X && barHeight(img, x, r, c) > 0
		switch {
		case has && start < 0:
			start = x
		case !has && start >= 0:
			mids = append(mids, (start+x-1)/2)
			start = -1
		}
	}
	return mids
}

// The bars follow the data: more open complaints, a taller bar; a day
// without complaints, no bar.
func TestBarsFollowTheData(t *testing.T) {
	c := sample()
	img, err := Draw(c)
	if err != nil {
		t.Fatal(err)
	}
	// 处理 (blue) has bars for 一般 12, 较大 3, 重大 1, 危机 1.
	blue := phaseColors[2]
	plot := image.Rect(0, OpenArea().Min.Y+80, Width, OpenArea().Max.Y-40)
	runs := colourRuns(img, plot, blue)
	if len(runs) != 4 {
		t.Fatalf("%d bars of the 处理 colour, want 4", len(runs))
	}
	h := func(x int) int { return barHeight(img, x, plot, blue) }
	if !(h(runs[0]) > 3*h(runs[1])) || !(h(runs[1]) > h(runs[2])) || h(runs[2]) != h(runs[3]) {
		t.Errorf("bar heights %d %d %d %d for 12 3 1 1", h(runs[0]), h(runs[1]), h(runs[2]), h(runs[3]))
	}
	c.Open[1][2] = 2 // the scale stays as it is
	less, _ := Draw(c)
	if got := barHeight(less, runs[1], plot, blue); got >= h(runs[1]) || got == 0 {
		t.Errorf("fewer open complaints: bar %d px, was %d", got, h(runs[1]))
	}

	// New (magenta) per day: 13 days with complaints, one bar each.
	daily := image.Rect(0, DailyArea().Min.Y+80, Width, DailyArea().Max.Y-40)
	news := colourRuns(img, daily, dailyColors[0])
	if want := 11; len(news) != want { // 14 days, three without complaints
		t.Errorf("%d bars of new complaints at %v, want %d", len(news), news, want)
	}
	c = sample()
	c.Closed = make([]int, 14)
	none, _ := Draw(c)
	if runs := colourRuns(none, daily, dailyColors[1]); len(runs) != 0 {
		t.Errorf("no complaints closed, yet %d bars of the closed colour", len(runs))
	}
}

// An empty summary still draws: the axes and labels, no bars.
func TestEmptyChart(t *testing.T) {
	c := sample()
	c.Open = nil
	c.New, c.Closed = nil, nil
	img, err := Draw(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, area := range []image.Rectangle{OpenArea(), DailyArea()} {
		plot := image.Rect(0, area.Min.Y+80, Width, area.Max.Y-40)
		for _, col := range append(append([]color.RGBA{}, phaseColors...), dailyColors...) {
			if runs := colourRuns(img, plot, col); len(runs) > 0 {
				t.Errorf("bars of colour %v in an empty chart", col)
			}
		}
	}
	if n := inked(img, TitleArea()); n < 500 {
		t.Errorf("an empty chart has no title (%d pixels)", n)
	}
}

func TestScale(t *testing.T) {
	for _, tc := range []struct{ most, step, top int }{
		{0, 1, 1}, {1, 1, 1}, {5, 1, 5}, {6, 2, 6}, {12, 5, 15}, {99, 20, 100}, {10000, 2000, 10000},
	} {
		if step, top := scale(tc.most); step != tc.step || top != tc.top {
			t.Errorf("scale(%d) = %d, %d; want %d, %d", tc.most, step, top, tc.step, tc.top)
		}
	}
}

// BenchmarkSummaryChart draws and encodes the summary's chart.
func BenchmarkSummaryChart(b *testing.B) {
	c := sample()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Charter{}).SummaryChart(c); err != nil {
			b.Fatal(err)
		}
	}
}
