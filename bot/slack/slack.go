// Package slack puts qunsu on Slack: slash commands, @-mentions and direct
// messages (Events API), buttons and forms (interactivity), over HTTP or Socket
// Mode; and the transport that posts the outbox there, with a channel per
// complaint whose pinned card is edited in place. Every request is verified
// before it is read; what people say goes to the inbox and is answered at once.
package slack

import (
	"log/slog"
	"net/http"
	"time"

	slackgo "github.com/slack-go/slack"

	"qunsu"
	"qunsu/bot"
)

// Platform is Slack's name in Inbound, chat references and the outbox.
const Platform = "slack"

// Config is how qunsu reaches a Slack workspace.
type Config struct {
	BotToken        string        // xoxb-…: the bot's token, for the Web API
	SigningSecret   string        // verifies requests Slack sends over HTTP
	AppToken        string        // xapp-…: Socket Mode, for workspaces without a public URL
	APIURL          string        // the Web API's base URL; empty: Slack's
	PrivateChannels bool          // complaint channels are private
	PostInterval    time.Duration // least time between two posts to a channel (Slack: about 1s)
}

// Adapter is qunsu on one Slack workspace, for one tenant.
type Adapter struct {
	cfg    Config
	api    *slackgo.Client
	web    *webAPI // posts and edits, with api's URL, token and HTTP client
	tenant *qunsu.Settings
	inbox  qunsu.Accepter
	memory qunsu.Memory
	people *people
	log    *slog.Logger
	// channels remembers which channels are complaints' own, for a while.
	channels channels
	// reportForm is the report command as a form; reportWords are the words
	// that, alone, open it.
	reportForm  func(qunsu.Lang) qunsu.Form
	reportWords []string
	unavailable func(qunsu.Lang) string
}

var _ bot.Transport = (*Adapter)(nil)

// Options are what the adapter needs from the rest of qunsu.
type Options struct {
	Tenant      *qunsu.Settings
	Inbox       qunsu.Accepter
	Memory      qunsu.Memory
	ReportForm  func(qunsu.Lang) qunsu.Form
	ReportWords []string
	// Unavailable is the answer to a command that cannot be taken now (the
	// store is down), in a language.
	Unavailable func(qunsu.Lang) string
	Log         *slog.Logger
}

// New returns an adapter; it calls Slack only when used.
func New(cfg Config, o Options) *Adapter {
	if cfg.PostInterval <= 0 {
		cfg.PostInterval = time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	client := bot.NewHTTPClient(15 * time.Second)
	opts := []slackgo.Option{slackgo.OptionHTTPClient(client)}
	if cfg.APIURL != "" {
		opts = append(opts, slackgo.OptionAPIURL(cfg.APIURL))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackgo.OptionAppLevelToken(cfg.AppToken))
	}
	api := slackgo.New(cfg.BotToken, opts...)
	log := o.Log.With("platform", Platform, "tenant", o.Tenant.Tenant)
	return &Adapter{cfg: cfg, api: api, web: newWebAPI(cfg, client), tenant: o.Tenant, inbox: o.Inbox, memory: o.Memory,
		people: &people{api: api, memory: o.Memory, tenant: o.Tenant, log: log}, log: log,
		reportForm: o.ReportForm, reportWords: o.ReportWords, unavailable: o.Unavailable}
}

// Routes registers the HTTP endpoints Slack calls, when there is a signing
// secret to verify them with (with Socket Mode alone there is none and no
// endpoint to call).
func (a *Adapter) Routes(mux *http.ServeMux) {
	if a.cfg.SigningSecret == "" {
		return
	}
	mux.HandleFunc("POST /slack/commands", a.serveCommand)
	mux.HandleFunc("POST /slack/events", a.serveEvent)
	mux.HandleFunc("POST /slack/interactivity", a.serveInteraction)
}
