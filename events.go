package flagkit

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// A Change reports flags whose answers may have changed: their definition
// changed (directly, or through a cohort or prerequisite they use, or an
// override), or one of their release windows opened or closed, or a ramp
// started or ended.
type Change struct {
	// Flags are the keys of the flags concerned, sorted.
	Flags []string
	// Source names the layer whose update caused the change; "" for a
	// scheduled transition. When several changes were merged (see
	// [Client.OnChange]), it is the latest non-empty one.
	Source string
	// Scheduled is true when the change is (or includes) a scheduled
	// transition rather than an update of definitions.
	Scheduled bool
	// Time is when the change happened, by the client's clock.
	Time time.Time
}

// OnChange registers fn to be called after each change of the flags'
// answers and returns a function that unregisters it. Calls happen one at
// a time on a goroutine the client owns, never while the client holds a
// lock, so fn may call the client. If fn is slow, changes that happen
// meanwhile are merged into one call; reloads never wait for fn.
func (c *Client) OnChange(fn func(Change)) (stop func()) {
	if c == nil {
		return func() {}
	}
	return c.events.subscribe(fn)
}

// OnStatus registers fn to be called when the client's health changes and
// returns a function that unregisters it: a source becomes stale or loads
// again, its error changes, or the problems in force change (a flag or
// cohort isolated or repaired). It is called with the new [Status]; a
// successful load that changes nothing of that (only LastLoad) does not
// call it. Calls happen one at a time on a goroutine the client owns, as
// for [Client.OnChange]; if fn is slow, statuses that happen meanwhile are
// replaced by the latest. To start from the current status, register
// first, then call [Client.Status]. Calls stop at [Client.Close].
func (c *Client) OnStatus(fn func(Status)) (stop func()) {
	if c == nil {
		return func() {}
	}
	return c.health.subscribe(fn)
}

// notifier delivers events to subscribers on its own goroutine; an event
// posted while another waits to be delivered is merged into it.
type notifier[T any] struct {
	mu      sync.Mutex
	subs    map[int]func(T)
	next    int
	pending *T
	stopped bool // no callback starts any more
	merge   func(pending *T, next T)
	name    string // the method that registers subscribers, for the log
	wake    chan struct{}
	done    chan struct{} // closed when the goroutine has returned
	gid     atomic.Uint64 // the goroutine's id, to recognise a callback calling Close
	log     *slog.Logger
}

func (n *notifier[T]) start(ctx context.Context) {
	n.wake = make(chan struct{}, 1)
	n.done = make(chan struct{})
	started := make(chan struct{})
	go func() {
		defer close(n.done)
		n.gid.Store(goroutineID())
		close(started)
		for {
			select {
			case <-ctx.Done():
				return
			case <-n.wake:
			}
			n.mu.Lock()
			ev := n.pending
			n.pending = nil
			subs := make([]func(T), 0, len(n.subs))
			ids := make([]int, 0, len(n.subs))
			for id := range n.subs {
				ids = append(ids, id)
			}
			sort.Ints(ids)
			for _, id := range ids {
				subs = append(subs, n.subs[id])
			}
			n.mu.Unlock()
			if ev == nil {
				continue
			}
			for _, fn := range subs {
				if !n.running() {
					return
				}
				n.call(fn, *ev)
			}
		}
	}()
	<-started
}

// running reports whether callbacks may still start.
func (n *notifier[T]) running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return !n.stopped
}

// stop makes sure that no callback starts any more; one that runs goes on.
func (n *notifier[T]) stop() {
	n.mu.Lock()
	n.stopped = true
	n.mu.Unlock()
}

// runs reports whether the goroutine with id gid is the notifier's.
func (n *notifier[T]) runs(gid uint64) bool { return gid != 0 && n.gid.Load() == gid }

// wait waits for the notifier's goroutine to return (its context is done).
func (n *notifier[T]) wait() { <-n.done }

// goroutineID returns the calling goroutine's id, read from the first line
// of its stack trace ("goroutine 42 [running]:"), or 0 if it cannot be read.
// Close uses it to tell a callback that calls it from any other caller: it
// must not wait for the goroutine it runs on.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b, ok := bytes.CutPrefix(b, []byte("goroutine "))
	if !ok {
		return 0
	}
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// call runs one callback; a panic in it is logged, not propagated, so one
// broken subscriber cannot stop the others or crash the service.
func (n *notifier[T]) call(fn func(T), ev T) {
	defer func() {
		if r := recover(); r != nil && n.log != nil {
			n.log.Error("flagkit: "+n.name+" callback panicked", "panic", r)
		}
	}()
	fn(ev)
}

func (n *notifier[T]) subscribe(fn func(T)) func() {
	if fn == nil {
		return func() {}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.subs == nil {
		n.subs = map[int]func(T){}
	}
	id := n.next
	n.next++
	n.subs[id] = fn
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.subs, id)
	}
}

// post queues an event, merging it with one not yet delivered.
func (n *notifier[T]) post(ev T) {
	n.mu.Lock()
	if len(n.subs) == 0 {
		n.mu.Unlock()
		return
	}
	if n.pending == nil {
		n.pending = &ev
	} else {
		n.merge(n.pending, ev)
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// mergeChange folds ch into an undelivered change p.
func mergeChange(p *Change, ch Change) {
	p.Flags = mergeSorted(p.Flags, ch.Flags)
	if ch.Source != "" {
		p.Source = ch.Source
	}
	p.Scheduled = p.Scheduled || ch.Scheduled
	p.Time = ch.Time
}

// latestStatus replaces an undelivered status with the newer one.
func latestStatus(p *Status, st Status) { *p = st }

func mergeSorted(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	sort.Strings(out)
	return slices.Compact(out)
}

// maxTimerWait is the longest the scheduler sleeps before it looks again.
const maxTimerWait = 24 * time.Hour

// scheduler fires a Change at each scheduled transition of the current
// snapshot, driven by one timer set to the next transition.
//
// It reads the clock only when it wakes: now is New's reading, so that a
// client at rest never reads the clock.
func (c *Client) scheduler(ctx context.Context, now int64) {
	defer c.wg.Done()
	last := now
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for first := true; ; first = false {
		snap := c.snap.Load()
		if !first {
			now = c.millis()
		}
		// Fire every transition in (last, now].
		var due []string
		for _, tr := range snap.transitions {
			if tr.at > last && tr.at <= now {
				due = append(due, tr.flag)
			}
		}
		if len(due) > 0 {
			sort.Strings(due)
			due = slices.Compact(due)
			c.log.Info("flagkit: scheduled transition", "flags", due)
			c.events.post(Change{Flags: due, Scheduled: true, Time: time.UnixMilli(now)})
		}
		last = now
		wait := time.Duration(-1)
		for _, tr := range snap.transitions {
			if tr.at > now {
				// At most a day at a time: a transition centuries away would
				// overflow a Duration, and a long sleep gains nothing.
				wait = time.Duration(min(tr.at-now, maxTimerWait.Milliseconds())) * time.Millisecond
				break
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		var fire <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-c.resched:
		case <-fire:
		}
	}
}
