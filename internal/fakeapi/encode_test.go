package fakeapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// oldObject is Object as it was first written: each field through Marshal,
// which encoding/json then compacts and checks again at every level. The
// encoder must give exactly its bytes and errors.
type oldObject []Field

func (o oldObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f[0])
		b.Write(k)
		b.WriteByte(':')
		v, err := oldMarshal(f[1])
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func oldMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// toOld rebuilds v with oldObject wherever it has an Object.
func toOld(v any) any {
	switch v := v.(type) {
	case Object:
		if v == nil {
			return oldObject(nil)
		}
		o := make(oldObject, len(v))
		for i, f := range v {
			o[i] = Field{f[0], toOld(f[1])}
		}
		return o
	case []Object:
		if v == nil {
			return []oldObject(nil)
		}
		out := make([]oldObject, len(v))
		for i, x := range v {
			out[i] = toOld(x).(oldObject)
		}
		return out
	case []any:
		if v == nil {
			return v
		}
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = toOld(x)
		}
		return out
	case map[string]any:
		if v == nil {
			return v
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = toOld(x)
		}
		return out
	case map[string]Object:
		out := make(map[string]oldObject, len(v))
		for k, x := range v {
			out[k] = toOld(x).(oldObject)
		}
		return out
	case wrapper:
		return oldWrapper{O: toOld(v.O).(oldObject), S: v.S}
	}
	return v
}

// wrapper reaches Objects through encoding/json's own struct encoding.
type wrapper struct {
	O Object `json:"o"`
	S string `json:"s"`
}

type oldWrapper struct {
	O oldObject `json:"o"`
	S string    `json:"s"`
}

// sameAsOld checks the three ways an Object is written against the old ones:
// Marshal, MarshalEscaped (for json.Marshal) and json.Marshal itself, which
// calls Object.MarshalJSON.
func sameAsOld(t *testing.T, name string, v any) {
	t.Helper()
	old := toOld(v)
	check := func(how string, got []byte, gotErr error, want []byte, wantErr error) {
		t.Helper()
		g, w := errText(gotErr), errText(wantErr)
		if !bytes.Equal(got, want) || g != w {
			t.Errorf("%s: %s\n got %q (err %s)\nwant %q (err %s)", name, how, got, g, want, w)
		}
	}
	got, gotErr := Marshal(v)
	want, wantErr := oldMarshal(old)
	check("Marshal", got, gotErr, want, wantErr)
	got, gotErr = MarshalEscaped(v)
	want, wantErr = json.Marshal(old)
	check("MarshalEscaped", got, gotErr, want, wantErr)
	got, gotErr = json.Marshal(v)
	check("json.Marshal", got, gotErr, want, wantErr)
	if o, ok := v.(Object); ok {
		got, gotErr = o.MarshalJSON()
		want, wantErr = toOld(o).(oldObject).MarshalJSON()
		check("MarshalJSON", got, gotErr, want, wantErr)
	}
}

// errText names the old type as the new one, so errors can be compared.
func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.ReplaceAll(err.Error(), "oldObject", "Object")
}

func TestEncoderMatchesOld(t *testing.T) {
	cases := map[string]any{
		"flat": Object{{"ok", true}, {"error", "channel_not_found"}, {"n", 3}, {"t", int64(1763773200)}, {"none", nil}},
		"nested": Object{{"ok", true}, {"channel", Object{{"id", "C1"}, {"topic", Object{{"value", ""}, {"last_set", 0}}}}},
			{"message", Object{{"bot_profile", Object{{"deleted", false}}}, {"pinned_to", []string{"C1"}}}}},
		"arrays of objects": Object{{"channels", []Object{{{"id", "C1"}}, {{"id", "C2"}, {"x", []Object{}}}}}, {"none", []Object(nil)}, {"empty", []Object{}}},
		"raw messages": Object{
			{"blocks", json.RawMessage("[ {\"type\" : \"section\",\n\t\"text\": {\"text\": \"a <b> & c\"} } ]")},
			{"payload", json.RawMessage(`{}`)}, {"nil", json.RawMessage(nil)},
			{"unicode", json.RawMessage("{ \"s\": \"行\u2028线\u2029 <&> \\u003c é\" }")},
			{"number", json.RawMessage(" 1.50e3 ")},
		},
		"strings": Object{
			{"html", "<@U1> & <#C1|room> > x"}, {"zh", "群诉：业主群（3 栋）"}, {"emoji", "🏠 ok"},
			{"separators", "a\u2028b\u2029c"}, {"control", "tab\there\nline\r\x00\x1f\b\f"}, {"unit separator", "a\x1fb"}, {"quotes", `"q" \ back`},
			{"invalid utf8", "bad \xff\xfe byte"}, {"del", "\x7f"}, {"empty", ""}, {"<key>&", "key escaped"},
		},
		"numbers": Object{{"i", -42}, {"i64", int64(math.MaxInt64)}, {"f", 1.5}, {"big", 1e21}, {"small", 1e-7}, {"whole", 3.0},
			{"u", uint8(7)}, {"i32", int32(-9)}, {"num", json.Number("12.5")}},
		"bools and nil": Object{{"t", true}, {"f", false}, {"nil", nil}, {"nil object", Object(nil)}, {"nil map", map[string]any(nil)},
			{"nil slice", []any(nil)}, {"nil strings", []string(nil)}, {"empty strings", []string{}}},
		"decoded JSON": Object{{"view", map[string]any{"type": "modal", "blocks": []any{map[string]any{"<b>": "&", "n": 1.0}}, "title": nil}},
			{"list", []any{"a", 1.0, true, nil, Object{{"in", "list"}}, map[string]any{"o": Object{{"k", "<v>"}}}}}},
		"other types": Object{{"field", Field{"a", Object{{"b", 1}}}}, {"struct", wrapper{O: Object{{"x", "<y>"}}, S: "&"}},
			{"map of objects", map[string]Object{"z": {{"a", 1}}, "a": {{"b", "<"}}}}, {"bytes", []byte("hi")}},
		"empty object":      Object{},
		"nil object":        Object(nil),
		"top-level slice":   []Object{{{"a", "<>"}}},
		"top-level raw":     json.RawMessage(" [1, 2] "),
		"top-level string":  "x <y>",
		"top-level map":     map[string]any{"b": Object{{"c", "&"}}, "a": []any{}},
		"top-level nil":     nil,
		"bad raw":           Object{{"a", Object{{"b", json.RawMessage(`{"x":`)}}}},
		"empty raw":         Object{{"a", json.RawMessage{}}},
		"bad raw in slice":  Object{{"a", []any{1, json.RawMessage("nope")}}},
		"bad raw in map":    Object{{"a", map[string]any{"k": []Object{{{"r", json.RawMessage("[")}}}}}},
		"NaN":               Object{{"ok", true}, {"x", Object{{"f", math.NaN()}}}},
		"unsupported type":  Object{{"f", func() {}}},
		"unsupported chan":  []any{Object{{"c", make(chan int)}}},
		"error after bytes": Object{{"a", "written first"}, {"b", math.Inf(1)}, {"c", "never"}},
		"int key":           Object{{1, "x"}},
		"int key nested":    Object{{"a", Object{{true, "x"}}}},
		"nil key":           Object{{nil, "x"}},
		"func key":          Object{{"a", []Object{{{func() {}, 1}}}}},
		"string-like key":   Object{{json.Number("1"), "x"}},
	}
	for name, v := range cases {
		sameAsOld(t, name, v)
	}
}

// TestEncoderMatchesOldRandom compares random trees of every kind the
// encoder walks itself, with leaves that need escaping among them.
func TestEncoderMatchesOldRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		sameAsOld(t, fmt.Sprint("tree ", i), randomValue(r, 4))
	}
}

var randomStrings = []string{"", "plain", "<@U1>", "a & b", "群诉", "\u2028", "\"", `\`, "\n", "\xff", "é>", "\x7f", "tab\t"}

func randomValue(r *rand.Rand, depth int) any {
	n := 10
	if depth > 0 {
		n = 16
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return r.IntN(2000) - 1000
	case 3:
		return r.Float64() * math.Pow(10, float64(r.IntN(50)-25))
	case 4, 5:
		return randomStrings[r.IntN(len(randomStrings))]
	case 6:
		raws := []string{"{}", " [ 1 ,\n 2 ] ", `{"a" : "<b>&"}`, "\"\u2028\"", `"é"`, "null", "tru", ""}
		return json.RawMessage(raws[r.IntN(len(raws))])
	case 7:
		return int64(r.Uint64() >> 1)
	case 8:
		out := make([]string, r.IntN(3))
		for i := range out {
			out[i] = randomStrings[r.IntN(len(randomStrings))]
		}
		return out
	case 9:
		return json.RawMessage(nil)
	case 10, 11:
		o := Object{}
		for range r.IntN(4) {
			o = append(o, Field{randomStrings[r.IntN(len(randomStrings))], randomValue(r, depth-1)})
		}
		return o
	case 12:
		out := make([]Object, r.IntN(3))
		for i := range out {
			out[i] = Object{{"k", randomValue(r, depth-1)}}
		}
		return out
	case 13:
		out := make([]any, r.IntN(3))
		for i := range out {
			out[i] = randomValue(r, depth-1)
		}
		return out
	case 14:
		out := map[string]any{}
		for range r.IntN(3) {
			out[randomStrings[r.IntN(len(randomStrings))]] = randomValue(r, depth-1)
		}
		return out
	default:
		return math.NaN()
	}
}

// FuzzEncoderMatchesOld writes any JSON text, as a raw message and decoded
// into Objects, and any string, the old way and the new.
func FuzzEncoderMatchesOld(f *testing.F) {
	f.Add([]byte(`{"a": [1, "<b>", {"c": null}]}`), "x & y")
	f.Add([]byte(" [ \"\u2028\" ] "), "\xff")
	f.Add([]byte(`{"x":`), "")
	f.Fuzz(func(t *testing.T, doc []byte, s string) {
		var decoded any
		_ = json.Unmarshal(doc, &decoded)
		sameAsOld(t, "fuzz", Object{{s, s}, {"raw", json.RawMessage(doc)}, {"decoded", asObjects(decoded)}})
	})
}

// asObjects turns decoded JSON objects into Objects.
func asObjects(v any) any {
	switch v := v.(type) {
	case map[string]any:
		o := Object{}
		for k, x := range v {
			o = append(o, Field{k, asObjects(x)})
		}
		return o
	case []any:
		for i := range v {
			v[i] = asObjects(v[i])
		}
	}
	return v
}

// TestEncoderCycles: a map or slice holding itself fails as encoding/json
// fails on it, instead of recursing without end.
func TestEncoderCycles(t *testing.T) {
	m := map[string]any{}
	m["self"] = m
	s := []any{nil}
	s[0] = s
	for name, v := range map[string]any{"map": m, "slice": s} {
		_, err := Marshal(Object{{"v", v}})
		_, want := oldMarshal(oldObject{{"v", v}})
		if err == nil || errText(err) != errText(want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
		_, err = MarshalEscaped(v)
		_, want = json.Marshal(v)
		if err == nil || errText(err) != errText(want) {
			t.Errorf("%s escaped: %v, want %v", name, err, want)
		}
	}
}

// BenchmarkReply writes an answer shaped like chat.update's, the old way and
// the new.
func BenchmarkReply(b *testing.B) {
	msg := Object{{"user", "UBOT"}, {"type", "message"}, {"ts", "1763773200.000100"}, {"text", "群诉 <@U1> & more"},
		{"bot_profile", Object{{"id", "BBOT"}, {"deleted", false}, {"team_id", "T0TEST"}}},
		{"edited", Object{{"user", "UBOT"}, {"ts", "1763773201.000100"}}}, {"pinned_to", []string{"C1"}},
		{"blocks", json.RawMessage(`[{"type":"section","text":{"type":"mrkdwn","text":"a > b"}},{"type":"actions","elements":[{"type":"button","action_id":"take","text":{"type":"plain_text","text":"Take"},"value":"c-1"}]}]`)},
		{"metadata", Object{{"event_type", "complaint"}, {"event_payload", json.RawMessage(`{"id":"c-1"}`)}}}}
	reply := Object{{"ok", true}, {"channel", "C1"}, {"ts", "1763773200.000100"}, {"text", "群诉"}, {"message", msg}}
	old := toOld(reply)
	b.Run("old", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(old)
		}
	})
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = MarshalEscaped(reply)
		}
	})
}
