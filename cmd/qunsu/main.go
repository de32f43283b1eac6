// Command qunsu runs the group-complaint bot.
//
//	qunsu [--config F] [--now T] [--as NAME]   the console (default)
//	qunsu demo                                  a scripted group complaint in the console
//	qunsu serve [--config F]                    the bot for WeCom and Slack
//	qunsu check-config [--config F]             check a configuration file
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		limitMemory(os.Getenv)
	}
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, isTerminal(os.Stdin)); err != nil {
		fmt.Fprintln(os.Stderr, "qunsu:", err)
		os.Exit(1)
	}
}

// run is main without the process: tests call it with their own input and output.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, interactive bool) error {
	cmd := "console"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "console":
		return runConsole(ctx, args, stdin, stdout, interactive, false)
	case "demo":
		return runConsole(ctx, args, demoScript(), stdout, false, true)
	case "serve":
		env := serveEnv{}
		if spec := os.Getenv(clockEnv); spec != "" {
			clock, err := parseClock(spec)
			if err != nil {
				return err
			}
			env.clock = clock
		}
		return runServe(ctx, args, stdout, env)
	case "check-config":
		return checkConfig(args, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  qunsu [--config FILE] [--now 2026-11-22T09:00:00+08:00] [--as NAME] [--tenant ID] [--files DIR]
        the console: type commands, see what the bot posts (:help for directives)
  qunsu demo      a scripted group complaint, from report to close
  qunsu serve [--config FILE]
        the bot for chat platforms: HTTP endpoints on QUNSU_HTTP_ADDR, state in Redis
  qunsu check-config [--config FILE]
environment: QUNSU_CONFIG (config file), QUNSU_FILES (where the console writes charts), QUNSU_REDIS_URL (Redis; empty: embedded store),
             QUNSU_HTTP_ADDR, QUNSU_LOG_LEVEL, QUNSU_LOG_FORMAT, QUNSU_DEBUG_ADDR (profiler, keep on loopback),
             GOMEMLIMIT (serve's soft heap limit; default 76MiB),
             QUNSU_WECOM_CORP_ID, QUNSU_WECOM_AGENT_ID, QUNSU_WECOM_SECRET, QUNSU_WECOM_TOKEN,
             QUNSU_WECOM_AES_KEY, QUNSU_WECOM_AIBOT_TOKEN, QUNSU_WECOM_AIBOT_AES_KEY,
             QUNSU_SLACK_BOT_TOKEN, QUNSU_SLACK_SIGNING_SECRET, QUNSU_SLACK_APP_TOKEN,
             QUNSU_CLOCK (serve on a simulated clock, for drills and tests: "<start> x<rate> @<origin ms>")
`

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
