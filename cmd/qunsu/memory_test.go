package main

import (
	"runtime/debug"
	"testing"
)

// serve keeps its heap near 80 MiB and collects at GOGC=400 unless
// GOMEMLIMIT and GOGC say otherwise.
func TestServeCollectorSettings(t *testing.T) {
	limitBefore, percentBefore := debug.SetMemoryLimit(-1), debug.SetGCPercent(100)
	defer func() { debug.SetMemoryLimit(limitBefore); debug.SetGCPercent(percentBefore) }()
	inForce := func() (int64, int) {
		percent := debug.SetGCPercent(100)
		debug.SetGCPercent(percent)
		return debug.SetMemoryLimit(-1), percent
	}

	debug.SetMemoryLimit(1 << 40)
	tuneCollector(func(string) string { return "" })
	if limit, percent := inForce(); limit != 80<<20 || percent != 400 {
		t.Errorf("without GOMEMLIMIT and GOGC: limit %d, GOGC %d; want 80 MiB, 400", limit, percent)
	}
	// As the runtime sets them from GOMEMLIMIT=1TiB and GOGC=50.
	debug.SetMemoryLimit(1 << 40)
	debug.SetGCPercent(50)
	set := map[string]string{"GOMEMLIMIT": "1TiB", "GOGC": "50"}
	tuneCollector(func(k string) string { return set[k] })
	if limit, percent := inForce(); limit != 1<<40 || percent != 50 {
		t.Errorf("with GOMEMLIMIT and GOGC set: limit %d, GOGC %d; want them left as set", limit, percent)
	}
}
