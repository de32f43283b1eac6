// Package wecom puts qunsu on WeChat Work (企业微信): people send commands to
// the self-built app, or @ the intelligent robot (智能机器人) in their own
// group chats; each group complaint gets an app group chat (应用群聊) of its
// team; existing groups, such as the managers', are reached through group
// robots (群机器人). Callbacks are verified and decrypted before they are read,
// put in the inbox and answered at once; posts leave through the outbox within
// WeCom's per-member limits, which WeCom keeps by dropping messages silently.
package wecom

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/util"

	"qunsu"
	"qunsu/bot"
)

// Platform is WeCom's name in Inbound, chat references and the outbox.
const Platform = "wecom"

// defaultAPI is the WeCom server the SDK calls.
const defaultAPI = "https://qyapi.weixin.qq.com"

// Config is how qunsu reaches a WeCom corporation.
type Config struct {
	CorpID      string
	AgentID     string
	Secret      string
	Token       string // the app's callback Token
	AESKey      string // the app's callback EncodingAESKey
	AIBotToken  string // the intelligent robot's callback Token
	AIBotAESKey string
	// Robots are group-robot webhook keys by name.
	Robots       map[string]string
	PostInterval time.Duration
	// APIURL replaces https://qyapi.weixin.qq.com (a proxy; tests).
	APIURL string
}

// Options are what the adapter needs from the rest of qunsu.
type Options struct {
	Tenant *qunsu.Settings
	Inbox  qunsu.Accepter
	Memory qunsu.Memory
	Quota  qunsu.Quota
	// Cache keeps the access token, shared by every process (the SDK's
	// cache.Cache: Get, Set, IsExist, Delete).
	Cache interface {
		Get(key string) any
		Set(key string, val any, timeout time.Duration) error
		IsExist(key string) bool
		Delete(key string) error
	}
	// Unavailable is the answer to a message that cannot be taken now (the
	// store is down), in a language; it goes back in the callback's response.
	// Without it WeCom is answered 503 and tries again by itself.
	Unavailable func(qunsu.Lang) string
	Log         *slog.Logger
}

// Adapter is qunsu on one WeCom corporation, for one tenant.
type Adapter struct {
	cfg      Config
	tenant   *qunsu.Settings
	inbox    qunsu.Accepter
	memory   qunsu.Memory
	quota    qunsu.Quota
	log      *slog.Logger
	appKey   cipherKey
	aibotKey cipherKey
	token    *tokens
	// unavailable is Options.Unavailable.
	unavailable func(qunsu.Lang) string
	now         func() time.Time // wall time: callback freshness, quotas
}

var _ bot.Transport = (*Adapter)(nil)

// New returns an adapter; it calls WeCom only when used. Malformed keys are
// config errors, which check-config names first.
func New(cfg Config, o Options) (*Adapter, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	a := &Adapter{cfg: cfg, tenant: o.Tenant, inbox: o.Inbox, memory: o.Memory, quota: o.Quota, unavailable: o.Unavailable,
		log: o.Log.With("platform", Platform, "tenant", o.Tenant.Tenant), now: time.Now}
	var err error
	if cfg.AESKey != "" {
		if a.appKey, err = parseKey(cfg.AESKey); err != nil {
			return nil, err
		}
	}
	if cfg.AIBotAESKey != "" {
		if a.aibotKey, err = parseKey(cfg.AIBotAESKey); err != nil {
			return nil, err
		}
	}
	a.useAPI(cfg.APIURL)
	a.token = &tokens{handle: credential.NewWorkAccessTokenWithAgentID(cfg.CorpID, cfg.Secret, cfg.AgentID, cachePrefix, o.Cache),
		cache: o.Cache, key: cachePrefix + "_access_token_" + cfg.CorpID + "_" + cfg.AgentID}
	return a, nil
}

// useAPI points the SDK at the WeCom server (the real one, a proxy, a test
// server) with a bounded HTTP client. The SDK keeps both process-wide: a
// process serves one corporation.
func (a *Adapter) useAPI(base string) {
	util.DefaultHTTPClient = bot.NewHTTPClient(10 * time.Second)
	if base == "" || base == defaultAPI {
		util.SetURIModifier(nil)
		return
	}
	base = strings.TrimRight(base, "/")
	util.SetURIModifier(func(uri string) string {
		if rest, ok := strings.CutPrefix(uri, defaultAPI+"/"); ok {
			return base + "/" + rest
		}
		return uri
	})
}

// Routes registers the callbacks WeCom calls: the app's, when it has a token
// and key, and the intelligent robot's, when it has its own.
func (a *Adapter) Routes(mux *http.ServeMux) {
	if a.appKey != nil && a.cfg.Token != "" {
		mux.HandleFunc("GET /wecom/callback", a.serveAppVerify)
		mux.HandleFunc("POST /wecom/callback", a.serveAppMessage)
	}
	if a.aibotKey != nil && a.cfg.AIBotToken != "" {
		mux.HandleFunc("GET /wecom/aibot", a.serveAIBotVerify)
		mux.HandleFunc("POST /wecom/aibot", a.serveAIBotMessage)
	}
}
