package flagkittest

import (
	"sync"
	"time"
)

// A Clock is a clock that a test sets by hand, for [flagkit.WithClock]:
//
//	clk := flagkittest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
//	c := flagkittest.FromFile(t, "flags.yaml", flagkit.WithClock(clk.Now))
//	clk.Advance(7 * 24 * time.Hour)
//
// Evaluations then see release windows and ramps at the clock's time. The
// client's scheduler still waits in real time, so [flagkit.Client.OnChange]
// does not fire when the clock jumps past a transition; to test change
// events, use [testing/synctest] instead (see the package documentation).
//
// A Clock is safe for concurrent use. The zero Clock reads the zero time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads t until it is set or advanced.
func NewClock(t time.Time) *Clock {
	return &Clock{now: t}
}

// Now returns the clock's time. Pass the method value, clk.Now, to
// [flagkit.WithClock].
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock by d (back in time if d is negative) and returns
// the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
