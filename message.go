package qunsu

import (
	"regexp"
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
	Platform  string   `json:"platform,omitempty"`  // origin: the platform it came from
	ID        string   `json:"id,omitempty"`        // origin: the platform's chat id
	Name      string   `json:"name,omitempty"`      // origin: a display name
}

// Button offers a command to click instead of typing it.
type Button struct {
	Label   string `json:"label"`
	Command string `json:"command"`
}

// Message is something the bot posts, platform-neutral. Text mentions people by
// Mention(id); platforms render those in their own syntax.
type Message struct {
	Tenant  string    `json:"tenant"`
	Chat    Chat      `json:"chat"`
	Title   string    `json:"title,omitempty"` // a team chat's name, when it is created
	Text    string    `json:"text"`
	Members []string  `json:"members,omitempty"` // team chat: who must be in it (create or invite)
	Buttons []Button  `json:"buttons,omitempty"`
	Key     string    `json:"key"` // idempotency key: a platform posts a key once
	At      time.Time `json:"at"`
}

var mentionPattern = regexp.MustCompile(`@\{([^}]+)\}`)

// Mention returns the token that mentions person id in a message's text.
func Mention(id string) string { return "@{" + id + "}" }

// RenderMentions replaces every mention token in text with render(id).
func RenderMentions(text string, render func(id string) string) string {
	return mentionPattern.ReplaceAllStringFunc(text, func(tok string) string {
		return render(mentionPattern.FindStringSubmatch(tok)[1])
	})
}

// Inbound is what someone said to the bot, on some platform.
type Inbound struct {
	Tenant   string    // the tenant the platform account belongs to
	Platform string    // console, slack, wecom
	Chat     Chat      // where it was said (Kind ChatOrigin)
	User     string    // the speaker's handle on the platform
	Text     string    // the command line
	At       time.Time // when it was received
	ID       string    // the platform's message id, unique per tenant: replies' idempotency keys derive from it
}
