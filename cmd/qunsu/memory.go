package main

import "runtime/debug"

// serveMemoryLimit is the soft limit on the Go heap of `qunsu serve` when
// GOMEMLIMIT is not set: the collector works harder as the heap nears it, so
// that a burst (a summary of ten thousand complaints, a backlog of reminders)
// does not leave the process holding memory it no longer uses. The process's
// resident memory is some 15-20 MiB more (code and runtime): summaries of
// 10,000 open complaints peaked at 90.8 MiB with this limit, against 91-95 at
// 76 MiB, and took no longer; catching up on 10,000 reminders took about 5 %
// longer. A tenant with far more than ten thousand open complaints sets
// GOMEMLIMIT higher.
const serveMemoryLimit = 72 << 20

// limitMemory sets serveMemoryLimit unless GOMEMLIMIT is set, and returns the
// limit in force.
func limitMemory(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
	return debug.SetMemoryLimit(-1)
}
