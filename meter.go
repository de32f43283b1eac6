package qunsu

import "time"

// Meter is told what the service does, for its operators: counts and timings
// for monitoring, and a heartbeat from every working loop for the readiness
// check. Packages take one as an optional field (nil: MeterOrNop). Its methods
// sit on the hot paths: they must be cheap and safe for concurrent use.
type Meter interface {
	// Beat says that a loop of a runner went round: the runner is alive and
	// not stuck. Runners are "intake", "poller" and "sender:<platform>"; loop
	// tells a runner's loops apart (a tenant, a worker).
	Beat(runner, loop string)
	// Command counts a command by its word as typed and by what it returned:
	// nil is ok, anything else counts under its ErrorCode.
	Command(word string, err error)
	// TimersClaimed counts timers the poller claimed as due.
	TimersClaimed(n int)
	// TimerFired counts a timer fired, late by the time between its due time and
	// its firing.
	TimerFired(late time.Duration)
	// SendRetried counts an attempt to reach a platform that failed and is to
	// be made again (a rate limit, a transient error).
	SendRetried(platform string)
	// SendResult counts what became of a message for a platform: "posted",
	// "duplicate" (posted before), "skipped" (not the platform's) or "buried"
	// (refused for good and set aside).
	SendResult(platform, result string)
	// PlatformError counts an error a platform answered, by the platform's own
	// code (Slack's "ratelimited", WeCom's "45009").
	PlatformError(platform, code string)
}

// NopMeter records nothing.
type NopMeter struct{}

func (NopMeter) Beat(string, string)          {}
func (NopMeter) Command(string, error)        {}
func (NopMeter) TimersClaimed(int)            {}
func (NopMeter) TimerFired(time.Duration)     {}
func (NopMeter) SendRetried(string)           {}
func (NopMeter) SendResult(string, string)    {}
func (NopMeter) PlatformError(string, string) {}

// MeterOrNop returns m, or NopMeter when m is nil.
func MeterOrNop(m Meter) Meter {
	if m == nil {
		return NopMeter{}
	}
	return m
}
