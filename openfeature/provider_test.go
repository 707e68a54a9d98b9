package flagkitof_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit"
	flagkitof "github.com/flagkit/flagkit/openfeature"
	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// doc has a flag for every type and every reason.
const doc = `
cohorts:
  staff:
    when: {email: {ends_with: "@example.com"}}
flags:
  static-bool:
    default: on
    metadata: {owner: payments, ticket: 123, ratio: 0.5, critical: true, links: [a, b], more: {x: 1}}
  greeting:
    variants: {hello: hello, hi: hi}
    default: hello
  limit:
    variants: {low: 100, high: 1000}
    default: high
  ratio:
    variants: {half: 0.5}
    default: half
  huge:
    variants: {big: 1e30}
    default: big
  config:
    variants: {v1: {color: red, size: 3, tags: [x, y]}}
    default: v1
  list:
    variants: {pair: [1, "x"]}
    default: pair
  targeted:
    metadata: {owner: growth, rule: from-metadata}
    default: off
    rules:
      - name: staff first
        cohort: staff
        serve: on
      - when: {age: {gte: 18}, beta: {eq: true}}
        serve: on
      - when: {roles: {in: [admin]}}
        serve: on
  rollout:
    default: off
    rules:
      - name: everyone
        percent: 100
        serve: on
  killed:
    enabled: false
    default: on
  needs-killed:
    requires: {killed: on}
    default: on
  no-default:
    rules:
      - cohort: staff
        serve: on
  broken:
    variants: {a: 1}
    default: nope
`

// pushSource is a source whose documents a test pushes; push and fail
// return once the client has applied them.
type pushSource struct {
	initial string
	ch      chan pushed
}

type pushed struct {
	doc  []byte
	err  error
	done chan struct{}
}

func newPushSource(initial string) *pushSource {
	return &pushSource{initial: initial, ch: make(chan pushed)}
}

func (p *pushSource) Name() string { return "push:flags.yaml" }

func (p *pushSource) Run(ctx context.Context, update func([]byte, error) error) error {
	update([]byte(p.initial), nil)
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-p.ch:
			update(m.doc, m.err)
			close(m.done)
		}
	}
}

func (p *pushSource) push(doc string) { p.send([]byte(doc), nil) }

func (p *pushSource) fail(err error) { p.send(nil, err) }

func (p *pushSource) send(doc []byte, err error) {
	m := pushed{doc: doc, err: err, done: make(chan struct{})}
	p.ch <- m
	<-m.done
}

// newClient returns a flagkit client of one push source serving d.
func newClient(t *testing.T, d string) (*flagkit.Client, *pushSource) {
	t.Helper()
	src := newPushSource(d)
	c, err := flagkit.New(t.Context(), flagkit.WithSource(src))
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c, src
}

// newOF registers p with an isolated OpenFeature API and returns a client
// of it; the API is shut down when the test ends.
func newOF(t *testing.T, p *flagkitof.Provider) (*openfeature.EvaluationAPI, *openfeature.Client) {
	t.Helper()
	api := isolated.NewAPI()
	t.Cleanup(func() { require.NoError(t, api.Shutdown(context.Background())) })
	require.NoError(t, api.SetProviderAndWait(t.Context(), p))
	return api, api.NewClient()
}

// verifyNoLeaks checks, after every other cleanup of the test, that the
// test left no goroutine running.
func verifyNoLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func setup(t *testing.T) *openfeature.Client {
	t.Helper()
	verifyNoLeaks(t)
	c, _ := newClient(t, doc)
	_, of := newOF(t, flagkitof.New(c))
	return of
}

var (
	anyone = openfeature.NewTargetlessEvaluationContext(nil)
	user   = openfeature.NewEvaluationContext("user-1", nil)
	staff  = openfeature.NewEvaluationContext("user-2", map[string]any{"email": "ann@example.com"})
)

// want is the expected OpenFeature resolution of one evaluation.
type want struct {
	value    any
	variant  string
	reason   openfeature.Reason
	code     openfeature.ErrorCode
	metadata openfeature.FlagMetadata
}

const src = "push:flags.yaml"

func TestEvaluation(t *testing.T) {
	of := setup(t)
	ctx := t.Context()
	md := func(kv ...any) openfeature.FlagMetadata {
		m := openfeature.FlagMetadata{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		typ     openfeature.Type
		flag    string
		def     any
		evalCtx openfeature.EvaluationContext
		want    want
	}{
		{"bool static", openfeature.Boolean, "static-bool", false, anyone,
			want{true, "on", openfeature.StaticReason, "", md("owner", "payments", "ticket", int64(123), "ratio", 0.5, "critical", true)}},
		{"string static", openfeature.String, "greeting", "fallback", anyone,
			want{"hello", "hello", openfeature.StaticReason, "", md()}},
		{"int", openfeature.Int, "limit", int64(7), anyone,
			want{int64(1000), "high", openfeature.StaticReason, "", md()}},
		{"float of whole number", openfeature.Float, "limit", 7.5, anyone,
			want{1000.0, "high", openfeature.StaticReason, "", md()}},
		{"float", openfeature.Float, "ratio", 7.5, anyone,
			want{0.5, "half", openfeature.StaticReason, "", md()}},
		{"object map", openfeature.Object, "config", "fallback", anyone,
			want{map[string]any{"color": "red", "size": 3.0, "tags": []any{"x", "y"}}, "v1", openfeature.StaticReason, "", md()}},
		{"object list", openfeature.Object, "list", "fallback", anyone,
			want{[]any{1.0, "x"}, "pair", openfeature.StaticReason, "", md()}},
		{"targeting match by cohort", openfeature.Boolean, "targeted", false, staff,
			want{true, "on", openfeature.TargetingMatchReason, "", md("owner", "growth", "rule", "from-metadata")}},
		{"default", openfeature.Boolean, "targeted", true, user,
			want{false, "off", openfeature.DefaultReason, "", md("owner", "growth", "rule", "from-metadata")}},
		{"split with targeting key", openfeature.Boolean, "rollout", false, user,
			want{true, "on", openfeature.SplitReason, "", md()}},
		{"split needs a targeting key", openfeature.Boolean, "rollout", true, anyone,
			want{false, "off", openfeature.DefaultReason, "", md()}},
		{"disabled", openfeature.Boolean, "killed", true, anyone,
			want{false, "off", openfeature.DisabledReason, "", md()}},
		{"prerequisite failed", openfeature.Boolean, "needs-killed", true, anyone,
			want{false, "off", flagkitof.ReasonPrerequisiteFailed, "", md()}},
		{"no variant served: caller's default", openfeature.Boolean, "no-default", true, user,
			want{true, "", openfeature.DefaultReason, "", md()}},
		{"flag not found", openfeature.Boolean, "missing", true, anyone,
			want{true, "", openfeature.ErrorReason, openfeature.FlagNotFoundCode, md()}},
		{"invalid flag", openfeature.Int, "broken", int64(7), anyone,
			want{int64(7), "", openfeature.ErrorReason, openfeature.ParseErrorCode, md()}},
		{"bool of string flag", openfeature.Boolean, "greeting", true, anyone,
			want{true, "", openfeature.ErrorReason, openfeature.TypeMismatchCode, md()}},
		{"string of bool flag", openfeature.String, "static-bool", "fallback", anyone,
			want{"fallback", "", openfeature.ErrorReason, openfeature.TypeMismatchCode, md("owner", "payments", "ticket", int64(123), "ratio", 0.5, "critical", true)}},
		{"int of fraction", openfeature.Int, "ratio", int64(7), anyone,
			want{int64(7), "", openfeature.ErrorReason, openfeature.TypeMismatchCode, md()}},
		{"int too large", openfeature.Int, "huge", int64(7), anyone,
			want{int64(7), "", openfeature.ErrorReason, openfeature.TypeMismatchCode, md()}},
		{"float of string flag", openfeature.Float, "greeting", 7.5, anyone,
			want{7.5, "", openfeature.ErrorReason, openfeature.TypeMismatchCode, md()}},
		{"object of number flag", openfeature.Object, "limit", "fallback", anyone,
			want{"fallback", "", openfeature.ErrorReason, openfeature.TypeMismatchCode, md()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got openfeature.InterfaceEvaluationDetails
			var err error
			switch tt.typ {
			case openfeature.Boolean:
				var d openfeature.BooleanEvaluationDetails
				d, err = of.BooleanValueDetails(ctx, tt.flag, tt.def.(bool), tt.evalCtx)
				got.Value, got.EvaluationDetails = d.Value, d.EvaluationDetails
			case openfeature.String:
				var d openfeature.StringEvaluationDetails
				d, err = of.StringValueDetails(ctx, tt.flag, tt.def.(string), tt.evalCtx)
				got.Value, got.EvaluationDetails = d.Value, d.EvaluationDetails
			case openfeature.Int:
				var d openfeature.IntEvaluationDetails
				d, err = of.IntValueDetails(ctx, tt.flag, tt.def.(int64), tt.evalCtx)
				got.Value, got.EvaluationDetails = d.Value, d.EvaluationDetails
			case openfeature.Float:
				var d openfeature.FloatEvaluationDetails
				d, err = of.FloatValueDetails(ctx, tt.flag, tt.def.(float64), tt.evalCtx)
				got.Value, got.EvaluationDetails = d.Value, d.EvaluationDetails
			case openfeature.Object:
				got, err = of.ObjectValueDetails(ctx, tt.flag, tt.def, tt.evalCtx)
			}
			if tt.want.code == "" {
				assert.NoError(t, err, "%sValueDetails(%q) error", tt.typ, tt.flag)
				assert.Empty(t, got.ErrorMessage, "%sValueDetails(%q).ErrorMessage", tt.typ, tt.flag)
			} else {
				assert.Error(t, err, "%sValueDetails(%q) error", tt.typ, tt.flag)
				assert.NotEmpty(t, got.ErrorMessage, "%sValueDetails(%q).ErrorMessage", tt.typ, tt.flag)
			}
			assert.Equal(t, tt.want.value, got.Value, "%sValueDetails(%q).Value", tt.typ, tt.flag)
			assert.Equal(t, tt.want.variant, got.Variant, "%sValueDetails(%q).Variant", tt.typ, tt.flag)
			assert.Equal(t, tt.want.reason, got.Reason, "%sValueDetails(%q).Reason", tt.typ, tt.flag)
			assert.Equal(t, tt.want.code, got.ErrorCode, "%sValueDetails(%q).ErrorCode", tt.typ, tt.flag)
			assert.Equal(t, tt.want.metadata, got.FlagMetadata, "%sValueDetails(%q).FlagMetadata", tt.typ, tt.flag)
		})
	}
}

// TestSourceAndRule checks the flag metadata with WithSourceAndRule: the
// flag's own metadata, less its "source" and "rule" entries, plus the
// evaluation's source and rule when they are not empty.
func TestSourceAndRule(t *testing.T) {
	verifyNoLeaks(t)
	c, _ := newClient(t, doc)
	_, of := newOF(t, flagkitof.New(c, flagkitof.WithSourceAndRule()))
	tests := []struct {
		name    string
		flag    string
		evalCtx openfeature.EvaluationContext
		want    openfeature.FlagMetadata
	}{
		{"no metadata, no rule", "greeting", anyone, openfeature.FlagMetadata{"source": src}},
		{"rule named", "targeted", staff, openfeature.FlagMetadata{"owner": "growth", "rule": "staff first", "source": src}},
		{"no rule: the flag's rule entry is left out", "targeted", user, openfeature.FlagMetadata{"owner": "growth", "source": src}},
		{"percentage rule", "rollout", user, openfeature.FlagMetadata{"rule": "everyone", "source": src}},
		{"flag not found", "missing", anyone, openfeature.FlagMetadata{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := of.BooleanValueDetails(t.Context(), tt.flag, false, tt.evalCtx)
			assert.Equal(t, tt.want, d.FlagMetadata, "BooleanValueDetails(%q).FlagMetadata", tt.flag)
		})
	}
}

// TestMetadataIsFresh checks that a caller changing the flag metadata of a
// resolution changes nothing for the next one.
func TestMetadataIsFresh(t *testing.T) {
	of := setup(t)
	d, err := of.BooleanValueDetails(t.Context(), "static-bool", false, anyone)
	require.NoError(t, err)
	d.FlagMetadata["owner"] = "changed"
	d.FlagMetadata["added"] = true
	d, err = of.BooleanValueDetails(t.Context(), "static-bool", false, anyone)
	require.NoError(t, err)
	want := openfeature.FlagMetadata{"owner": "payments", "ticket": int64(123), "ratio": 0.5, "critical": true}
	assert.Equal(t, want, d.FlagMetadata, "FlagMetadata after a caller changed an earlier one")
}

func TestEvaluationContextAttributes(t *testing.T) {
	of := setup(t)
	tests := []struct {
		name  string
		attrs map[string]any
		want  bool
	}{
		{"int and bool attributes match", map[string]any{"age": 21, "beta": true}, true},
		{"int64 and bool attributes match", map[string]any{"age": int64(18), "beta": true}, true},
		{"float below", map[string]any{"age": 17.5, "beta": true}, false},
		{"bool false", map[string]any{"age": 40, "beta": false}, false},
		{"string is not a number", map[string]any{"age": "40", "beta": true}, false},
		{"string list", map[string]any{"roles": []string{"dev", "admin"}}, true},
		{"any list", map[string]any{"roles": []any{"admin"}}, true},
		{"nothing", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := of.Boolean(t.Context(), "targeted", !tt.want, openfeature.NewEvaluationContext("user-3", tt.attrs))
			assert.Equal(t, tt.want, got, "Boolean(%q) with %v", "targeted", tt.attrs)
		})
	}
}

// TestObjectIsFresh checks that a caller changing a served object changes
// nothing for the next caller.
func TestObjectIsFresh(t *testing.T) {
	of := setup(t)
	first := of.Object(t.Context(), "config", nil, anyone).(map[string]any)
	first["color"] = "blue"
	second := of.Object(t.Context(), "config", nil, anyone).(map[string]any)
	assert.Equal(t, "red", second["color"], `Object("config")["color"] after a caller's change`)
}

func TestProviderDirect(t *testing.T) {
	verifyNoLeaks(t)
	c, _ := newClient(t, doc)
	p := flagkitof.New(c)
	assert.Equal(t, openfeature.Metadata{Name: "flagkit"}, p.Metadata(), "Metadata()")
	assert.Empty(t, p.Hooks(), "Hooks()")
	first, second := p.EventChannel(), p.EventChannel()
	assert.True(t, first == second, "EventChannel() returns one channel")

	// Before Init, evaluation works and metadata is read at New.
	d := p.BooleanEvaluation(t.Context(), "targeted", false, openfeature.FlattenedContext{
		openfeature.TargetingKey: "user-9", "email": "bo@example.com"})
	assert.True(t, d.Value, "BooleanEvaluation(targeted).Value")
	assert.Equal(t, openfeature.TargetingMatchReason, d.Reason, "BooleanEvaluation(targeted).Reason")
	assert.Equal(t, "growth", d.FlagMetadata["owner"], "BooleanEvaluation(targeted).FlagMetadata[owner]")

	// Init twice (a provider bound to two domains), Shutdown twice, and
	// Init again after Shutdown.
	require.NoError(t, p.Init(openfeature.EvaluationContext{}))
	require.NoError(t, p.Init(openfeature.EvaluationContext{}))
	p.Shutdown()
	p.Shutdown()
	require.NoError(t, p.Init(openfeature.EvaluationContext{}))
	p.Shutdown()

	require.NoError(t, c.Close())
	err := p.Init(openfeature.EvaluationContext{})
	var ie *openfeature.ProviderInitError
	require.True(t, errors.As(err, &ie), "Init after Close = %v; want a *ProviderInitError", err)
	assert.Equal(t, openfeature.ProviderFatalCode, ie.ErrorCode, "Init after Close: ErrorCode")
	d = p.BooleanEvaluation(t.Context(), "static-bool", false, nil)
	assert.Equal(t, openfeature.ProviderFatalCode, d.ResolutionDetail().ErrorCode, "BooleanEvaluation after Close: ErrorCode")
	assert.Equal(t, openfeature.ErrorReason, d.Reason, "BooleanEvaluation after Close: Reason")

	nilP := flagkitof.New(nil)
	assert.Error(t, nilP.Init(openfeature.EvaluationContext{}), "Init with a nil client")
	d = nilP.BooleanEvaluation(t.Context(), "static-bool", true, nil)
	assert.Equal(t, openfeature.ProviderFatalCode, d.ResolutionDetail().ErrorCode, "BooleanEvaluation with a nil client: ErrorCode")
	assert.True(t, d.Value, "BooleanEvaluation with a nil client: Value")
}

// recorder collects the events of one type that the OpenFeature API hands
// to its handlers.
type recorder struct {
	ch chan openfeature.EventDetails
}

func record(api *openfeature.EvaluationAPI, typ openfeature.EventType) *recorder {
	r := &recorder{ch: make(chan openfeature.EventDetails, 16)}
	cb := func(d openfeature.EventDetails) { r.ch <- d }
	api.AddHandler(typ, &cb)
	return r
}

// next returns the next event, or fails the test when there is none yet;
// callers run synctest.Wait first, so every event due has arrived.
func (r *recorder) next(t *testing.T) openfeature.EventDetails {
	t.Helper()
	select {
	case d := <-r.ch:
		return d
	default:
		t.Fatal("no event; want one")
		return openfeature.EventDetails{}
	}
}

func (r *recorder) none(t *testing.T) {
	t.Helper()
	select {
	case d := <-r.ch:
		t.Fatalf("unexpected event %+v", d)
	default:
	}
}

const v2 = `
flags:
  a: {default: on}
  b: {default: off}
  c: {default: on}
`

func TestEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, source := newClient(t, "flags:\n  a: {default: off}\n  b: {default: off}\n  c: {default: on}\n")
		api := isolated.NewAPI()
		defer func() { require.NoError(t, api.Shutdown(context.Background())) }()
		ready := record(api, openfeature.ProviderReady)
		changed := record(api, openfeature.ProviderConfigChange)
		stale := record(api, openfeature.ProviderStale)
		failed := record(api, openfeature.ProviderError)
		require.NoError(t, api.SetProviderAndWait(t.Context(), flagkitof.New(c, flagkitof.WithStatusInterval(time.Second))))
		of := api.NewClient()
		synctest.Wait()
		assert.Equal(t, "flagkit", ready.next(t).ProviderName, "PROVIDER_READY after init: ProviderName")
		assert.Equal(t, openfeature.ReadyState, of.State(), "State() after init")

		// A change of definitions names the flags that changed.
		source.push(v2)
		synctest.Wait()
		ev := changed.next(t)
		assert.Equal(t, []string{"a"}, ev.FlagChanges, "PROVIDER_CONFIGURATION_CHANGED FlagChanges")
		assert.Equal(t, map[string]any{"source": "push:flags.yaml", "scheduled": false}, ev.EventMetadata, "PROVIDER_CONFIGURATION_CHANGED EventMetadata")
		assert.True(t, of.Boolean(t.Context(), "a", false, anyone), "Boolean(a) after the change")

		// A failed load before the first reading of the status (one
		// interval after Init) makes the provider stale at that reading,
		// not before, so that it cannot overtake the SDK's READY.
		source.fail(errors.New("server said 503"))
		synctest.Wait()
		stale.none(t)
		time.Sleep(time.Second)
		synctest.Wait()
		ev = stale.next(t)
		assert.Equal(t, "flagkit: serving earlier documents of stale sources: push:flags.yaml (server said 503)", ev.Message, "PROVIDER_STALE Message")
		assert.Equal(t, map[string]any{"sources": []string{"push:flags.yaml"}}, ev.EventMetadata, "PROVIDER_STALE EventMetadata")
		assert.Equal(t, openfeature.StaleState, of.State(), "State() after a failed load")
		assert.True(t, of.Boolean(t.Context(), "a", false, anyone), "Boolean(a) while stale serves the last good document")
		time.Sleep(3 * time.Second)
		synctest.Wait()
		stale.none(t) // reported once, not at every reading
		ready.none(t)

		// From then on the client's status reports are followed at once:
		// the same document again changes no flag, but the source has
		// recovered.
		source.push(v2)
		synctest.Wait()
		ready.next(t)
		assert.Equal(t, openfeature.ReadyState, of.State(), "State() after a good load")
		time.Sleep(3 * time.Second)
		synctest.Wait()
		ready.none(t) // reported once, not at every reading

		// Stale again, at once; then a good load that changes flags
		// reports the change and the recovery at once.
		source.fail(errors.New("timeout"))
		synctest.Wait()
		stale.next(t)
		source.push("flags:\n  a: {default: on}\n  b: {default: on}\n  c: {default: off}\n")
		synctest.Wait()
		assert.Equal(t, []string{"b", "c"}, changed.next(t).FlagChanges, "FlagChanges after recovery")
		ready.next(t)
		assert.Equal(t, openfeature.ReadyState, of.State(), "State() after a changing good load")

		// Closing the client: evaluations fail with PROVIDER_FATAL at
		// once, and the next reading moves the provider to FATAL.
		require.NoError(t, c.Close())
		d, err := of.BooleanValueDetails(t.Context(), "a", false, anyone)
		assert.Error(t, err, "BooleanValueDetails after Close")
		assert.Equal(t, openfeature.ProviderFatalCode, d.ErrorCode, "BooleanValueDetails after Close: ErrorCode")
		time.Sleep(time.Second)
		synctest.Wait()
		failed.next(t)
		assert.Equal(t, openfeature.FatalState, of.State(), "State() after Close")
		time.Sleep(5 * time.Second)
		synctest.Wait()
		failed.none(t)
		changed.none(t)
		stale.none(t)
		ready.none(t)
	})
}

// TestScheduledChange checks that a scheduled transition is reported as a
// configuration change.
func TestScheduledChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		at := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		c, _ := newClient(t, "flags:\n  launch:\n    default: off\n    rules:\n      - from: "+at+"\n        serve: on\n")
		api := isolated.NewAPI()
		defer func() { require.NoError(t, api.Shutdown(context.Background())) }()
		changed := record(api, openfeature.ProviderConfigChange)
		require.NoError(t, api.SetProviderAndWait(t.Context(), flagkitof.New(c, flagkitof.WithStatusInterval(0))))
		of := api.NewClient()
		assert.False(t, of.Boolean(t.Context(), "launch", true, anyone), "Boolean(launch) before the launch")
		time.Sleep(time.Hour)
		synctest.Wait()
		ev := changed.next(t)
		assert.Equal(t, []string{"launch"}, ev.FlagChanges, "FlagChanges at the launch")
		assert.Equal(t, map[string]any{"source": "", "scheduled": true}, ev.EventMetadata, "EventMetadata at the launch")
		assert.True(t, of.Boolean(t.Context(), "launch", false, anyone), "Boolean(launch) after the launch")
	})
}

// TestMetadataFollowsChanges checks that flag metadata is refreshed by a
// reload.
func TestMetadataFollowsChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, source := newClient(t, "flags:\n  a:\n    default: on\n    metadata: {owner: one}\n")
		api := isolated.NewAPI()
		defer func() { require.NoError(t, api.Shutdown(context.Background())) }()
		changed := record(api, openfeature.ProviderConfigChange)
		require.NoError(t, api.SetProviderAndWait(t.Context(), flagkitof.New(c)))
		of := api.NewClient()
		d, err := of.BooleanValueDetails(t.Context(), "a", false, anyone)
		require.NoError(t, err)
		assert.Equal(t, "one", d.FlagMetadata["owner"], "FlagMetadata[owner] before the change")
		source.push("flags:\n  a:\n    default: on\n    metadata: {owner: two}\n  b: {default: on, metadata: {owner: three}}\n")
		synctest.Wait()
		changed.next(t)
		d, err = of.BooleanValueDetails(t.Context(), "a", false, anyone)
		require.NoError(t, err)
		assert.Equal(t, "two", d.FlagMetadata["owner"], "FlagMetadata[owner] after the change")
		d, err = of.BooleanValueDetails(t.Context(), "b", false, anyone)
		require.NoError(t, err)
		assert.Equal(t, "three", d.FlagMetadata["owner"], "FlagMetadata[owner] of a new flag")
	})
}

// TestShutdownUnsubscribes checks that a provider emits nothing after
// Shutdown, even when the SDK does not drain its channel.
func TestShutdownUnsubscribes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, source := newClient(t, "flags:\n  a: {default: off}\n")
		p := flagkitof.New(c, flagkitof.WithStatusInterval(time.Second))
		require.NoError(t, p.Init(openfeature.EvaluationContext{}))
		// Nobody reads the channel: more changes than its buffer must
		// neither block the client nor leak the goroutine.
		for i := range 40 {
			v := "off"
			if i%2 == 0 {
				v = "on"
			}
			source.push("flags:\n  a: {default: " + v + "}\n")
			synctest.Wait()
		}
		p.Shutdown()
		source.push("flags:\n  a: {default: on}\n  z: {default: on}\n")
		time.Sleep(2 * time.Second)
		synctest.Wait()
		select {
		case ev := <-p.EventChannel():
			t.Fatalf("event after Shutdown: %+v", ev)
		default:
		}
		require.NoError(t, c.Close())
	})
}

// TestHealthWithoutInterval checks that with the periodic reading off,
// PROVIDER_STALE and PROVIDER_READY follow the client's status reports.
func TestHealthWithoutInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, source := newClient(t, "flags:\n  a: {default: on}\n")
		api := isolated.NewAPI()
		defer func() { require.NoError(t, api.Shutdown(context.Background())) }()
		ready := record(api, openfeature.ProviderReady)
		stale := record(api, openfeature.ProviderStale)
		require.NoError(t, api.SetProviderAndWait(t.Context(), flagkitof.New(c, flagkitof.WithStatusInterval(0))))
		of := api.NewClient()
		synctest.Wait()
		ready.next(t)

		source.fail(errors.New("server said 503"))
		synctest.Wait()
		stale.next(t)
		assert.Equal(t, openfeature.StaleState, of.State(), "State() after a failed load")

		source.push("flags:\n  a: {default: on}\n")
		synctest.Wait()
		ready.next(t)
		assert.Equal(t, openfeature.ReadyState, of.State(), "State() after a good load")
		time.Sleep(time.Hour)
		synctest.Wait()
		stale.none(t)
		ready.none(t)
	})
}
