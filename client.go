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

	"github.com/flagkit/flagkit/internal/doccheck"
)

// A Source delivers flag documents (YAML or JSON) to a [Client]. The
// package github.com/flagkit/flagkit/source has sources for files, HTTP
// URLs, environment variables and bytes in memory; any other store (a
// database, a secrets manager) can be one by implementing this interface.
//
// The contract, which github.com/flagkit/flagkit/source/sourcetest checks:
//   - Name identifies the source in errors, logs and [Detail.Source]; it
//     must not contain secrets.
//   - Run is called once, on a goroutine the client owns. It delivers the
//     document to update as soon as it can (New waits for this first call),
//     and again each time the document changes, until ctx is done; then it
//     returns nil. update(nil, err) reports a failed load: the client keeps
//     the last good document and marks the source stale. update(doc, err)
//     delivers a fallback document (such as a backup copy) together with
//     the error that made the source fall back: the client uses it and
//     marks the source stale.
//   - update is never called concurrently, nor after Run returns. The
//     client does not retain doc after update returns, but the source must
//     not modify it while update runs.
//   - update returns quickly: it parses the document and swaps the
//     client's snapshot; it never waits for evaluations or callbacks.
type Source interface {
	Name() string
	Run(ctx context.Context, update func(doc []byte, err error)) error
}

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
// (each once), active overrides (at WARN, at start) and scheduled
// transitions. The default is to log nothing.
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
// A Client is safe for use by any number of goroutines. Create it with
// [New] and call [Client.Close] when done.
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

	mu       sync.Mutex // guards layers, logged and the compile step
	layers   []*layer
	logged   map[string]bool
	ready    bool
	resched  chan struct{}
	events   notifier[Change]
	health   notifier[Status]
	healthAt string // healthKey of the status last reported to OnStatus
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	closing  sync.Once
	closeErr error
}

// layer is one source's state.
type layer struct {
	src      Source
	name     string
	doc      *docSpec // the last good document, with per-flag last good
	lastLoad time.Time
	lastErr  error
	stale    bool
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
// ctx bounds start-up only; the sources run until [Client.Close].
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
	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.events = notifier[Change]{merge: mergeChange, name: "OnChange", log: log}
	c.events.start(&c.wg, runCtx)
	c.health = notifier[Status]{merge: latestStatus, name: "OnStatus", log: log}
	c.health.start(&c.wg, runCtx)
	check := func(doc []byte) error {
		_, err := parseDocument("check", doc, c.maxSize)
		return err
	}
	runCtx = doccheck.With(runCtx, check)
	if dl, ok := ctx.Deadline(); ok {
		runCtx = doccheck.WithStartDeadline(runCtx, dl)
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
			c.Close()
			return nil, fmt.Errorf("flagkit: waiting for source %s: %w", l.name, ctx.Err())
		}
	}
	c.mu.Lock()
	var failed []error
	for _, l := range c.layers {
		if l.doc == nil {
			failed = append(failed, fmt.Errorf("flagkit: source %s: no usable document: %w", l.name, l.lastErr))
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
	update := func(doc []byte, err error) {
		mu.Lock()
		defer mu.Unlock()
		if done || ctx.Err() != nil {
			return
		}
		c.apply(l, doc, err)
	}
	err := runSource(ctx, l.src, update)
	mu.Lock()
	done = true
	mu.Unlock()
	if ctx.Err() == nil {
		if err == nil {
			err = errors.New("source stopped")
		}
		c.apply(l, nil, fmt.Errorf("flagkit: source %s stopped: %w", l.name, err))
	}
	l.once.Do(func() { close(l.started) })
}

// runSource runs a source, turning a panic into an error so that a broken
// third-party source cannot crash the service.
func runSource(ctx context.Context, src Source, update func([]byte, error)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("source panicked: %v", r)
		}
	}()
	return src.Run(ctx, update)
}

// apply takes one update from a layer's source.
func (c *Client) apply(l *layer, doc []byte, err error) {
	var spec *docSpec
	var fellBack error // a fallback document's error: the source is stale
	if doc != nil && err != nil {
		fellBack, err = err, nil
	}
	if err == nil && doc == nil {
		err = errors.New("source delivered no document")
	}
	if err == nil {
		spec, err = parseDocument(l.name, doc, c.maxSize)
		if err != nil && fellBack != nil {
			err = errors.Join(fellBack, err) // why the source fell back, and why that failed too
		}
	}
	c.mu.Lock()
	defer l.once.Do(func() { close(l.started) })
	defer c.mu.Unlock()
	defer c.reportHealthLocked()
	if err != nil {
		l.lastErr, l.stale = err, true
		c.logProblemsLocked()
		return
	}
	l.doc = keepLastGood(l.doc, spec)
	l.lastLoad, l.lastErr, l.stale = c.now(), fellBack, fellBack != nil
	if fellBack != nil {
		c.logProblemsLocked()
	}
	c.recompileLocked(l.name)
}

// recompileLocked builds and swaps in a new snapshot and reports the flags
// whose answers may have changed.
func (c *Client) recompileLocked(cause string) {
	prev := c.snap.Load()
	if prev.closed {
		return
	}
	docs := make([]*docSpec, len(c.layers))
	for i, l := range c.layers {
		docs[i] = l.doc
	}
	next := compile(docs, prev)
	c.snap.Store(next)
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
// goes away and comes back is logged again.
func (c *Client) logProblemsLocked() {
	now := map[string]bool{}
	for _, l := range c.layers {
		if l.lastErr != nil {
			msg := l.lastErr.Error()
			now[msg] = true
			if !c.logged[msg] {
				c.log.Error("flagkit: load failed; keeping the last good flags", "source", l.name, "err", l.lastErr)
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
			c.log.Error("flagkit: invalid reference isolated", "source", p.Source, "line", p.Line, "column", p.Column, "path", p.Path, "err", p.Msg)
		}
	}
	c.logged = now
}

// Close stops every source and goroutine the client started and waits for
// them. Afterwards every getter serves its fallback with [ErrClosed].
// Close is safe to call more than once.
func (c *Client) Close() error {
	c.closing.Do(func() {
		c.mu.Lock()
		c.snap.Store(&snapshot{flags: map[string]*compiledFlag{}, closed: true})
		c.mu.Unlock()
		c.cancel()
		c.wg.Wait()
	})
	return c.closeErr
}

// resolve evaluates one flag for a getter into r: from the current
// snapshot with a lazy clock (v nil), or from a View's snapshot and
// instant. A variant of another type than w is replaced by ErrTypeMismatch
// before the hooks see the result, so they record what the caller got.
//
// Results travel by pointer, from the getter's frame down to eval: copying
// a returned struct cost a store-forwarding stall on the hottest path.
func (c *Client) resolve(ctx context.Context, key string, s Subject, w want, v *View, r *result) {
	var snap *snapshot
	clk := clock{millis: c.millis}
	if v != nil {
		snap, clk.ms, clk.read = v.snap, v.now, true
	} else {
		snap = c.snap.Load()
	}
	to := c.test.Load() // nil unless a test has touched the client
	switch {
	case snap.closed:
		*r = result{err: ErrClosed}
	case to != nil && c.overridden(ctx, to, snap, key, s.Key, r):
	default:
		t := target{key: s.Key, attrs: s.Attrs, defaults: c.attrs}
		snap.eval(key, &t, &clk, 0, r)
	}
	if r.v != nil && !w.fits(r.f, r.v) {
		*r = result{f: r.f, err: ErrTypeMismatch}
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

// Bool returns the value of boolean flag key for s, or fallback when the
// flag is missing, invalid, not boolean, serves no value, or the client is
// closed.
func (c *Client) Bool(ctx context.Context, key string, s Subject, fallback bool) bool {
	var r result
	c.resolve(ctx, key, s, wantBool, nil, &r)
	return boolOf(&r, fallback)
}

// String returns the value of string flag key for s, or fallback (see
// [Client.Bool]).
func (c *Client) String(ctx context.Context, key string, s Subject, fallback string) string {
	var r result
	c.resolve(ctx, key, s, wantString, nil, &r)
	return stringOf(&r, fallback)
}

// Int returns the value of number flag key for s, or fallback (see
// [Client.Bool]); a value that is not a whole number fitting int64 also
// serves the fallback.
func (c *Client) Int(ctx context.Context, key string, s Subject, fallback int64) int64 {
	var r result
	c.resolve(ctx, key, s, wantInt, nil, &r)
	return intOf(&r, fallback)
}

// Float returns the value of number flag key for s, or fallback (see
// [Client.Bool]).
func (c *Client) Float(ctx context.Context, key string, s Subject, fallback float64) float64 {
	var r result
	c.resolve(ctx, key, s, wantFloat, nil, &r)
	return floatOf(&r, fallback)
}

// Object decodes the value of object flag key for s into dst, which must
// be a non-nil pointer, as encoding/json would. It reports whether it did;
// on any problem dst is left as it was, so it can hold the fallback. dst
// never aliases the client's data.
func (c *Client) Object(ctx context.Context, key string, s Subject, dst any) bool {
	var r result
	c.resolve(ctx, key, s, wantObject, nil, &r)
	return objectInto(&r, dst)
}

// Evaluate returns the full result of evaluating flag key for s: value,
// variant, reason, rule, source and error.
func (c *Client) Evaluate(ctx context.Context, key string, s Subject) Detail {
	var r result
	c.resolve(ctx, key, s, wantAny, nil, &r)
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
	return View{c: c, snap: c.snap.Load(), now: c.millis()}
}

// A View answers from one snapshot of a [Client] at one instant; see
// [Client.View]. The zero View serves every fallback.
type View struct {
	c    *Client
	snap *snapshot
	now  int64
}

func (v *View) resolve(ctx context.Context, key string, s Subject, w want, r *result) {
	if v.c == nil {
		*r = result{err: ErrClosed}
		return
	}
	v.c.resolve(ctx, key, s, w, v, r)
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

// An Override is a value that an overrides: section (for example from
// source.Env) serves to everyone.
type Override struct {
	Flag    string
	Variant string // "" when the override is a literal value
	Value   any
	Source  string
}

// Status reports the client's health: readiness, each source's last load
// and error, the problems isolated, and the overrides in force.
func (c *Client) Status() Status {
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
// or nil. Run it in the CI of a flag repository. name is used in messages.
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
	return errors.Join(errorList(probs)...)
}
