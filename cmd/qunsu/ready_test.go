package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"qunsu"
)

// Ready needs Redis, every runner running, and each of their loops going
// round; the answer names what is not ready.
func TestReadinessNamesWhatIsNotReady(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var pingErr error
	r := newReadiness(qunsu.NopMeter{}, func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("PING without a time limit")
		}
		return pingErr
	})
	r.now = func() time.Time { return now }
	answer := func() (int, string) {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	check := func(wantCode int, wantBody string) {
		t.Helper()
		if code, body := answer(); code != wantCode || body != wantBody {
			t.Errorf("/readyz: %d %q, want %d %q", code, body, wantCode, wantBody)
		}
	}

	r.expect("intake")
	r.expect("poller")
	check(503, "intake: not running\npoller: not running\n")
	r.running("intake", true)
	r.running("poller", true)
	check(503, "intake: starting\npoller: starting\n")
	r.Beat("intake", "demo/0")
	r.Beat("intake", "demo/1")
	r.Beat("poller", "")
	r.Beat("sender:slack", "demo") // not expected: not watched
	check(200, "ready\n")

	// One intake worker stuck: the others and the poller go on.
	now = now.Add(time.Minute)
	r.Beat("intake", "demo/0")
	r.Beat("poller", "")
	check(200, "ready\n")
	now = now.Add(time.Minute)
	r.Beat("intake", "demo/0")
	r.Beat("poller", "")
	check(503, "intake: loop demo/1: no progress for 2m0s\n")
	r.Beat("intake", "demo/1")
	check(200, "ready\n")

	pingErr = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	r.running("poller", false)
	check(503, "redis: dial tcp 127.0.0.1:6379: connect: connection refused\npoller: not running\n")
	pingErr = nil
	r.running("poller", true)
	check(200, "ready\n")
	r.shuttingDown()
	check(503, "shutting down\n")
	if code, _ := answer(); code != http.StatusServiceUnavailable {
		t.Errorf("ready while shutting down")
	}
}

// The first English word names a command in metrics, whichever word is typed.
func TestCommandName(t *testing.T) {
	for word, want := range map[string]string{"上报": "report", "REPORT": "report", "？": "help", "回复时间": "reply-by",
		"进展": "timeline", "13812345678": "", "": ""} {
		if got := commandName(word); got != want {
			t.Errorf("commandName(%q) = %q, want %q", word, got, want)
		}
	}
}
