package slack_test

import (
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"qunsu/bot/slack"
)

// The manifest people paste into Slack points at the endpoints the adapter
// serves, subscribes to the events it reads and grants the scopes of every
// Web API method it calls.
func TestManifestMatchesTheAdapter(t *testing.T) {
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command string `yaml:"command"`
				URL     string `yaml:"url"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				URL       string   `yaml:"request_url"`
				BotEvents []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool   `yaml:"is_enabled"`
				URL     string `yaml:"request_url"`
			} `yaml:"interactivity"`
		} `yaml:"settings"`
	}
	b, err := os.ReadFile("../../slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/qunsu" {
		t.Fatalf("slash commands %+v", m.Features.SlashCommands)
	}
	r := newRig(t, slack.Config{})
	for _, u := range []string{m.Features.SlashCommands[0].URL, m.Settings.Events.URL, m.Settings.Interactivity.URL} {
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.Post(r.http.URL+parsed.Path, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized { // served, and refused unsigned
			t.Errorf("%s: %d, want the adapter's 401", parsed.Path, res.StatusCode)
		}
	}
	if !m.Settings.Interactivity.Enabled {
		t.Error("interactivity is off")
	}
	for _, e := range []string{"app_mention", "message.im"} {
		if !slices.Contains(m.Settings.Events.BotEvents, e) {
			t.Errorf("event %s not subscribed", e)
		}
	}
	// The scope each method the adapter calls needs.
	for method, scope := range map[string]string{
		"slash command": "commands", "app_mention": "app_mentions:read", "message.im": "im:history",
		"chat.postMessage": "chat:write", "conversations.create (public)": "channels:manage",
		"conversations.create (private)": "groups:write", "conversations.invite (private)": "groups:write",
		"conversations.join": "channels:join", "conversations.list": "channels:read",
		"conversations.history (public)": "channels:history", "conversations.history (private)": "groups:history",
		"conversations.open": "im:write", "pins.add": "pins:write", "users.info": "users:read",
		"users.lookupByEmail": "users:read.email", "files.getUploadURLExternal": "files:write",
		"files.completeUploadExternal": "files:write",
	} {
		if !slices.Contains(m.OAuth.Scopes.Bot, scope) {
			t.Errorf("%s needs scope %s", method, scope)
		}
	}
}
