package main

import "runtime/debug"

// serveMemoryLimit is the soft limit on the Go heap of `qunsu serve` when
// GOMEMLIMIT is not set: the collector works harder as the heap nears it, so
// that a burst (a summary of ten thousand complaints, a backlog of reminders)
// does not leave the process holding memory it no longer uses. A tenant with
// far more open complaints than that sets GOMEMLIMIT higher. (At 72 MiB the
// collector worked so hard on a summary of 10,000 complaints that it took a
// fifth longer.)
const serveMemoryLimit = 80 << 20

// serveGCPercent is GOGC for `qunsu serve` when GOGC is not set. Its live heap
// under steady load is small (about 6 MiB), so Go's default of 100 collected
// every few hundred commands, and while a collection marks it takes a quarter
// of the process's cores (half a core here) from the requests being answered:
// the slowest acknowledgements were those. At 400 the heap grows to five times
// its live size before a collection, and serveMemoryLimit still bounds it.
const serveGCPercent = 400

// tuneCollector sets serveMemoryLimit unless GOMEMLIMIT is set, and
// serveGCPercent unless GOGC is.
func tuneCollector(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}
