// Package render holds every text the bot writes, in Chinese and English, and
// turns domain values into chat posts.
package render

import (
	"fmt"

	"qunsu"
)

// T returns the text for key in lang, filled with args (fmt verbs).
func T(lang qunsu.Lang, key string, args ...any) string {
	cat := zh
	if lang == qunsu.LangEN {
		cat = en
	}
	format, ok := cat[key]
	if !ok {
		if format, ok = zh[key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// Error renders an error for a user: their fixable errors in full, anything else
// as an apology with no internals.
func Error(lang qunsu.Lang, err error) string {
	if e, ok := err.(*qunsu.Error); ok && e.Code != qunsu.EINTERNAL {
		return "⚠️ " + T(lang, e.Key, e.Args...)
	}
	return "⚠️ " + T(lang, "err.internal")
}
