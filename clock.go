package flagkit

import (
	"sync/atomic"
	"time"
)

// clock reads the time at most once per evaluation, and only when a rule
// with a time part is reached.
type clock struct {
	millis func() int64 // Unix milliseconds
	ms     int64
	read   bool
}

func (c *clock) now() int64 {
	if !c.read {
		c.ms = c.millis()
		c.read = true
	}
	return c.ms
}

// anchorTTL is how long a wallClock trusts its anchor: a step of the
// system's clock (NTP correcting it, an operator setting it, a resume from
// suspend) reaches evaluations within this time.
const anchorTTL = time.Second

// wallClock is the default clock of evaluations: the wall clock in Unix
// milliseconds at half the cost of time.Now. time.Now reads two clocks of
// the system, the wall clock and the monotonic clock; wallClock reads only
// the monotonic one (time.Since of an anchor carrying a monotonic reading)
// and adds the elapsed time to the anchor's wall-clock reading. It takes a
// new anchor from time.Now once anchorTTL has passed, so it agrees with
// time.Now to the millisecond except for up to anchorTTL after the system's
// clock is stepped. In a testing/synctest bubble time.Since reads the
// bubble's fake clock, so it follows it exactly.
//
// The 30 ns saved per reading is most of the cost of evaluating a flag
// with a release window or a ramp (see docs/performance.md).
type wallClock struct {
	anchor atomic.Pointer[clockAnchor]
}

// clockAnchor is one reading of time.Now: its monotonic part measures the
// time elapsed since, and ns is its wall-clock part in Unix nanoseconds.
type clockAnchor struct {
	t  time.Time
	ns int64
}

// millis returns the wall-clock time in Unix milliseconds.
func (w *wallClock) millis() int64 {
	if a := w.anchor.Load(); a != nil {
		if d := time.Since(a.t); 0 <= d && d < anchorTTL {
			return floorDiv(a.ns+int64(d), int64(time.Millisecond))
		}
	}
	// No anchor yet, or an old one (or time ran backwards, which a
	// synctest bubble entered after the anchor was taken can do).
	t := time.Now()
	w.anchor.Store(&clockAnchor{t: t, ns: t.UnixNano()})
	return t.UnixMilli()
}

// floorDiv is a/b rounded towards minus infinity, for b > 0 (as UnixMilli
// rounds instants before 1970).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
