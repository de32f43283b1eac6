// Package chart draws the summaries' charts as PNG pictures: bars drawn on
// an image with the standard library, labels with a built-in Chinese font.
// Two fixed panels of bars need no plotting library; drawing them here keeps
// the font (and so the Chinese labels) under control.
package chart

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"qunsu"
)

// The picture's size in pixels.
const (
	Width  = 1000
	Height = 800
)

// Where things are on the picture: the title, and the two panels below it.
var (
	titleArea  = image.Rect(0, 0, Width, 64)
	openArea   = image.Rect(0, 64, Width, 432)
	dailyArea  = image.Rect(0, 432, Width, Height)
	background = color.RGBA{255, 255, 255, 255}
	ink        = color.RGBA{33, 37, 41, 255}
	faint      = color.RGBA{110, 117, 125, 255}
	gridColor  = color.RGBA{226, 230, 234, 255}
	// phases: early to late, warm to calm; new and closed: red and green.
	phaseColors = []color.RGBA{{220, 53, 69, 255}, {253, 126, 20, 255}, {13, 110, 253, 255}, {108, 117, 125, 255}}
	dailyColors = []color.RGBA{{214, 51, 108, 255}, {25, 135, 84, 255}}
)

// TitleArea, OpenArea and DailyArea are where the title and the two panels are drawn.
func TitleArea() image.Rectangle { return titleArea }
func OpenArea() image.Rectangle  { return openArea }
func DailyArea() image.Rectangle { return dailyArea }

// Charter draws the charts; it holds nothing and is safe for concurrent use.
type Charter struct{}

var _ qunsu.Charter = Charter{}

// SummaryChart draws the summary's two panels on one PNG.
func (Charter) SummaryChart(c qunsu.SummaryChart) (qunsu.File, error) {
	img, err := Draw(c)
	if err != nil {
		return qunsu.File{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return qunsu.File{}, fmt.Errorf("chart: encode: %w", err)
	}
	return qunsu.File{Name: c.Name, Type: qunsu.TypePNG, Title: c.Title, Data: buf.Bytes()}, nil
}

// Draw draws the summary's chart.
func Draw(c qunsu.SummaryChart) (*image.RGBA, error) {
	cv, err := newCanvas()
	if err != nil {
		return nil, err
	}
	cv.text(c.Title, cv.title, ink, Width/2, titleArea.Min.Y+42, center)
	open := make([][]int, len(c.Grades))
	for g := range open {
		open[g] = make([]int, len(c.Phases))
		if g < len(c.Open) {
			copy(open[g], c.Open[g])
		}
	}
	cv.bars(openArea, panel{title: c.OpenTitle, groups: c.Grades, series: c.Phases, colors: phaseColors, values: open})
	daily := make([][]int, len(c.Days))
	for d := range daily {
		daily[d] = []int{at(c.New, d), at(c.Closed, d)}
	}
	cv.bars(dailyArea, panel{title: c.DailyTitle, groups: c.Days, series: []string{c.NewLabel, c.ClosedLabel},
		colors: dailyColors, values: daily})
	return cv.img, nil
}

func at(v []int, i int) int {
	if i < len(v) {
		return v[i]
	}
	return 0
}

// canvas is a picture being drawn, with the font at the sizes used.
type canvas struct {
	img                          *image.RGBA
	title, heading, label, small font.Face
}

func newCanvas() (*canvas, error) {
	f, err := cjkFont()
	if err != nil {
		return nil, err
	}
	cv := &canvas{img: image.NewRGBA(image.Rect(0, 0, Width, Height))}
	for _, s := range []struct {
		face *font.Face
		px   float64
	}{{&cv.title, 28}, {&cv.heading, 20}, {&cv.label, 15}, {&cv.small, 13}} {
		if *s.face, err = face(f, s.px); err != nil {
			return nil, fmt.Errorf("chart: font: %w", err)
		}
	}
	draw.Draw(cv.img, cv.img.Bounds(), image.NewUniform(background), image.Point{}, draw.Src)
	return cv, nil
}

type align int

const (
	left align = iota
	center
	right
)

// text draws s with its baseline at y, starting, centred or ending at x.
func (cv *canvas) text(s string, f font.Face, c color.Color, x, y int, a align) {
	d := &font.Drawer{Dst: cv.img, Src: image.NewUniform(c), Face: f}
	w := d.MeasureString(s).Round()
	switch a {
	case center:
		x -= w / 2
	case right:
		x -= w
	}
	d.Dot = fixed.P(x, y)
	d.DrawString(s)
}

func (cv *canvas) fill(r image.Rectangle, c color.Color) {
	draw.Draw(cv.img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// panel is a bar chart: one group of bars per group, one bar per series.
type panel struct {
	title          string
	groups, series []string
	colors         []color.RGBA
	values         [][]int // values[group][series]
}

// bars draws a panel in area: its title and legend on top, the scale on the
// left, the groups' names below.
func (cv *canvas) bars(area image.Rectangle, p panel) {
	cv.text(p.title, cv.heading, ink, area.Min.X+40, area.Min.Y+30, left)
	cv.legend(area, p)
	plot := image.Rect(area.Min.X+72, area.Min.Y+80, area.Max.X-32, area.Max.Y-40)
	most := 0
	for _, g := range p.values {
		for _, v := range g {
			most = max(most, v)
		}
	}
	step, top := scale(most)
	for v := 0; v <= top; v += step {
		y := plot.Max.Y - v*plot.Dy()/top
		cv.fill(image.Rect(plot.Min.X, y, plot.Max.X, y+1), gridColor)
		cv.text(strconv.Itoa(v), cv.small, faint, plot.Min.X-8, y+5, right)
	}
	cv.fill(image.Rect(plot.Min.X, plot.Max.Y, plot.Max.X, plot.Max.Y+2), ink)
	if len(p.groups) == 0 {
		return
	}
	groupW := plot.Dx() / len(p.groups)
	pad := groupW / 6
	barW := max(1, (groupW-2*pad)/max(1, len(p.series)))
	for g, name := range p.groups {
		x0 := plot.Min.X + g*groupW
		cv.text(name, cv.label, ink, x0+groupW/2, plot.Max.Y+24, center)
		for s, v := range p.values[g] {
			if v <= 0 {
				continue
			}
			h := max(1, v*plot.Dy()/top)
			x := x0 + pad + s*barW
			cv.fill(image.Rect(x+1, plot.Max.Y-h, x+barW-1, plot.Max.Y), p.colors[s%len(p.colors)])
			cv.text(strconv.Itoa(v), cv.small, ink, x+barW/2, plot.Max.Y-h-4, center)
		}
	}
}

// legend names the series, with their colours, on the right of the title line.
func (cv *canvas) legend(area image.Rectangle, p panel) {
	x := area.Max.X - 32
	for s := len(p.series) - 1; s >= 0; s-- {
		w := font.MeasureString(cv.label, p.series[s]).Round()
		x -= w
		cv.text(p.series[s], cv.label, ink, x, area.Min.Y+30, left)
		x -= 20
		cv.fill(image.Rect(x, area.Min.Y+18, x+14, area.Min.Y+32), p.colors[s%len(p.colors)])
		x -= 18
	}
}

// scale picks the step of the scale's lines (1, 2 or 5 times a power of
// ten, at most 5 lines) and its top, a multiple of the step at or above most.
func scale(most int) (step, top int) {
	if most <= 0 {
		return 1, 1
	}
	for base := 1; ; base *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = base * m
			if top = (most + step - 1) / step * step; top/step <= 5 {
				return step, top
			}
		}
	}
}
