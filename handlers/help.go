package handlers

import (
	"context"
	"strings"
	"sync"

	"qunsu"
	"qunsu/render"
)

func init() {
	register(&Command{Words: []string{"帮助", "help", "?", "？"}, HelpKey: "help.help", Order: 100, Open: true, Run: runHelp})
}

// runHelp lists every command with an example.
func runHelp(ctx context.Context, r *Request) error {
	r.reply(helpText(r.Lang))
	return nil
}

// helpTexts holds the help text of each language, built on first use: it is
// the same for everyone, and the most asked-for answer.
var helpTexts sync.Map // qunsu.Lang -> string

func helpText(lang qunsu.Lang) string {
	if s, ok := helpTexts.Load(lang); ok {
		return s.(string)
	}
	var b strings.Builder
	b.WriteString(render.T(lang, "help.title") + "\n")
	for _, c := range Commands() {
		b.WriteString(render.T(lang, c.HelpKey) + "\n")
	}
	b.WriteString(render.T(lang, "help.footer"))
	s, _ := helpTexts.LoadOrStore(lang, b.String())
	return s.(string)
}
