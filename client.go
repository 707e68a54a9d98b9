package flagkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A Source delivers flag documents (YAML or JSON) to a [Client]. The
// package github.com/flagkit/flagkit/source has sources for files, HTTP
// URLs, environment variables and bytes in memory; any other store (a
// database, a secrets manager) can be one by implementing this interface.
// This comment is the whole contract; the package
// github.com/flagkit/flagkit/source/sourcetest checks it.
//
// Name identifies the source in errors, logs and [Detail.Source], such as
// "file:flags.yaml" or "env:FEATURE_". It is not empty, does not change, is
// safe to call while Run runs, and contains no secret (such as the
// credentials of a URL).
//
// Run is called once, on a goroutine the client owns, with a ctx that is
// done when the client closes. A source knows where its document lives and
// when it changes; it does not parse the document: the client does.
//
//   - Run delivers the document with update(doc, nil) as soon as it can,
//     because [New] waits for this first call: a source that cannot reach its
//     document reports update(nil, err) rather than waiting for it to appear,
//     and keeps trying afterwards. When New has a deadline, [StartDeadline]
//     of ctx tells when New stops waiting.
//   - update(nil, err) reports a failed load: the client keeps the source's
//     last good document and shows the source as stale. update(doc, err)
//     delivers a fallback document (such as a backup copy) together with the
//     error that made the source fall back: the client uses the document and
//     shows the source as stale. Never update(nil, nil); an empty document
//     is a non-nil empty slice.
//   - update returns the client's verdict on doc: nil when the client
//     accepted it (it parsed, and is now the source's document in force;
//     flags in it that are invalid are isolated one by one, as the client's
//     Status reports), or an error, a *[ParseError] or several joined with
//     errors.Join, when the client refused the whole document and kept the
//     previous one. The verdict depends only on doc's bytes and the
//     client's options, never on other sources, so a source may keep a copy
//     of an accepted document (a backup) and need not deliver the same
//     refused bytes again. A call without a document, or made after the
//     client closed, returns nil.
//   - When the client refuses the source's first document, New waits for
//     the source's answer to the refusal, its next call (for at most a
//     second): a source with a fallback delivers it, update(fallback,
//     verdict), and any other reports the refusal as its failed load,
//     update(nil, verdict).
//   - After the first call, Run calls update again on every change, and only
//     on a change: a document equal to the previous one is not delivered
//     again and an error equal to the previous report is not reported again;
//     after a failure, delivering the document again reports the recovery.
//   - Calls to update happen one at a time and only while Run is running:
//     never concurrently, never after Run returns (calling update only from
//     Run's goroutine keeps both rules). update returns quickly: it parses
//     and compiles in time linear in the size of the documents, and never
//     waits for evaluations or callbacks.
//   - The client may keep doc after update returns: the source never
//     modifies it afterwards nor reuses it for a later document.
//   - Run returns nil when ctx is done, soon after, and leaves no goroutine
//     behind; if ctx is done already when Run starts, Run may return at once
//     without calling update. Run returns a non-nil error only when the
//     source cannot run at all (a misconfiguration); it then returns at once,
//     after reporting the error to update.
//   - A source that reads from the network stops reading past its own size
//     limit instead of buffering an unbounded body; the client refuses a
//     document larger than its limit ([WithMaxDocumentSize]) before parsing.
type Source interface {
	Name() string
	Run(ctx context.Context, update func(doc []byte, err error) error) error
}

// StartDeadline reports when [New] stops waiting for a source's first
// document, for a source whose Run received ctx and that can fall back
// (source.HTTP cuts its first request short so that it can still read its
// backup file in time). ok is false when New has no deadline.
func StartDeadline(ctx context.Context) (deadline time.Time, ok bool) {
	deadline, ok = ctx.Value(startDeadlineKey{}).(time.Time)
	return deadline, ok
}

type startDeadlineKey struct{}

// An Option configures [New].
type Option func(*config)

type config struct {
	sources []Source
	logger  *slog.Logger
	clock   func() time.Time
	strict  bool
	attrs   Attrs
	maxSize int64
	hooks   []Hook
	errs    []error
}

// WithSource adds a layer of flag definitions. Sources are layers in the
// order given: a later source overrides an earlier one flag by flag and
// cohort by cohort. At least one source is required.
func WithSource(s Source) Option {
	return func(c *config) {
		if s == nil {
			c.errs = append(c.errs, errors.New("flagkit: WithSource(nil)"))
			return
		}
		c.sources = append(c.sources, s)
	}
}

// WithLogger sets where the client logs load errors, isolated problems
// (each once), active overrides (at WARN, at start), scheduled
// transitions, and the mistakes of code. The default is to log nothing.
//
// A mistake of code is an evaluation of a key that no layer defines
// (logged with "did you mean" the nearest defined key, by edit distance or
// by the normalized form that overrides use), or a getter of another type
// than its flag (Int on a boolean flag; logged with the getter, its type
// and the flag's type). Each distinct problem, (key) or (key, getter), is
// logged once at WARN, on the first evaluation that meets it; later ones
// cost a lock-free lookup and allocate nothing. A reload that defines such
// a key, or gives the flag the getter's type, logs the problem as
// resolved at INFO and forgets it. The client remembers at most 256
// problems, so that keys built from user input cannot grow its memory:
// when the set is full, one WARN says so and new problems are not logged
// (their Detail.Err is built on each evaluation) until a reload resolves
// some; keys that can never name a flag (longer than 128 bytes, or with
// other characters) count as one problem.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithClock sets the clock that release windows and ramps are evaluated
// against. The default is the system's wall clock, read as time.Now does
// but at half its cost (it reads only the monotonic clock between
// re-anchorings to time.Now once a second). The clock is read at most
// once per evaluation, and only for flags with a time part.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.errs = append(c.errs, errors.New("flagkit: WithClock(nil)"))
			return
		}
		c.clock = now
	}
}

// WithStrict makes New fail on any problem in any document, listing every
// problem, instead of isolating invalid flags. Use it in tests and for
// documents embedded in the binary. Reloads after New are never strict:
// a bad reload keeps the last good definitions.
func WithStrict() Option {
	return func(c *config) { c.strict = true }
}

// WithAttributes sets attributes that every subject has unless it sets
// them itself, e.g. {"env": "prod", "region": "eu-west-1"}, so that one flag
// file can serve several deployments. The map is copied.
func WithAttributes(attrs Attrs) Option {
	copied := make(Attrs, len(attrs))
	for k, v := range attrs {
		copied[k] = v
	}
	return func(c *config) { c.attrs = copied }
}

// WithMaxDocumentSize sets the largest document the client parses, in
// bytes; larger ones are refused before parsing. The default is
// [DefaultMaxDocumentSize] (8 MiB).
func WithMaxDocumentSize(n int64) Option {
	return func(c *config) {
		if n <= 0 {
			c.errs = append(c.errs, fmt.Errorf("flagkit: WithMaxDocumentSize(%d): must be positive", n))
			return
		}
		c.maxSize = n
	}
}

// A Client evaluates flags from the layered definitions of its sources.
//
// Evaluation (Bool, String, Int, Float, Object, Evaluate, All) reads the
// current compiled snapshot without locks and never blocks, allocates
// nothing for the typed getters and never fails the caller: on any
// problem it returns the fallback, with the cause in [Client.Evaluate].
// Sources reload in the background; each reload swaps in a new snapshot
// atomically, so an evaluation sees either the old or the new definitions,
// never a mix. To read several flags from one snapshot and one clock
// reading, use [Client.View].
//
// For tooling, [Client.Flags], [Client.Transitions] and [Client.Settled]
// describe the definitions in force, and [Client.Status] the client's
// health. The keys of a snapshot and the instant it is read at belong to
// a [View] ([View.Keys], [View.Time]); Client has no copy of them.
//
// A Client is safe for use by any number of goroutines. Create it with
// [New] and call [Client.Close] when done.
//
// A nil *Client behaves as a closed one: every getter serves its fallback
// (with [ErrClosed] where a [Detail] says why), the other methods return
// empty or zero answers (a zero [Status], no flags, a View that serves
// every fallback, a stop function that does nothing), and Close returns
// nil.
type Client struct {
	snap    atomic.Pointer[snapshot]
	now     func() time.Time // WithClock's clock, or time.Now
	millis  func() int64     // the evaluation clock: now in Unix ms, or a wallClock
	attrs   Attrs
	log     *slog.Logger
	maxSize int64
	hooks   []Hook

	// test holds flagkittest's overrides; nil unless a test installed them.
	test atomic.Pointer[testOverrides]

	// misses remembers the problems of code reported once (misses.go).
	misses misses

	// compileMu serializes updates: the parse, layering and compile of one
	// source's document. It is never held by Status, Close, OnChange or
	// evaluation, which a long compile must not hold up.
	compileMu sync.Mutex
	mu        sync.Mutex // guards layers, logged, ready, judging and the swap
	layers    []*layer
	logged    map[string]bool
	ready     bool
	judging   bool // New has stopped waiting for first documents: problems are logged
	resched   chan struct{}
	events    notifier[Change]
	health    notifier[Status]
	healthAt  string // healthKey of the status last reported to OnStatus
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closing   sync.Once
}

// layer is one source's state.
type layer struct {
	src      Source
	name     string
	doc      *docSpec // the last good document, with per-flag last good
	lastLoad time.Time
	lastErr  error
	stale    bool
	fallback bool          // doc is a fallback document, delivered with lastErr
	started  chan struct{} // closed at the first update
	once     sync.Once
}

// New creates a client, starts its sources and waits for each to deliver
// its first document (one attempt each; an HTTP source tries its backup
// file when the request fails). It fails only when a source yields no
// usable document, naming each such source and why, or when ctx is done
// first. Invalid flags are isolated and reported in [Client.Status] and
// the log, unless [WithStrict] is given.
//
// ctx bounds start-up only; the sources run until [Client.Close]. When ctx
// is done before every source has answered, New returns at once with ctx's
// error; the sources are cancelled and their goroutines end in the
// background.
func New(ctx context.Context, opts ...Option) (*Client, error) {
	cfg := config{maxSize: DefaultMaxDocumentSize}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if len(cfg.sources) == 0 {
		cfg.errs = append(cfg.errs, errors.New("flagkit: no sources (use WithSource)"))
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	log := cfg.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		now:     cfg.clock,
		attrs:   cfg.attrs,
		log:     log,
		maxSize: cfg.maxSize,
		hooks:   cfg.hooks,
		logged:  map[string]bool{},
		resched: make(chan struct{}, 1),
	}
	if now := cfg.clock; now != nil {
		c.millis = func() int64 { return now().UnixMilli() }
	} else {
		c.now, c.millis = time.Now, new(wallClock).millis
	}
	c.snap.Store(&snapshot{flags: map[string]*compiledFlag{}})
	c.misses.seen.Store(&map[missKey]*keyError{})
	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.events = notifier[Change]{merge: mergeChange, name: "OnChange", log: log}
	c.events.start(runCtx)
	c.health = notifier[Status]{merge: latestStatus, name: "OnStatus", log: log}
	c.health.start(runCtx)
	if dl, ok := ctx.Deadline(); ok {
		runCtx = context.WithValue(runCtx, startDeadlineKey{}, dl)
	}
	for _, s := range cfg.sources {
		l := &layer{src: s, name: s.Name(), started: make(chan struct{})}
		c.layers = append(c.layers, l)
	}
	for _, l := range c.layers {
		c.wg.Add(1)
		go c.run(runCtx, l)
	}
	for _, l := range c.layers {
		select {
		case <-l.started:
		case <-ctx.Done():
			// Return by the deadline whatever the sources do: they are
			// cancelled, and end in the background (a source that keeps
			// the contract returns soon after; one busy compiling a large
			// document returns when that is done).
			go c.Close()
			return nil, fmt.Errorf("flagkit: waiting for source %s: %w", l.name, ctx.Err())
		}
	}
	c.mu.Lock()
	var failed []error
	for _, l := range c.layers {
		if l.doc == nil {
			failed = append(failed, noDocument(l.name, l.lastErr))
		}
	}
	if failed == nil && cfg.strict {
		for _, p := range c.problemsLocked() {
			failed = append(failed, p)
		}
	}
	c.ready = failed == nil
	c.healthAt = healthKey(c.statusLocked())
	overrides := c.snap.Load().overrides
	if c.ready {
		// Every layer has answered: problems can be judged, once.
		c.judging = true
		c.logProblemsLocked()
	}
	c.mu.Unlock()
	if failed != nil {
		c.Close()
		return nil, errors.Join(failed...)
	}
	for _, o := range overrides {
		c.log.Warn("flagkit: override in force", "flag", o.Flag, "variant", o.Variant, "value", o.Value, "source", o.Source)
	}
	select {
	case <-c.resched: // the scheduler starts from the snapshot in force
	default:
	}
	c.wg.Add(1)
	go c.scheduler(runCtx, c.millis())
	return c, nil
}

// run runs one source until the client closes.
func (c *Client) run(ctx context.Context, l *layer) {
	defer c.wg.Done()
	var mu sync.Mutex // serializes updates from a source that breaks the contract
	done := false
	update := func(doc []byte, err error) error {
		mu.Lock()
		defer mu.Unlock()
		if done || ctx.Err() != nil {
			return nil
		}
		return c.apply(l, doc, err)
	}
	err := runSource(ctx, l.src, update)
	mu.Lock()
	done = true
	mu.Unlock()
	if ctx.Err() == nil {
		if err == nil {
			err = errors.New("source stopped")
		}
		c.apply(l, nil, fmt.Errorf("source stopped: %w", err)) // the log and New name the source
	}
	l.markStarted()
}

// noDocument is New's error for the source named name that yielded no
// usable document because of err. It names the source once: a refusal of
// its document, a *ParseError, names it already.
func noDocument(name string, err error) error {
	first := err
	for {
		parts := unjoin(first)
		if len(parts) == 0 || parts[0] == first {
			break
		}
		first = parts[0]
	}
	if pe, ok := first.(*ParseError); ok && pe.Source == name {
		return err
	}
	return fmt.Errorf("flagkit: source %s: no usable document: %w", name, err)
}

// refusalAnswerWait bounds how long New waits for a source to answer the
// refusal of its first document, which [Source] asks of it, before it
// judges the source as having no usable document.
const refusalAnswerWait = time.Second

// markStarted records that the layer's source has answered once.
func (l *layer) markStarted() { l.once.Do(func() { close(l.started) }) }

// runSource runs a source, turning a panic into an error so that a broken
// third-party source cannot crash the service.
func runSource(ctx context.Context, src Source, update func([]byte, error) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("source panicked: %v", r)
		}
	}()
	return src.Run(ctx, update)
}

// apply takes one update from a layer's source and returns the verdict on
// its document (see [Source]): nil when accepted, or why it was refused.
//
// Parsing and compiling run outside c.mu, under c.compileMu, so that
// Status, Close, OnChange and evaluations never wait for them.
func (c *Client) apply(l *layer, doc []byte, err error) error {
	var spec *docSpec
	var fellBack, refused error // a fallback document's error: the source is stale
	if doc != nil && err != nil {
		fellBack, err = err, nil
	}
	if err == nil && doc == nil {
		err = errors.New("source delivered no document")
	}
	if err == nil {
		spec, refused = parseDocument(l.name, doc, c.maxSize)
		if refused != nil {
			err = refused
			if fellBack != nil {
				// Why the source fell back, and why that failed too.
				err = fmt.Errorf("%w; its fallback document was refused too: %w", fellBack, refused)
			}
		}
	}
	c.compileMu.Lock()
	defer c.compileMu.Unlock()
	if err != nil {
		c.mu.Lock()
		l.lastErr, l.stale, l.fallback = err, true, false
		c.logProblemsLocked()
		c.reportHealthLocked()
		hasDoc := l.doc != nil
		c.mu.Unlock()
		if refused == nil || fellBack != nil || hasDoc {
			l.markStarted()
		} else {
			// New waits for the source's answer to the refusal (see Source),
			// but not for ever from a source that does not give one.
			time.AfterFunc(refusalAnswerWait, l.markStarted)
		}
		return refused
	}
	defer l.markStarted()

	// Layers' documents change only under compileMu, which this holds: they
	// can be read without c.mu, and the layer's state changes with the swap,
	// so that Status never shows a load whose flags are not yet in force.
	merged := keepLastGood(l.doc, spec)
	docs := make([]*docSpec, len(c.layers))
	for i, o := range c.layers {
		docs[i] = o.doc
		if o == l {
			docs[i] = merged
		}
	}
	prev := c.snap.Load()
	next := compile(docs, prev)

	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.reportHealthLocked()
	recovered := l.lastErr != nil && fellBack == nil && l.doc != nil
	l.doc = merged
	l.lastLoad, l.lastErr, l.stale, l.fallback = c.now(), fellBack, fellBack != nil, fellBack != nil
	if recovered && c.judging {
		c.log.Info("flagkit: source recovered", "source", l.name)
	}
	c.swapLocked(prev, next, l.name)
	return nil
}

// swapLocked swaps in next, compiled from the layers while prev was in
// force, and reports the flags whose answers may have changed. Nothing is
// swapped once the client is closed.
func (c *Client) swapLocked(prev, next *snapshot, cause string) {
	if c.snap.Load().closed {
		return
	}
	c.snap.Store(next)
	c.resolveMisses(next)
	c.logProblemsLocked()
	select {
	case c.resched <- struct{}{}:
	default:
	}
	if !c.ready {
		return
	}
	var changed []string
	for k, fp := range next.fps {
		if old, ok := prev.fps[k]; !ok || old != fp {
			changed = append(changed, k)
		}
	}
	for k := range prev.fps {
		if _, ok := next.fps[k]; !ok {
			changed = append(changed, k)
		}
	}
	if len(changed) > 0 {
		sort.Strings(changed)
		c.log.Info("flagkit: flags changed", "source", cause, "flags", changed)
		c.events.post(Change{Flags: changed, Source: cause, Time: c.now()})
	}
}

// problemsLocked lists every problem in force: load errors, isolated flags
// and cohorts, and unresolved references.
func (c *Client) problemsLocked() []*ParseError {
	var out []*ParseError
	for _, l := range c.layers {
		var pe *ParseError
		if l.lastErr != nil {
			for _, e := range unjoin(l.lastErr) {
				if errors.As(e, &pe) {
					out = append(out, pe)
				}
			}
		}
		if l.doc != nil {
			out = append(out, l.doc.problems...)
		}
	}
	out = append(out, c.snap.Load().problems...)
	return out
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// logProblemsLocked logs each problem once while it lasts: a problem that
// goes away and comes back is logged again. Until New has heard from every
// source (or stopped waiting), nothing is judged: a reference to a flag or
// cohort that another layer defines is not a problem before that layer has
// arrived.
func (c *Client) logProblemsLocked() {
	if !c.judging {
		return
	}
	now := map[string]bool{}
	for _, l := range c.layers {
		if l.lastErr != nil {
			msg := l.lastErr.Error()
			now[msg] = true
			if !c.logged[msg] {
				switch {
				case l.doc == nil:
					c.log.Error("flagkit: load failed; no flags from this source yet", "source", l.name, "err", l.lastErr)
				case l.fallback:
					c.log.Error("flagkit: load failed; using the source's fallback document", "source", l.name, "err", l.lastErr)
				default:
					c.log.Error("flagkit: load failed; keeping the last good flags", "source", l.name, "err", l.lastErr)
				}
			}
		}
		if l.doc != nil {
			for _, p := range l.doc.problems {
				msg := p.Error()
				now[msg] = true
				if !c.logged[msg] {
					c.log.Error("flagkit: invalid definition isolated", "source", p.Source, "line", p.Line, "column", p.Column, "path", p.Path, "err", p.Msg)
				}
			}
		}
	}
	for _, p := range c.snap.Load().problems {
		msg := p.Error()
		now[msg] = true
		if !c.logged[msg] {
			what := "flagkit: invalid reference isolated"
			if strings.HasPrefix(p.Path, "overrides.") {
				what = "flagkit: override refused; it is not in force"
			}
			c.log.Error(what, "source", p.Source, "line", p.Line, "column", p.Column, "path", p.Path, "err", p.Msg)
		}
	}
	c.logged = now
}

// Close stops every source and goroutine the client started and waits for
// them. Afterwards every getter serves its fallback with [ErrClosed].
// Close is safe to call more than once, concurrently, and from a callback
// of [Client.OnChange] or [Client.OnStatus]: called from a callback it
// stops everything and waits for the sources, but cannot wait for the
// callbacks' goroutines, which end when the running callback returns. No
// callback starts after Close returns.
//
// Close returns nil; its error result makes a Client an [io.Closer].
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	c.closing.Do(func() {
		c.mu.Lock()
		c.snap.Store(&snapshot{flags: map[string]*compiledFlag{}, closed: true})
		c.mu.Unlock()
		c.events.stop()
		c.health.stop()
		c.cancel()
	})
	c.wg.Wait() // the sources and the scheduler; they never wait for callbacks
	if id := goroutineID(); !c.events.runs(id) && !c.health.runs(id) {
		c.events.wait()
		c.health.wait()
	}
	return nil
}

// current is the View the client's own getters answer from: the current
// snapshot, with the clock read only if a flag needs it (lazy). A nil
// client answers as a closed one, from the zero View.
func (c *Client) current() View {
	if c == nil {
		return View{}
	}
	return View{c: c, snap: c.snap.Load(), lazy: true}
}

// Bool returns the value of boolean flag key for s, or fallback when the
// flag is missing, invalid, not boolean, serves no value, or the client is
// closed.
func (c *Client) Bool(ctx context.Context, key string, s Subject, fallback bool) bool {
	v := c.current()
	var r result
	v.resolve(ctx, key, s, wantBool, &r)
	return boolOf(&r, fallback)
}

// String returns the value of string flag key for s, or fallback (see
// [Client.Bool]).
func (c *Client) String(ctx context.Context, key string, s Subject, fallback string) string {
	v := c.current()
	var r result
	v.resolve(ctx, key, s, wantString, &r)
	return stringOf(&r, fallback)
}

// Int returns the value of number flag key for s, or fallback (see
// [Client.Bool]); a value that is not a whole number fitting int64 also
// serves the fallback.
func (c *Client) Int(ctx context.Context, key string, s Subject, fallback int64) int64 {
	v := c.current()
	var r result
	v.resolve(ctx, key, s, wantInt, &r)
	return intOf(&r, fallback)
}

// Float returns the value of number flag key for s, or fallback (see
// [Client.Bool]).
func (c *Client) Float(ctx context.Context, key string, s Subject, fallback float64) float64 {
	v := c.current()
	var r result
	v.resolve(ctx, key, s, wantFloat, &r)
	return floatOf(&r, fallback)
}

// Object decodes the value of object flag key for s into dst, which must
// be a non-nil pointer, as encoding/json would. It reports whether it did;
// on any problem dst is left as it was, so it can hold the fallback. dst
// never aliases the client's data.
func (c *Client) Object(ctx context.Context, key string, s Subject, dst any) bool {
	v := c.current()
	var r result
	v.resolve(ctx, key, s, wantObject, &r)
	return objectInto(&r, dst)
}

// Evaluate returns the full result of evaluating flag key for s: value,
// variant, reason, rule, source and error.
func (c *Client) Evaluate(ctx context.Context, key string, s Subject) Detail {
	v := c.current()
	var r result
	v.resolve(ctx, key, s, wantAny, &r)
	return r.detail()
}

// All evaluates every flag for s, for example to bootstrap a front end.
// Invalid flags are included with their error.
func (c *Client) All(ctx context.Context, s Subject) map[string]Detail {
	return c.View().All(ctx, s)
}

// View returns a view of the client's current definitions at the current
// time: every getter of the view answers from the same snapshot and the
// same clock reading, even across a reload or a scheduled launch. Take one
// per request when a handler reads several flags that must agree. A View
// is a small value; it is safe for concurrent use.
func (c *Client) View() View {
	if c == nil {
		return View{now: time.Now().UnixMilli()}
	}
	return View{c: c, snap: c.snap.Load(), now: c.millis()}
}

// ViewAt returns a view of the client's current definitions at instant t
// instead of the client's clock: what every getter answers at t, such as at
// a scheduled launch, if the definitions stay as they are (t is read to the
// millisecond). It is for tooling (a debug page, a planning tool, Explain
// at a chosen instant); code that serves requests wants [Client.View].
func (c *Client) ViewAt(t time.Time) View {
	if c == nil {
		return View{now: t.UnixMilli()}
	}
	return View{c: c, snap: c.snap.Load(), now: t.UnixMilli()}
}

// A View answers from one snapshot of a [Client] at one instant; see
// [Client.View]. The zero View serves every fallback.
//
// Besides the getters, a View reads what belongs to its snapshot and
// instant: [View.Keys] and [View.Time]. The tooling methods [Client.Flags],
// [Client.Transitions] and [Client.Settled] are on Client only: they
// describe definitions, not answers at an instant (Transitions and Settled
// take their instant as an argument), and each reads the snapshot in force
// when it is called.
//
// Every getter of the package resolves a flag through a View (resolve): the
// client's own getters through a View of the current snapshot whose clock is
// read only when a flag needs the time (lazy).
type View struct {
	c    *Client
	snap *snapshot
	now  int64 // Unix ms; unread when lazy
	lazy bool
}

// resolve evaluates one flag for a getter into r. A variant of another
// type than w is replaced by ErrTypeMismatch, and no variant is reported
// as ErrNoValue, before the hooks see the result, so they record what the
// caller got.
//
// Results travel by pointer, from the getter's frame down to eval: copying
// a returned struct cost a store-forwarding stall on the hottest path.
func (v *View) resolve(ctx context.Context, key string, s Subject, w want, r *result) {
	c := v.c
	if c == nil {
		*r = result{err: ErrClosed}
		return
	}
	snap := v.snap
	clk := clock{millis: c.millis, ms: v.now, read: !v.lazy}
	to := c.test.Load() // nil unless a test has touched the client
	switch {
	case snap.closed:
		*r = result{err: ErrClosed}
	case to != nil && c.overridden(ctx, to, snap, key, s.Key, r):
	default:
		t := target{key: s.Key, attrs: s.Attrs, defaults: c.attrs}
		snap.eval(key, &t, &clk, 0, r)
	}
	if r.v == nil {
		switch r.err {
		case nil:
			r.err = ErrNoValue // the flag, working as defined, served no variant
		case ErrFlagNotFound:
			c.miss(snap, key, wantAny, r)
		}
	} else if !w.fits(r.f, r.v) {
		*r = result{f: r.f}
		c.miss(snap, key, w, r)
	}
	if len(c.hooks) > 0 {
		c.runHooks(ctx, key, s.Key, r)
	}
}

// overridden fills r and reports true when the test overrides to override
// the flag.
func (c *Client) overridden(ctx context.Context, to *testOverrides, snap *snapshot, key, subjectKey string, r *result) bool {
	value, ok := to.Lookup(ctx, key, subjectKey)
	if ok {
		*r = c.testResult(snap, key, value)
	}
	return ok
}

// Time returns the instant the view evaluates at.
func (v View) Time() time.Time { return time.UnixMilli(v.now) }

// Bool is [Client.Bool] at the view's snapshot and time.
func (v View) Bool(ctx context.Context, key string, s Subject, fallback bool) bool {
	var r result
	v.resolve(ctx, key, s, wantBool, &r)
	return boolOf(&r, fallback)
}

// String is [Client.String] at the view's snapshot and time.
func (v View) String(ctx context.Context, key string, s Subject, fallback string) string {
	var r result
	v.resolve(ctx, key, s, wantString, &r)
	return stringOf(&r, fallback)
}

// Int is [Client.Int] at the view's snapshot and time.
func (v View) Int(ctx context.Context, key string, s Subject, fallback int64) int64 {
	var r result
	v.resolve(ctx, key, s, wantInt, &r)
	return intOf(&r, fallback)
}

// Float is [Client.Float] at the view's snapshot and time.
func (v View) Float(ctx context.Context, key string, s Subject, fallback float64) float64 {
	var r result
	v.resolve(ctx, key, s, wantFloat, &r)
	return floatOf(&r, fallback)
}

// Object is [Client.Object] at the view's snapshot and time.
func (v View) Object(ctx context.Context, key string, s Subject, dst any) bool {
	var r result
	v.resolve(ctx, key, s, wantObject, &r)
	return objectInto(&r, dst)
}

// Evaluate is [Client.Evaluate] at the view's snapshot and time.
func (v View) Evaluate(ctx context.Context, key string, s Subject) Detail {
	var r result
	v.resolve(ctx, key, s, wantAny, &r)
	return r.detail()
}

// All is [Client.All] at the view's snapshot and time.
func (v View) All(ctx context.Context, s Subject) map[string]Detail {
	if v.c == nil || v.snap == nil {
		return map[string]Detail{}
	}
	out := make(map[string]Detail, len(v.snap.keys))
	for _, k := range v.snap.keys {
		var r result
		v.resolve(ctx, k, s, wantAny, &r)
		out[k] = r.detail()
	}
	return out
}

// Keys returns the keys of every flag the view knows, sorted.
func (v View) Keys() []string {
	if v.snap == nil {
		return nil
	}
	return append([]string(nil), v.snap.keys...)
}

// decodeFresh decodes raw into a new value of dst's type and stores it in
// dst only on success.
func decodeFresh(raw []byte, dst any) bool {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return false
	}
	fresh := reflect.New(rv.Elem().Type())
	if err := json.Unmarshal(raw, fresh.Interface()); err != nil {
		return false
	}
	rv.Elem().Set(fresh.Elem())
	return true
}

// Status is a report of a client's health; see [Client.Status].
type Status struct {
	// Ready is true once New has returned successfully and until Close.
	Ready bool
	// Sources describes each layer, in order.
	Sources []SourceStatus
	// Problems lists every problem in force: load errors with a position,
	// isolated flags and cohorts, and unresolved references.
	Problems []*ParseError
	// Overrides lists the overrides in force.
	Overrides []Override
}

// SourceStatus describes one source.
type SourceStatus struct {
	Name string
	// LastLoad is when the source last delivered a usable document; zero
	// if it never did.
	LastLoad time.Time
	// LastError is the error of the source's last attempt, or nil when it
	// succeeded.
	LastError error
	// Stale is true when the last attempt failed, so the flags in force
	// come from an earlier document.
	Stale bool
}

// An Override is a variant that an overrides: section (for example from
// source.Env) serves to everyone. An override names one of the flag's
// variants, or writes the value of one (a literal of the flag's type, such
// as 1000 for variant high: 1000); any other value is refused: it is not in
// force, and [Status] lists it among the problems with the valid values.
// A flag without declared variants is boolean and accepts on, off, true
// and false; string, number and object flags always declare their
// variants, so an override can never serve a value that no definition
// reviewed. The rule is the same for every layer's overrides: section,
// from a file, a URL or the environment, and for flagkittest.Override.
type Override struct {
	Flag    string
	Variant string // the variant served
	Value   any    // its value, as Detail.Value holds it (nil for an object)
	Source  string
}

// Status reports the client's health: readiness, each source's last load
// and error, the problems isolated, and the overrides in force.
func (c *Client) Status() Status {
	if c == nil {
		return Status{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.statusLocked()
}

func (c *Client) statusLocked() Status {
	snap := c.snap.Load()
	st := Status{Ready: c.ready && !snap.closed, Problems: c.problemsLocked(), Overrides: append([]Override(nil), snap.overrides...)}
	for _, l := range c.layers {
		st.Sources = append(st.Sources, SourceStatus{Name: l.name, LastLoad: l.lastLoad, LastError: l.lastErr, Stale: l.stale})
	}
	return st
}

// reportHealthLocked posts the status to OnStatus subscribers when what
// they are told about (see healthKey) has changed since the last report.
// Before New returns there is no one to tell, and New records the status
// its caller starts from.
func (c *Client) reportHealthLocked() {
	if !c.ready {
		return
	}
	st := c.statusLocked()
	if k := healthKey(st); k != c.healthAt {
		c.healthAt = k
		c.health.post(st)
	}
}

// healthKey is a text that changes exactly when a status changes in what
// OnStatus reports: readiness, each source's staleness and error, and the
// problems in force; not LastLoad, which every load moves.
func healthKey(st Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ready=%t", st.Ready)
	for _, s := range st.Sources {
		fmt.Fprintf(&b, "\x00%s\x00%t\x00%v", s.Name, s.Stale, s.LastError)
	}
	for _, p := range st.Problems {
		b.WriteString("\x00")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Validate checks a flag document as the client would load it on its own
// and returns every problem joined with errors.Join (each a *ParseError),
// in document order, or nil. Run it in the CI of a flag repository. name
// is used in messages.
//
// Every problem is reported in one pass: the references (cohorts, flags
// and variants named) of a flag or cohort that is invalid for a problem of
// its own are checked too, so that fixing the problems listed never
// reveals new ones, except cycles, which are checked only between valid
// definitions. A name that names nothing, an unknown field or an unknown
// operator comes with "did you mean" the nearest one, when one is close.
func Validate(name string, data []byte) error {
	doc, err := parseDocument(name, data, DefaultMaxDocumentSize)
	if err != nil {
		return err
	}
	snap := compile([]*docSpec{doc}, nil)
	probs := append(append([]*ParseError(nil), doc.problems...), snap.problems...)
	if len(probs) == 0 {
		return nil
	}
	sort.SliceStable(probs, func(i, j int) bool { return lessProblem(probs[i], probs[j]) })
	return errors.Join(errorList(probs)...)
}
