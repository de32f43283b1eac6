package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"qunsu"
)

// clockEnv names the setting of a simulated clock for `serve`: drills and
// tests run several processes on one simulated time that moves faster than
// the wall clock, so that deadlines come due within minutes. Production
// leaves it unset and runs on the real clock.
const clockEnv = "QUNSU_CLOCK"

const clockSyntax = `want "<start, RFC 3339> [x<rate>] [@<origin, Unix ms>]", e.g. "2026-11-20T09:00:00+08:00 x1200 @1795136400000"`

// rateClock is simulated time: start at origin (wall time), running rate
// times as fast as the wall clock. Processes given the same start, rate and
// origin agree on the time, so a timer one of them sets is due for all.
type rateClock struct {
	start, origin time.Time
	rate          float64
}

func (c rateClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.origin)) * c.rate))
}

// Rate is how many simulated seconds pass per wall second (qunsu.PacedClock).
func (c rateClock) Rate() float64 { return c.rate }

// parseClock reads a QUNSU_CLOCK value. Without a rate the clock runs at the
// wall clock's pace; without an origin it starts when it is read.
func parseClock(spec string) (qunsu.Clock, error) {
	fields := strings.Fields(spec)
	if len(fields) == 0 || len(fields) > 3 {
		return nil, fmt.Errorf("%s %q: %s", clockEnv, spec, clockSyntax)
	}
	start, err := time.Parse(time.RFC3339, fields[0])
	if err != nil {
		return nil, fmt.Errorf("%s %q: start %q is not RFC 3339; %s", clockEnv, spec, fields[0], clockSyntax)
	}
	c := rateClock{start: start, origin: time.Now(), rate: 1}
	var seenRate, seenOrigin bool
	for _, f := range fields[1:] {
		switch {
		case strings.HasPrefix(f, "x") && !seenRate:
			seenRate = true
			c.rate, err = strconv.ParseFloat(f[1:], 64)
			if err != nil || c.rate <= 0 || c.rate > 1e6 {
				return nil, fmt.Errorf("%s %q: rate %q must be a number above 0 and at most 1000000; %s", clockEnv, spec, f, clockSyntax)
			}
		case strings.HasPrefix(f, "@") && !seenOrigin:
			seenOrigin = true
			ms, err := strconv.ParseInt(f[1:], 10, 64)
			if err != nil || ms <= 0 {
				return nil, fmt.Errorf("%s %q: origin %q must be Unix milliseconds; %s", clockEnv, spec, f, clockSyntax)
			}
			c.origin = time.UnixMilli(ms)
		default:
			return nil, fmt.Errorf("%s %q: unexpected %q; %s", clockEnv, spec, f, clockSyntax)
		}
	}
	return c, nil
}
