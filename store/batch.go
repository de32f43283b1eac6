package store

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// batcher sends the commands of concurrent callers together. A command that
// finds nothing waiting and a round trip free goes at once, from its caller's
// goroutine; those that arrive while round trips are under way go together in
// the next, in one pipeline. After downtime thousands of
// reminders are written and posted at once, each with a few small commands:
// one at a time, the system calls on both sides cost more than the commands.
type batcher struct {
	rdb redis.UniversalClient

	mu      sync.Mutex
	queue   []*batched
	running int // round trips under way (at most batchRunners)
}

// batched is a command waiting for its round trip, and its caller's context.
type batched struct {
	ctx  context.Context
	cmd  redis.Cmder
	done chan struct{}
}

// batchRunners is how many round trips of batched commands may be under
// way at once: more than one, so that a slow command (a large commit) does
// not hold up the rest; few, so that commands do wait for each other.
const batchRunners = 2

// batchTimeout bounds a round trip of batched commands, which serves callers
// with contexts of their own.
const batchTimeout = 10 * time.Second

func newBatcher(rdb redis.UniversalClient) *batcher { return &batcher{rdb: rdb} }

// do runs cmd, with others if others are waiting, and returns its error. If
// ctx ends while cmd waits for a round trip, do returns ctx's error, and cmd
// may still run; a command that goes at once is sent with ctx, as directly.
func (b *batcher) do(ctx context.Context, cmd redis.Cmder) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	if len(b.queue) == 0 && b.running < batchRunners {
		// Alone: sent from this goroutine as if directly, not handed to a
		// runner and back (two switches between goroutines per command).
		b.running++
		b.mu.Unlock()
		err := b.rdb.Process(ctx, cmd)
		b.mu.Lock()
		b.running--
		if len(b.queue) > 0 { // come while it was under way
			b.startRunner()
		}
		b.mu.Unlock()
		return err
	}
	w := &batched{ctx: ctx, cmd: cmd, done: make(chan struct{})}
	b.queue = append(b.queue, w)
	b.startRunner()
	b.mu.Unlock()
	select {
	case <-w.done:
		return cmd.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startRunner starts a runner for what waits, if a round trip is free; b.mu
// is held.
func (b *batcher) startRunner() {
	if b.running < batchRunners {
		b.running++
		go b.run()
	}
}

// run sends what waits, round trip after round trip, until nothing does. A
// command whose caller gave up while it waited is not sent (a stopping
// sender's claim would hold its message for a lease).
func (b *batcher) run() {
	for {
		b.mu.Lock()
		waiting := b.queue
		b.queue = nil
		if len(waiting) == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		batch := waiting[:0]
		for _, w := range waiting {
			if err := w.ctx.Err(); err != nil {
				w.cmd.SetErr(err)
				close(w.done)
				continue
			}
			batch = append(batch, w)
		}
		if len(batch) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
		if len(batch) == 1 {
			_ = b.rdb.Process(ctx, batch[0].cmd)
		} else {
			pipe := b.rdb.Pipeline()
			for _, w := range batch {
				_ = pipe.Process(ctx, w.cmd)
			}
			_, _ = pipe.Exec(ctx) // each command keeps its own error
		}
		cancel()
		for _, w := range batch {
			close(w.done)
		}
	}
}

// script runs a Lua script through the batcher: EVALSHA, and EVAL (which
// loads it) when the server does not know it yet.
func (b *batcher) script(ctx context.Context, s *redis.Script, keys []string, args ...any) *redis.Cmd {
	argv := make([]any, 0, 3+len(keys)+len(args))
	argv = append(argv, "evalsha", s.Hash(), len(keys))
	for _, k := range keys {
		argv = append(argv, k)
	}
	argv = append(argv, args...)
	cmd := redis.NewCmd(ctx, argv...)
	err := b.do(ctx, cmd)
	switch {
	case err != nil && ctx.Err() != nil && err == ctx.Err():
		// Given up: the round trip may still fill cmd in, so it is not returned.
		failed := redis.NewCmd(ctx)
		failed.SetErr(err)
		return failed
	case err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT"):
		return s.Eval(ctx, b.rdb, keys, args...)
	}
	return cmd
}
