package main

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A simulated clock shared by processes: the same start, rate and origin give
// the same time; malformed settings are refused, naming what is wrong.
func TestParseClock(t *testing.T) {
	origin := time.Now().Add(-10 * time.Second)
	spec := "2026-11-20T09:00:00+08:00 x1200 @" + strconv.FormatInt(origin.UnixMilli(), 10)
	c, err := parseClock(spec)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := time.Parse(time.RFC3339, "2026-11-20T09:00:00+08:00")
	// 10 s of wall time at 1200x is 200 minutes; allow for the test's own pace.
	if got := c.Now().Sub(start); got < 200*time.Minute || got > 220*time.Minute {
		t.Errorf("after 10 s at x1200: %v, want about 200m", got)
	}
	other, _ := parseClock(spec)
	if d := other.Now().Sub(c.Now()); d < -time.Minute || d > time.Minute { // a minute simulated is 50 ms of wall time
		t.Errorf("two clocks of one setting differ by %v", d)
	}
	plain, err := parseClock("2026-11-20T09:00:00+08:00")
	if err != nil {
		t.Fatal(err)
	}
	if got := plain.Now().Sub(start); got < 0 || got > time.Second {
		t.Errorf("a clock without rate or origin starts at its start: %v", got)
	}

	for _, c := range []struct{ spec, want string }{
		{"", "want \"<start, RFC 3339>"},
		{"2026-11-20 09:00", "start \"2026-11-20\" is not RFC 3339"},
		{"2026-11-20T09:00:00+08:00 x0", "rate \"x0\" must be a number above 0"},
		{"2026-11-20T09:00:00+08:00 x-2", "rate \"x-2\""},
		{"2026-11-20T09:00:00+08:00 fast", "unexpected \"fast\""},
		{"2026-11-20T09:00:00+08:00 @yesterday", "origin \"@yesterday\" must be Unix milliseconds"},
		{"2026-11-20T09:00:00+08:00 x2 x3", "unexpected \"x3\""},
		{"2026-11-20T09:00:00+08:00 x2 @1 @2 extra", "QUNSU_CLOCK"},
	} {
		_, err := parseClock(c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseClock(%q) = %v, want an error with %q", c.spec, err, c.want)
		}
	}
}

// serve refuses a malformed clock before it starts anything.
func TestServeRefusesMalformedClock(t *testing.T) {
	t.Setenv("QUNSU_CLOCK", "tomorrow x2")
	err := run(context.Background(), []string{"serve"}, nil, io.Discard, false)
	if err == nil || !strings.Contains(err.Error(), "QUNSU_CLOCK \"tomorrow x2\": start \"tomorrow\" is not RFC 3339") {
		t.Errorf("serve with a malformed clock: %v", err)
	}
}
