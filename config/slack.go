package config

import (
	"fmt"
	"regexp"

	"qunsu"
)

// Slack is how qunsu reaches a Slack workspace; it is off without a bot token.
type Slack struct {
	BotToken      string `yaml:"bot_token"`      // QUNSU_SLACK_BOT_TOKEN
	SigningSecret string `yaml:"signing_secret"` // QUNSU_SLACK_SIGNING_SECRET: for requests over HTTP
	AppToken      string `yaml:"app_token"`      // QUNSU_SLACK_APP_TOKEN: Socket Mode instead of HTTP
	// Tenant is the tenant this workspace belongs to (default: the first).
	Tenant string `yaml:"tenant"`
	// PrivateChannels makes complaint channels private (the default: they hold
	// customers' affairs).
	PrivateChannels *bool `yaml:"private_channels"`
	// PostInterval is the least time between two posts to one channel (default 1s,
	// Slack's limit for chat.postMessage).
	PostInterval qunsu.Duration `yaml:"post_interval"`
	APIURL       string         `yaml:"api_url"` // QUNSU_SLACK_API_URL: the Web API's base URL, for proxies and tests
}

// Enabled reports whether Slack is configured at all.
func (s Slack) Enabled() bool {
	return s.BotToken != "" || s.SigningSecret != "" || s.AppToken != ""
}

// Private reports whether complaint channels are private.
func (s Slack) Private() bool { return s.PrivateChannels == nil || *s.PrivateChannels }

var (
	slackBotToken = regexp.MustCompile(`^xoxb-[0-9A-Za-z-]+$`)
	slackAppToken = regexp.MustCompile(`^xapp-[0-9A-Za-z-]+$`)
	slackSecret   = regexp.MustCompile(`^[0-9a-f]{32}$`)
	slackUser     = regexp.MustCompile(`^[UW][0-9A-Z]+$`)
	slackChannel  = regexp.MustCompile(`^[CG][0-9A-Z]+$`)
	emailAddress  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// validateSlack names every missing or malformed Slack setting.
func (c *Config) validateSlack(p *problems) {
	s := c.Slack
	if !s.Enabled() {
		return
	}
	switch {
	case s.BotToken == "":
		p.add("slack.bot_token", "missing: the bot token (xoxb-…) from the app's OAuth & Permissions page (or QUNSU_SLACK_BOT_TOKEN)")
	case !slackBotToken.MatchString(s.BotToken):
		p.add("slack.bot_token", "not a bot token: it starts with xoxb- (a user token xoxp- or app token xapp- will not do)")
	}
	switch {
	case s.SigningSecret == "" && s.AppToken == "":
		p.add("slack.signing_secret", "missing: the signing secret from the app's Basic Information page (or QUNSU_SLACK_SIGNING_SECRET); or set slack.app_token for Socket Mode")
	case s.SigningSecret != "" && !slackSecret.MatchString(s.SigningSecret):
		p.add("slack.signing_secret", "malformed: Slack's signing secrets are 32 lowercase hex characters")
	}
	if s.AppToken != "" && !slackAppToken.MatchString(s.AppToken) {
		p.add("slack.app_token", "not an app-level token: it starts with xapp- (Basic Information → App-Level Tokens, scope connections:write)")
	}
	checkURL(p, "slack.api_url", s.APIURL)
	if s.PostInterval < 0 {
		p.add("slack.post_interval", "must not be negative")
	}
	i, t := c.tenantOf(c.Slack.Tenant)
	if t == nil {
		p.add("slack.tenant", "%q is not a tenant id", s.Tenant)
		return
	}
	at := fmt.Sprintf("tenants[%d]", i)
	switch m := t.Managers["slack"]; {
	case m == "":
		p.add(at+".managers", "no slack channel: set managers: {slack: C0123ABCD} (the managers' channel id) so summaries and escalations reach Slack")
	case !slackChannel.MatchString(m):
		p.add(at+".managers.slack", "%q is not a channel id (e.g. C0123ABCD; right-click the channel → Copy link)", m)
	}
	for j, person := range t.People {
		path := fmt.Sprintf("%s.people[%d]", at, j)
		if person.Slack != "" && !slackUser.MatchString(person.Slack) {
			p.add(path+".slack", "%q is not a Slack user id (e.g. U0123ABCD: profile → ⋮ → Copy member ID)", person.Slack)
		}
		if person.Email != "" && !emailAddress.MatchString(person.Email) {
			p.add(path+".email", "%q is not an e-mail address", person.Email)
		}
	}
}

// SlackTenant returns the id of the tenant the Slack workspace belongs to.
func (c *Config) SlackTenant() string { return c.tenantID(c.Slack.Tenant) }
