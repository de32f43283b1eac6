package main

import "runtime/debug"

// serveMemoryLimit is the soft limit on the Go heap of `qunsu serve` when
// GOMEMLIMIT is not set: the collector works harder as the heap nears it, so
// that a burst (a summary of ten thousand complaints, a backlog of reminders)
// does not leave the process holding memory it no longer uses. A tenant with
// far more open complaints than that sets GOMEMLIMIT higher.
const serveMemoryLimit = 80 << 20

// serveGCPercent is GOGC for `qunsu serve` when GOGC is not set. Its live heap
// under steady load is small (about 10 MiB), so Go's default of 100 collected
// every few hundred commands, and each collection took a core's quarter from
// the requests being answered meanwhile: the slowest acknowledgements were
// those. The heap may grow to four times its live size before a collection,
// up to serveMemoryLimit, which still bounds it.
const serveGCPercent = 400

// tuneCollector sets serveMemoryLimit unless GOMEMLIMIT is set, and
// serveGCPercent unless GOGC is, and returns the limit and percent in force.
func tuneCollector(getenv func(string) string) (limit int64, percent int) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return debug.SetMemoryLimit(-1), percent
}
