package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// With debug_addr set, serve answers the profiler there, and only there: the
// platforms' port does not show it.
func TestProfilerOnDebugPortOnly(t *testing.T) {
	addr, closeDebug, err := serveDebug("127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer closeDebug()
	res, err := http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile") {
		t.Errorf("debug port: %d %.80q", res.StatusCode, body)
	}

	r := startServe(t, "", nil)
	res, err = http.Get(r.base + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("the platforms' port answered the profiler: %d", res.StatusCode)
	}
}
