package wecom

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"qunsu"
)

// render turns a message into WeCom markdown: a card's blocks with its title
// in bold, people by name (markdown cannot @; the userids come back for a
// group robot's text, which can), complaint chats by name, and the commands a
// platform with buttons would offer, ready to be typed.
func (a *Adapter) render(ctx context.Context, m qunsu.Message) (content string, mentioned []string) {
	text := m.Text
	if len(m.Blocks) > 0 {
		var parts []string
		for _, b := range m.Blocks {
			switch b.Kind {
			case qunsu.BlockHeader:
				parts = append(parts, "**"+b.Text+"**")
			case qunsu.BlockDivider:
				parts = append(parts, "")
			default:
				parts = append(parts, b.Text)
			}
		}
		text = strings.Join(parts, "\n")
	}
	text = qunsu.RenderMentions(text, func(person string) string {
		p, known := a.tenant.Directory.Person(person)
		if !known {
			return "@" + person
		}
		if p.WeCom != "" && !slices.Contains(mentioned, p.WeCom) {
			mentioned = append(mentioned, p.WeCom)
		}
		return "@" + p.Name
	})
	text = qunsu.RenderChatLinks(text, func(complaint string) string {
		if title, ok, err := a.memory.Recall(ctx, a.tenant.Tenant, titleKey(complaint)); err == nil && ok {
			return "「" + title + "」"
		}
		return "「" + complaint + "」"
	})
	if len(m.Buttons) > 0 {
		var cmds []string
		for _, b := range m.Buttons {
			cmd := b.Command
			if b.Form != nil {
				cmd = b.Form.Command
				for _, f := range b.Form.Fields {
					cmd += " <" + f.Label + ">"
				}
			}
			cmds = append(cmds, "`"+cmd+"`")
		}
		text += "\n" + strings.Join(cmds, " · ")
	}
	return text, mentioned
}

// split cuts text into parts of at most max bytes, at line ends where it can,
// never inside a character.
func split(text string, max int) []string {
	var out []string
	for len(text) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		if nl := strings.LastIndexByte(text[:cut], '\n'); nl > 0 {
			cut = nl
		}
		out = append(out, text[:cut])
		text = strings.TrimPrefix(text[cut:], "\n")
	}
	return append(out, text)
}
