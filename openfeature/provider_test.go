package flagkitof_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
	flagkitof "github.com/flagkit/flagkit/openfeature"
	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
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

// newClient returns a flagkit client of one source, named src, serving d,
// and the source, so that the test can push new documents and failures.
func newClient(t *testing.T, d string) (*flagkit.Client, *flagkittest.Source) {
	t.Helper()
	source := flagkittest.NewSource(src, []byte(d))
	c, err := flagkit.New(t.Context(), flagkit.WithSource(source))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c, source
}

// newOF registers p with an isolated OpenFeature API and returns a client
// of it; the API is shut down when the test ends.
func newOF(t *testing.T, p *flagkitof.Provider) (*openfeature.EvaluationAPI, *openfeature.Client) {
	t.Helper()
	api := isolated.NewAPI()
	t.Cleanup(func() { shutdown(t, api) })
	if err := api.SetProviderAndWait(t.Context(), p); err != nil {
		t.Fatalf("SetProviderAndWait: %v", err)
	}
	return api, api.NewClient()
}

// shutdown shuts api down, failing t if that fails.
func shutdown(t *testing.T, api *openfeature.EvaluationAPI) {
	t.Helper()
	if err := api.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
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
				if err != nil {
					t.Errorf("%sValueDetails(%q) error = %v; want nil", tt.typ, tt.flag, err)
				}
				if got.ErrorMessage != "" {
					t.Errorf("%sValueDetails(%q).ErrorMessage = %q; want none", tt.typ, tt.flag, got.ErrorMessage)
				}
			} else {
				if err == nil {
					t.Errorf("%sValueDetails(%q) error = nil; want an error", tt.typ, tt.flag)
				}
				if got.ErrorMessage == "" {
					t.Errorf("%sValueDetails(%q).ErrorMessage is empty; want a message", tt.typ, tt.flag)
				}
			}
			if !reflect.DeepEqual(got.Value, tt.want.value) {
				t.Errorf("%sValueDetails(%q).Value = %#v; want %#v", tt.typ, tt.flag, got.Value, tt.want.value)
			}
			if got.Variant != tt.want.variant {
				t.Errorf("%sValueDetails(%q).Variant = %q; want %q", tt.typ, tt.flag, got.Variant, tt.want.variant)
			}
			if got.Reason != tt.want.reason {
				t.Errorf("%sValueDetails(%q).Reason = %q; want %q", tt.typ, tt.flag, got.Reason, tt.want.reason)
			}
			if got.ErrorCode != tt.want.code {
				t.Errorf("%sValueDetails(%q).ErrorCode = %q; want %q", tt.typ, tt.flag, got.ErrorCode, tt.want.code)
			}
			if !reflect.DeepEqual(got.FlagMetadata, tt.want.metadata) {
				t.Errorf("%sValueDetails(%q).FlagMetadata = %#v; want %#v", tt.typ, tt.flag, got.FlagMetadata, tt.want.metadata)
			}
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
			if !reflect.DeepEqual(d.FlagMetadata, tt.want) {
				t.Errorf("BooleanValueDetails(%q).FlagMetadata = %#v; want %#v", tt.flag, d.FlagMetadata, tt.want)
			}
		})
	}
}

// TestMetadataIsFresh checks that a caller changing the flag metadata of a
// resolution changes nothing for the next one.
func TestMetadataIsFresh(t *testing.T) {
	of := setup(t)
	d, err := of.BooleanValueDetails(t.Context(), "static-bool", false, anyone)
	if err != nil {
		t.Fatalf("BooleanValueDetails(%q): %v", "static-bool", err)
	}
	d.FlagMetadata["owner"] = "changed"
	d.FlagMetadata["added"] = true
	d, err = of.BooleanValueDetails(t.Context(), "static-bool", false, anyone)
	if err != nil {
		t.Fatalf("BooleanValueDetails(%q): %v", "static-bool", err)
	}
	want := openfeature.FlagMetadata{"owner": "payments", "ticket": int64(123), "ratio": 0.5, "critical": true}
	if !reflect.DeepEqual(d.FlagMetadata, want) {
		t.Errorf("BooleanValueDetails(%q).FlagMetadata after a caller changed an earlier one = %#v; want %#v", "static-bool", d.FlagMetadata, want)
	}
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
			if got != tt.want {
				t.Errorf("Boolean(%q) with %v = %v; want %v", "targeted", tt.attrs, got, tt.want)
			}
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
	if got := second["color"]; got != "red" {
		t.Errorf(`Object("config")["color"] after a caller's change = %v; want red`, got)
	}
}

func TestProviderDirect(t *testing.T) {
	verifyNoLeaks(t)
	c, _ := newClient(t, doc)
	p := flagkitof.New(c)
	if got, want := p.Metadata(), (openfeature.Metadata{Name: "flagkit"}); !reflect.DeepEqual(got, want) {
		t.Errorf("Metadata() = %+v; want %+v", got, want)
	}
	if hooks := p.Hooks(); len(hooks) != 0 {
		t.Errorf("Hooks() = %v; want none", hooks)
	}
	if first, second := p.EventChannel(), p.EventChannel(); first != second {
		t.Error("EventChannel() returned two channels; want one")
	}

	// Before Init, evaluation works and metadata is read at New.
	d := p.BooleanEvaluation(t.Context(), "targeted", false, openfeature.FlattenedContext{
		openfeature.TargetingKey: "user-9", "email": "bo@example.com"})
	if !d.Value {
		t.Errorf("BooleanEvaluation(%q).Value = false; want true", "targeted")
	}
	if d.Reason != openfeature.TargetingMatchReason {
		t.Errorf("BooleanEvaluation(%q).Reason = %q; want %q", "targeted", d.Reason, openfeature.TargetingMatchReason)
	}
	if got := d.FlagMetadata["owner"]; got != "growth" {
		t.Errorf("BooleanEvaluation(%q).FlagMetadata[owner] = %v; want growth", "targeted", got)
	}

	// Init twice (a provider bound to two domains), Shutdown twice, and
	// Init again after Shutdown.
	for i := range 2 {
		if err := p.Init(openfeature.EvaluationContext{}); err != nil {
			t.Fatalf("Init %d: %v", i+1, err)
		}
	}
	p.Shutdown()
	p.Shutdown()
	if err := p.Init(openfeature.EvaluationContext{}); err != nil {
		t.Fatalf("Init after Shutdown: %v", err)
	}
	p.Shutdown()

	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	err := p.Init(openfeature.EvaluationContext{})
	var ie *openfeature.ProviderInitError
	if !errors.As(err, &ie) {
		t.Fatalf("Init after Close = %v; want a *ProviderInitError", err)
	}
	if ie.ErrorCode != openfeature.ProviderFatalCode {
		t.Errorf("Init after Close: ErrorCode = %q; want %q", ie.ErrorCode, openfeature.ProviderFatalCode)
	}
	d = p.BooleanEvaluation(t.Context(), "static-bool", false, nil)
	if code := d.ResolutionDetail().ErrorCode; code != openfeature.ProviderFatalCode {
		t.Errorf("BooleanEvaluation after Close: ErrorCode = %q; want %q", code, openfeature.ProviderFatalCode)
	}
	if d.Reason != openfeature.ErrorReason {
		t.Errorf("BooleanEvaluation after Close: Reason = %q; want %q", d.Reason, openfeature.ErrorReason)
	}

	nilP := flagkitof.New(nil)
	if err := nilP.Init(openfeature.EvaluationContext{}); err == nil {
		t.Error("Init with a nil client = nil; want an error")
	}
	d = nilP.BooleanEvaluation(t.Context(), "static-bool", true, nil)
	if code := d.ResolutionDetail().ErrorCode; code != openfeature.ProviderFatalCode {
		t.Errorf("BooleanEvaluation with a nil client: ErrorCode = %q; want %q", code, openfeature.ProviderFatalCode)
	}
	if !d.Value {
		t.Error("BooleanEvaluation with a nil client: Value = false; want true (the default)")
	}
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
		defer shutdown(t, api)
		ready := record(api, openfeature.ProviderReady)
		changed := record(api, openfeature.ProviderConfigChange)
		stale := record(api, openfeature.ProviderStale)
		failed := record(api, openfeature.ProviderError)
		if err := api.SetProviderAndWait(t.Context(), flagkitof.New(c, flagkitof.WithStatusInterval(time.Second))); err != nil {
			t.Fatalf("SetProviderAndWait: %v", err)
		}
		of := api.NewClient()
		synctest.Wait()
		if got := ready.next(t).ProviderName; got != "flagkit" {
			t.Errorf("PROVIDER_READY after init: ProviderName = %q; want flagkit", got)
		}
		if got := of.State(); got != openfeature.ReadyState {
			t.Errorf("State() after init = %v; want %v", got, openfeature.ReadyState)
		}

		// A change of definitions names the flags that changed.
		source.Push([]byte(v2))
		synctest.Wait()
		ev := changed.next(t)
		if want := []string{"a"}; !reflect.DeepEqual(ev.FlagChanges, want) {
			t.Errorf("PROVIDER_CONFIGURATION_CHANGED FlagChanges = %q; want %q", ev.FlagChanges, want)
		}
		if want := map[string]any{"source": "push:flags.yaml", "scheduled": false}; !reflect.DeepEqual(ev.EventMetadata, want) {
			t.Errorf("PROVIDER_CONFIGURATION_CHANGED EventMetadata = %v; want %v", ev.EventMetadata, want)
		}
		if !of.Boolean(t.Context(), "a", false, anyone) {
			t.Errorf("Boolean(%q) after the change = false; want true", "a")
		}

		// A failed load before the first reading of the status (one
		// interval after Init) makes the provider stale at that reading,
		// not before, so that it cannot overtake the SDK's READY.
		source.Fail(errors.New("server said 503"))
		synctest.Wait()
		stale.none(t)
		time.Sleep(time.Second)
		synctest.Wait()
		ev = stale.next(t)
		if want := "flagkit: serving earlier documents of stale sources: push:flags.yaml (server said 503)"; ev.Message != want {
			t.Errorf("PROVIDER_STALE Message = %q; want %q", ev.Message, want)
		}
		if want := map[string]any{"sources": []string{"push:flags.yaml"}}; !reflect.DeepEqual(ev.EventMetadata, want) {
			t.Errorf("PROVIDER_STALE EventMetadata = %v; want %v", ev.EventMetadata, want)
		}
		if got := of.State(); got != openfeature.StaleState {
			t.Errorf("State() after a failed load = %v; want %v", got, openfeature.StaleState)
		}
		if !of.Boolean(t.Context(), "a", false, anyone) {
			t.Errorf("Boolean(%q) while stale = false; want true (the last good document)", "a")
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		stale.none(t) // reported once, not at every reading
		ready.none(t)

		// From then on the client's status reports are followed at once:
		// the same document again changes no flag, but the source has
		// recovered.
		source.Push([]byte(v2))
		synctest.Wait()
		ready.next(t)
		if got := of.State(); got != openfeature.ReadyState {
			t.Errorf("State() after a good load = %v; want %v", got, openfeature.ReadyState)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		ready.none(t) // reported once, not at every reading

		// Stale again, at once; then a good load that changes flags
		// reports the change and the recovery at once.
		source.Fail(errors.New("timeout"))
		synctest.Wait()
		stale.next(t)
		source.Push([]byte("flags:\n  a: {default: on}\n  b: {default: on}\n  c: {default: off}\n"))
		synctest.Wait()
		if got, want := changed.next(t).FlagChanges, []string{"b", "c"}; !reflect.DeepEqual(got, want) {
			t.Errorf("FlagChanges after recovery = %q; want %q", got, want)
		}
		ready.next(t)
		if got := of.State(); got != openfeature.ReadyState {
			t.Errorf("State() after a changing good load = %v; want %v", got, openfeature.ReadyState)
		}

		// Closing the client: evaluations fail with PROVIDER_FATAL at
		// once, and the next reading moves the provider to FATAL.
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		d, err := of.BooleanValueDetails(t.Context(), "a", false, anyone)
		if err == nil {
			t.Error("BooleanValueDetails after Close: error = nil; want an error")
		}
		if d.ErrorCode != openfeature.ProviderFatalCode {
			t.Errorf("BooleanValueDetails after Close: ErrorCode = %q; want %q", d.ErrorCode, openfeature.ProviderFatalCode)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		failed.next(t)
		if got := of.State(); got != openfeature.FatalState {
			t.Errorf("State() after Close = %v; want %v", got, openfeature.FatalState)
		}
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
		defer shutdown(t, api)
		changed := record(api, openfeature.ProviderConfigChange)
		if err := api.SetProviderAndWait(t.Context(), flagkitof.New(c, flagkitof.WithStatusInterval(0))); err != nil {
			t.Fatalf("SetProviderAndWait: %v", err)
		}
		of := api.NewClient()
		if of.Boolean(t.Context(), "launch", true, anyone) {
			t.Errorf("Boolean(%q) before the launch = true; want false", "launch")
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		ev := changed.next(t)
		if want := []string{"launch"}; !reflect.DeepEqual(ev.FlagChanges, want) {
			t.Errorf("FlagChanges at the launch = %q; want %q", ev.FlagChanges, want)
		}
		if want := map[string]any{"source": "", "scheduled": true}; !reflect.DeepEqual(ev.EventMetadata, want) {
			t.Errorf("EventMetadata at the launch = %v; want %v", ev.EventMetadata, want)
		}
		if !of.Boolean(t.Context(), "launch", false, anyone) {
			t.Errorf("Boolean(%q) after the launch = false; want true", "launch")
		}
	})
}

// TestMetadataFollowsChanges checks that flag metadata is refreshed by a
// reload.
func TestMetadataFollowsChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, source := newClient(t, "flags:\n  a:\n    default: on\n    metadata: {owner: one}\n")
		api := isolated.NewAPI()
		defer shutdown(t, api)
		changed := record(api, openfeature.ProviderConfigChange)
		if err := api.SetProviderAndWait(t.Context(), flagkitof.New(c)); err != nil {
			t.Fatalf("SetProviderAndWait: %v", err)
		}
		of := api.NewClient()
		d, err := of.BooleanValueDetails(t.Context(), "a", false, anyone)
		if err != nil {
			t.Fatalf("BooleanValueDetails(%q): %v", "a", err)
		}
		if got := d.FlagMetadata["owner"]; got != "one" {
			t.Errorf("FlagMetadata[owner] of %q before the change = %v; want one", "a", got)
		}
		source.Push([]byte("flags:\n  a:\n    default: on\n    metadata: {owner: two}\n  b: {default: on, metadata: {owner: three}}\n"))
		synctest.Wait()
		changed.next(t)
		d, err = of.BooleanValueDetails(t.Context(), "a", false, anyone)
		if err != nil {
			t.Fatalf("BooleanValueDetails(%q): %v", "a", err)
		}
		if got := d.FlagMetadata["owner"]; got != "two" {
			t.Errorf("FlagMetadata[owner] of %q after the change = %v; want two", "a", got)
		}
		d, err = of.BooleanValueDetails(t.Context(), "b", false, anyone)
		if err != nil {
			t.Fatalf("BooleanValueDetails(%q): %v", "b", err)
		}
		if got := d.FlagMetadata["owner"]; got != "three" {
			t.Errorf("FlagMetadata[owner] of the new flag %q = %v; want three", "b", got)
		}
	})
}

// TestShutdownUnsubscribes checks that a provider emits nothing after
// Shutdown, even when the SDK does not drain its channel.
func TestShutdownUnsubscribes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, source := newClient(t, "flags:\n  a: {default: off}\n")
		p := flagkitof.New(c, flagkitof.WithStatusInterval(time.Second))
		if err := p.Init(openfeature.EvaluationContext{}); err != nil {
			t.Fatalf("Init: %v", err)
		}
		// Nobody reads the channel: more changes than its buffer must
		// neither block the client nor leak the goroutine.
		for i := range 40 {
			v := "off"
			if i%2 == 0 {
				v = "on"
			}
			source.Push([]byte("flags:\n  a: {default: " + v + "}\n"))
			synctest.Wait()
		}
		p.Shutdown()
		source.Push([]byte("flags:\n  a: {default: on}\n  z: {default: on}\n"))
		time.Sleep(2 * time.Second)
		synctest.Wait()
		select {
		case ev := <-p.EventChannel():
			t.Fatalf("event after Shutdown: %+v", ev)
		default:
		}
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}

// TestHealthWithoutInterval checks that with the periodic reading off,
// PROVIDER_STALE and PROVIDER_READY follow the client's status reports.
func TestHealthWithoutInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, source := newClient(t, "flags:\n  a: {default: on}\n")
		api := isolated.NewAPI()
		defer shutdown(t, api)
		ready := record(api, openfeature.ProviderReady)
		stale := record(api, openfeature.ProviderStale)
		if err := api.SetProviderAndWait(t.Context(), flagkitof.New(c, flagkitof.WithStatusInterval(0))); err != nil {
			t.Fatalf("SetProviderAndWait: %v", err)
		}
		of := api.NewClient()
		synctest.Wait()
		ready.next(t)

		source.Fail(errors.New("server said 503"))
		synctest.Wait()
		stale.next(t)
		if got := of.State(); got != openfeature.StaleState {
			t.Errorf("State() after a failed load = %v; want %v", got, openfeature.StaleState)
		}

		source.Push([]byte("flags:\n  a: {default: on}\n"))
		synctest.Wait()
		ready.next(t)
		if got := of.State(); got != openfeature.ReadyState {
			t.Errorf("State() after a good load = %v; want %v", got, openfeature.ReadyState)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		stale.none(t)
		ready.none(t)
	})
}
