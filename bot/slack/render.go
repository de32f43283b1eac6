package slack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"qunsu"
)

// Block Kit's limits, in characters.
const (
	maxHeader      = 150
	maxSection     = 3000
	maxButtonLabel = 75
	buttonTTL      = 90 * 24 * time.Hour // a card's buttons stay clickable this long
)

// post is a message as Slack takes it.
type post struct {
	text   string // mrkdwn: the notification, and the whole message without blocks
	blocks []slackgo.Block
}

// render turns a message into Slack's form: text escaped for mrkdwn, people
// mentioned for real, complaint chats linked, the card in blocks, and buttons
// whose commands are kept in memory (a button's value holds only their key).
func (a *Adapter) render(ctx context.Context, m qunsu.Message) (post, error) {
	var firstErr error
	mrkdwn := func(s string) string {
		out, err := a.mrkdwn(ctx, s)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return out
	}
	p := post{text: mrkdwn(m.Text)}
	if len(m.Blocks) == 0 {
		for _, part := range split(p.text, maxSection) {
			p.blocks = append(p.blocks, section(part))
		}
	}
	for _, b := range m.Blocks {
		switch b.Kind {
		case qunsu.BlockHeader:
			p.blocks = append(p.blocks, slackgo.NewHeaderBlock(slackgo.NewTextBlockObject(slackgo.PlainTextType, clip(b.Text, maxHeader), true, false)))
		case qunsu.BlockDivider:
			p.blocks = append(p.blocks, slackgo.NewDividerBlock())
		default:
			for _, part := range split(mrkdwn(b.Text), maxSection) {
				p.blocks = append(p.blocks, section(part))
			}
		}
	}
	if len(m.Buttons) > 0 {
		var elems []slackgo.BlockElement
		for i, btn := range m.Buttons {
			key, err := a.keepButton(ctx, btn)
			if err != nil {
				return post{}, err
			}
			e := slackgo.NewButtonBlockElement(fmt.Sprintf("qunsu_button_%d", i), key,
				slackgo.NewTextBlockObject(slackgo.PlainTextType, clip(btn.Label, maxButtonLabel), true, false))
			e.Style = slackgo.Style(btn.Style)
			elems = append(elems, e)
		}
		p.blocks = append(p.blocks, slackgo.NewActionBlock("qunsu_buttons", elems...))
	}
	return p, firstErr
}

// mrkdwnEscape escapes the three characters Slack's mrkdwn reserves.
var mrkdwnEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// mrkdwn escapes text for Slack and renders qunsu's tokens in it.
func (a *Adapter) mrkdwn(ctx context.Context, text string) (string, error) {
	var firstErr error
	text = mrkdwnEscape.Replace(text)
	text = qunsu.RenderMentions(text, func(person string) string {
		out, err := a.people.mention(ctx, person)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return out
	})
	text = qunsu.RenderChatLinks(text, func(complaint string) string {
		channel, ok, err := a.memory.Recall(ctx, a.tenant.Tenant, teamKey(complaint))
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if ok {
			return "<#" + channel + ">"
		}
		return complaint
	})
	return text, firstErr
}

// keepButton stores what a button does and returns the key its value carries.
func (a *Adapter) keepButton(ctx context.Context, b qunsu.Button) (string, error) {
	js, err := json.Marshal(b)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(js)
	key := hex.EncodeToString(sum[:8])
	return key, a.memory.Remember(ctx, a.tenant.Tenant, "slack:button:"+key, string(js), buttonTTL)
}

// button returns what the button with key does.
func (a *Adapter) button(ctx context.Context, key string) (qunsu.Button, bool, error) {
	js, ok, err := a.memory.Recall(ctx, a.tenant.Tenant, "slack:button:"+key)
	if err != nil || !ok {
		return qunsu.Button{}, false, err
	}
	var b qunsu.Button
	if err := json.Unmarshal([]byte(js), &b); err != nil {
		return qunsu.Button{}, false, fmt.Errorf("slack: button %s: %w", key, err)
	}
	return b, true, nil
}

func section(text string) slackgo.Block {
	return slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, text, false, false), nil, nil)
}

// split cuts text into pieces of at most max characters, at line ends where it can.
func split(text string, max int) []string {
	var out []string
	for utf8.RuneCountInString(text) > max {
		cut := len(string([]rune(text)[:max]))
		if nl := strings.LastIndex(text[:cut], "\n"); nl > 0 {
			cut = nl
		}
		out = append(out, text[:cut])
		text = strings.TrimPrefix(text[cut:], "\n")
	}
	if strings.TrimSpace(text) != "" || len(out) == 0 {
		out = append(out, text)
	}
	return out
}

// clip shortens text to max characters.
func clip(text string, max int) string {
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	return string([]rune(text)[:max-1]) + "…"
}
