package flagkit

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"sync"
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
	return c.events.subscribe(fn)
}

// notifier delivers changes to subscribers on its own goroutine, merging
// changes that arrive while a callback runs.
type notifier struct {
	mu      sync.Mutex
	subs    map[int]func(Change)
	next    int
	pending *Change
	wake    chan struct{}
	log     *slog.Logger
}

func (n *notifier) start(wg *sync.WaitGroup, ctx context.Context) {
	n.wake = make(chan struct{}, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-n.wake:
			}
			n.mu.Lock()
			ch := n.pending
			n.pending = nil
			subs := make([]func(Change), 0, len(n.subs))
			ids := make([]int, 0, len(n.subs))
			for id := range n.subs {
				ids = append(ids, id)
			}
			sort.Ints(ids)
			for _, id := range ids {
				subs = append(subs, n.subs[id])
			}
			n.mu.Unlock()
			if ch == nil {
				continue
			}
			for _, fn := range subs {
				if ctx.Err() != nil {
					return
				}
				n.call(fn, *ch)
			}
		}
	}()
}

// call runs one callback; a panic in it is logged, not propagated, so one
// broken subscriber cannot stop the others or crash the service.
func (n *notifier) call(fn func(Change), ch Change) {
	defer func() {
		if r := recover(); r != nil && n.log != nil {
			n.log.Error("flagkit: OnChange callback panicked", "panic", r)
		}
	}()
	fn(ch)
}

func (n *notifier) subscribe(fn func(Change)) func() {
	if fn == nil {
		return func() {}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.subs == nil {
		n.subs = map[int]func(Change){}
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

// post queues a change, merging it with one not yet delivered.
func (n *notifier) post(ch Change) {
	n.mu.Lock()
	if len(n.subs) == 0 {
		n.mu.Unlock()
		return
	}
	if n.pending == nil {
		n.pending = &ch
	} else {
		p := n.pending
		p.Flags = mergeSorted(p.Flags, ch.Flags)
		if ch.Source != "" {
			p.Source = ch.Source
		}
		p.Scheduled = p.Scheduled || ch.Scheduled
		p.Time = ch.Time
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

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
