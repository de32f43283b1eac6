package chart

import (
	_ "embed"
	"fmt"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// The charts carry Chinese labels, and a machine may have no Chinese font (a
// fresh laptop running the console, a CI runner, a slim container): the font
// is built in. It is Noto Sans CJK SC cut down to ASCII, punctuation and the
// 6,763 hanzi of GB2312 (1.6 MB; SIL Open Font License, see font/OFL.txt);
// scripts/cjk-font.sh makes it from Debian's fonts-noto-cjk.
//
//go:embed font/NotoSansSC-Subset.otf
var notoSC []byte

var (
	parsed   *sfnt.Font
	parseErr error
	parseOne sync.Once
)

// cjkFont returns the built-in font, parsed once.
func cjkFont() (*sfnt.Font, error) {
	parseOne.Do(func() {
		parsed, parseErr = opentype.Parse(notoSC)
		if parseErr != nil {
			parseErr = fmt.Errorf("chart: font: %w", parseErr)
		}
	})
	return parsed, parseErr
}

// face is the font at a size in pixels.
func face(f *sfnt.Font, px float64) (font.Face, error) {
	return opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
}

// Missing returns the characters of s the built-in font cannot draw (a rare
// hanzi outside GB2312): they would show as empty boxes.
func Missing(s string) ([]rune, error) {
	f, err := cjkFont()
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	var out []rune
	for _, r := range s {
		if r == ' ' || r == '\n' {
			continue
		}
		if i, err := f.GlyphIndex(&buf, r); err != nil || i == 0 {
			out = append(out, r)
		}
	}
	return out, nil
}
