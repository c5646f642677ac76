package webtest

import (
	"sync"
	"time"
)

// Clock is a node's clock under a test's control (Options.Now = c.Now): it
// stands still until the test moves it, so what depends on time (a poll's
// end, a retry's backoff, a session's expiry) happens when the test says.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock showing t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// CatchUp moves the clock to the wall clock's time if it is behind: what
// the node stored meanwhile at the wall clock's time (the job queue's rows,
// say) is then in the past, however long a loaded machine took to get
// here.
func (c *Clock) CatchUp() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now().UTC(); now.After(c.t) {
		c.t = now
	}
}
