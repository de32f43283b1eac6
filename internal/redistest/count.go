package redistest

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Commands counts what a client sends: each command by name, alone or in a
// pipeline, and the round trips. Tests of how many round trips something
// takes read it.
type Commands struct {
	mu    sync.Mutex
	alone map[string]int64
	piped map[string]int64
	trips int64
	all   int64 // commands of every name, alone or piped
}

// CountCommands starts counting what rdb sends.
func CountCommands(rdb redis.UniversalClient) *Commands {
	c := &Commands{alone: map[string]int64{}, piped: map[string]int64{}}
	rdb.AddHook(c)
	return c
}

// Alone is how many name commands were sent each in a round trip of its own.
func (c *Commands) Alone(name string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.alone[name]
}

// Piped is how many name commands were sent in pipelines.
func (c *Commands) Piped(name string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.piped[name]
}

// All is how many commands were sent, of every name.
func (c *Commands) All() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.all
}

// RoundTrips is how many round trips were made: one per command alone, one
// per pipeline.
func (c *Commands) RoundTrips() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trips
}

// Reset starts counting again from zero.
func (c *Commands) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alone, c.piped, c.trips, c.all = map[string]int64{}, map[string]int64{}, 0, 0
}

func (c *Commands) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *Commands) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.mu.Lock()
		c.alone[cmd.Name()]++
		c.trips++
		c.all++
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (c *Commands) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.mu.Lock()
		for _, cmd := range cmds {
			c.piped[cmd.Name()]++
		}
		c.trips++
		c.all += int64(len(cmds))
		c.mu.Unlock()
		return next(ctx, cmds)
	}
}
