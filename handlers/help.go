package handlers

import (
	"context"
	"strings"
)

func init() {
	register(&Command{Words: []string{"帮助", "help", "?", "？"}, HelpKey: "help.help", Order: 100, Open: true, Run: runHelp})
}

// runHelp lists every command with an example.
func runHelp(ctx context.Context, r *Request) error {
	var b strings.Builder
	b.WriteString(r.T("help.title") + "\n")
	for _, c := range Commands() {
		b.WriteString(r.T(c.HelpKey) + "\n")
	}
	b.WriteString(r.T("help.footer"))
	r.reply(b.String())
	return nil
}
