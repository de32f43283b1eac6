package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"qunsu"
	"qunsu/metrics"
)

// depths answers fixed depths, or fails for one tenant.
type depths map[string][2]int64

func (d depths) OutboxDepth(_ context.Context, tenant, platform string) (int64, int64, error) {
	v, ok := d[tenant+"/"+platform]
	if !ok {
		return 0, 0, errors.New("connection refused")
	}
	return v[0], v[1], nil
}

func scrape(t *testing.T, m *metrics.Meter) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMeterCountsWhatQunsuDoes(t *testing.T) {
	names := map[string]string{"上报": "report", "report": "report", "帮助": "help"}
	m := metrics.New(metrics.Options{
		CommandName: func(w string) string { return names[w] },
		Depths:      depths{"demo/slack": {3, 2}},
		Outboxes:    []metrics.Outbox{{"demo", "slack"}, {"down", "wecom"}},
		Log:         slogDiscard(),
	})
	m.Command("上报", nil)
	m.Command("report", nil)
	m.Command("上报", qunsu.Errorf(qunsu.EINVALID, "err.missing"))
	m.Command("上报", errors.New("redis: connection refused"))
	m.Command("13812345678", qunsu.Errorf(qunsu.EINVALID, "err.unknown_command"))
	m.Command("帮助", qunsu.Errorf(qunsu.EFORBIDDEN, "err.unknown_user"))
	m.TimersClaimed(3)
	m.TimerFired(200 * time.Millisecond)
	m.TimerFired(90 * time.Second)
	m.TimerFired(-time.Second) // clocks apart: not early, on time
	m.SendRetried("wecom")
	m.SendResult("slack", "posted")
	m.SendResult("slack", "posted")
	m.SendResult("wecom", "buried")
	m.PlatformError("wecom", "45009")
	m.PlatformError("slack", "ratelimited")
	m.Beat("intake", "demo/0")

	out := scrape(t, m)
	for _, want := range []string{
		`qunsu_commands_total{command="report",outcome="ok"} 2`,
		`qunsu_commands_total{command="report",outcome="invalid"} 1`,
		`qunsu_commands_total{command="report",outcome="internal"} 1`,
		`qunsu_commands_total{command="unknown",outcome="invalid"} 1`,
		`qunsu_commands_total{command="help",outcome="forbidden"} 1`,
		`qunsu_reminders_due_total 3`,
		`qunsu_reminders_sent_total 3`,
		`qunsu_reminders_late_total 1`,
		`qunsu_reminder_lateness_seconds_bucket{le="0.25"} 2`,
		`qunsu_reminder_lateness_seconds_count 3`,
		`qunsu_sender_retries_total{platform="wecom"} 1`,
		`qunsu_sender_results_total{platform="slack",result="posted"} 2`,
		`qunsu_sender_results_total{platform="wecom",result="buried"} 1`,
		`qunsu_platform_errors_total{code="45009",platform="wecom"} 1`,
		`qunsu_platform_errors_total{code="ratelimited",platform="slack"} 1`,
		`qunsu_outbox_depth{platform="slack",tenant="demo"} 5`,
		`qunsu_outbox_pending{platform="slack",tenant="demo"} 2`,
		`qunsu_runner_heartbeat_timestamp_seconds{runner="intake"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	if strings.Contains(out, "13812345678") {
		t.Error("a word that is no command became a label")
	}
	// The outbox Redis did not answer is left out; the rest is served.
	if strings.Contains(out, `tenant="down"`) {
		t.Error("a depth that could not be read was served")
	}
}

func TestMetersLiveSideBySide(t *testing.T) {
	a, b := metrics.New(metrics.Options{}), metrics.New(metrics.Options{})
	a.SendResult("slack", "posted")
	if out := scrape(t, b); strings.Contains(out, `result="posted"`) {
		t.Error("one meter's counts show in another's")
	}
	a.Command("上报", nil)
	if out := scrape(t, a); !strings.Contains(out, `qunsu_commands_total{command="unknown",outcome="ok"} 1`) {
		t.Errorf("without names, commands count as unknown:\n%s", out)
	}
}

func slogDiscard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
