package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodSecret = "0123456789abcdef0123456789abcdef"

func check(t *testing.T, yaml string) (problems, warnings string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "company.yaml")
	os.WriteFile(path, []byte(yaml), 0o644)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		problems = err.Error()
	}
	return problems, strings.Join(c.Warnings(), "\n")
}

// check-config names every missing or malformed Slack setting, with its file,
// line and key.
func TestSlackSettingsAreChecked(t *testing.T) {
	cases := []struct {
		yaml  string
		wants []string
	}{
		{"slack:\n  signing_secret: abc\ntenants:\n  - id: a\n",
			[]string{"slack.bot_token: missing", "company.yaml:2: slack.signing_secret: malformed", "tenants[0].managers: no slack channel"}},
		{"slack:\n  bot_token: xoxp-1-2\n  app_token: xoxb-3\ntenants:\n  - id: a\n    managers: {slack: C0MGR}\n",
			[]string{"company.yaml:2: slack.bot_token: not a bot token", "company.yaml:3: slack.app_token: not an app-level token"}},
		{"slack:\n  bot_token: xoxb-1-2\ntenants:\n  - id: a\n    managers: {slack: C0MGR}\n",
			[]string{"slack.signing_secret: missing"}},
		{"slack:\n  bot_token: xoxb-1-2\n  signing_secret: " + goodSecret + "\n  tenant: nope\ntenants:\n  - id: a\n",
			[]string{`slack.tenant: "nope" is not a tenant id`}},
		{"slack:\n  bot_token: xoxb-1-2\n  signing_secret: " + goodSecret + "\n  api_url: localhost\ntenants:\n  - id: a\n    managers: {slack: \"#general\"}\n" +
			"    people:\n      - {id: p, name: P, slack: u123}\n      - {id: q, name: Q, email: q-at-example}\n",
			[]string{`company.yaml:7: tenants[0].managers.slack: "#general" is not a channel id`,
				`company.yaml:9: tenants[0].people[0].slack: "u123" is not a Slack user id`,
				`company.yaml:10: tenants[0].people[1].email: "q-at-example" is not an e-mail address`,
				`slack.api_url: "localhost" is not an http(s) URL`}},
	}
	for _, tc := range cases {
		problems, _ := check(t, tc.yaml)
		for _, want := range tc.wants {
			if !strings.Contains(problems, want) {
				t.Errorf("%q:\ngot  %s\nwant %q", tc.yaml, problems, want)
			}
		}
	}
	// Right, with Socket Mode instead of a signing secret; a person Slack
	// cannot reach is a warning, not an error.
	problems, warnings := check(t, "slack:\n  bot_token: xoxb-1-2\n  app_token: xapp-1-A0-3\ntenants:\n  - id: a\n    managers: {slack: C0MGR}\n"+
		"    people:\n      - {id: p, name: 张三, slack: U0P}\n      - {id: q, name: 李四}\n")
	if problems != "" {
		t.Errorf("valid settings refused: %s", problems)
	}
	if !strings.Contains(warnings, "company.yaml:9: tenants[0].people[1]: 李四 has neither slack id nor email") {
		t.Errorf("warnings: %q", warnings)
	}
	// No Slack settings at all: nothing to say.
	if problems, warnings := check(t, "tenants:\n  - id: a\n"); problems != "" || warnings != "" {
		t.Errorf("without Slack: %q %q", problems, warnings)
	}
}

func TestSlackSecretsFromEnvironment(t *testing.T) {
	t.Setenv("QUNSU_SLACK_BOT_TOKEN", "xoxb-env")
	t.Setenv("QUNSU_SLACK_SIGNING_SECRET", goodSecret)
	t.Setenv("QUNSU_SLACK_APP_TOKEN", "xapp-env")
	t.Setenv("QUNSU_SLACK_API_URL", "http://127.0.0.1:9/api/")
	c := Default()
	FromEnv(c)
	if s := c.Slack; s.BotToken != "xoxb-env" || s.SigningSecret != goodSecret || s.AppToken != "xapp-env" || s.APIURL != "http://127.0.0.1:9/api/" || !s.Private() {
		t.Errorf("%+v", s)
	}
}
