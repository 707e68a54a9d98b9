// Package sourcetest checks that a flag source keeps the contract of
// [flagkit.Source], as [testing/fstest.TestFS] checks a
// file system. Its users are the authors of sources; a service that only uses
// flagkit never needs it.
//
// A source's tests call [TestSource] and fail with the error it returns:
//
//	func TestSource(t *testing.T) {
//		src := mysource.New(...)
//		if err := sourcetest.TestSource(src, nil); err != nil {
//			t.Fatal(err)
//		}
//	}
package sourcetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flagkit/flagkit"
)

// Options configures [TestSource]. The zero value, like a nil *Options, means
// the defaults.
type Options struct {
	// Timeout bounds each wait: for the first call to update after Run
	// starts, for a new document after Change, and for Run to return after
	// its context is cancelled. Zero means 10 seconds.
	Timeout time.Duration

	// Linger is how long TestSource lets Run go on after the last update
	// it waited for, to see whether Run returns before its context is
	// cancelled, and how long it keeps watching for calls to update after
	// Run returned. Zero means 50 milliseconds; a negative value means no
	// wait.
	Linger time.Duration

	// Change, if not nil, changes the document the source serves: it writes
	// the file with new content, makes a test server serve a new body, and so
	// on. TestSource calls it once, after the first call to update, and then
	// expects update to deliver a document different from the last one
	// within Timeout. An error from Change is reported as a problem. Without
	// Change, TestSource does not check that the source follows changes.
	Change func() error

	// Verdict, if not nil, is the checker's verdict on each document, as a
	// client's would be: update returns it. Nil accepts every document.
	// With a Verdict that refuses the first document, TestSource checks
	// that Run answers the refusal with another call (a fallback document
	// or the refusal as an error), which a client's New waits for.
	Verdict func(doc []byte) error
}

// Defaults of [Options].
const (
	defaultTimeout = 10 * time.Second
	defaultLinger  = 50 * time.Millisecond
)

// hold is how long each call to update is held, so that concurrent calls
// overlap and are seen.
const hold = time.Millisecond

// TestSource runs src and checks that it keeps the contract of a flagkit
// source. It returns nil if it found no problem, or else an error that lists
// every problem found, one per line; its method Unwrap() []error returns
// them one by one. opts may be nil.
//
// TestSource checks that
//   - Name returns a non-empty string, the same while Run runs;
//   - Run calls update within the timeout of starting;
//   - every call carries a document or an error (or both: a fallback
//     document, such as a backup, delivered with the error that made the
//     source fall back to it), never neither;
//   - no two calls in a row deliver the same document, or the same error;
//   - calls to update never overlap, and none comes after Run returned;
//   - with [Options.Change], a new document follows the change;
//   - with [Options.Verdict] refusing the first document, Run answers the
//     refusal with another call within the timeout;
//   - Run keeps running until its context is cancelled, then returns nil
//     within the timeout;
//   - no delivered document is modified afterwards;
//   - Run does not panic.
//
// TestSource calls Run once, with a context that it cancels Linger after
// the first call to update (with Change: after the new document). It holds
// each call to update for a millisecond, so that calls made concurrently
// overlap and are detected. Problems that depend on timing, such as late
// calls, are found only when they happen during the check; run the test with
// -race as well, which reports unsynchronized access to a delivered
// document. If Run does not return, its goroutine is left running.
//
// TestSource is safe to call from parallel tests, each with its own source.
// It does not use package testing, so it also works in a fuzz target, and
// in a testing/synctest bubble, where its waits take no real time (for
// sources that do no real I/O).
func TestSource(src flagkit.Source, opts *Options) error {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.Linger == 0 {
		o.Linger = defaultLinger
	}

	c := &checker{updated: make(chan struct{}, 1), verdict: o.Verdict}
	name := src.Name()
	if name == "" {
		c.report(errName, "Name returned an empty string")
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1) // buffered: Run may return after TestSource gave up
	go func() {
		var res result
		defer func() {
			if v := recover(); v != nil {
				res.panicked, res.panic = true, v
			}
			c.returned.Store(true)
			done <- res
		}()
		res.err = src.Run(ctx, c.update)
	}()
	if n := src.Name(); n != name {
		c.report(errNameChanged, fmt.Sprintf("Name changed while Run runs: %q, then %q", name, n))
	}

	w := waiter{c: c, done: done, timeout: o.Timeout}
	if !w.until(func(calls []call) bool { return len(calls) > 0 }) && !w.returned {
		c.report(errNoUpdate, fmt.Sprintf("update was not called within %v of Run starting", o.Timeout))
	}
	if c.firstRefused() && !w.until(func(calls []call) bool { return len(calls) > 1 }) && !w.returned {
		c.report(errNoAnswer, fmt.Sprintf("Run did not answer the refusal of its first document within %v (a client's New waits for the answer)", o.Timeout))
	}
	if o.Change != nil && c.count() > 0 && !w.returned {
		n := c.count()
		last := c.lastDoc()
		if err := o.Change(); err != nil {
			c.report(errChange, fmt.Sprintf("Change: %v", err))
		} else if !w.until(func(calls []call) bool {
			for _, k := range calls[n:] {
				if k.doc != nil && (last == nil || !bytes.Equal(k.copy, last)) {
					return true
				}
			}
			return false
		}) && !w.returned {
			c.report(errNoChange, fmt.Sprintf("update delivered no new document within %v of Change", o.Timeout))
		}
	}

	w.settle(o.Linger)
	early := w.returned
	if !w.returned {
		cancel()
		t := time.NewTimer(o.Timeout)
		select {
		case w.res = <-done:
			w.returned = true
		case <-t.C:
			c.report(errNoReturn, fmt.Sprintf("Run did not return within %v of its context being cancelled", o.Timeout))
		}
		t.Stop()
	}
	if w.returned {
		res := w.res
		switch {
		case res.panicked:
			c.report(errPanic, fmt.Sprintf("Run panicked: %v", res.panic))
		case early && res.err == nil:
			c.report(errEarlyReturn, "Run returned nil before its context was cancelled")
		case early:
			c.report(errEarlyReturn, fmt.Sprintf("Run returned before its context was cancelled: %v", res.err))
		case res.err != nil:
			c.report(errRunError, fmt.Sprintf("Run returned an error after its context was cancelled: %v; want nil", res.err))
		}
		if early && c.count() == 0 {
			c.report(errNoUpdate, "Run returned without calling update")
		}
		if o.Linger > 0 {
			t := time.NewTimer(o.Linger)
			<-t.C
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	for i, k := range c.calls {
		if k.doc != nil && !bytes.Equal(k.doc, k.copy) {
			c.reportLocked(errModified, fmt.Sprintf("the document of call %d to update was modified after the call", i+1))
		}
	}
	if len(c.problems) == 0 {
		return nil
	}
	return &report{name: name, problems: append([]error(nil), c.problems...)}
}

// Kinds of problem; each is reported at most once.
var (
	errName        = errors.New("empty name")
	errNameChanged = errors.New("name changed")
	errNoUpdate    = errors.New("no update")
	errNeither     = errors.New("neither document nor error")
	errRepeatDoc   = errors.New("repeated document")
	errRepeatErr   = errors.New("repeated error")
	errConcurrent  = errors.New("concurrent update")
	errLate        = errors.New("late update")
	errChange      = errors.New("change failed")
	errNoChange    = errors.New("no change")
	errEarlyReturn = errors.New("early return")
	errRunError    = errors.New("run error")
	errNoReturn    = errors.New("no return")
	errPanic       = errors.New("panic")
	errModified    = errors.New("modified document")
	errNoAnswer    = errors.New("no answer to a refusal")
)

// A call is one call to update: the slice as delivered and a copy of it.
type call struct {
	doc     []byte
	copy    []byte
	err     error
	refused bool // the verdict on doc was an error
}

// A result is how Run ended.
type result struct {
	err      error
	panicked bool
	panic    any
}

// A checker watches the calls to update.
type checker struct {
	inFlight atomic.Int32
	returned atomic.Bool
	updated  chan struct{} // signalled after every call
	verdict  func(doc []byte) error

	mu       sync.Mutex
	calls    []call
	problems []error
	seen     map[error]bool // kinds already reported
}

// update is the function passed to Run.
func (c *checker) update(doc []byte, err error) error {
	if c.returned.Load() {
		c.report(errLate, "update was called after Run returned")
	}
	if c.inFlight.Add(1) > 1 {
		c.report(errConcurrent, "update was called concurrently")
	}
	time.Sleep(hold)
	c.inFlight.Add(-1)

	c.mu.Lock()
	switch {
	case doc == nil && err == nil:
		c.reportLocked(errNeither, "update(nil, nil): a call carries a document or an error")
	}
	if n := len(c.calls); n > 0 {
		prev := c.calls[n-1]
		if doc != nil && prev.doc != nil && bytes.Equal(doc, prev.copy) {
			c.reportLocked(errRepeatDoc, fmt.Sprintf("update delivered the same document twice in a row (%d bytes)", len(doc)))
		}
		if err != nil && prev.err != nil && err.Error() == prev.err.Error() {
			c.reportLocked(errRepeatErr, fmt.Sprintf("update reported the same error twice in a row: %v", err))
		}
	}
	var cp []byte
	var verdict error
	if doc != nil {
		cp = bytes.Clone(doc)
		if c.verdict != nil {
			verdict = c.verdict(cp)
		}
	}
	c.calls = append(c.calls, call{doc: doc, copy: cp, err: err, refused: verdict != nil})
	c.mu.Unlock()

	select {
	case c.updated <- struct{}{}:
	default:
	}
	return verdict
}

// firstRefused reports whether the first call delivered a document (and
// no error) that the verdict refused.
func (c *checker) firstRefused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls) > 0 && c.calls[0].refused && c.calls[0].err == nil
}

func (c *checker) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

// lastDoc returns a copy of the last document delivered, or nil.
func (c *checker) lastDoc() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.calls) - 1; i >= 0; i-- {
		if c.calls[i].doc != nil {
			return c.calls[i].copy
		}
	}
	return nil
}

func (c *checker) report(kind error, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reportLocked(kind, msg)
}

func (c *checker) reportLocked(kind error, msg string) {
	if c.seen[kind] {
		return
	}
	if c.seen == nil {
		c.seen = make(map[error]bool)
	}
	c.seen[kind] = true
	c.problems = append(c.problems, &problem{kind: kind, msg: msg})
}

// A waiter waits for conditions on the calls while watching for Run to
// return.
type waiter struct {
	c        *checker
	done     <-chan result
	timeout  time.Duration
	returned bool
	res      result
}

// until waits up to the timeout for cond to hold, and reports whether it
// does. It stops early when Run returns.
func (w *waiter) until(cond func([]call) bool) bool {
	t := time.NewTimer(w.timeout)
	defer t.Stop()
	for {
		w.c.mu.Lock()
		ok := cond(w.c.calls)
		w.c.mu.Unlock()
		if ok || w.returned {
			return ok
		}
		select {
		case <-w.c.updated:
		case w.res = <-w.done:
			w.returned = true
		case <-t.C:
			w.c.mu.Lock()
			defer w.c.mu.Unlock()
			return cond(w.c.calls)
		}
	}
}

// settle lets Run go on for d, and stops early when Run returns.
func (w *waiter) settle(d time.Duration) {
	if d <= 0 || w.returned {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case w.res = <-w.done:
			w.returned = true
			return
		case <-w.c.updated:
		case <-t.C:
			return
		}
	}
}

// A problem is one breach of the contract.
type problem struct {
	kind error
	msg  string
}

func (p *problem) Error() string { return p.msg }
func (p *problem) Unwrap() error { return p.kind }

// A report is the error TestSource returns.
type report struct {
	name     string
	problems []error
}

func (r *report) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sourcetest: source %q broke the contract:", r.name)
	for _, p := range r.problems {
		b.WriteString("\n\t")
		b.WriteString(p.Error())
	}
	return b.String()
}

func (r *report) Unwrap() []error { return r.problems }
