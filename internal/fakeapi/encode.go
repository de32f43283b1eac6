package fakeapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// encoder writes a value into one buffer, walking Objects, slices, maps and
// raw messages itself and leaving other values to encoding/json. Its output
// and errors are those of encoding/json with Object.MarshalJSON calling
// Marshal for each field: the same bytes, without compacting each nested
// level's output again.
//
// Every value is written as encoding/json writes it with escapeHTML set as
// here; Object keys are always escaped, as json.Marshal wrote them.
type encoder struct {
	buf        []byte
	escapeHTML bool
	leaf       *json.Encoder // writes into buf; made on first use
	depth      int           // of nested slices and maps
}

var (
	objectType = reflect.TypeFor[Object]()
	rawType    = reflect.TypeFor[json.RawMessage]()
)

// maxDepth hands deeper slices and maps to encoding/json, which detects cycles
// and fails on them as it always has.
const maxDepth = 1000

func (e *encoder) Write(p []byte) (int, error) {
	e.buf = append(e.buf, p...)
	return len(p), nil
}

func (e *encoder) value(v any) error {
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case Object:
		// encoding/json wraps whatever MarshalJSON returns.
		if err := e.object(v); err != nil {
			return &json.MarshalerError{Type: objectType, Err: err}
		}
	case json.RawMessage:
		if v == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.compact(v); err != nil {
			return &json.MarshalerError{Type: rawType, Err: err}
		}
	case string:
		e.str(v, e.escapeHTML)
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(v), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, v, 10)
	case []Object:
		return array(e, v, func(o Object) error { return e.value(o) })
	case []string:
		return array(e, v, func(s string) error { e.str(s, e.escapeHTML); return nil })
	case []any:
		if v != nil && e.depth >= maxDepth {
			return e.leafValue(v)
		}
		e.depth++
		defer func() { e.depth-- }()
		return array(e, v, e.value)
	case map[string]any:
		if v == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if e.depth >= maxDepth {
			return e.leafValue(v)
		}
		e.depth++
		defer func() { e.depth-- }()
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		e.buf = append(e.buf, '{')
		for i, k := range keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.str(k, e.escapeHTML)
			e.buf = append(e.buf, ':')
			if err := e.value(v[k]); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
	default:
		return e.leafValue(v)
	}
	return nil
}

// array writes items as a JSON array, each with write; a nil slice is null.
func array[T any](e *encoder, items []T, write func(T) error) error {
	if items == nil {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	e.buf = append(e.buf, '[')
	for i, item := range items {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := write(item); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

// object writes o as its old MarshalJSON output compacted by encoding/json;
// the error is unwrapped, as MarshalJSON returns it.
func (e *encoder) object(o Object) error {
	if !stringKeys(o) {
		b, err := o.fieldByField()
		if err != nil {
			return err
		}
		return e.compact(b)
	}
	e.buf = append(e.buf, '{')
	for i, f := range o {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.str(f[0].(string), true)
		e.buf = append(e.buf, ':')
		if err := e.value(f[1]); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func stringKeys(o Object) bool {
	for _, f := range o {
		if _, ok := f[0].(string); !ok {
			return false
		}
	}
	return true
}

// compact appends src without its spaces, failing when it is not JSON, as
// encoding/json does with what a MarshalJSON returns.
func (e *encoder) compact(src []byte) error {
	if !e.escapeHTML || !mayEscape(src) {
		b := bytes.NewBuffer(e.buf)
		err := json.Compact(b, src)
		e.buf = b.Bytes()
		return err
	}
	var c bytes.Buffer
	if err := json.Compact(&c, src); err != nil {
		return err
	}
	b := bytes.NewBuffer(e.buf)
	json.HTMLEscape(b, c.Bytes())
	e.buf = b.Bytes()
	return nil
}

// mayEscape reports whether src holds a byte json.HTMLEscape may change: <, >,
// & or the first byte of U+2028 and U+2029.
func mayEscape(src []byte) bool {
	for _, c := range src {
		if c == '<' || c == '>' || c == '&' || c == 0xE2 {
			return true
		}
	}
	return false
}

// str writes s as a JSON string: directly when encoding/json would copy it
// unchanged between the quotes, else through encoding/json.
func (e *encoder) str(s string, escapeHTML bool) {
	if !verbatim(s, escapeHTML) {
		if escapeHTML != e.escapeHTML {
			b, _ := json.Marshal(s) // a string always encodes
			e.buf = append(e.buf, b...)
			return
		}
		_ = e.leafValue(s)
		return
	}
	e.buf = append(e.buf, '"')
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, '"')
}

// verbatim reports whether encoding/json writes s unchanged between quotes:
// no control characters, quotes or backslashes, valid UTF-8 without U+2028
// and U+2029, and no <, > or & when escaping them.
func verbatim(s string, escapeHTML bool) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			ascii = false
		case c < 0x20 || c == '"' || c == '\\':
			return false
		case escapeHTML && (c == '<' || c == '>' || c == '&'):
			return false
		}
	}
	return ascii || utf8.ValidString(s) && !strings.ContainsAny(s, "\u2028\u2029")
}

// leafValue writes v with encoding/json.
func (e *encoder) leafValue(v any) error {
	if e.leaf == nil {
		e.leaf = json.NewEncoder(e)
		e.leaf.SetEscapeHTML(e.escapeHTML)
	}
	n := len(e.buf)
	if err := e.leaf.Encode(v); err != nil {
		e.buf = e.buf[:n]
		return err
	}
	e.buf = e.buf[:len(e.buf)-1] // Encode ends with a newline
	return nil
}
