package flagkitof

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/open-feature/go-sdk/openfeature"
)

// Name is the provider's name in its [openfeature.Metadata] and events.
const Name = "flagkit"

// ReasonPrerequisiteFailed is the custom OpenFeature reason reported for
// flagkit's [flagkit.ReasonPrerequisiteFailed]: a prerequisite in requires
// was missing, invalid or not served the required variant, so the flag
// served its off variant (or the caller's default).
const ReasonPrerequisiteFailed openfeature.Reason = "PREREQUISITE_FAILED"

// DefaultStatusInterval is how often the provider reads the client's status
// when [WithStatusInterval] is not given.
const DefaultStatusInterval = 5 * time.Second

// An Option configures [New].
type Option func(*config)

type config struct {
	interval      time.Duration
	sourceAndRule bool
}

// WithStatusInterval sets how often the provider reads the client's status
// on its own, besides reading it at each of the client's reports: the first
// reading comes one interval after Init, and the periodic reading is how a
// client closed under the provider becomes PROVIDER_ERROR. The default is
// [DefaultStatusInterval]; d <= 0 turns the periodic reading off, and then
// PROVIDER_STALE and PROVIDER_READY follow the client's reports from Init
// on (a source failing in the instant between Init and the SDK's own
// PROVIDER_READY could then be overtaken by it).
func WithStatusInterval(d time.Duration) Option {
	return func(c *config) { c.interval = d }
}

// WithSourceAndRule adds two entries to the flag metadata of every
// resolution: "source", the layer that served the value
// ([flagkit.Detail].Source), and "rule", the rule that decided it
// ([flagkit.Detail].Rule), each when it is not empty. The flag's own
// metadata entries of those names are then left out, so that they never
// describe another evaluation. By default the flag metadata is the flag's
// own metadata only, as the OpenFeature specification defines it; with
// this option a flag without metadata no longer resolves with empty
// metadata.
func WithSourceAndRule() Option {
	return func(c *config) { c.sourceAndRule = true }
}

// A Provider is an OpenFeature provider (an [openfeature.FeatureProvider],
// [openfeature.StateHandler] and [openfeature.EventHandler]) that evaluates
// flags with a [flagkit.Client]. Create it with [New]. It is safe for
// concurrent use. Its evaluations never block; Init and Shutdown, called by
// the SDK, start and stop its event goroutine, and may be called again
// after Shutdown.
type Provider struct {
	client        *flagkit.Client
	interval      time.Duration
	sourceAndRule bool
	events        chan openfeature.Event
	meta          atomic.Pointer[map[string]openfeature.FlagMetadata]

	mu  sync.Mutex // guards run
	run *running   // nil when not initialized
}

var (
	_ openfeature.FeatureProvider = (*Provider)(nil)
	_ openfeature.StateHandler    = (*Provider)(nil)
	_ openfeature.EventHandler    = (*Provider)(nil)
)

// running is the state of one Init..Shutdown period.
type running struct {
	stopChanges func()
	stopStatus  func()
	done        chan struct{}
	wake        chan struct{} // capacity 1
	wg          sync.WaitGroup

	mu      sync.Mutex
	pending *flagkit.Change // merged changes not yet emitted
}

// New returns a provider that evaluates flags with c, which must not be
// nil. The caller keeps ownership of c: the provider never closes it, so
// close it after the OpenFeature API is shut down or the provider is
// replaced.
func New(c *flagkit.Client, opts ...Option) *Provider {
	cfg := config{interval: DefaultStatusInterval}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	p := &Provider{client: c, interval: cfg.interval, sourceAndRule: cfg.sourceAndRule, events: make(chan openfeature.Event, 16)}
	p.refreshMetadata()
	return p
}

// Metadata returns the provider's name, [Name].
func (p *Provider) Metadata() openfeature.Metadata {
	return openfeature.Metadata{Name: Name}
}

// Hooks returns no hooks: flagkit's own hooks ([flagkit.WithHook]) see
// every evaluation, through OpenFeature or not.
func (p *Provider) Hooks() []openfeature.Hook { return nil }

// EventChannel returns the channel of the provider's events. It is the same
// channel for the provider's whole life and is never closed.
func (p *Provider) EventChannel() <-chan openfeature.Event { return p.events }

// Init starts the provider: it subscribes to the client's changes and
// starts the goroutine that emits events. It fails with a
// [*openfeature.ProviderInitError] of code PROVIDER_FATAL when the client
// is nil or closed. Calling Init again before Shutdown does nothing.
func (p *Provider) Init(openfeature.EvaluationContext) error {
	if p.client == nil || !p.client.Status().Ready {
		return &openfeature.ProviderInitError{ErrorCode: openfeature.ProviderFatalCode, Message: flagkit.ErrClosed.Error()}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.run != nil {
		return nil
	}
	r := &running{done: make(chan struct{}), wake: make(chan struct{}, 1)}
	r.stopChanges = p.client.OnChange(func(ch flagkit.Change) {
		p.refreshMetadata()
		r.post(ch)
	})
	// A status report only wakes the loop, which reads the status itself.
	r.stopStatus = p.client.OnStatus(func(flagkit.Status) { r.poke() })
	// Changes between New and the subscription are not lost for metadata.
	p.refreshMetadata()
	r.wg.Add(1)
	go p.loop(r)
	p.run = r
	return nil
}

// Shutdown stops what Init started and waits for it. Events not yet taken
// by the SDK are dropped. The client is left open.
func (p *Provider) Shutdown() {
	p.mu.Lock()
	r := p.run
	p.run = nil
	p.mu.Unlock()
	if r == nil {
		return
	}
	r.stopChanges()
	r.stopStatus()
	close(r.done)
	r.wg.Wait()
	for {
		select {
		case <-p.events:
		default:
			return
		}
	}
}

// post queues a change for the event goroutine, merging it with one not yet
// emitted; it never blocks, so the client's notifications never wait.
func (r *running) post(ch flagkit.Change) {
	r.mu.Lock()
	if r.pending == nil {
		ch.Flags = slices.Clone(ch.Flags)
		r.pending = &ch
	} else {
		pc := r.pending
		pc.Flags = append(pc.Flags, ch.Flags...)
		slices.Sort(pc.Flags)
		pc.Flags = slices.Compact(pc.Flags)
		if ch.Source != "" {
			pc.Source = ch.Source
		}
		pc.Scheduled = pc.Scheduled || ch.Scheduled
		pc.Time = ch.Time
	}
	r.mu.Unlock()
	r.poke()
}

// poke wakes the event goroutine without blocking.
func (r *running) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *running) take() *flagkit.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch := r.pending
	r.pending = nil
	return ch
}

// health is the state the provider last reported to the SDK.
type health int

const (
	healthReady health = iota
	healthStale
	healthFatal
)

// loop emits events until Shutdown.
func (p *Provider) loop(r *running) {
	defer r.wg.Done()
	var tick <-chan time.Time
	if p.interval > 0 {
		t := time.NewTicker(p.interval)
		defer t.Stop()
		tick = t.C
	}
	// The SDK reports READY when Init returns, from another goroutine than
	// the one that forwards this provider's events; so that no health event
	// can overtake that READY, the status is first read at the first tick,
	// and from then on also whenever the client reports a change of health
	// or of flags. Without ticks it is read at every report from the start.
	h := healthReady
	settled := tick == nil
	for {
		select {
		case <-r.done:
			return
		case <-r.wake:
			if ch := r.take(); ch != nil {
				if !p.emit(r, changeEvent(ch)) {
					return
				}
			}
			if !settled {
				continue
			}
		case <-tick:
			settled = true
		}
		var ok bool
		if h, ok = p.checkHealth(r, h); !ok {
			return
		}
	}
}

// checkHealth reads the client's status and emits an event when the state
// it implies differs from h. It reports false when Shutdown interrupted it.
func (p *Provider) checkHealth(r *running, h health) (health, bool) {
	if h == healthFatal {
		return h, true
	}
	st := p.client.Status()
	ev := openfeature.Event{ProviderName: Name}
	now := healthReady
	switch {
	case !st.Ready:
		now = healthFatal
		ev.EventType = openfeature.ProviderError
		ev.ErrorCode = openfeature.ProviderFatalCode
		ev.Message = flagkit.ErrClosed.Error()
	case anyStale(st.Sources):
		now = healthStale
		ev.EventType = openfeature.ProviderStale
		ev.Message, ev.EventMetadata = staleReport(st.Sources)
	default:
		ev.EventType = openfeature.ProviderReady
		ev.Message = "flagkit: every source loaded"
	}
	if now == h {
		return h, true
	}
	return now, p.emit(r, ev)
}

func anyStale(ss []flagkit.SourceStatus) bool {
	for _, s := range ss {
		if s.Stale {
			return true
		}
	}
	return false
}

// staleReport describes the stale sources: a message, and their names under
// "sources" in the event's metadata.
func staleReport(ss []flagkit.SourceStatus) (string, map[string]any) {
	var names []string
	var b strings.Builder
	b.WriteString("flagkit: serving earlier documents of stale sources:")
	for _, s := range ss {
		if !s.Stale {
			continue
		}
		names = append(names, s.Name)
		fmt.Fprintf(&b, " %s (%v);", s.Name, s.LastError)
	}
	return strings.TrimSuffix(b.String(), ";"), map[string]any{"sources": names}
}

func changeEvent(ch *flagkit.Change) openfeature.Event {
	return openfeature.Event{
		ProviderName: Name,
		EventType:    openfeature.ProviderConfigChange,
		ProviderEventDetails: openfeature.ProviderEventDetails{
			Message:       "flagkit: flags changed",
			FlagChanges:   ch.Flags,
			EventMetadata: map[string]any{"source": ch.Source, "scheduled": ch.Scheduled},
		},
	}
}

// emit sends ev to the SDK, or gives up when Shutdown is called.
func (p *Provider) emit(r *running, ev openfeature.Event) bool {
	select {
	case p.events <- ev:
		return true
	case <-r.done:
		return false
	}
}

// refreshMetadata rebuilds the flag metadata served with resolutions.
func (p *Provider) refreshMetadata() {
	if p.client == nil {
		return
	}
	m := map[string]openfeature.FlagMetadata{}
	for _, f := range p.client.Flags() {
		var md openfeature.FlagMetadata
		for k, v := range f.Metadata {
			switch v.(type) {
			case bool, string, int64, float64, int:
			default:
				continue // OpenFeature metadata values are scalars
			}
			if md == nil {
				md = openfeature.FlagMetadata{}
			}
			md[k] = v
		}
		if md != nil {
			m[f.Key] = md
		}
	}
	p.meta.Store(&m)
}

// BooleanEvaluation evaluates a boolean flag.
func (p *Provider) BooleanEvaluation(ctx context.Context, flag string, defaultValue bool, flatCtx openfeature.FlattenedContext) openfeature.BoolResolutionDetail {
	return resolve(p, ctx, flag, defaultValue, flatCtx, "a boolean", func(v any) (bool, bool) {
		b, ok := v.(bool)
		return b, ok
	})
}

// StringEvaluation evaluates a string flag.
func (p *Provider) StringEvaluation(ctx context.Context, flag string, defaultValue string, flatCtx openfeature.FlattenedContext) openfeature.StringResolutionDetail {
	return resolve(p, ctx, flag, defaultValue, flatCtx, "a string", func(v any) (string, bool) {
		s, ok := v.(string)
		return s, ok
	})
}

// FloatEvaluation evaluates a number flag; any number is served.
func (p *Provider) FloatEvaluation(ctx context.Context, flag string, defaultValue float64, flatCtx openfeature.FlattenedContext) openfeature.FloatResolutionDetail {
	return resolve(p, ctx, flag, defaultValue, flatCtx, "a number", func(v any) (float64, bool) {
		switch x := v.(type) {
		case float64:
			return x, true
		case int64:
			return float64(x), true
		}
		return 0, false
	})
}

// IntEvaluation evaluates a number flag whose served value must be a whole
// number that fits int64; any other value is a TYPE_MISMATCH.
func (p *Provider) IntEvaluation(ctx context.Context, flag string, defaultValue int64, flatCtx openfeature.FlattenedContext) openfeature.IntResolutionDetail {
	return resolve(p, ctx, flag, defaultValue, flatCtx, "a whole number fitting int64", func(v any) (int64, bool) {
		i, ok := v.(int64)
		return i, ok
	})
}

// ObjectEvaluation evaluates an object flag; the value is a fresh
// map[string]any or []any.
func (p *Provider) ObjectEvaluation(ctx context.Context, flag string, defaultValue any, flatCtx openfeature.FlattenedContext) openfeature.InterfaceResolutionDetail {
	return resolve(p, ctx, flag, defaultValue, flatCtx, "an object", func(v any) (any, bool) {
		switch v.(type) {
		case map[string]any, []any:
			return v, true
		}
		return nil, false
	})
}

// resolve evaluates flag and converts the result with conv, which reports
// whether the served value has the wanted type.
func resolve[T any](p *Provider, ctx context.Context, flag string, def T, flatCtx openfeature.FlattenedContext, want string, conv func(any) (T, bool)) openfeature.GenericResolutionDetail[T] {
	return convert(p, flag, p.evaluate(ctx, flag, flatCtx), def, want, conv)
}

// convert turns flagkit's Detail into OpenFeature's resolution.
func convert[T any](p *Provider, flag string, d flagkit.Detail, def T, want string, conv func(any) (T, bool)) openfeature.GenericResolutionDetail[T] {
	res := openfeature.GenericResolutionDetail[T]{Value: def}
	res.FlagMetadata = p.metadata(flag, d)
	if d.Err == nil && d.Value != nil {
		v, ok := conv(d.Value)
		if !ok {
			d = flagkit.Detail{Reason: flagkit.ReasonError, Source: d.Source, Rule: d.Rule,
				Err: fmt.Errorf("%w: flag %q served %s, not %s", flagkit.ErrTypeMismatch, flag, kindOf(d.Value), want)}
		} else {
			res.Value = v
		}
	}
	if d.Err != nil && !errors.Is(d.Err, flagkit.ErrNoValue) {
		res.Reason = openfeature.ErrorReason
		res.ResolutionError = resolutionError(d.Err)
		return res
	}
	res.Reason = reason(d.Reason)
	if d.Value != nil {
		res.Variant = d.Variant
	}
	return res
}

// evaluate runs one flagkit evaluation for the OpenFeature context.
func (p *Provider) evaluate(ctx context.Context, flag string, flatCtx openfeature.FlattenedContext) flagkit.Detail {
	if p.client == nil {
		return flagkit.Detail{Reason: flagkit.ReasonError, Err: flagkit.ErrClosed}
	}
	s := flagkit.Subject{Attrs: flagkit.Attrs(flatCtx)}
	if k, ok := flatCtx[openfeature.TargetingKey].(string); ok {
		s.Key = k
	}
	return p.client.Evaluate(ctx, flag, s)
}

// metadata is a copy of the flag's metadata, plus the evaluation's source
// and rule with [WithSourceAndRule]. It is nil when that leaves nothing.
func (p *Provider) metadata(flag string, d flagkit.Detail) openfeature.FlagMetadata {
	var base openfeature.FlagMetadata
	if m := p.meta.Load(); m != nil {
		base = (*m)[flag]
	}
	extra := p.sourceAndRule && (d.Source != "" || d.Rule != "")
	if len(base) == 0 && !extra {
		return nil
	}
	md := make(openfeature.FlagMetadata, len(base)+2)
	for k, v := range base {
		if p.sourceAndRule && (k == "source" || k == "rule") {
			continue // reserved for the evaluation's own
		}
		md[k] = v
	}
	if p.sourceAndRule && d.Source != "" {
		md["source"] = d.Source
	}
	if p.sourceAndRule && d.Rule != "" {
		md["rule"] = d.Rule
	}
	return md
}

func kindOf(v any) string {
	switch x := v.(type) {
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case int64:
		return "a number"
	case float64:
		if x == math.Trunc(x) {
			return "a number too large for int64"
		}
		return "a number with a fraction"
	case map[string]any, []any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// reason maps a flagkit reason to the OpenFeature reason.
func reason(r flagkit.Reason) openfeature.Reason {
	switch r {
	case flagkit.ReasonStatic:
		return openfeature.StaticReason
	case flagkit.ReasonDefault:
		return openfeature.DefaultReason
	case flagkit.ReasonTargetingMatch:
		return openfeature.TargetingMatchReason
	case flagkit.ReasonSplit:
		return openfeature.SplitReason
	case flagkit.ReasonDisabled:
		return openfeature.DisabledReason
	case flagkit.ReasonPrerequisiteFailed:
		return ReasonPrerequisiteFailed
	case flagkit.ReasonError:
		return openfeature.ErrorReason
	}
	return openfeature.Reason(r) // a reason added to flagkit later, as a custom reason
}

// resolutionError maps a flagkit evaluation error to an OpenFeature one.
func resolutionError(err error) openfeature.ResolutionError {
	msg := err.Error()
	switch {
	case errors.Is(err, flagkit.ErrClosed):
		return openfeature.NewProviderFatalResolutionError(msg)
	case errors.Is(err, flagkit.ErrFlagNotFound):
		return openfeature.NewFlagNotFoundResolutionError(msg)
	case errors.Is(err, flagkit.ErrTypeMismatch):
		return openfeature.NewTypeMismatchResolutionError(msg)
	case errors.Is(err, flagkit.ErrInvalidFlag):
		return openfeature.NewParseErrorResolutionError(msg, err)
	}
	return openfeature.NewGeneralResolutionError(msg, err)
}
