package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"qunsu"
	"qunsu/bot/console"
	"qunsu/calendar"
	"qunsu/chart"
	"qunsu/config"
	"qunsu/handlers"
	"qunsu/monthly"
	"qunsu/scheduler"
	"qunsu/store"
)

// runConsole wires the engine to the console platform on a simulated clock.
func runConsole(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, interactive, echo bool) error {
	fs := flag.NewFlagSet("qunsu", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfgPath := fs.String("config", os.Getenv("QUNSU_CONFIG"), "configuration file (default: the shipped sample)")
	nowFlag := fs.String("now", "", "start time of the simulated clock, RFC 3339 (default: now)")
	as := fs.String("as", "", "default speaker (name or id; default: the first customer-relations head)")
	tenantID := fs.String("tenant", "", "tenant id (default: the first)")
	files := fs.String("files", cmp.Or(os.Getenv("QUNSU_FILES"), console.DefaultFiles()), "directory the charts and reports posted are written to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("--now %q: want e.g. 2026-11-22T09:00:00+08:00", *nowFlag)
		}
		now = t
	}
	cfg, tenants, err := loadSettings(*cfgPath)
	if err != nil {
		return err
	}
	s := tenants[0]
	for _, t := range tenants {
		if t.Tenant == *tenantID {
			s = t
		}
	}
	rdb, where, closeStore, err := openStore(cfg.RedisURL)
	if err != nil {
		return err
	}
	defer closeStore()

	clock := console.NewSimClock(now)
	st := store.New(rdb)
	// Errors only: refusals and the like are shown in the conversation itself.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	engine := &handlers.Engine{Store: st, Clock: clock, Tenants: map[string]*qunsu.Settings{s.Tenant: s}, Log: log,
		Monthly: monthly.Writer{}, Charter: chart.Charter{}}
	poller := &scheduler.Poller{Queue: st, Handler: engine, Clock: clock, Tenants: []string{s.Tenant}, Log: log}
	if err := scheduler.EnsureJobs(ctx, st, []*qunsu.Settings{s}, now); err != nil {
		return err
	}
	speaker := *as
	if speaker == "" {
		if ids := s.Directory.Resolve(qunsu.RoleCRHead, "", ""); len(ids) > 0 {
			speaker = ids[0]
		}
	}
	fmt.Fprintf(stdout, "qunsu 控制台 · %s · %s · 模拟时钟 %s\n", s.Name, where, now.In(s.Location).Format("2006-01-02 15:04"))
	fmt.Fprintln(stdout, "输入「帮助」查看命令，:help 查看控制台指令，as <姓名>: <命令> 以他人身份发言。")
	c := &console.Console{Tenant: s, Handler: engine, Outbox: st, Memory: st, Timers: poller, Clock: clock,
		Out: stdout, Speaker: speaker, Echo: echo, Prompt: interactive, Files: *files}
	return c.Run(ctx, stdin)
}

// loadSettings reads and checks the configuration and builds every tenant's settings.
func loadSettings(path string) (*config.Config, []*qunsu.Settings, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	config.FromEnv(cfg)
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	var out []*qunsu.Settings
	for i := range cfg.Tenants {
		s, err := cfg.Tenants[i].Settings()
		if err != nil {
			return nil, nil, err
		}
		days := cfg.Tenants[i].Calendar
		if s.Calendar, err = calendar.NewChina(s.Location, days.Holidays, days.Workdays); err != nil {
			return nil, nil, fmt.Errorf("tenant %s: %w", s.Tenant, err)
		}
		if s.SummaryCron != "" {
			if s.NextSummary, err = scheduler.NextFunc(s.SummaryCron, s.Location); err != nil {
				return nil, nil, err
			}
		}
		out = append(out, &s)
	}
	return cfg, out, nil
}

// openStore connects to the configured Redis, or starts the embedded store.
func openStore(url string) (redis.UniversalClient, string, func(), error) {
	if url == "" {
		rdb, stop, err := store.Embedded()
		return rdb, "内置内存存储（退出即清空；设置 QUNSU_REDIS_URL 使用 Redis）", stop, err
	}
	rdb, err := store.Open(url)
	if err != nil {
		return nil, "", nil, err
	}
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		rdb.Close()
		return nil, "", nil, fmt.Errorf("redis %s: %w", store.RedactURL(url), err)
	}
	return rdb, "Redis " + store.RedactURL(url), func() { rdb.Close() }, nil
}

// checkConfig validates a configuration file and says what is wrong.
func checkConfig(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stdout)
	cfgPath := fs.String("config", os.Getenv("QUNSU_CONFIG"), "configuration file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, _, err := loadSettings(*cfgPath)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintln(stdout, "warning:", w)
	}
	fmt.Fprintln(stdout, "configuration OK")
	return nil
}
