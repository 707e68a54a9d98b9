package otelhook_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/otelhook"
	"github.com/flagkit/flagkit/source"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

const doc = `
cohorts:
  staff:
    when: {email: {ends_with: "@example.com"}}
flags:
  static-bool: {default: on}
  targeted:
    default: off
    rules:
      - name: staff first
        cohort: staff
        serve: on
  rollout:
    default: off
    rules:
      - percent: 100
        serve: on
  killed:
    enabled: false
    default: on
  needs-killed:
    requires: {killed: on}
    default: on
  broken:
    variants: {a: 1}
    default: nope
`

const src = "test.yaml"

// newClient returns a client with the hook h, serving doc.
func newClient(t *testing.T, h flagkit.Hook) *flagkit.Client {
	t.Helper()
	c, err := flagkit.New(t.Context(), flagkit.WithSource(source.Bytes(src, []byte(doc))), flagkit.WithHook(h))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// recordedEvents runs fn with a context holding a recording span and
// returns the span's events, each as its name and attributes.
func recordedEvents(t *testing.T, fn func(ctx context.Context)) []event {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("test").Start(t.Context(), "request")
	fn(ctx)
	span.End()
	ended := sr.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans ended; want 1", len(ended))
	}
	var out []event
	for _, e := range ended[0].Events() {
		ev := event{name: e.Name, attrs: map[string]any{}}
		for _, kv := range e.Attributes {
			ev.attrs[string(kv.Key)] = kv.Value.AsInterface()
		}
		out = append(out, ev)
	}
	return out
}

type event struct {
	name  string
	attrs map[string]any
}

func TestEvents(t *testing.T) {
	hook := otelhook.New()
	c := newClient(t, hook)
	anon := flagkit.Subject{}
	user := flagkit.Subject{Key: "user-1"}
	staff := flagkit.Subject{Key: "user-2", Attrs: flagkit.Attrs{"email": "ann@example.com"}}
	tests := []struct {
		name string
		flag string
		s    flagkit.Subject
		want map[string]any
	}{
		{"static", "static-bool", anon, map[string]any{
			"feature_flag.key": "static-bool", "feature_flag.provider.name": "flagkit", "feature_flag.result.reason": "static",
			"feature_flag.result.variant": "on", "flagkit.source": src}},
		{"targeting match", "targeted", staff, map[string]any{
			"feature_flag.key": "targeted", "feature_flag.provider.name": "flagkit", "feature_flag.result.reason": "targeting_match",
			"feature_flag.result.variant": "on", "feature_flag.context.id": "user-2", "flagkit.rule": "staff first", "flagkit.source": src}},
		{"default", "targeted", user, map[string]any{
			"feature_flag.key": "targeted", "feature_flag.provider.name": "flagkit", "feature_flag.result.reason": "default",
			"feature_flag.result.variant": "off", "feature_flag.context.id": "user-1", "flagkit.source": src}},
		{"split", "rollout", user, map[string]any{
			"feature_flag.key": "rollout", "feature_flag.provider.name": "flagkit", "feature_flag.result.reason": "split",
			"feature_flag.result.variant": "on", "feature_flag.context.id": "user-1", "flagkit.rule": "rules[0]", "flagkit.source": src}},
		{"disabled", "killed", user, map[string]any{
			"feature_flag.key": "killed", "feature_flag.provider.name": "flagkit", "feature_flag.result.reason": "disabled",
			"feature_flag.result.variant": "off", "feature_flag.context.id": "user-1", "flagkit.source": src}},
		{"prerequisite failed", "needs-killed", user, map[string]any{
			"feature_flag.key": "needs-killed", "feature_flag.provider.name": "flagkit", "feature_flag.result.reason": "prerequisite_failed",
			"feature_flag.result.variant": "off", "feature_flag.context.id": "user-1", "flagkit.source": src}},
		{"flag not found", "missing", user, map[string]any{
			"feature_flag.key": "missing", "feature_flag.provider.name": "flagkit", "feature_flag.result.reason": "error",
			"feature_flag.context.id": "user-1", "error.type": "flag_not_found", "feature_flag.error.message": `flagkit: flag "missing" not found`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := recordedEvents(t, func(ctx context.Context) { c.Bool(ctx, tt.flag, tt.s, false) })
			if want := []event{{"feature_flag.evaluation", tt.want}}; !reflect.DeepEqual(got, want) {
				t.Errorf("events of Bool(%q) = %v; want %v", tt.flag, got, want)
			}
		})
	}

	t.Run("invalid flag", func(t *testing.T) {
		d := c.Evaluate(t.Context(), "broken", anon)
		if !errors.Is(d.Err, flagkit.ErrInvalidFlag) {
			t.Fatalf("Evaluate(%q).Err = %v; want ErrInvalidFlag", "broken", d.Err)
		}
		got := recordedEvents(t, func(ctx context.Context) { c.Int(ctx, "broken", anon, 7) })
		want := map[string]any{
			"feature_flag.key": "broken", "feature_flag.provider.name": "flagkit", "feature_flag.result.reason": "error",
			"error.type": "parse_error", "feature_flag.error.message": d.Err.Error(), "flagkit.source": src}
		if want := []event{{"feature_flag.evaluation", want}}; !reflect.DeepEqual(got, want) {
			t.Errorf("events of Int(%q) = %v; want %v", "broken", got, want)
		}
	})

	t.Run("every getter", func(t *testing.T) {
		got := recordedEvents(t, func(ctx context.Context) {
			c.Bool(ctx, "static-bool", anon, false)
			c.String(ctx, "static-bool", anon, "")
			c.Int(ctx, "static-bool", anon, 0)
			c.Float(ctx, "static-bool", anon, 0)
			var v any
			c.Object(ctx, "static-bool", anon, &v)
			c.Evaluate(ctx, "static-bool", anon)
		})
		if len(got) != 6 {
			t.Errorf("six getters recorded %d events; want 6", len(got))
		}
	})
}

func TestSetID(t *testing.T) {
	c := newClient(t, otelhook.New(otelhook.WithSetID("checkout")))
	got := recordedEvents(t, func(ctx context.Context) { c.Bool(ctx, "static-bool", flagkit.Subject{Key: "u"}, false) })
	want := map[string]any{
		"feature_flag.key": "static-bool", "feature_flag.provider.name": "flagkit", "feature_flag.result.reason": "static",
		"feature_flag.result.variant": "on", "feature_flag.context.id": "u", "feature_flag.set.id": "checkout", "flagkit.source": src}
	if want := []event{{"feature_flag.evaluation", want}}; !reflect.DeepEqual(got, want) {
		t.Errorf("events of Bool(%q) with WithSetID = %v; want %v", "static-bool", got, want)
	}
}

// TestErrorTypes covers errors the client cannot be made to report to a
// hook: a closed client (whose getters run no hooks), type mismatches
// (checked after the hooks), wrapped sentinels, unknown errors, ErrNoValue
// and reasons added later.
func TestErrorTypes(t *testing.T) {
	tests := []struct {
		name   string
		e      flagkit.Evaluation
		reason string
		typ    any // nil: no error.type
	}{
		{"closed", flagkit.Evaluation{Reason: flagkit.ReasonError, Err: flagkit.ErrClosed}, "error", "provider_fatal"},
		{"type mismatch", flagkit.Evaluation{Reason: flagkit.ReasonError, Err: flagkit.ErrTypeMismatch}, "error", "type_mismatch"},
		{"wrapped not found", flagkit.Evaluation{Reason: flagkit.ReasonError, Err: fmt.Errorf("x: %w", flagkit.ErrFlagNotFound)}, "error", "flag_not_found"},
		{"wrapped invalid", flagkit.Evaluation{Reason: flagkit.ReasonError, Err: fmt.Errorf("x: %w", flagkit.ErrInvalidFlag)}, "error", "parse_error"},
		{"other", flagkit.Evaluation{Reason: flagkit.ReasonError, Err: errors.New("boom")}, "error", "general"},
		{"no value", flagkit.Evaluation{Reason: flagkit.ReasonDefault, Err: flagkit.ErrNoValue}, "default", nil},
		{"future reason", flagkit.Evaluation{Reason: "CACHED"}, "cached", nil},
		{"no reason", flagkit.Evaluation{}, "unknown", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.Flag = "f"
			got := recordedEvents(t, func(ctx context.Context) { (&otelhook.Hook{}).AfterEvaluation(ctx, tt.e) })
			if len(got) != 1 {
				t.Fatalf("AfterEvaluation(%+v) recorded %d events; want 1", tt.e, len(got))
			}
			attrs := got[0].attrs
			if r := attrs["feature_flag.result.reason"]; r != tt.reason {
				t.Errorf("feature_flag.result.reason of %+v = %v; want %v", tt.e, r, tt.reason)
			}
			if typ := attrs["error.type"]; typ != tt.typ {
				t.Errorf("error.type of %+v = %v; want %v", tt.e, typ, tt.typ)
			}
			msg, ok := attrs["feature_flag.error.message"]
			if tt.typ == nil {
				if ok {
					t.Errorf("attributes of %+v hold feature_flag.error.message %v; want none", tt.e, msg)
				}
			} else if want := tt.e.Err.Error(); msg != want {
				t.Errorf("feature_flag.error.message of %+v = %v; want %v", tt.e, msg, want)
			}
		})
	}
}

// TestNotRecording checks that without a recording span the hook adds
// nothing and the getters stay free of allocations.
func TestNotRecording(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr), sdktrace.WithSampler(sdktrace.NeverSample()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	unsampled, span := tp.Tracer("test").Start(t.Context(), "request")
	if span.IsRecording() {
		t.Fatal("span of NeverSample: IsRecording() = true; want false")
	}
	noopCtx, _ := noop.NewTracerProvider().Tracer("test").Start(t.Context(), "request")

	c := newClient(t, otelhook.New())
	s := flagkit.Subject{Key: "user-1"}
	contexts := []struct {
		name string
		ctx  context.Context
	}{
		{"no span", t.Context()},
		{"unsampled span", unsampled},
		{"noop span", noopCtx},
	}
	for _, tc := range contexts {
		t.Run(tc.name, func(t *testing.T) {
			if !c.Bool(tc.ctx, "rollout", s, false) {
				t.Fatalf("Bool(%q) = false; want true", "rollout")
			}
			if n := testing.AllocsPerRun(100, func() { c.Bool(tc.ctx, "rollout", s, false) }); n != 0 {
				t.Errorf("Bool with the hook allocates %v times; want 0", n)
			}
		})
	}
	span.End()
	if ended := sr.Ended(); len(ended) != 0 {
		t.Errorf("NeverSample: %d spans recorded; want none", len(ended))
	}
	if trace.SpanFromContext(noopCtx).IsRecording() {
		t.Error("noop span: IsRecording() = true; want false")
	}
}

// BenchmarkHook measures a getter with the hook: without a span, and with
// a recording span that gets 64 evaluations before it ends (beyond 128
// events a span spends its time evicting old ones); the span's start and
// end are part of the measure.
func BenchmarkHook(b *testing.B) {
	// No span processor: spans record but are not kept, so that the
	// measure is the hook's and the span's, not a recorder's.
	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(context.Background()) }()
	tracer := tp.Tracer("bench")
	c, err := flagkit.New(b.Context(), flagkit.WithSource(source.Bytes(src, []byte(doc))), flagkit.WithHook(otelhook.New()))
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			b.Errorf("Close: %v", err)
		}
	}()
	s := flagkit.Subject{Key: "user-1"}
	b.Run("NoSpan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Bool(b.Context(), "rollout", s, false)
		}
	})
	b.Run("Recording", func(b *testing.B) {
		b.ReportAllocs()
		ctx, span := tracer.Start(b.Context(), "request")
		i := 0
		for b.Loop() {
			if i++; i%64 == 0 {
				span.End()
				ctx, span = tracer.Start(b.Context(), "request")
			}
			c.Bool(ctx, "rollout", s, false)
		}
		span.End()
	})
}
