package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"qunsu"
)

// WeCom is how qunsu reaches a WeChat Work (企业微信) corporation through a
// self-built app (自建应用), its intelligent robot (智能机器人) and group
// robots (群机器人); it is off without a corp id.
type WeCom struct {
	CorpID  string `yaml:"corp_id"`  // QUNSU_WECOM_CORP_ID
	AgentID string `yaml:"agent_id"` // QUNSU_WECOM_AGENT_ID: the app's AgentId
	Secret  string `yaml:"secret"`   // QUNSU_WECOM_SECRET: the app's Secret
	Token   string `yaml:"token"`    // QUNSU_WECOM_TOKEN: the app's callback Token
	AESKey  string `yaml:"aes_key"`  // QUNSU_WECOM_AES_KEY: the app's callback EncodingAESKey
	// AIBot is the intelligent robot's callback, so people can @ the bot in
	// their own group chats.
	AIBot struct {
		Token  string `yaml:"token"`   // QUNSU_WECOM_AIBOT_TOKEN
		AESKey string `yaml:"aes_key"` // QUNSU_WECOM_AIBOT_AES_KEY
	} `yaml:"aibot"`
	// Robots are group-robot webhook keys by name, for existing groups such
	// as the managers' (tenants[].managers.wecom: robot:<name>).
	Robots map[string]string `yaml:"robots"`
	// Tenant is the tenant this corporation belongs to (default: the first).
	Tenant string `yaml:"tenant"`
	// PostInterval is the least time between two posts to one chat (default 0:
	// WeCom's limits are per member and kept by quotas).
	PostInterval qunsu.Duration `yaml:"post_interval"`
	APIURL       string         `yaml:"api_url"` // QUNSU_WECOM_API_URL: instead of https://qyapi.weixin.qq.com, for proxies and tests
}

// Enabled reports whether WeCom is configured at all.
func (w WeCom) Enabled() bool {
	return w.CorpID != "" || w.AgentID != "" || w.Secret != "" || w.Token != "" || w.AESKey != "" ||
		w.AIBot.Token != "" || w.AIBot.AESKey != ""
}

var (
	wecomCorpID  = regexp.MustCompile(`^w[wx][0-9A-Za-z]{8,32}$`)
	wecomAgentID = regexp.MustCompile(`^[0-9]{1,10}$`)
	wecomSecret  = regexp.MustCompile(`^[0-9A-Za-z_-]{16,64}$`)
	wecomToken   = regexp.MustCompile(`^[0-9A-Za-z]{1,32}$`)
	wecomAESKey  = regexp.MustCompile(`^[0-9A-Za-z]{43}$`)
	wecomUserID  = regexp.MustCompile(`^[0-9A-Za-z_.@-]{1,64}$`)
	wecomChatID  = regexp.MustCompile(`^[0-9A-Za-z]{1,32}$`)
	wecomRobot   = regexp.MustCompile(`^[0-9A-Za-z-]{8,64}$`)
)

// validateWeCom names every missing or malformed WeCom setting.
func (c *Config) validateWeCom(p *problems) {
	w := c.WeCom
	if !w.Enabled() {
		return
	}
	required := func(path, value string, pattern *regexp.Regexp, missing, malformed string) {
		switch {
		case value == "":
			p.add(path, "missing: %s", missing)
		case !pattern.MatchString(value):
			p.add(path, "%s", malformed)
		}
	}
	required("wecom.corp_id", w.CorpID, wecomCorpID,
		"the corp id (我的企业 → 企业信息 → 企业ID, ww…) (or QUNSU_WECOM_CORP_ID)", fmt.Sprintf("%q is not a corp id (ww followed by letters and digits)", w.CorpID))
	required("wecom.agent_id", w.AgentID, wecomAgentID,
		"the app's AgentId (应用管理 → the app) (or QUNSU_WECOM_AGENT_ID)", fmt.Sprintf("%q is not an AgentId (digits, e.g. 1000002)", w.AgentID))
	required("wecom.secret", w.Secret, wecomSecret,
		"the app's Secret (应用管理 → the app → Secret) (or QUNSU_WECOM_SECRET)", "malformed: an app Secret is letters, digits, - and _")
	required("wecom.token", w.Token, wecomToken,
		"the callback Token (the app → 接收消息 → 设置API接收) (or QUNSU_WECOM_TOKEN)", "malformed: a callback Token is at most 32 letters and digits")
	required("wecom.aes_key", w.AESKey, wecomAESKey,
		"the callback EncodingAESKey (or QUNSU_WECOM_AES_KEY)", fmt.Sprintf("an EncodingAESKey is 43 letters and digits, this one has %d characters", len(w.AESKey)))
	if w.AIBot.Token != "" || w.AIBot.AESKey != "" {
		required("wecom.aibot.token", w.AIBot.Token, wecomToken,
			"the intelligent robot's Token (or QUNSU_WECOM_AIBOT_TOKEN)", "malformed: a Token is at most 32 letters and digits")
		required("wecom.aibot.aes_key", w.AIBot.AESKey, wecomAESKey,
			"the intelligent robot's EncodingAESKey (or QUNSU_WECOM_AIBOT_AES_KEY)", fmt.Sprintf("an EncodingAESKey is 43 letters and digits, this one has %d characters", len(w.AIBot.AESKey)))
	}
	for _, name := range slices.Sorted(maps.Keys(w.Robots)) {
		if !wecomRobot.MatchString(w.Robots[name]) {
			p.add("wecom.robots."+name, "not a webhook key (the part after key= in the robot's webhook address)")
		}
	}
	checkURL(p, "wecom.api_url", w.APIURL)
	i, t := c.tenantOf(w.Tenant)
	if t == nil {
		p.add("wecom.tenant", "%q is not a tenant id", w.Tenant)
		return
	}
	at := fmt.Sprintf("tenants[%d]", i)
	switch m := t.Managers["wecom"]; {
	case m == "":
		p.add(at+".managers", "no wecom chat: set managers: {wecom: robot:<name>} (a group robot of wecom.robots) or {wecom: chat:<chatid>} so summaries reach WeCom")
	case strings.HasPrefix(m, "robot:"):
		if _, ok := w.Robots[strings.TrimPrefix(m, "robot:")]; !ok {
			p.add(at+".managers.wecom", "%q names no robot of wecom.robots", m)
		}
	case strings.HasPrefix(m, "chat:"):
		if !wecomChatID.MatchString(strings.TrimPrefix(m, "chat:")) {
			p.add(at+".managers.wecom", "%q: a chatid is at most 32 letters and digits", m)
		}
	default:
		p.add(at+".managers.wecom", "%q: write robot:<name> or chat:<chatid>", m)
	}
	for j, person := range t.People {
		if person.WeCom != "" && !wecomUserID.MatchString(person.WeCom) {
			p.add(fmt.Sprintf("%s.people[%d].wecom", at, j), "%q is not a WeCom userid (通讯录 → the member → 账号)", person.WeCom)
		}
	}
}

// WeComTenant returns the id of the tenant the WeCom corporation belongs to.
func (c *Config) WeComTenant() string { return c.tenantID(c.WeCom.Tenant) }
