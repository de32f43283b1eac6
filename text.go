package qunsu

import (
	"encoding/json"
	"sync"
)

// Lang is a message language: "zh" (default) or "en".
type Lang string

const (
	LangZH Lang = "zh"
	LangEN Lang = "en"
)

// Text is a piece of configurable wording in several languages.
type Text map[Lang]string

// In returns the text in lang, falling back to Chinese, then to any language.
func (t Text) In(lang Lang) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	if s, ok := t[LangZH]; ok && s != "" {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// Texts decoded from JSON are shared: they come from the configuration (a
// task's name, a rule's clause) and repeat in every stored complaint, and a
// summary decodes thousands of complaints. Freshly planned tasks share the
// configuration's maps the same way; a Text is never changed in place.
var interned = struct {
	sync.RWMutex
	m map[string]Text
}{m: map[string]Text{}}

// maxInterned bounds the texts kept shared; others are decoded each time.
const maxInterned = 1024

// UnmarshalJSON decodes a text, sharing the map of an equal one decoded before.
func (t *Text) UnmarshalJSON(b []byte) error {
	interned.RLock()
	shared, ok := interned.m[string(b)]
	interned.RUnlock()
	if ok {
		*t = shared
		return nil
	}
	var m map[Lang]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = m
	interned.Lock()
	if len(interned.m) < maxInterned {
		interned.m[string(b)] = m
	}
	interned.Unlock()
	return nil
}
