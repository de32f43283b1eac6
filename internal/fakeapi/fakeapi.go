// Package fakeapi holds what the tests' fake chat platforms (slackfake,
// wecomfake) share: JSON objects that keep their keys in the order written,
// so answers read like the real ones, and waiting for background work.
package fakeapi

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"
)

// Object is a JSON object whose keys stay in the order written.
type Object []Field

// Field is one key of an Object and its value: {"ok", true}.
type Field [2]any

// MarshalJSON writes the fields in order.
func (o Object) MarshalJSON() ([]byte, error) {
	if !stringKeys(o) {
		return o.fieldByField()
	}
	e := encoder{}
	if err := e.object(o); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// fieldByField writes the fields one Marshal call each, the way encoding/json
// has always seen them; kept for keys that are not strings, whose output is
// not JSON and must fail exactly as it always has.
func (o Object) fieldByField() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f[0])
		b.Write(k)
		b.WriteByte(':')
		v, err := Marshal(f[1])
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Marshal encodes v as the platforms do: <, > and & as they are.
func Marshal(v any) ([]byte, error) {
	e := encoder{}
	if err := e.value(v); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// MarshalEscaped encodes v exactly as json.Marshal does (<, > and & as
// \u003c, \u003e and \u0026), in one pass: json.Marshal would check and
// copy each nested Object's output again at every level.
func MarshalEscaped(v any) ([]byte, error) {
	e := encoder{escapeHTML: true}
	if err := e.value(v); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// WaitFor polls cond until it holds or timeout passes, for senders that work
// in the background; it reports whether cond held.
func WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// SamplePNG is a small picture with a known pixel (red at 7,5), for tests
// that post files through the platforms.
func SamplePNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	img.Set(7, 5, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// IsSamplePNG reports whether data decodes to the picture SamplePNG draws.
func IsSamplePNG(data []byte) bool {
	img, err := png.Decode(bytes.NewReader(data))
	return err == nil && img.Bounds().Dx() == 40 && color.RGBAModel.Convert(img.At(7, 5)) == color.RGBA{200, 10, 10, 255}
}
