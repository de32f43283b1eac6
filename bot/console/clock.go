package console

import (
	"sync"
	"time"
)

// SimClock is a clock that moves only when told to.
type SimClock struct {
	mu    sync.Mutex
	now   time.Time
	moved chan struct{} // closed when the clock next moves
}

// NewSimClock returns a clock stopped at now.
func NewSimClock(now time.Time) *SimClock { return &SimClock{now: now, moved: make(chan struct{})} }

// Now returns the simulated time.
func (c *SimClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t; it never goes back.
func (c *SimClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
		close(c.moved)
		c.moved = make(chan struct{})
	}
}

// Moved is closed the next time the clock moves (qunsu.SteppedClock).
func (c *SimClock) Moved() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.moved
}
