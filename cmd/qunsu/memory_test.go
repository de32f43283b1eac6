package main

import (
	"runtime/debug"
	"testing"
)

// serve keeps its heap near 72 MiB unless GOMEMLIMIT says otherwise.
func TestServeMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	debug.SetMemoryLimit(1 << 40)
	if got := limitMemory(func(string) string { return "" }); got != 72<<20 {
		t.Errorf("without GOMEMLIMIT the limit is %d, want 72 MiB", got)
	}
	debug.SetMemoryLimit(1 << 40) // as the runtime sets it from GOMEMLIMIT=1TiB
	if got := limitMemory(func(string) string { return "1TiB" }); got != 1<<40 {
		t.Errorf("with GOMEMLIMIT set the limit is %d, want it left as set", got)
	}
}
