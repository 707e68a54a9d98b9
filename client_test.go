package flagkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
	"github.com/flagkit/flagkit/source"
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
	if err != nil {
		t.Fatalf("New: %v", err)
	}
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
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)

	d := c.Evaluate(ctx, "new-checkout", bob)
	if d.Value != true || d.Reason != flagkit.ReasonStatic || d.Source != "env:FEATURE_" || d.Rule != "" {
		t.Errorf("Evaluate(%q) = %v, %s from %q, rule %q; want true, STATIC from %q, no rule", "new-checkout", d.Value, d.Reason, d.Source, d.Rule, "env:FEATURE_")
	}

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
		if o.Source != "env:FEATURE_" {
			t.Errorf("Status().Overrides: %s from %q; want from %q", o.Flag, o.Source, "env:FEATURE_")
		}
	}
	if want := []string{"killed", "new-checkout", "paused", "rate-limit", "theme"}; !sameElements(flags, want) {
		t.Errorf("Status().Overrides are of flags %q; want %q, in any order", flags, want)
	}
	if want := "level=WARN msg=\"flagkit: override in force\" flag=new-checkout"; !strings.Contains(logs.String(), want) {
		t.Errorf("log:\n%s\nwant it to contain:\n%s", logs.String(), want)
	}
}

func TestEnvOverrideErrorIsolated(t *testing.T) {
	base := source.Bytes("flags.yaml", []byte(`
flags:
  a: {default: off}
  limit: {variants: {low: 1}, default: low}
`))
	env := source.Env("F_", source.Environ(func() []string { return []string{"F_A=on", "F_LIMIT=lots", "F_GHOST=on"} }))
	c, err := flagkit.New(ctx, flagkit.WithSource(base), flagkit.WithSource(env))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	if got := c.Bool(ctx, "a", bob, false); !got {
		t.Errorf("Bool(%q) = %v; want true (a valid override still applies)", "a", got)
	}
	if got := c.Int(ctx, "limit", bob, 0); got != 1 {
		t.Errorf("Int(%q) = %v; want 1 (an invalid override is not applied)", "limit", got)
	}
	var paths []string
	for _, p := range c.Status().Problems {
		paths = append(paths, p.Path+" "+p.Source)
	}
	if want := []string{"overrides.GHOST env:F_", "overrides.LIMIT env:F_"}; !sameElements(paths, want) {
		t.Errorf("Status().Problems at %q; want %q, in any order", paths, want)
	}
}

// TestEnvOverrideRefused: an environment value that is no variant of the
// flag, nor a variant's value, is refused: the flag serves what its
// definition serves, Status lists the problem, and it is logged once with
// the valid values.
func TestEnvOverrideRefused(t *testing.T) {
	base := flagkittest.NewSource("flags.yaml", []byte(`
flags:
  checkout-theme:
    variants: {classic: classic, dark: dark}
    default: classic
`))
	env := source.Env("FEATURE_", source.Environ(func() []string { return []string{"FEATURE_CHECKOUT_THEME=neon"} }))
	var logs bytes.Buffer
	c, err := flagkit.New(ctx, flagkit.WithSource(base), flagkit.WithSource(env),
		flagkit.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: dropTime}))))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	d := c.Evaluate(ctx, "checkout-theme", bob)
	if d.Value != "classic" || d.Reason != flagkit.ReasonStatic || d.Source != "flags.yaml" {
		t.Errorf("Evaluate(checkout-theme) = %v, %s from %s; want classic, STATIC from flags.yaml", d.Value, d.Reason, d.Source)
	}
	st := c.Status()
	if len(st.Overrides) != 0 {
		t.Errorf("Status().Overrides = %+v; want none", st.Overrides)
	}
	const msg = `"neon" is neither a variant of this string flag nor a variant's value (valid: classic, dark)`
	if len(st.Problems) != 1 {
		t.Fatalf("Status().Problems = %v; want 1 problem", st.Problems)
	}
	if got, want := st.Problems[0].Error(), "flagkit: env:FEATURE_:1:32: overrides.CHECKOUT_THEME: flag \"checkout-theme\": "+msg; got != want {
		t.Errorf("Status().Problems[0] = %s; want %s", got, want)
	}
	if !errors.Is(st.Problems[0], flagkit.ErrInvalid) {
		t.Errorf("Status().Problems[0] = %v; want errors.Is ErrInvalid", st.Problems[0])
	}
	base.Push([]byte("flags:\n  checkout-theme:\n    variants: {classic: classic, dark: dark}\n    default: dark\n")) // a reload logs nothing again
	want := `level=ERROR msg="flagkit: override refused; it is not in force" source=env:FEATURE_ line=1 column=32 path=overrides.CHECKOUT_THEME err="flag \"checkout-theme\": \"neon\" is neither a variant of this string flag nor a variant's value (valid: classic, dark)"` + "\n"
	if got := logs.String(); !strings.Contains(got, want) || strings.Count(got, "override refused") != 1 {
		t.Errorf("log:\n%s\nwant once:\n%s", got, want)
	}
}

func TestPerLayerLastGood(t *testing.T) {
	base := source.Bytes("base.yaml", []byte("flags:\n  x: {default: off}\n  y: {default: off}\n"))
	top := flagkittest.NewSource("top.yaml", []byte("flags:\n  y: {default: on}\n"))
	c, err := flagkit.New(ctx, flagkit.WithSource(base), flagkit.WithSource(top))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)

	// An invalid definition with no last good one in its layer: the lower
	// layer shows through.
	top.Push([]byte("flags:\n  x: {default: maybe}\n  y: {default: on}\n"))
	if d := c.Evaluate(ctx, "x", bob); d.Value != false || d.Source != "base.yaml" {
		t.Errorf("Evaluate(%q) = %v from %q; want false from %q", "x", d.Value, d.Source, "base.yaml")
	}

	// An invalid definition with a last good one in its layer keeps it.
	top.Push([]byte("flags:\n  x: {default: maybe}\n  y: {default: nope}\n"))
	if d := c.Evaluate(ctx, "y", bob); d.Value != true || d.Source != "top.yaml" {
		t.Errorf("Evaluate(%q) = %v from %q; want true from %q", "y", d.Value, d.Source, "top.yaml")
	}

	// A flag removed from the layer is gone from it.
	top.Push([]byte("flags: {}\n"))
	if d := c.Evaluate(ctx, "y", bob); d.Value != false || d.Source != "base.yaml" {
		t.Errorf("Evaluate(%q) = %v from %q; want false from %q", "y", d.Value, d.Source, "base.yaml")
	}
}

func TestOnlyDefinitionInvalid(t *testing.T) {
	c, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("a.yaml", []byte("flags:\n  x: {default: maybe}\n"))))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	d := c.Evaluate(ctx, "x", bob)
	if !errors.Is(d.Err, flagkit.ErrInvalidFlag) {
		t.Errorf("Evaluate(%q).Err = %v; want errors.Is ErrInvalidFlag", "x", d.Err)
	}
	if errors.Is(d.Err, flagkit.ErrFlagNotFound) {
		t.Errorf("Evaluate(%q).Err = %v; want not errors.Is ErrFlagNotFound", "x", d.Err)
	}
	if d.Reason != flagkit.ReasonError {
		t.Errorf("Evaluate(%q).Reason = %s; want ERROR", "x", d.Reason)
	}
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
	if err == nil {
		t.Fatal("New with a garbage document: err = nil; want an error")
	}
	if msg := err.Error(); !strings.Contains(msg, "garbage.yaml") || strings.Contains(msg, "good.yaml") {
		t.Errorf("New with a garbage document: err = %v; want it to name garbage.yaml, not good.yaml", err)
	}
	if !errors.Is(err, flagkit.ErrSyntax) {
		t.Errorf("New with a garbage document: err = %v; want errors.Is ErrSyntax", err)
	}

	_, err = flagkit.New(ctx, flagkit.WithSource(errSource{errors.New("connection refused")}))
	if err == nil {
		t.Fatal("New with a failing source: err = nil; want an error")
	}
	if msg := err.Error(); !strings.Contains(msg, "broken") || !strings.Contains(msg, "connection refused") {
		t.Errorf("New with a failing source: err = %v; want it to contain %q and %q", err, "broken", "connection refused")
	}

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = flagkit.New(short, flagkit.WithSource(silentSource{}))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("New with a silent source: err = %v; want errors.Is context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "silent") {
		t.Errorf("New with a silent source: err = %v; want it to contain %q", err, "silent")
	}

	if _, err = flagkit.New(ctx); err == nil {
		t.Fatal("New with no sources: err = nil; want an error")
	}
	if _, err = flagkit.New(ctx, flagkit.WithSource(nil)); err == nil {
		t.Fatal("New(WithSource(nil)): err = nil; want an error")
	}
	if _, err = flagkit.New(ctx, flagkit.WithSource(good), flagkit.WithMaxDocumentSize(0)); err == nil {
		t.Fatal("New(WithMaxDocumentSize(0)): err = nil; want an error")
	}
}

func TestMaxDocumentSize(t *testing.T) {
	_, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("big.yaml", []byte("flags: {a: {default: on}}\n"+strings.Repeat("#", 100)))), flagkit.WithMaxDocumentSize(64))
	if !errors.Is(err, flagkit.ErrTooLarge) {
		t.Fatalf("New with a document over WithMaxDocumentSize(64): err = %v; want errors.Is ErrTooLarge", err)
	}
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
	src := flagkittest.NewSource("push.yaml", []byte(`
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
`))
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	w := watch(c)

	src.Push([]byte(`
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
`))
	ch := w.next(t)
	if want := []string{"a", "needs-a"}; !reflect.DeepEqual(ch.Flags, want) {
		t.Errorf("Change.Flags = %q; want %q (a changed, and needs-a through its prerequisite)", ch.Flags, want)
	}
	if ch.Source != "push.yaml" || ch.Scheduled {
		t.Errorf("Change.Source, Scheduled = %q, %v; want %q, false", ch.Source, ch.Scheduled, "push.yaml")
	}

	src.Push([]byte(`
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
`))
	ch = w.next(t)
	if want := []string{"uses-staff"}; !reflect.DeepEqual(ch.Flags, want) {
		t.Errorf("Change.Flags = %q; want %q (a cohort change reaches the flags that use it)", ch.Flags, want)
	}

	// The same content, differently formatted, changes nothing; removing a
	// flag is a change.
	src.Push([]byte(`
cohorts: {staff: {when: {email: {ends_with: "@corp.example"}}}}
flags:
  a:   {default: off}
  uses-staff: {default: off, rules: [{cohort: staff, serve: on}]}
  needs-a: {requires: {a: on}, default: on}
`))
	ch = w.next(t)
	if want := []string{"b"}; !reflect.DeepEqual(ch.Flags, want) {
		t.Errorf("Change.Flags = %q; want %q", ch.Flags, want)
	}
	w.none(t)
}

func TestOnChangeStop(t *testing.T) {
	src := flagkittest.NewSource("push.yaml", []byte("flags: {a: {default: on}}"))
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	var calls atomic.Int32
	stop := c.OnChange(func(flagkit.Change) { calls.Add(1) })
	w := watch(c)
	src.Push([]byte("flags: {a: {default: off}}"))
	w.next(t)
	stop()
	src.Push([]byte("flags: {a: {default: on}}"))
	w.next(t)
	if n := calls.Load(); n != 1 {
		t.Errorf("callback called %d times; want 1 (once before stop)", n)
	}
}

// A slow callback never blocks reloads; the changes meanwhile are merged.
func TestOnChangeSlowCallbackMerges(t *testing.T) {
	src := flagkittest.NewSource("push.yaml", []byte("flags: {a: {default: on}, b: {default: on}}"))
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	release := make(chan struct{})
	got := make(chan flagkit.Change, 10)
	c.OnChange(func(ch flagkit.Change) {
		got <- ch
		<-release
	})
	src.Push([]byte("flags: {a: {default: off}, b: {default: on}}"))
	first := <-got
	if want := []string{"a"}; !reflect.DeepEqual(first.Flags, want) {
		t.Errorf("first Change.Flags = %q; want %q", first.Flags, want)
	}
	// While the callback blocks, two more reloads complete.
	src.Push([]byte("flags: {a: {default: off}, b: {default: off}}"))
	src.Push([]byte("flags: {a: {default: on}, b: {default: off}}"))
	if got := c.Bool(ctx, "a", bob, false); !got {
		t.Errorf("Bool(%q) = %v; want true (reloads are applied while a callback blocks)", "a", got)
	}
	close(release)
	select {
	case merged := <-got:
		if want := []string{"a", "b"}; !reflect.DeepEqual(merged.Flags, want) {
			t.Errorf("merged Change.Flags = %q; want %q", merged.Flags, want)
		}
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
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		closeAtEnd(t, c)
		var mu sync.Mutex
		var got []string
		c.OnChange(func(ch flagkit.Change) {
			mu.Lock()
			defer mu.Unlock()
			if !ch.Scheduled {
				t.Errorf("Change %+v: Scheduled = false; want true", ch)
			}
			got = append(got, fmt.Sprintf("%s %v", ch.Time.Sub(start).Round(time.Second), ch.Flags))
		})
		if c.Bool(ctx, "launch", bob, false) {
			t.Errorf("Bool(%q) at the start = true; want false", "launch")
		}
		want := []string{"1h0m0s [launch]", "2h0m0s [ramp]", "3h0m0s [launch]", "4h0m0s [ramp]"}
		ups := c.Transitions(start)
		if len(ups) != 4 {
			t.Fatalf("Transitions = %+v; want 4", ups)
		}
		if wantAt := start.Add(time.Hour).Truncate(time.Second); ups[0].Flag != "launch" || !ups[0].At.Equal(wantAt) {
			t.Errorf("Transitions[0] = %s at %v; want launch at %v", ups[0].Flag, ups[0].At, wantAt)
		}

		time.Sleep(90 * time.Minute)
		synctest.Wait()
		if !c.Bool(ctx, "launch", bob, false) {
			t.Errorf("Bool(%q) after 90m = false; want true", "launch")
		}
		time.Sleep(3 * time.Hour)
		synctest.Wait()
		mu.Lock()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("changes = %q; want %q", got, want)
		}
		mu.Unlock()
		if c.Bool(ctx, "launch", bob, false) {
			t.Errorf("Bool(%q) after 4h30m = true; want false", "launch")
		}
		if !c.Bool(ctx, "ramp", bob, false) {
			t.Errorf("Bool(%q) after 4h30m = false; want true", "ramp")
		}
	})
}

// Evaluations on several goroutines while documents are replaced
// continuously, valid and invalid: every answer comes from one complete
// snapshot, and the last document wins.
func TestConcurrentReloads(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	src := flagkittest.NewSource("push.yaml", []byte(faultDoc(0)))
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	const reloads = 300
	stop := startViewReaders(t, c, 8)
	for i := 1; i <= reloads; i++ {
		src.Push([]byte(faultDoc(i)))
		if i%3 == 0 {
			src.Push([]byte("flags: {f0: {default: [")) // invalid: ignored
		}
	}
	reads := stop()
	if got := c.Int(ctx, "f4", bob, -1); got != reloads {
		t.Errorf("Int(%q) = %d; want %d (the last document wins)", "f4", got, reloads)
	}
	t.Logf("%d consistent views read during %d reloads", reads, reloads)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestStatus(t *testing.T) {
	src := flagkittest.NewSource("push.yaml", []byte("flags: {a: {default: on}, b: {default: maybe}}"))
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	st := c.Status()
	if !st.Ready {
		t.Error("Status().Ready = false; want true")
	}
	if len(st.Sources) != 1 {
		t.Fatalf("Status().Sources = %+v; want 1 source", st.Sources)
	}
	if s := st.Sources[0]; s.Name != "push.yaml" || s.Stale || s.LastLoad.IsZero() {
		t.Errorf("Status().Sources[0] = %+v; want push.yaml, not stale, with a LastLoad", s)
	}
	if len(st.Problems) != 1 {
		t.Fatalf("Status().Problems = %v; want 1 problem", st.Problems)
	}
	if got := st.Problems[0].Path; got != "flags.b.default" {
		t.Errorf("Status().Problems[0].Path = %q; want %q", got, "flags.b.default")
	}

	src.Fail(errors.New("server down"))
	st = c.Status()
	if s := st.Sources[0]; !s.Stale || s.LastError == nil || s.LastError.Error() != "server down" {
		t.Errorf("after Fail: Status().Sources[0] = %+v; want stale, LastError %q", s, "server down")
	}
	if !c.Bool(ctx, "a", bob, false) {
		t.Errorf("after Fail: Bool(%q) = false; want true (last good flags stay)", "a")
	}

	src.Push([]byte("flags: {a: {default: on}}"))
	st = c.Status()
	if s := st.Sources[0]; s.Stale || s.LastError != nil {
		t.Errorf("after Push: Status().Sources[0] = %+v; want not stale, no LastError", s)
	}
	if len(st.Problems) != 0 {
		t.Errorf("after Push: Status().Problems = %v; want none", st.Problems)
	}

	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if c.Status().Ready {
		t.Error("after Close: Status().Ready = true; want false")
	}
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
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	for i := 0; i < 3; i++ {
		src.Push("flags: {a: {default: on}, b: {default: maybe}}")
		src.Fail(errors.New("timeout"))
		src.Fail(errors.New("timeout"))
	}
	if n := h.count("flagkit: invalid definition isolated"); n != 1 {
		t.Errorf("isolated flag logged %d times; want 1 (once while it lasts): %v", n, h.counts)
	}
	if n := h.count("flagkit: load failed; keeping the last good flags timeout"); n != 3 {
		t.Errorf("failure logged %d times; want 3 (each failure after a recovery: once): %v", n, h.counts)
	}
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
	if got := c.Bool(ctx, "prod-only", bob, false); !got {
		t.Errorf("Bool(%q) = %v; want true", "prod-only", got)
	}
	staging := flagkit.Subject{Key: "s", Attrs: flagkit.Attrs{"env": "staging"}}
	if got := c.Bool(ctx, "prod-only", staging, true); got {
		t.Errorf("Bool(%q) with env staging = %v; want false (the subject's own attribute wins)", "prod-only", got)
	}
	hidden := flagkit.Subject{Key: "s", Attrs: flagkit.Attrs{"env": nil}}
	if got := c.Bool(ctx, "prod-only", hidden, false); !got {
		t.Errorf("Bool(%q) with env nil = %v; want true (a nil attribute counts as missing)", "prod-only", got)
	}
}

func TestAll(t *testing.T) {
	c := newClient(t, "flags: {a: {default: on}, b: {variants: {x: ex}, default: x}, c: {default: maybe}}")
	all := c.All(ctx, bob)
	if len(all) != 3 {
		t.Fatalf("All = %+v; want 3 flags", all)
	}
	if got := all["a"].Value; got != true {
		t.Errorf("All[%q].Value = %#v; want true", "a", got)
	}
	if got := all["b"].Value; got != "ex" {
		t.Errorf("All[%q].Value = %#v; want %q", "b", got, "ex")
	}
	if err := all["c"].Err; !errors.Is(err, flagkit.ErrInvalidFlag) {
		t.Errorf("All[%q].Err = %v; want errors.Is ErrInvalidFlag", "c", err)
	}
}

func TestValidateReturnsParseErrors(t *testing.T) {
	err := flagkit.Validate("flags.yaml", []byte("flags:\n  a:\n    rules:\n      - percent: 140\n        serve: on\n"))
	var pe *flagkit.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Validate = %v; want a *ParseError", err)
	}
	if got, want := pe.Error(), "flagkit: flags.yaml:4:18: flags.a.rules[0].percent: 140 is outside 0..100"; got != want {
		t.Errorf("Validate = %s; want %s", got, want)
	}
	if err := flagkit.Validate("ok.yaml", []byte("flags: {a: {default: on}}")); err != nil {
		t.Errorf("Validate(%q) = %v; want nil", "ok.yaml", err)
	}
}

// panicSource panics in Run.
type panicSource struct{}

func (panicSource) Name() string { return "panicky" }
func (panicSource) Run(context.Context, func([]byte, error) error) error {
	panic("boom")
}

func TestPanicsAreContained(t *testing.T) {
	_, err := flagkit.New(ctx, flagkit.WithSource(panicSource{}))
	if err == nil {
		t.Fatal("New with a panicking source: err = nil; want an error")
	}
	if msg := err.Error(); !strings.Contains(msg, "panicky") || !strings.Contains(msg, "source panicked: boom") {
		t.Errorf("New with a panicking source: err = %v; want it to contain %q and %q", err, "panicky", "source panicked: boom")
	}

	src := flagkittest.NewSource("push.yaml", []byte("flags: {a: {default: on}}"))
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	c.OnChange(func(flagkit.Change) { panic("subscriber bug") })
	w := watch(c)
	src.Push([]byte("flags: {a: {default: off}}"))
	w.next(t) // the other subscriber still hears about it
	src.Push([]byte("flags: {a: {default: on}}"))
	w.next(t)

	// The same for OnStatus.
	c.OnStatus(func(flagkit.Status) { panic("subscriber bug") })
	reports := make(chan flagkit.Status, 10)
	c.OnStatus(func(st flagkit.Status) { reports <- st })
	for _, fail := range []bool{true, false} {
		if fail {
			src.Fail(errors.New("down"))
		} else {
			src.Push([]byte("flags: {a: {default: on}}"))
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
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	const want = `{
		"a": {"value": true, "variant": "on", "type": "boolean", "reason": "STATIC", "source": "test.yaml"},
		"b": {"value": null, "reason": "ERROR", "source": "test.yaml",
		      "error": "flagkit: flag \"b\" is invalid: test.yaml:1:40: flags.b.default: no variant named \"maybe\" (variants: on, off)"}
	}`
	var got, wantv any
	if err := json.Unmarshal([]byte(want), &wantv); err != nil {
		t.Fatalf("Unmarshal(want): %v", err)
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("Unmarshal(Marshal(All)): %v", err)
	}
	if !reflect.DeepEqual(got, wantv) {
		t.Errorf("Marshal(All) = %s; want the JSON %s", out, want)
	}
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
	if len(h.seen) != 5 {
		t.Fatalf("hook saw %d evaluations; want 5", len(h.seen))
	}
	want := []string{
		"a on boolean STATIC <nil>",
		`a  boolean ERROR flagkit: type mismatch: flag "a" is boolean, not number (Int)`,
		`n  number ERROR flagkit: type mismatch: flag "n" served a number that is not a whole number fitting int64 (Int)`, // 0.5 is not a whole number
		"n half number STATIC <nil>",
		"a off boolean STATIC <nil>",
	}
	for i, e := range h.seen {
		if got := fmt.Sprintf("%s %s %s %s %v", e.Flag, e.Variant, e.Type, e.Reason, e.Err); got != want[i] {
			t.Errorf("evaluation %d seen by the hook = %s; want %s", i, got, want[i])
		}
	}
	if got := h.seen[4].Source; got != "flagkittest" {
		t.Errorf("Source of the overridden evaluation seen by the hook = %q; want %q", got, "flagkittest")
	}
}

// A fallback document delivered with its error is used, and the source is
// stale with that error as soon as New returns.
func TestFallbackDocumentIsStale(t *testing.T) {
	errDown := errors.New("server down")
	h := &countingHandler{counts: map[string]int{}}
	src := flagkit.NewFallbackSource("fallback.yaml", "flags: {a: {default: on}}", errDown)
	c, err := flagkit.New(ctx, flagkit.WithSource(src), flagkit.WithLogger(slog.New(h)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	st := c.Status()
	if !st.Ready {
		t.Error("Status().Ready = false; want true")
	}
	if len(st.Sources) != 1 {
		t.Fatalf("Status().Sources = %+v; want 1 source", st.Sources)
	}
	if s := st.Sources[0]; !s.Stale || !errors.Is(s.LastError, errDown) || s.LastLoad.IsZero() {
		t.Errorf("Status().Sources[0] right after New = %+v; want stale, LastError %v, a LastLoad (the fallback document counts as a load)", s, errDown)
	}
	if len(st.Problems) != 0 {
		t.Errorf("Status().Problems = %v; want none", st.Problems)
	}
	if !c.Bool(ctx, "a", bob, false) {
		t.Errorf("Bool(%q) = false; want true (flags from the fallback document)", "a")
	}
	const logged = "flagkit: load failed; using the source's fallback document server down"
	if n := h.count(logged); n != 1 {
		t.Errorf("fallback logged %d times when New returned; want 1: %v", n, h.counts)
	}

	src.Fail(errDown) // the same failure again: still stale, not logged again
	st = c.Status()
	if s := st.Sources[0]; !s.Stale || !errors.Is(s.LastError, errDown) {
		t.Errorf("after the same failure: Status().Sources[0] = %+v; want stale, LastError %v", s, errDown)
	}
	if n := h.count(logged); n != 1 {
		t.Errorf("after the same failure: fallback logged %d times; want 1: %v", n, h.counts)
	}

	src.Push("flags: {a: {default: off}}") // recovery
	st = c.Status()
	if s := st.Sources[0]; s.Stale || s.LastError != nil {
		t.Errorf("after recovery: Status().Sources[0] = %+v; want not stale, no LastError", s)
	}
	if c.Bool(ctx, "a", bob, true) {
		t.Errorf("after recovery: Bool(%q) = true; want false (flags from the live document)", "a")
	}
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
		if err != nil {
			t.Fatalf("New: %v", err)
		}
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
				if len(got.Sources) != 1 {
					t.Fatalf("%s: OnStatus reported %d sources; want 1", step.name, len(got.Sources))
				}
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
