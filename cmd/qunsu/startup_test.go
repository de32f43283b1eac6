package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"qunsu/internal/redistest"
	"qunsu/internal/syncbuf"
)

// A replica started while Redis is down waits for it, saying so once, and
// serves as soon as Redis answers: no supervisor needed.
func TestServeWaitsForRedisAtStart(t *testing.T) {
	srv := redistest.StartServer(t)
	srv.Stop()
	t.Setenv("QUNSU_CONFIG", "")
	t.Setenv("QUNSU_REDIS_URL", srv.URL())
	t.Setenv("QUNSU_HTTP_ADDR", "127.0.0.1:0")
	logs := &syncbuf.Buffer{}
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, nil, io.Discard, serveEnv{log: logs, ready: func(addr string) { ready <- addr }})
	}()
	time.Sleep(2500 * time.Millisecond)
	select {
	case <-ready:
		t.Fatal("serving with Redis down")
	case err := <-done:
		t.Fatalf("serve gave up: %v", err)
	default:
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve ended: %v\n%s", err, logs.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("not serving 15 s after Redis came back\n%s", logs.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "waiting for the store"); n != 1 {
		t.Errorf("the wait was logged %d times, want once:\n%s", n, logs.String())
	}
}
