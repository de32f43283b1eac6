package qunsu

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
