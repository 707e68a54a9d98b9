package hooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"expvar"
	"log/slog"
	"maps"
	"sync"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/hooks"
	"github.com/flagkit/flagkit/source"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const doc = `
flags:
  kill:
    default: on
  theme:
    variants: {classic: classic, dark: dark}
    default: classic
    rules:
      - name: norway
        when: {country: {eq: "NO"}}
        serve: dark
  no-default:
    rules:
      - name: staff
        when: {staff: {eq: true}}
        serve: on
  broken:
    default: nope
`

// newClient returns a client over doc with the given hooks, closed when
// the test ends.
func newClient(t testing.TB, hs ...flagkit.Hook) *flagkit.Client {
	t.Helper()
	opts := []flagkit.Option{flagkit.WithSource(source.Bytes("test", []byte(doc)))}
	for _, h := range hs {
		opts = append(opts, flagkit.WithHook(h))
	}
	c, err := flagkit.New(context.Background(), opts...)
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

var (
	norway = flagkit.Subject{Key: "ola", Attrs: flagkit.Attrs{"country": "NO"}}
	sweden = flagkit.Subject{Key: "sven", Attrs: flagkit.Attrs{"country": "SE"}}
)

func TestCounterConcurrent(t *testing.T) {
	counter := new(hooks.Counter)
	c := newClient(t, counter)
	ctx := context.Background()

	const goroutines, rounds = 8, 500
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range rounds {
				c.Bool(ctx, "kill", norway, false)
				c.String(ctx, "theme", norway, "x")
				c.String(ctx, "theme", sweden, "x")
				c.String(ctx, "theme", sweden, "x")
				c.Bool(ctx, "no-default", sweden, false)
				c.Bool(ctx, "missing", sweden, false)
				c.View().Bool(ctx, "broken", sweden, false)
			}
		})
	}
	// Read while counting, as /debug/vars would.
	for range 10 {
		_ = counter.String()
	}
	wg.Wait()

	const n = goroutines * rounds
	want := map[string]map[string]int64{
		"kill":       {"on": n},
		"theme":      {"dark": n, "classic": 2 * n},
		"no-default": {hooks.Fallback: n},
		"missing":    {hooks.Fallback: n},
		"broken":     {hooks.Fallback: n},
	}
	got := counter.Counts()
	if !maps.EqualFunc(got, want, maps.Equal) {
		t.Errorf("Counts() = %v; want %v", got, want)
	}

	tests := []struct {
		flag, variant string
		want          int64
	}{
		{"theme", "classic", 2 * n},
		{"theme", "dark", n},
		{"theme", "neon", 0},
		{"missing", "", n},
		{"missing", hooks.Fallback, n},
		{"unseen", "", 0},
	}
	for _, tt := range tests {
		if got := counter.Count(tt.flag, tt.variant); got != tt.want {
			t.Errorf("Count(%q, %q) = %d; want %d", tt.flag, tt.variant, got, tt.want)
		}
	}
}

func TestCounterString(t *testing.T) {
	var counter hooks.Counter
	if got, want := counter.String(), "{}"; got != want {
		t.Errorf("String() of the zero Counter = %s; want %s", got, want)
	}
	c := newClient(t, &counter)
	ctx := context.Background()
	c.String(ctx, "theme", norway, "x")
	c.String(ctx, "theme", sweden, "x")
	c.String(ctx, "theme", sweden, "x")
	c.Bool(ctx, "missing", sweden, false)

	want := `{"missing":{"(fallback)":1},"theme":{"classic":2,"dark":1}}`
	if got := counter.String(); got != want {
		t.Errorf("String() = %s; want %s", got, want)
	}
	// It is an expvar.Var whose value is valid JSON.
	var v expvar.Var = &counter
	if !json.Valid([]byte(v.String())) {
		t.Errorf("String() = %s; not valid JSON", v.String())
	}
}

func TestCounterCountsIsCopy(t *testing.T) {
	counter := new(hooks.Counter)
	c := newClient(t, counter)
	c.Bool(context.Background(), "kill", norway, false)
	got := counter.Counts()
	got["kill"]["on"] = 99
	if n := counter.Count("kill", "on"); n != 1 {
		t.Errorf("Count(%q, %q) after changing the map = %d; want 1", "kill", "on", n)
	}
}

func TestCounterNoAllocs(t *testing.T) {
	counter := new(hooks.Counter)
	e := flagkit.Evaluation{Flag: "kill", Variant: "on", Reason: flagkit.ReasonStatic}
	ctx := context.Background()
	counter.AfterEvaluation(ctx, e) // first sight of the pair allocates
	if n := testing.AllocsPerRun(1000, func() { counter.AfterEvaluation(ctx, e) }); n != 0 {
		t.Errorf("AfterEvaluation allocs = %v; want 0", n)
	}
}

// records decodes the JSON lines of buf.
func records(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := json.NewDecoder(buf)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("decoding log: %v", err)
		}
		delete(m, "time")
		out = append(out, m)
	}
	return out
}

type traceKey struct{}

// traceHandler adds the trace id found in the context to each record, as
// an OpenTelemetry handler would.
type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(traceKey{}).(string); ok {
		r.AddAttrs(slog.String("trace", id))
	}
	return h.Handler.Handle(ctx, r)
}

func TestLog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(traceHandler{slog.NewJSONHandler(&buf, nil)})
	c := newClient(t, hooks.Log(logger, slog.LevelInfo))
	ctx := context.WithValue(context.Background(), traceKey{}, "abc123")

	c.String(ctx, "theme", norway, "x")
	c.Bool(ctx, "missing", sweden, false)
	c.Bool(ctx, "kill", sweden, false)

	want := []map[string]any{
		{"level": "INFO", "msg": "flagkit: evaluation", "flag": "theme", "subject": "ola", "variant": "dark", "type": "string", "reason": "TARGETING_MATCH", "rule": "norway", "source": "test", "trace": "abc123"},
		{"level": "INFO", "msg": "flagkit: evaluation", "flag": "missing", "subject": "sven", "variant": "", "type": "", "reason": "ERROR", "rule": "", "source": "", "err": `flagkit: flag "missing" not found`, "trace": "abc123"},
		{"level": "INFO", "msg": "flagkit: evaluation", "flag": "kill", "subject": "sven", "variant": "on", "type": "boolean", "reason": "STATIC", "rule": "", "source": "test", "trace": "abc123"},
	}
	got := records(t, &buf)
	if len(got) != len(want) {
		t.Fatalf("logged %d records; want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if !maps.Equal(got[i], want[i]) {
			t.Errorf("record %d = %v; want %v", i, got[i], want[i])
		}
	}
}

func TestLogLevel(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var level slog.LevelVar
	level.Set(slog.LevelDebug)
	c := newClient(t, hooks.Log(logger, &level))
	ctx := context.Background()

	c.Bool(ctx, "kill", sweden, false) // debug: below the handler's level
	if got := records(t, &buf); len(got) != 0 {
		t.Errorf("at level DEBUG logged %v; want nothing", got)
	}
	level.Set(slog.LevelWarn)
	c.Bool(ctx, "kill", sweden, false)
	got := records(t, &buf)
	if len(got) != 1 || got[0]["level"] != "WARN" || got[0]["flag"] != "kill" {
		t.Errorf("at level WARN logged %v; want one WARN record for flag kill", got)
	}
}

func TestLogNil(t *testing.T) {
	tests := []struct {
		name string
		h    *hooks.Logger
	}{
		{"nil hook", nil},
		{"nil logger", hooks.Log(nil, slog.LevelInfo)},
		{"nil level", hooks.Log(slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)), nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Must not panic.
			tt.h.AfterEvaluation(context.Background(), flagkit.Evaluation{Flag: "kill"})
		})
	}
}

func TestLogDisabledNoAllocs(t *testing.T) {
	logger := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := hooks.Log(logger, slog.LevelDebug)
	e := flagkit.Evaluation{Flag: "kill", Variant: "on", Reason: flagkit.ReasonStatic}
	ctx := context.Background()
	if n := testing.AllocsPerRun(1000, func() { h.AfterEvaluation(ctx, e) }); n != 0 {
		t.Errorf("AfterEvaluation at a disabled level allocs = %v; want 0", n)
	}
}

func BenchmarkCounter(b *testing.B) {
	counter := new(hooks.Counter)
	e := flagkit.Evaluation{Flag: "new-checkout", Variant: "on", Reason: flagkit.ReasonSplit}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			counter.AfterEvaluation(ctx, e)
		}
	})
}

// BenchmarkCounterSpread counts over 50 flags × 3 variants, as a service
// with many flags would.
func BenchmarkCounterSpread(b *testing.B) {
	counter := new(hooks.Counter)
	var es []flagkit.Evaluation
	for i := range 50 {
		for _, v := range []string{"on", "off", ""} {
			es = append(es, flagkit.Evaluation{Flag: "flag-" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Variant: v})
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			counter.AfterEvaluation(ctx, es[i%len(es)])
			i++
		}
	})
}

// BenchmarkClientBool measures a whole evaluation with and without the
// counter, to show what the hook adds.
func BenchmarkClientBool(b *testing.B) {
	for _, tt := range []struct {
		name  string
		hooks []flagkit.Hook
	}{
		{"none", nil},
		{"counter", []flagkit.Hook{new(hooks.Counter)}},
		{"log-disabled", []flagkit.Hook{hooks.Log(slog.New(slog.DiscardHandler), slog.LevelDebug)}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			c := newClient(b, tt.hooks...)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				c.String(ctx, "theme", norway, "x")
			}
		})
	}
}
