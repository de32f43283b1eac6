package serveproc

import (
	"strconv"

	"qunsu/internal/slackfake"
	"qunsu/internal/wecomfake"
)

// The settings drills and benchmarks run `qunsu serve` with against the
// local Slack and WeCom (as cmd/qunsu's end-to-end tests set them).
const (
	Tenant          = "demo"
	SlackSecret     = "0123456789abcdef0123456789abcdef"
	ReportsChannel  = "C0REPORTS"
	ManagersChannel = "C0MANAGERS"
	WeComToken      = "qunsuToken2026"
	WeComAESKey     = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	RobotKey        = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
)

// SlackEnv points serve at a local Slack whose Web API is at apiURL.
func SlackEnv(apiURL string) []string {
	return []string{"QUNSU_SLACK_BOT_TOKEN=" + slackfake.BotToken, "QUNSU_SLACK_SIGNING_SECRET=" + SlackSecret,
		"QUNSU_SLACK_API_URL=" + apiURL}
}

// WeComEnv points serve at a local WeCom whose API is at apiURL.
func WeComEnv(apiURL string) []string {
	return []string{"QUNSU_WECOM_CORP_ID=" + wecomfake.CorpID, "QUNSU_WECOM_AGENT_ID=" + strconv.Itoa(wecomfake.AgentID),
		"QUNSU_WECOM_SECRET=" + wecomfake.Secret, "QUNSU_WECOM_TOKEN=" + WeComToken, "QUNSU_WECOM_AES_KEY=" + WeComAESKey,
		"QUNSU_WECOM_API_URL=" + apiURL}
}
