package main

import "runtime/debug"

// serveMemoryLimit is the soft limit on the Go heap of `qunsu serve` when
// GOMEMLIMIT is not set: the collector works harder as the heap nears it, so
// that a burst (a summary of ten thousand complaints, a backlog of reminders)
// does not leave the process holding memory it no longer uses. The process's
// resident memory stays about 15-20 MiB above it (code and runtime), so it
// stays under 100 MB. A tenant with far more open complaints than that sets
// GOMEMLIMIT higher.
const serveMemoryLimit = 76 << 20

// limitMemory sets serveMemoryLimit unless GOMEMLIMIT is set, and returns the
// limit in force.
func limitMemory(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
	return debug.SetMemoryLimit(-1)
}
