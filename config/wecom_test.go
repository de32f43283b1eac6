package config

import (
	"strings"
	"testing"
)

const goodAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

// check-config names every missing or malformed WeCom setting, with its file,
// line and key.
func TestWeComSettingsAreChecked(t *testing.T) {
	cases := []struct {
		yaml  string
		wants []string
	}{
		{"wecom:\n  aes_key: tooShort42charactersXXXXXXXXXXXXXXXXXXXXXX\ntenants:\n  - id: a\n",
			[]string{"wecom.corp_id: missing", "wecom.agent_id: missing", "wecom.secret: missing", "wecom.token: missing",
				"company.yaml:2: wecom.aes_key: an EncodingAESKey is 43 letters and digits, this one has 42 characters",
				"tenants[0].managers: no wecom chat"}},
		{"wecom:\n  corp_id: corp-1\n  agent_id: 10000x2\n  secret: \"has spaces in it, not a secret\"\n  token: t\n  aes_key: " + goodAESKey +
			"\n  aibot: {token: \"t t\"}\n  robots: {managers: \"?\"}\n  api_url: qyapi\ntenants:\n  - id: a\n    managers: {wecom: robot:board}\n" +
			"    people:\n      - {id: p, name: P, wecom: \"张三 \"}\n",
			[]string{`company.yaml:2: wecom.corp_id: "corp-1" is not a corp id`, `company.yaml:3: wecom.agent_id: "10000x2" is not an AgentId`,
				"company.yaml:4: wecom.secret: malformed", "wecom.aibot.token: malformed", "wecom.aibot.aes_key: missing",
				"wecom.robots.managers: not a webhook key", `wecom.api_url: "qyapi" is not an http(s) URL`,
				`tenants[0].managers.wecom: "robot:board" names no robot of wecom.robots`,
				`company.yaml:14: tenants[0].people[0].wecom: "张三 " is not a WeCom userid`}},
		{"wecom:\n  corp_id: ww0123456789abcdef\n  tenant: nope\ntenants:\n  - id: a\n", []string{`wecom.tenant: "nope" is not a tenant id`}},
		{"wecom:\n  corp_id: ww0123456789abcdef\ntenants:\n  - id: a\n    managers: {wecom: chat:has-dashes}\n",
			[]string{`tenants[0].managers.wecom: "chat:has-dashes": a chatid is at most 32 letters and digits`}},
	}
	for _, tc := range cases {
		problems, _ := check(t, tc.yaml)
		for _, want := range tc.wants {
			if !strings.Contains(problems, want) {
				t.Errorf("%q:\ngot  %s\nwant %q", tc.yaml, problems, want)
			}
		}
	}
	problems, warnings := check(t, "wecom:\n  corp_id: ww0123456789abcdef\n  agent_id: \"1000002\"\n  secret: QunsuTestSecretForTheFakeQyapiServer0123456\n"+
		"  token: qunsuToken\n  aes_key: "+goodAESKey+"\n  robots: {managers: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}\n"+
		"tenants:\n  - id: a\n    managers: {wecom: robot:managers}\n    people:\n      - {id: p, name: 张三, wecom: ZhangSan}\n      - {id: q, name: 李四}\n")
	if problems != "" {
		t.Errorf("valid settings refused: %s", problems)
	}
	if !strings.Contains(warnings, "tenants[0].people[1]: 李四 has no wecom userid") {
		t.Errorf("warnings: %q", warnings)
	}
}

func TestWeComSecretsFromEnvironment(t *testing.T) {
	for env, v := range map[string]string{"QUNSU_WECOM_CORP_ID": "wwenv", "QUNSU_WECOM_AGENT_ID": "1000009", "QUNSU_WECOM_SECRET": "s",
		"QUNSU_WECOM_TOKEN": "tok", "QUNSU_WECOM_AES_KEY": goodAESKey, "QUNSU_WECOM_AIBOT_TOKEN": "bt", "QUNSU_WECOM_AIBOT_AES_KEY": "bk",
		"QUNSU_WECOM_API_URL": "http://127.0.0.1:9"} {
		t.Setenv(env, v)
	}
	c := Default()
	FromEnv(c)
	w := c.WeCom
	if w.CorpID != "wwenv" || w.AgentID != "1000009" || w.Secret != "s" || w.Token != "tok" || w.AESKey != goodAESKey ||
		w.AIBot.Token != "bt" || w.AIBot.AESKey != "bk" || w.APIURL != "http://127.0.0.1:9" {
		t.Errorf("%+v", w)
	}
}
