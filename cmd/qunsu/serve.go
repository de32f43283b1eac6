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

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/bot"
	"qunsu/bot/slack"
	"qunsu/bot/wecom"
	"qunsu/calendar"
	"qunsu/chart"
	"qunsu/config"
	"qunsu/handlers"
	"qunsu/metrics"
	"qunsu/monthly"
	"qunsu/render"
	"qunsu/scheduler"
	"qunsu/store"
)

// serveEnv is what `serve` takes from its surroundings: the real clock and
// nothing else in production; tests pass a simulated clock, learn the address
// it listens on, and may wrap the engine the intake calls.
type serveEnv struct {
	clock   qunsu.Clock
	ready   func(addr string)
	log     io.Writer
	inbound func(qunsu.InboundHandler) qunsu.InboundHandler
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// readWait is the longest the intake and the senders wait for new messages
// in one read. Stopping lets a read in progress end rather than cut it off
// (what it takes would wait for another process), so it also bounds how long
// each waits to stop.
const readWait = time.Second

// shutdownBound is how long serve takes at most to stop: what is still in
// hand then is cut off, and resumed by the next process.
const shutdownBound = 20 * time.Second

// runServe runs the bot for the chat platforms: the HTTP endpoints platforms
// call, the intake that acts on what people say, the deadline poller, and a
// sender per platform. When ctx ends it stops, finishing what is in hand (see
// shutdown).
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
	log, err := newLogger(env.log, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	if env.log == nil {
		slog.SetDefault(log) // what libraries write with the log package comes out structured too
	}
	redis.SetLogger(redisLog{log})
	rdb, err := store.Open(cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	where := "Redis " + store.RedactURL(cfg.RedisURL)
	if err := waitForRedis(ctx, rdb, log, where); err != nil {
		return err
	}
	if env.clock == nil {
		env.clock = systemClock{}
	}
	if years := calendar.UnknownYears(env.clock.Now()); len(years) > 0 {
		log.Warn("calendar: no statutory holidays known for these years; their working days are Monday to Friday and the configured calendar days", "years", years)
	}
	st := store.New(rdb)
	byID := map[string]*qunsu.Settings{}
	var ids []string
	for _, s := range tenants {
		byID[s.Tenant], ids = s, append(ids, s.Tenant)
	}
	// Every command and timer needs the directory's changes: kept in memory,
	// dropped whenever any replica changes them.
	st.WatchRoles(ctx, ids)
	var outboxes []metrics.Outbox
	if cfg.Slack.Enabled() {
		outboxes = append(outboxes, metrics.Outbox{Tenant: cfg.SlackTenant(), Platform: slack.Platform})
	}
	if cfg.WeCom.Enabled() {
		outboxes = append(outboxes, metrics.Outbox{Tenant: cfg.WeComTenant(), Platform: wecom.Platform})
	}
	prom := metrics.New(metrics.Options{CommandName: commandName, Depths: st, Outboxes: outboxes, Log: log})
	health := newReadiness(prom, func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
	engine := &handlers.Engine{Store: st, Clock: env.clock, Tenants: byID, Log: log, Meter: health,
		Monthly: monthly.Writer{}, Charter: chart.Charter{}}
	var inbound qunsu.InboundHandler = engine
	if env.inbound != nil {
		inbound = env.inbound(engine)
	}
	if err := scheduler.EnsureJobs(ctx, st, tenants, env.clock.Now()); err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.Handle("GET /readyz", health)
	mux.Handle("GET /metrics", prom.Handler())
	// Runners stop in stages (see shutdown): what brings work in, what does it,
	// what posts it. Those that do and post must beat for serve to be ready.
	sources, producers, senders := stage{}, stage{watched: true}, stage{watched: true}
	producers.add("poller", func(stop <-chan struct{}) func(context.Context) error {
		return func(ctx context.Context) error {
			subscribed, unsubscribe := context.WithCancel(ctx)
			defer unsubscribe()
			return (&scheduler.Poller{Queue: st, Handler: engine, Clock: env.clock, Tenants: ids, Log: log, Meter: health,
				Wake: st.Wakeups(subscribed, ids), Stop: stop}).Run(ctx)
		}
	})
	// Adapters accept through the intake, which acts on what they queue at
	// once, in this process, while it has a worker free.
	intake := &bot.Intake{Inbox: st, Handler: inbound, Tenants: ids, Consumer: bot.Consumer("intake"), Poll: readWait,
		Log: log, Meter: health}
	producers.add("intake", func(stop <-chan struct{}) func(context.Context) error {
		intake.Stop = stop
		return intake.Run
	})
	platforms := []string{}
	if cfg.Slack.Enabled() {
		// Slack gets what is written from now on, not what waited before it was switched on.
		if err := st.Subscribe(ctx, cfg.SlackTenant(), slack.Platform); err != nil {
			return err
		}
		a := slack.New(slackConfig(cfg.Slack), slack.Options{Tenant: byID[cfg.SlackTenant()], Inbox: intake, Memory: st,
			ReportForm: handlers.ReportForm, ReportWords: handlers.CommandWords("上报"),
			Unavailable: unavailable, Log: log})
		a.Routes(mux)
		senders.add("sender:"+slack.Platform, func(stop <-chan struct{}) func(context.Context) error {
			return (&bot.Sender{Platform: slack.Platform, Outbox: st, Transport: a, Tenants: []string{cfg.SlackTenant()},
				Consumer: bot.Consumer(slack.Platform), Poll: readWait, Log: log, Meter: health, Stop: stop}).Run
		})
		if cfg.Slack.AppToken != "" {
			sources.add("slack-socket-mode", func(stop <-chan struct{}) func(context.Context) error { return untilStop(stop, a.RunSocketMode) })
		}
		platforms = append(platforms, "slack")
	}
	if cfg.WeCom.Enabled() {
		tenant := cfg.WeComTenant()
		if err := st.Subscribe(ctx, tenant, wecom.Platform); err != nil {
			return err
		}
		a, err := wecom.New(wecomConfig(cfg.WeCom), wecom.Options{Tenant: byID[tenant], Inbox: intake, Memory: st, Quota: st,
			Cache: st.SDKCache(tenant), Unavailable: unavailable, Log: log})
		if err != nil {
			return err
		}
		a.Routes(mux)
		senders.add("sender:"+wecom.Platform, func(stop <-chan struct{}) func(context.Context) error {
			return (&bot.Sender{Platform: wecom.Platform, Outbox: st, Transport: a, Tenants: []string{tenant},
				Consumer: bot.Consumer(wecom.Platform), Poll: readWait, Log: log, Meter: health, Stop: stop}).Run
		})
		platforms = append(platforms, "wecom")
	}
	if len(platforms) == 0 {
		log.Warn("no chat platform is configured: set QUNSU_WECOM_CORP_ID or QUNSU_SLACK_BOT_TOKEN (see the README); reminders still fire and wait in the outbox")
	}

	if cfg.DebugAddr != "" {
		_, closeDebug, err := serveDebug(cfg.DebugAddr, log)
		if err != nil {
			return err
		}
		defer closeDebug()
	}
	l, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("qunsu serving", "addr", l.Addr().String(), "store", where, "platforms", strings.Join(platforms, ","), "tenants", strings.Join(ids, ","))
	if env.ready != nil {
		env.ready(l.Addr().String())
	}

	// The runners' I/O outlives ctx: when ctx ends they are asked to stop, and
	// work is cut off only when stopping takes too long.
	work, cutOff := context.WithCancel(context.WithoutCancel(ctx))
	defer cutOff()
	errs := make(chan error, len(sources.runners)+len(producers.runners)+len(senders.runners)+1)
	stopping := make(chan struct{})
	for _, g := range []*stage{&sources, &producers, &senders} {
		g.start(work, health, errs, stopping)
	}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- err
		}
	}()
	select {
	case <-ctx.Done():
		log.Info("stopping: finishing the work in hand", "within", shutdownBound)
	case err = <-errs:
		log.Error("stopping", "err", err)
	}
	close(stopping)
	shutdown(log, health, srv, cutOff, work, &sources, &producers, &senders)
	return err
}

// shutdown ends serve in an order that finishes the work in hand: the service
// says it is not ready; the HTTP server takes no new requests and answers
// those in hand (platforms put what people say in the inbox); Socket Mode
// closes; the intake finishes the command in hand and the poller the timers
// it claimed; then the senders read the outbox once more and post what they
// hold (the replies to those last commands among it), finishing any post in
// hand. Whatever is still going after shutdownBound is cut off; it is resumed
// by the next process, as after a crash.
func shutdown(log *slog.Logger, ready *readiness, srv *http.Server, cutOff context.CancelFunc, work context.Context, stages ...*stage) {
	began := time.Now()
	ready.shuttingDown()
	deadline := time.AfterFunc(shutdownBound, cutOff)
	defer deadline.Stop()
	hctx, cancel := context.WithTimeout(context.Background(), shutdownBound)
	defer cancel()
	if err := srv.Shutdown(hctx); err != nil {
		srv.Close()
	}
	for _, g := range stages {
		if !g.stop(work) {
			log.Error("runners did not stop; leaving them", "runners", g.names())
		}
	}
	log.Info("qunsu stopped", "took", time.Since(began).Round(time.Millisecond), "cut_off", work.Err() != nil)
}

// stage is a set of runners that stop together.
type stage struct {
	watched bool // its runners beat: readiness expects them to
	runners []namedRunner
	quit    chan struct{}
	wg      sync.WaitGroup
}

type namedRunner struct {
	name string
	make func(stop <-chan struct{}) func(context.Context) error
}

func (g *stage) add(name string, make func(stop <-chan struct{}) func(context.Context) error) {
	g.runners = append(g.runners, namedRunner{name, make})
}

func (g *stage) names() []string {
	var out []string
	for _, r := range g.runners {
		out = append(out, r.name)
	}
	return out
}

// start runs the stage's runners with the stage's stop signal; one that ends
// before serve stops is an error.
func (g *stage) start(ctx context.Context, ready *readiness, errs chan<- error, stopping <-chan struct{}) {
	g.quit = make(chan struct{})
	for _, r := range g.runners {
		run := r.make(g.quit)
		if g.watched {
			ready.expect(r.name)
		}
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			ready.running(r.name, true)
			err := run(ctx)
			ready.running(r.name, false)
			select {
			case <-stopping:
			default:
				if err == nil {
					err = errors.New("ended by itself")
				}
				errs <- fmt.Errorf("%s: %w", r.name, err)
			}
		}()
	}
}

// untilStop runs a runner that has no stop signal of its own until stop is
// closed, by ending its context.
func untilStop(stop <-chan struct{}, run func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		return run(ctx)
	}
}

// stop asks the stage's runners to stop and waits for them; it gives up a
// little after work is cut off, reporting false.
func (g *stage) stop(work context.Context) bool {
	close(g.quit)
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-work.Done():
	}
	select {
	case <-done:
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}

// unavailable is the answer to a command the store cannot take now (Redis
// unreachable): nothing was written, so the speaker should send it again.
func unavailable(l qunsu.Lang) string { return render.Error(l, nil) }

func slackConfig(c config.Slack) slack.Config {
	return slack.Config{BotToken: c.BotToken, SigningSecret: c.SigningSecret, AppToken: c.AppToken, APIURL: c.APIURL,
		PrivateChannels: c.Private(), PostInterval: c.PostInterval.D()}
}

func wecomConfig(c config.WeCom) wecom.Config {
	return wecom.Config{CorpID: c.CorpID, AgentID: c.AgentID, Secret: c.Secret, Token: c.Token, AESKey: c.AESKey,
		AIBotToken: c.AIBot.Token, AIBotAESKey: c.AIBot.AESKey, Robots: c.Robots, PostInterval: c.PostInterval.D(), APIURL: c.APIURL}
}

// newLogger logs to w (stderr by default) at level, as text (the default) or
// JSON lines.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	if w == nil {
		w = os.Stderr
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log_format (QUNSU_LOG_FORMAT) %q: use text or json", format)
}

// redisLog passes go-redis's own messages (a pool that cannot dial) to the log.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// commandName names a command by its first English word, whichever of its
// words was typed ("上报" is "report"); "" for a word that is no command.
func commandName(word string) string {
	words := handlers.CommandWords(word)
	for _, w := range words {
		if strings.Trim(w, "abcdefghijklmnopqrstuvwxyz-") == "" {
			return w
		}
	}
	if len(words) > 0 {
		return words[0]
	}
	return ""
}

// waitForRedis returns once Redis answers, so a replica started during an
// outage (or before Redis, at boot) comes up by itself when Redis does. It
// says once that it waits, and gives up only when ctx ends.
func waitForRedis(ctx context.Context, rdb redis.UniversalClient, log *slog.Logger, where string) error {
	for n := 0; ; n++ {
		ping, cancel := context.WithTimeout(ctx, time.Second)
		err := rdb.Ping(ping).Err()
		cancel()
		if err == nil {
			if n > 0 {
				log.Info("store reachable", "store", where)
			}
			return nil
		}
		if n == 0 {
			log.Warn("waiting for the store", "store", where, "err", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", where, err)
		case <-time.After(bot.Backoff{Max: 5 * time.Second}.Wait(n)):
		}
	}
}
