package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"qunsu"
	"qunsu/bot"
	"qunsu/bot/slack"
	"qunsu/bot/wecom"
	"qunsu/config"
	"qunsu/handlers"
	"qunsu/render"
	"qunsu/scheduler"
	"qunsu/store"
)

// serveEnv is what `serve` takes from its surroundings: the real clock and
// nothing else in production; tests pass a simulated clock and learn the
// address it listens on.
type serveEnv struct {
	clock qunsu.Clock
	ready func(addr string)
	log   io.Writer
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// runServe runs the bot for the chat platforms: the HTTP endpoints platforms
// call, the intake that acts on what people say, the deadline poller, and a
// sender per platform. It stops, finishing what is in hand, when ctx ends.
func runServe(ctx context.Context, args []string, stdout io.Writer, env serveEnv) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfgPath := fs.String("config", os.Getenv("QUNSU_CONFIG"), "configuration file (default: the shipped sample)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, tenants, err := loadSettings(*cfgPath)
	if err != nil {
		return err
	}
	if cfg.RedisURL == "" {
		return errors.New("serve keeps its state in Redis: set QUNSU_REDIS_URL (or redis_url); the embedded store is for the console only")
	}
	log := newLogger(env.log, cfg.LogLevel)
	rdb, where, closeStore, err := openStore(cfg.RedisURL)
	if err != nil {
		return err
	}
	defer closeStore()
	if env.clock == nil {
		env.clock = systemClock{}
	}
	st := store.New(rdb)
	byID := map[string]*qunsu.Settings{}
	var ids []string
	for _, s := range tenants {
		byID[s.Tenant], ids = s, append(ids, s.Tenant)
	}
	engine := &handlers.Engine{Store: st, Clock: env.clock, Tenants: byID, Log: log}
	if err := scheduler.EnsureJobs(ctx, st, tenants, env.clock.Now()); err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	var run []func(context.Context) error
	run = append(run,
		(&scheduler.Poller{Queue: st, Handler: engine, Clock: env.clock, Tenants: ids, Log: log}).Run,
		(&bot.Intake{Inbox: st, Handler: engine, Tenants: ids, Consumer: bot.Consumer("intake"), Log: log}).Run)
	platforms := []string{}
	if cfg.Slack.Enabled() {
		// Slack gets what is written from now on, not what waited before it was switched on.
		if err := st.Subscribe(ctx, cfg.SlackTenant(), slack.Platform); err != nil {
			return err
		}
		a := slack.New(slackConfig(cfg.Slack), slack.Options{Tenant: byID[cfg.SlackTenant()], Inbox: st, Memory: st,
			ReportForm: handlers.ReportForm, ReportWords: handlers.CommandWords("上报"),
			Unavailable: func(l qunsu.Lang) string { return "⚠️ " + render.T(l, "err.internal") }, Log: log})
		a.Routes(mux)
		run = append(run, (&bot.Sender{Platform: slack.Platform, Outbox: st, Transport: a, Tenants: []string{cfg.SlackTenant()},
			Consumer: bot.Consumer(slack.Platform), Log: log}).Run)
		if cfg.Slack.AppToken != "" {
			run = append(run, a.RunSocketMode)
		}
		platforms = append(platforms, "slack")
	}
	if cfg.WeCom.Enabled() {
		tenant := cfg.WeComTenant()
		if err := st.Subscribe(ctx, tenant, wecom.Platform); err != nil {
			return err
		}
		a, err := wecom.New(wecomConfig(cfg.WeCom), wecom.Options{Tenant: byID[tenant], Inbox: st, Memory: st, Quota: st,
			Cache: st.SDKCache(tenant), Log: log})
		if err != nil {
			return err
		}
		a.Routes(mux)
		run = append(run, (&bot.Sender{Platform: wecom.Platform, Outbox: st, Transport: a, Tenants: []string{tenant},
			Consumer: bot.Consumer(wecom.Platform), Log: log}).Run)
		platforms = append(platforms, "wecom")
	}
	if len(platforms) == 0 {
		log.Warn("no chat platform is configured: set QUNSU_WECOM_CORP_ID or QUNSU_SLACK_BOT_TOKEN (see the README); reminders still fire and wait in the outbox")
	}

	l, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("qunsu serving", "addr", l.Addr().String(), "store", where, "platforms", strings.Join(platforms, ","), "tenants", strings.Join(ids, ","))
	if env.ready != nil {
		env.ready(l.Addr().String())
	}

	var wg sync.WaitGroup
	errs := make(chan error, len(run)+1)
	work, stop := context.WithCancel(ctx)
	defer stop()
	for _, r := range run {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r(work); err != nil {
				errs <- err
			}
		}()
	}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- err
		}
	}()
	select {
	case <-ctx.Done():
	case err = <-errs:
		log.Error("stopping", "err", err)
	}
	// Answer the requests in hand, then stop the workers; what they leave is
	// taken up again at the next start.
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	stop()
	wg.Wait()
	log.Info("qunsu stopped")
	return err
}

func slackConfig(c config.Slack) slack.Config {
	return slack.Config{BotToken: c.BotToken, SigningSecret: c.SigningSecret, AppToken: c.AppToken, APIURL: c.APIURL,
		PrivateChannels: c.Private(), PostInterval: c.PostInterval.D()}
}

func wecomConfig(c config.WeCom) wecom.Config {
	return wecom.Config{CorpID: c.CorpID, AgentID: c.AgentID, Secret: c.Secret, Token: c.Token, AESKey: c.AESKey,
		AIBotToken: c.AIBot.Token, AIBotAESKey: c.AIBot.AESKey, Robots: c.Robots, PostInterval: c.PostInterval.D(), APIURL: c.APIURL}
}

// newLogger logs structured lines to w (stderr by default) at level.
func newLogger(w io.Writer, level string) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
