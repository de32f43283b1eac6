package qunsu

import (
	"strings"
	"time"
)

// ChatKind says which chat a message goes to.
type ChatKind string

const (
	ChatTeam     ChatKind = "team"     // the response-team chat of a complaint
	ChatManagers ChatKind = "managers" // the managers' chat of a tenant
	ChatDirect   ChatKind = "direct"   // a direct message to one person
	ChatOrigin   ChatKind = "origin"   // the chat a command came from
)

// Chat addresses a chat without knowing the platform's ids: platforms resolve a
// team chat from its complaint, a direct chat from its person.
type Chat struct {
	Kind      ChatKind `json:"kind"`
	Complaint string   `json:"complaint,omitempty"` // team
	Person    string   `json:"person,omitempty"`    // direct
	Platform  string   `json:"platform,omitempty"`  // origin: the platform it came from; direct: only there, if set
	ID        string   `json:"id,omitempty"`        // origin: the platform's chat id
	// Name is a display name: the chat's for an origin, the complaint's project
	// for a team chat (platforms name the chat they create after it).
	Name string `json:"name,omitempty"`
	// ReplyURL is where a platform lets the bot answer one inbound message
	// (Slack's and WeCom's robot's response_url), for chats it cannot post to.
	ReplyURL string `json:"reply_url,omitempty"`
}

// OnlyOn is the one platform the chat is on: an origin's, or a direct
// message's meant for the person there only; "" when every platform posts
// to it (a team chat, the managers', a person wherever they are).
func (c Chat) OnlyOn() string {
	switch c.Kind {
	case ChatOrigin, ChatDirect:
		return c.Platform
	}
	return ""
}

// Same reports whether two references name the same chat.
func (c Chat) Same(o Chat) bool { return c.Key() == o.Key() }

// Key names the chat a reference is to: a team chat by its complaint, a
// direct message by its person, an origin by its platform and id.
func (c Chat) Key() string {
	switch c.Kind {
	case ChatTeam:
		return "team\x00" + c.Complaint
	case ChatDirect:
		return "direct\x00" + c.Person
	case ChatOrigin:
		return "origin\x00" + c.Platform + "\x00" + c.ID
	}
	return string(c.Kind)
}

// Button offers a command to click instead of typing it. A button with a Form
// asks first; the answers complete the command.
type Button struct {
	Label   string `json:"label"`
	Command string `json:"command"`
	Style   string `json:"style,omitempty"` // "primary", "danger" or ""
	Form    *Form  `json:"form,omitempty"`
}

// BlockKind is the kind of a part of a structured post.
type BlockKind string

const (
	BlockHeader  BlockKind = "header"  // a title line
	BlockText    BlockKind = "text"    // a paragraph; may mention people
	BlockContext BlockKind = "context" // small print
	BlockDivider BlockKind = "divider"
)

// Block is a part of a structured post (a complaint card). Platforms that lay
// posts out (Slack's Block Kit) draw the blocks; the others post Text, which
// always holds the whole message.
type Block struct {
	Kind BlockKind `json:"kind"`
	Text string    `json:"text,omitempty"`
}

// Message is something the bot posts, platform-neutral. Text mentions people by
// Mention(id) and links a complaint's team chat by ChatLink(id); platforms
// render those in their own syntax.
type Message struct {
	Tenant  string   `json:"tenant"`
	Chat    Chat     `json:"chat"`
	Title   string   `json:"title,omitempty"` // a team chat's name, when it is created
	Text    string   `json:"text"`
	Blocks  []Block  `json:"blocks,omitempty"`
	Members []string `json:"members,omitempty"` // team chat: who must be in it (create or invite)
	Owner   string   `json:"owner,omitempty"`   // team chat: who owns it when it is created (the lead)
	Buttons []Button `json:"buttons,omitempty"`
	// Files are documents posted with the message, after its text: a chart, a
	// report. Platforms that cannot post a file say where it can be found.
	Files []File `json:"files,omitempty"`
	// Card, when set, names the complaint whose card this is. A platform that can
	// edit posts keeps one card per complaint, pinned, and edits it; one that
	// cannot posts only the first.
	Card string `json:"card,omitempty"`
	// Version is the complaint version a card shows: a platform editing cards
	// never replaces a later version with an earlier one.
	Version int64     `json:"version,omitempty"`
	Key     string    `json:"key"` // idempotency key: a platform posts a key once
	At      time.Time `json:"at"`
}

// File is a document the bot posts: a PNG chart, an XLSX or CSV report.
type File struct {
	Name  string `json:"name"`            // file name with extension, e.g. 汇总-2026-11-23.png
	Type  string `json:"type"`            // MIME type, e.g. image/png
	Title string `json:"title,omitempty"` // a caption, in the tenant's language
	Data  []byte `json:"data"`
}

// MIME types of the files the bot posts.
const (
	TypePNG  = "image/png"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeCSV  = "text/csv"
)

// IsImage reports whether a file is a picture, which platforms show inline.
func (f File) IsImage() bool { return strings.HasPrefix(f.Type, "image/") }

// Mention returns the token that mentions person id in a message's text.
func Mention(id string) string { return "@{" + id + "}" }

// ChatLink returns the token that links the team chat of a complaint.
func ChatLink(complaint string) string { return "#{" + complaint + "}" }

// Inert makes typed text unable to mention or link: what people write is shown
// as written, so "@{gm}" in a description does not ping the general manager.
func Inert(text string) string { return inert.Replace(text) }

// inert is built once: a Replacer is safe for concurrent use, and building one
// costs more than most texts it replaces in.
var inert = strings.NewReplacer("@{", "@｛", "#{", "#｛")

// RenderMentions replaces every mention token in text with render(id).
func RenderMentions(text string, render func(id string) string) string {
	return replaceTokens("@{", text, render)
}

// RenderChatLinks replaces every team-chat link token in text with render(complaint).
func RenderChatLinks(text string, render func(complaint string) string) string {
	return replaceTokens("#{", text, render)
}

// replaceTokens replaces each token open+id+"}" (id not empty, without "}")
// in text with render(id). A scan, not a regexp: every message posted passes
// here, thousands a second after downtime.
func replaceTokens(open, text string, render func(string) string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, open)
		if i < 0 {
			break
		}
		rest := text[i+len(open):]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			break
		}
		if j == 0 { // open+"}" is no token
			b.WriteString(text[:i+len(open)])
			text = rest
			continue
		}
		b.WriteString(text[:i])
		b.WriteString(render(rest[:j]))
		text = rest[j+1:]
	}
	if b.Len() == 0 {
		return text
	}
	b.WriteString(text)
	return b.String()
}

// Inbound is what someone said to the bot, on some platform.
type Inbound struct {
	Tenant   string `json:"tenant"`          // the tenant the platform account belongs to
	Platform string `json:"platform"`        // console, slack, wecom
	Chat     Chat   `json:"chat"`            // where it was said
	User     string `json:"user"`            // the speaker's handle on the platform
	Email    string `json:"email,omitempty"` // the speaker's e-mail, when the platform told it
	Text     string `json:"text"`            // the command line
	// Fields are a form's keyed answers (Form.Answer), taken as they are
	// instead of the key=value words of Text.
	Fields map[string]string `json:"fields,omitempty"`
	At     time.Time         `json:"at"` // when it was received
	// ID is the platform's id of the message, unique per tenant and platform:
	// a message with an ID already seen is dropped, and replies' idempotency
	// keys derive from it.
	ID string `json:"id"`
	// Fresh says the inbox gave the message out for the first time, so it
	// cannot have been acted on yet and the engine need not look. Unset, the
	// engine checks (a message taken over from a worker that died).
	Fresh bool `json:"-"`
}
