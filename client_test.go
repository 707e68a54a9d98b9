package flagkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
	"github.com/flagkit/flagkit/source"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestLayering(t *testing.T) {
	base := source.Bytes("base.yaml", []byte(`
cohorts:
  staff:
    when: {email: {ends_with: "@example.com"}}
flags:
  a: {default: on}
  b: {default: off}
  c:
    default: off
    rules:
      - cohort: staff
        serve: on
`))
	top := source.Bytes("top.yaml", []byte(`
cohorts:
  staff:
    when: {email: {ends_with: "@corp.example"}}
flags:
  b: {default: on}
`))
	c, err := flagkit.New(ctx, flagkit.WithSource(base), flagkit.WithSource(top), flagkit.WithStrict())
	require.NoError(t, err)
	closeAtEnd(t, c)
	corp := flagkit.Subject{Key: "u", Attrs: flagkit.Attrs{"email": "u@corp.example"}}
	old := flagkit.Subject{Key: "v", Attrs: flagkit.Attrs{"email": "v@example.com"}}
	tests := []struct {
		flag    string
		subject flagkit.Subject
		want    bool
		source  string
	}{
		{"a", corp, true, "base.yaml"},
		{"b", corp, true, "top.yaml"},
		{"c", corp, true, "base.yaml"}, // the flag from base uses top's cohort
		{"c", old, false, "base.yaml"}, // base's cohort definition is overridden
	}
	for _, tt := range tests {
		d := c.Evaluate(ctx, tt.flag, tt.subject)
		if d.Value != tt.want || d.Source != tt.source {
			t.Errorf("Evaluate(%q, %s) = %v from %s; want %v from %s", tt.flag, tt.subject.Key, d.Value, d.Source, tt.want, tt.source)
		}
	}
}

func TestEnvOverrides(t *testing.T) {
	base := source.Bytes("flags.yaml", []byte(`
flags:
  new-checkout: {default: off}
  killed:
    enabled: false
    default: on
  paused:
    enabled: false
    variants: {slow: 1, fast: 2}
    default: fast
    off_variant: slow
  rate-limit:
    variants: {low: 100, high: 1000}
    default: high
  theme:
    variants: {classic: classic, dark: dark}
    default: classic
`))
	env := source.Env("FEATURE_", source.Environ(func() []string {
		return []string{
			"FEATURE_NEW_CHECKOUT=on",
			"FEATURE_KILLED=on",
			"FEATURE_PAUSED=fast",
			"FEATURE_RATE_LIMIT=1000", // a variant's value: variant high
			"FEATURE_THEME=dark",
			"HOME=/root",
		}
	}))
	var logs bytes.Buffer
	c, err := flagkit.New(ctx, flagkit.WithSource(base), flagkit.WithSource(env),
		flagkit.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	closeAtEnd(t, c)

	d := c.Evaluate(ctx, "new-checkout", bob)
	assert.Equal(t, true, d.Value)
	assert.Equal(t, flagkit.ReasonStatic, d.Reason)
	assert.Equal(t, "env:FEATURE_", d.Source)
	assert.Equal(t, "", d.Rule)

	// enabled: false beats an override: the flag serves its off variant.
	for _, tt := range []struct {
		flag    string
		value   any
		variant string
	}{
		{"killed", false, "off"},
		{"paused", int64(1), "slow"},
	} {
		d = c.Evaluate(ctx, tt.flag, bob)
		if d.Value != tt.value || d.Variant != tt.variant || d.Reason != flagkit.ReasonDisabled || d.Source != "flags.yaml" || d.Err != nil {
			t.Errorf("Evaluate(%s) = %v (%s), %s from %q, err %v; want %v (%s), DISABLED from flags.yaml", tt.flag, d.Value, d.Variant, d.Reason, d.Source, d.Err, tt.value, tt.variant)
		}
	}

	if d := c.Evaluate(ctx, "rate-limit", bob); d.Value != int64(1000) || d.Variant != "high" {
		t.Errorf("Evaluate(rate-limit) = %v (%s); want 1000 (high), the variant whose value the override writes", d.Value, d.Variant)
	}
	if got := c.String(ctx, "theme", bob, ""); got != "dark" {
		t.Errorf("String(theme) = %q; want dark", got)
	}
	st := c.Status()
	var flags []string
	for _, o := range st.Overrides {
		flags = append(flags, o.Flag)
		assert.Equal(t, "env:FEATURE_", o.Source)
	}
	assert.ElementsMatch(t, []string{"killed", "new-checkout", "paused", "rate-limit", "theme"}, flags)
	assert.Contains(t, logs.String(), "level=WARN msg=\"flagkit: override in force\" flag=new-checkout")
}

func TestEnvOverrideErrorIsolated(t *testing.T) {
	base := source.Bytes("flags.yaml", []byte(`
flags:
  a: {default: off}
  limit: {variants: {low: 1}, default: low}
`))
	env := source.Env("F_", source.Environ(func() []string { return []string{"F_A=on", "F_LIMIT=lots", "F_GHOST=on"} }))
	c, err := flagkit.New(ctx, flagkit.WithSource(base), flagkit.WithSource(env))
	require.NoError(t, err)
	closeAtEnd(t, c)
	assert.True(t, c.Bool(ctx, "a", bob, false), "a valid override still applies")
	assert.Equal(t, int64(1), c.Int(ctx, "limit", bob, 0), "an invalid override is not applied")
	var paths []string
	for _, p := range c.Status().Problems {
		paths = append(paths, p.Path+" "+p.Source)
	}
	assert.ElementsMatch(t, []string{"overrides.GHOST env:F_", "overrides.LIMIT env:F_"}, paths)
}

// TestEnvOverrideRefused: an environment value that is no variant of the
// flag, nor a variant's value, is refused: the flag serves what its
// definition serves, Status lists the problem, and it is logged once with
// the valid values.
func TestEnvOverrideRefused(t *testing.T) {
	base := flagkit.NewPushSource("flags.yaml", `
flags:
  checkout-theme:
    variants: {classic: classic, dark: dark}
    default: classic
`)
	env := source.Env("FEATURE_", source.Environ(func() []string { return []string{"FEATURE_CHECKOUT_THEME=neon"} }))
	var logs bytes.Buffer
	c, err := flagkit.New(ctx, flagkit.WithSource(base), flagkit.WithSource(env),
		flagkit.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: dropTime}))))
	require.NoError(t, err)
	closeAtEnd(t, c)
	d := c.Evaluate(ctx, "checkout-theme", bob)
	if d.Value != "classic" || d.Reason != flagkit.ReasonStatic || d.Source != "flags.yaml" {
		t.Errorf("Evaluate(checkout-theme) = %v, %s from %s; want classic, STATIC from flags.yaml", d.Value, d.Reason, d.Source)
	}
	st := c.Status()
	assert.Empty(t, st.Overrides, "Status().Overrides")
	const msg = `"neon" is neither a variant of this string flag nor a variant's value (valid: classic, dark)`
	require.Len(t, st.Problems, 1)
	assert.Equal(t, "flagkit: env:FEATURE_:1:32: overrides.CHECKOUT_THEME: flag \"checkout-theme\": "+msg, st.Problems[0].Error())
	assert.ErrorIs(t, st.Problems[0], flagkit.ErrInvalid)
	base.Push("flags:\n  checkout-theme:\n    variants: {classic: classic, dark: dark}\n    default: dark\n") // a reload logs nothing again
	want := `level=ERROR msg="flagkit: override refused; it is not in force" source=env:FEATURE_ line=1 column=32 path=overrides.CHECKOUT_THEME err="flag \"checkout-theme\": \"neon\" is neither a variant of this string flag nor a variant's value (valid: classic, dark)"` + "\n"
	if got := logs.String(); !strings.Contains(got, want) || strings.Count(got, "override refused") != 1 {
		t.Errorf("log:\n%s\nwant once:\n%s", got, want)
	}
}

func TestPerLayerLastGood(t *testing.T) {
	base := source.Bytes("base.yaml", []byte("flags:\n  x: {default: off}\n  y: {default: off}\n"))
	top := flagkit.NewPushSource("top.yaml", "flags:\n  y: {default: on}\n")
	c, err := flagkit.New(ctx, flagkit.WithSource(base), flagkit.WithSource(top))
	require.NoError(t, err)
	closeAtEnd(t, c)

	// An invalid definition with no last good one in its layer: the lower
	// layer shows through.
	top.Push("flags:\n  x: {default: maybe}\n  y: {default: on}\n")
	d := c.Evaluate(ctx, "x", bob)
	assert.Equal(t, false, d.Value)
	assert.Equal(t, "base.yaml", d.Source)

	// An invalid definition with a last good one in its layer keeps it.
	top.Push("flags:\n  x: {default: maybe}\n  y: {default: nope}\n")
	d = c.Evaluate(ctx, "y", bob)
	assert.Equal(t, true, d.Value)
	assert.Equal(t, "top.yaml", d.Source)

	// A flag removed from the layer is gone from it.
	top.Push("flags: {}\n")
	d = c.Evaluate(ctx, "y", bob)
	assert.Equal(t, false, d.Value)
	assert.Equal(t, "base.yaml", d.Source)
}

func TestOnlyDefinitionInvalid(t *testing.T) {
	c, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("a.yaml", []byte("flags:\n  x: {default: maybe}\n"))))
	require.NoError(t, err)
	closeAtEnd(t, c)
	d := c.Evaluate(ctx, "x", bob)
	assert.ErrorIs(t, d.Err, flagkit.ErrInvalidFlag)
	assert.NotErrorIs(t, d.Err, flagkit.ErrFlagNotFound)
	assert.Equal(t, flagkit.ReasonError, d.Reason)
}

// errSource fails every load.
type errSource struct{ err error }

func (s errSource) Name() string { return "broken" }
func (s errSource) Run(ctx context.Context, update func([]byte, error) error) error {
	update(nil, s.err)
	<-ctx.Done()
	return nil
}

// silentSource never delivers.
type silentSource struct{}

func (silentSource) Name() string { return "silent" }
func (silentSource) Run(ctx context.Context, update func([]byte, error) error) error {
	<-ctx.Done()
	return nil
}

func TestNewFails(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	good := source.Bytes("good.yaml", []byte("flags: {a: {default: on}}"))
	_, err := flagkit.New(ctx, flagkit.WithSource(good), flagkit.WithSource(source.Bytes("garbage.yaml", []byte("flags: ["))))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "garbage.yaml")
	assert.ErrorIs(t, err, flagkit.ErrSyntax)
	assert.NotContains(t, err.Error(), "good.yaml")

	_, err = flagkit.New(ctx, flagkit.WithSource(errSource{errors.New("connection refused")}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "broken")
	assert.Contains(t, err.Error(), "connection refused")

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = flagkit.New(short, flagkit.WithSource(silentSource{}))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "silent")

	_, err = flagkit.New(ctx)
	require.Error(t, err, "no sources")
	_, err = flagkit.New(ctx, flagkit.WithSource(nil))
	require.Error(t, err)
	_, err = flagkit.New(ctx, flagkit.WithSource(good), flagkit.WithMaxDocumentSize(0))
	require.Error(t, err)
}

func TestMaxDocumentSize(t *testing.T) {
	_, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("big.yaml", []byte("flags: {a: {default: on}}\n"+strings.Repeat("#", 100)))), flagkit.WithMaxDocumentSize(64))
	require.ErrorIs(t, err, flagkit.ErrTooLarge)
}

// changes collects Change events.
type changes struct {
	ch chan flagkit.Change
}

func watch(c *flagkit.Client) *changes {
	w := &changes{ch: make(chan flagkit.Change, 100)}
	c.OnChange(func(ch flagkit.Change) { w.ch <- ch })
	return w
}

func (w *changes) next(t *testing.T) flagkit.Change {
	t.Helper()
	select {
	case ch := <-w.ch:
		return ch
	case <-time.After(5 * time.Second):
		t.Fatal("no change event within 5s")
		return flagkit.Change{}
	}
}

func (w *changes) none(t *testing.T) {
	t.Helper()
	select {
	case ch := <-w.ch:
		t.Fatalf("unexpected change event %+v", ch)
	default:
	}
}

func TestOnChange(t *testing.T) {
	src := flagkit.NewPushSource("push.yaml", `
cohorts:
  staff: {when: {email: {ends_with: "@example.com"}}}
flags:
  a: {default: on}
  b: {default: on}
  uses-staff:
    default: off
    rules: [{cohort: staff, serve: on}]
  needs-a:
    requires: {a: on}
    default: on
`)
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	require.NoError(t, err)
	closeAtEnd(t, c)
	w := watch(c)

	src.Push(`
cohorts:
  staff: {when: {email: {ends_with: "@example.com"}}}
flags:
  a: {default: off}
  b: {default: on}
  uses-staff:
    default: off
    rules: [{cohort: staff, serve: on}]
  needs-a:
    requires: {a: on}
    default: on
`)
	ch := w.next(t)
	assert.Equal(t, []string{"a", "needs-a"}, ch.Flags, "a changed, and needs-a through its prerequisite")
	assert.Equal(t, "push.yaml", ch.Source)
	assert.False(t, ch.Scheduled)

	src.Push(`
cohorts:
  staff: {when: {email: {ends_with: "@corp.example"}}}
flags:
  a: {default: off}
  b: {default: on}
  uses-staff:
    default: off
    rules: [{cohort: staff, serve: on}]
  needs-a:
    requires: {a: on}
    default: on
`)
	ch = w.next(t)
	assert.Equal(t, []string{"uses-staff"}, ch.Flags, "a cohort change reaches the flags that use it")

	// The same content, differently formatted, changes nothing; removing a
	// flag is a change.
	src.Push(`
cohorts: {staff: {when: {email: {ends_with: "@corp.example"}}}}
flags:
  a:   {default: off}
  uses-staff: {default: off, rules: [{cohort: staff, serve: on}]}
  needs-a: {requires: {a: on}, default: on}
`)
	ch = w.next(t)
	assert.Equal(t, []string{"b"}, ch.Flags)
	w.none(t)
}

func TestOnChangeStop(t *testing.T) {
	src := flagkit.NewPushSource("push.yaml", "flags: {a: {default: on}}")
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	require.NoError(t, err)
	closeAtEnd(t, c)
	var calls atomic.Int32
	stop := c.OnChange(func(flagkit.Change) { calls.Add(1) })
	w := watch(c)
	src.Push("flags: {a: {default: off}}")
	w.next(t)
	stop()
	src.Push("flags: {a: {default: on}}")
	w.next(t)
	assert.Equal(t, int32(1), calls.Load())
}

// A slow callback never blocks reloads; the changes meanwhile are merged.
func TestOnChangeSlowCallbackMerges(t *testing.T) {
	src := flagkit.NewPushSource("push.yaml", "flags: {a: {default: on}, b: {default: on}}")
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	require.NoError(t, err)
	closeAtEnd(t, c)
	release := make(chan struct{})
	got := make(chan flagkit.Change, 10)
	c.OnChange(func(ch flagkit.Change) {
		got <- ch
		<-release
	})
	src.Push("flags: {a: {default: off}, b: {default: on}}")
	first := <-got
	assert.Equal(t, []string{"a"}, first.Flags)
	// While the callback blocks, two more reloads complete.
	src.Push("flags: {a: {default: off}, b: {default: off}}")
	src.Push("flags: {a: {default: on}, b: {default: off}}")
	assert.True(t, c.Bool(ctx, "a", bob, false), "reloads are applied while a callback blocks")
	close(release)
	select {
	case merged := <-got:
		assert.Equal(t, []string{"a", "b"}, merged.Flags)
	case <-time.After(5 * time.Second):
		t.Fatal("no merged change")
	}
}

func TestScheduledTransitions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		doc := fmt.Sprintf(`
flags:
  launch:
    default: off
    rules:
      - from: %s
        until: %s
        serve: on
  ramp:
    default: off
    rules:
      - percent:
          - {at: %s, value: 0}
          - {at: %s, value: 100}
        serve: on
  static: {default: on}
`, start.Add(time.Hour).UTC().Format(time.RFC3339), start.Add(3*time.Hour).UTC().Format(time.RFC3339),
			start.Add(2*time.Hour).UTC().Format(time.RFC3339), start.Add(4*time.Hour).UTC().Format(time.RFC3339))
		c, err := flagkit.New(context.Background(), flagkit.WithSource(source.Bytes("mem", []byte(doc))))
		require.NoError(t, err)
		closeAtEnd(t, c)
		var mu sync.Mutex
		var got []string
		c.OnChange(func(ch flagkit.Change) {
			mu.Lock()
			defer mu.Unlock()
			assert.True(t, ch.Scheduled)
			got = append(got, fmt.Sprintf("%s %v", ch.Time.Sub(start).Round(time.Second), ch.Flags))
		})
		assert.False(t, c.Bool(ctx, "launch", bob, false))
		want := []string{"1h0m0s [launch]", "2h0m0s [ramp]", "3h0m0s [launch]", "4h0m0s [ramp]"}
		ups := c.Transitions(start)
		require.Len(t, ups, 4)
		assert.Equal(t, "launch", ups[0].Flag)
		assert.True(t, ups[0].At.Equal(start.Add(time.Hour).Truncate(time.Second)))

		time.Sleep(90 * time.Minute)
		synctest.Wait()
		assert.True(t, c.Bool(ctx, "launch", bob, false))
		time.Sleep(3 * time.Hour)
		synctest.Wait()
		mu.Lock()
		assert.Equal(t, want, got)
		mu.Unlock()
		assert.False(t, c.Bool(ctx, "launch", bob, false))
		assert.True(t, c.Bool(ctx, "ramp", bob, false))
	})
}

// Evaluations on several goroutines while documents are replaced
// continuously, valid and invalid: every answer comes from one complete
// snapshot, and the last document wins.
func TestConcurrentReloads(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	src := flagkit.NewPushSource("push.yaml", faultDoc(0))
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	require.NoError(t, err)

	const reloads = 300
	stop := startViewReaders(t, c, 8)
	for i := 1; i <= reloads; i++ {
		src.Push(faultDoc(i))
		if i%3 == 0 {
			src.Push("flags: {f0: {default: [") // invalid: ignored
		}
	}
	reads := stop()
	assert.Equal(t, int64(reloads), c.Int(ctx, "f4", bob, -1), "the last document wins")
	t.Logf("%d consistent views read during %d reloads", reads, reloads)
	require.NoError(t, c.Close())
}

func TestStatus(t *testing.T) {
	src := flagkit.NewPushSource("push.yaml", "flags: {a: {default: on}, b: {default: maybe}}")
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	require.NoError(t, err)
	closeAtEnd(t, c)
	st := c.Status()
	assert.True(t, st.Ready)
	require.Len(t, st.Sources, 1)
	assert.Equal(t, "push.yaml", st.Sources[0].Name)
	assert.False(t, st.Sources[0].Stale)
	assert.False(t, st.Sources[0].LastLoad.IsZero())
	require.Len(t, st.Problems, 1)
	assert.Equal(t, "flags.b.default", st.Problems[0].Path)

	src.Fail(errors.New("server down"))
	st = c.Status()
	assert.True(t, st.Sources[0].Stale)
	assert.EqualError(t, st.Sources[0].LastError, "server down")
	assert.True(t, c.Bool(ctx, "a", bob, false), "last good flags stay")

	src.Push("flags: {a: {default: on}}")
	st = c.Status()
	assert.False(t, st.Sources[0].Stale)
	assert.NoError(t, st.Sources[0].LastError)
	assert.Empty(t, st.Problems)

	c.Close()
	assert.False(t, c.Status().Ready)
}

// countingHandler counts log records by message and error text.
type countingHandler struct {
	mu     sync.Mutex
	counts map[string]int
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" || a.Key == "path" {
			key += " " + a.Value.String()
		}
		return true
	})
	h.counts[key]++
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

func (h *countingHandler) count(prefix string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for k, v := range h.counts {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// Each distinct problem is logged once, not once per poll.
func TestProblemsLoggedOnce(t *testing.T) {
	h := &countingHandler{counts: map[string]int{}}
	src := flagkit.NewPushSource("push.yaml", "flags: {a: {default: on}, b: {default: maybe}}")
	c, err := flagkit.New(ctx, flagkit.WithSource(src), flagkit.WithLogger(slog.New(h)))
	require.NoError(t, err)
	closeAtEnd(t, c)
	for i := 0; i < 3; i++ {
		src.Push("flags: {a: {default: on}, b: {default: maybe}}")
		src.Fail(errors.New("timeout"))
		src.Fail(errors.New("timeout"))
	}
	assert.Equal(t, 1, h.count("flagkit: invalid definition isolated"), "the isolated flag: once while it lasts... %v", h.counts)
	assert.Equal(t, 3, h.count("flagkit: load failed; keeping the last good flags timeout"), "each failure after a recovery: once")
}

func TestWithAttributes(t *testing.T) {
	c := newClient(t, `
flags:
  prod-only:
    default: off
    rules:
      - when: {env: {eq: prod}}
        serve: on
`, flagkit.WithAttributes(flagkit.Attrs{"env": "prod"}))
	assert.True(t, c.Bool(ctx, "prod-only", bob, false))
	staging := flagkit.Subject{Key: "s", Attrs: flagkit.Attrs{"env": "staging"}}
	assert.False(t, c.Bool(ctx, "prod-only", staging, true), "the subject's own attribute wins")
	hidden := flagkit.Subject{Key: "s", Attrs: flagkit.Attrs{"env": nil}}
	assert.True(t, c.Bool(ctx, "prod-only", hidden, false), "a nil attribute counts as missing")
}

func TestAll(t *testing.T) {
	c := newClient(t, "flags: {a: {default: on}, b: {variants: {x: ex}, default: x}, c: {default: maybe}}")
	all := c.All(ctx, bob)
	require.Len(t, all, 3)
	assert.Equal(t, true, all["a"].Value)
	assert.Equal(t, "ex", all["b"].Value)
	assert.ErrorIs(t, all["c"].Err, flagkit.ErrInvalidFlag)
}

func TestValidateReturnsParseErrors(t *testing.T) {
	err := flagkit.Validate("flags.yaml", []byte("flags:\n  a:\n    rules:\n      - percent: 140\n        serve: on\n"))
	var pe *flagkit.ParseError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "flagkit: flags.yaml:4:18: flags.a.rules[0].percent: 140 is outside 0..100", pe.Error())
	assert.NoError(t, flagkit.Validate("ok.yaml", []byte("flags: {a: {default: on}}")))
}

// panicSource panics in Run.
type panicSource struct{}

func (panicSource) Name() string { return "panicky" }
func (panicSource) Run(context.Context, func([]byte, error) error) error {
	panic("boom")
}

func TestPanicsAreContained(t *testing.T) {
	_, err := flagkit.New(ctx, flagkit.WithSource(panicSource{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "panicky")
	assert.Contains(t, err.Error(), "source panicked: boom")

	src := flagkit.NewPushSource("push.yaml", "flags: {a: {default: on}}")
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	require.NoError(t, err)
	closeAtEnd(t, c)
	c.OnChange(func(flagkit.Change) { panic("subscriber bug") })
	w := watch(c)
	src.Push("flags: {a: {default: off}}")
	w.next(t) // the other subscriber still hears about it
	src.Push("flags: {a: {default: on}}")
	w.next(t)

	// The same for OnStatus.
	c.OnStatus(func(flagkit.Status) { panic("subscriber bug") })
	reports := make(chan flagkit.Status, 10)
	c.OnStatus(func(st flagkit.Status) { reports <- st })
	for _, fail := range []bool{true, false} {
		if fail {
			src.Fail(errors.New("down"))
		} else {
			src.Push("flags: {a: {default: on}}")
		}
		select {
		case st := <-reports:
			if st.Sources[0].Stale != fail {
				t.Errorf("OnStatus reported stale = %v; want %v", st.Sources[0].Stale, fail)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no OnStatus report within 5s after a panicking subscriber")
		}
	}
}

func TestDetailJSON(t *testing.T) {
	c := newClient(t, "flags: {a: {default: on}, b: {default: maybe}}")
	out, err := json.Marshal(c.All(ctx, bob))
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"a": {"value": true, "variant": "on", "type": "boolean", "reason": "STATIC", "source": "test.yaml"},
		"b": {"value": null, "reason": "ERROR", "source": "test.yaml",
		      "error": "flagkit: flag \"b\" is invalid: test.yaml:1:40: flags.b.default: no variant named \"maybe\" (variants: on, off)"}
	}`, string(out))
}

// recordingHook keeps every evaluation it sees.
type recordingHook struct {
	mu   sync.Mutex
	seen []flagkit.Evaluation
}

func (h *recordingHook) AfterEvaluation(_ context.Context, e flagkit.Evaluation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen = append(h.seen, e)
}

// Hooks see what the caller got: a type mismatch is an error, not the
// flag's variant; an override set by a test is seen too.
func TestHooksSeeWhatTheCallerGot(t *testing.T) {
	h := &recordingHook{}
	c := newClient(t, "flags: {a: {default: on}, n: {variants: {half: 0.5}, default: half}}", flagkit.WithHook(h))
	c.Bool(ctx, "a", bob, false)
	c.Int(ctx, "a", bob, 7)
	c.Int(ctx, "n", bob, 7)
	c.Float(ctx, "n", bob, 7)
	flagkittest.Override(t, c, map[string]any{"a": false})
	c.Bool(ctx, "a", bob, true)
	require.Len(t, h.seen, 5)
	got := func(i int) string {
		e := h.seen[i]
		return fmt.Sprintf("%s %s %s %s %v", e.Flag, e.Variant, e.Type, e.Reason, e.Err)
	}
	assert.Equal(t, "a on boolean STATIC <nil>", got(0))
	assert.Equal(t, `a  boolean ERROR flagkit: type mismatch: flag "a" is boolean, not number (Int)`, got(1))
	assert.Equal(t, `n  number ERROR flagkit: type mismatch: flag "n" served a number that is not a whole number fitting int64 (Int)`, got(2), "0.5 is not a whole number")
	assert.Equal(t, "n half number STATIC <nil>", got(3))
	assert.Equal(t, "a off boolean STATIC <nil>", got(4))
	assert.Equal(t, "flagkittest", h.seen[4].Source)
}

// A fallback document delivered with its error is used, and the source is
// stale with that error as soon as New returns.
func TestFallbackDocumentIsStale(t *testing.T) {
	errDown := errors.New("server down")
	h := &countingHandler{counts: map[string]int{}}
	src := flagkit.NewFallbackSource("fallback.yaml", "flags: {a: {default: on}}", errDown)
	c, err := flagkit.New(ctx, flagkit.WithSource(src), flagkit.WithLogger(slog.New(h)))
	require.NoError(t, err)
	closeAtEnd(t, c)
	st := c.Status()
	assert.True(t, st.Ready)
	require.Len(t, st.Sources, 1)
	assert.True(t, st.Sources[0].Stale, "Stale right after New")
	assert.ErrorIs(t, st.Sources[0].LastError, errDown)
	assert.False(t, st.Sources[0].LastLoad.IsZero(), "the fallback document counts as a load")
	assert.Empty(t, st.Problems)
	assert.True(t, c.Bool(ctx, "a", bob, false), "flags from the fallback document")
	const logged = "flagkit: load failed; using the source's fallback document server down"
	assert.Equal(t, 1, h.count(logged), "logged when New returned: %v", h.counts)

	src.Fail(errDown) // the same failure again: still stale, not logged again
	st = c.Status()
	assert.True(t, st.Sources[0].Stale)
	assert.ErrorIs(t, st.Sources[0].LastError, errDown)
	assert.Equal(t, 1, h.count(logged), "%v", h.counts)

	src.Push("flags: {a: {default: off}}") // recovery
	st = c.Status()
	assert.False(t, st.Sources[0].Stale)
	assert.NoError(t, st.Sources[0].LastError)
	assert.False(t, c.Bool(ctx, "a", bob, true), "flags from the live document")
}

// TestOnStatus follows a source through failures, recoveries and isolated
// problems, and checks exactly which steps report a status, in a synctest
// bubble so that "no report" is certain.
func TestOnStatus(t *testing.T) {
	const good = "flags:\n  a: {default: on}\n"
	const withBad = "flags:\n  a: {default: on}\n  b: {default: nope}\n"
	type want struct {
		stale    bool
		err      string // LastError's text; "" for none
		problems int
	}
	steps := []struct {
		name string
		doc  string // pushed when err is ""
		err  string // pushed as a failure when set
		want *want  // nil: no report
	}{
		{"same document again", good, "", nil},
		{"source fails", "", "boom", &want{stale: true, err: "boom"}},
		{"same failure", "", "boom", nil},
		{"another failure", "", "bang", &want{stale: true, err: "bang"}},
		{"source recovers", good, "", &want{}},
		{"a flag is isolated", withBad, "", &want{problems: 1}},
		{"the same problem again", withBad, "", nil},
		{"the flag is repaired", good, "", &want{}},
	}
	synctest.Test(t, func(t *testing.T) {
		src := flagkit.NewPushSource("push.yaml", good)
		c, err := flagkit.New(ctx, flagkit.WithSource(src))
		require.NoError(t, err)
		closeAtEnd(t, c)
		reports := make(chan flagkit.Status, 10)
		stop := c.OnStatus(func(st flagkit.Status) { reports <- st })
		for _, step := range steps {
			if step.err != "" {
				src.Fail(errors.New(step.err))
			} else {
				src.Push(step.doc)
			}
			synctest.Wait() // the client's notifier has delivered, or has nothing to deliver
			var got *flagkit.Status
			select {
			case st := <-reports:
				got = &st
			default:
			}
			switch {
			case step.want == nil && got != nil:
				t.Errorf("%s: OnStatus reported %+v; want no report", step.name, *got)
			case step.want != nil && got == nil:
				t.Errorf("%s: OnStatus reported nothing; want a report", step.name)
			case got != nil:
				require.Len(t, got.Sources, 1)
				s := got.Sources[0]
				errText := ""
				if s.LastError != nil {
					errText = s.LastError.Error()
				}
				if !got.Ready || s.Stale != step.want.stale || !strings.Contains(errText, step.want.err) ||
					(step.want.err == "") != (errText == "") || len(got.Problems) != step.want.problems {
					t.Errorf("%s: OnStatus reported ready %v, stale %v, error %q, %d problems; want ready, stale %v, error %q, %d problems",
						step.name, got.Ready, s.Stale, errText, len(got.Problems), step.want.stale, step.want.err, step.want.problems)
				}
			}
		}
		stop()
		src.Fail(errors.New("after stop"))
		synctest.Wait()
		select {
		case st := <-reports:
			t.Errorf("after stop: OnStatus reported %+v; want nothing", st)
		default:
		}
	})
}
