package flagkit_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
)

var ctx = context.Background()

// fixedClock returns a clock that always reads t, and counts its reads.
type fixedClock struct {
	mu    sync.Mutex
	t     time.Time
	reads int
}

func (c *fixedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	return c.t
}

func (c *fixedClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fixedClock) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time.Parse(%q): %v", s, err)
	}
	return tm
}

// newClient builds a client from one in-memory document.
func newClient(t testing.TB, doc string, opts ...flagkit.Option) *flagkit.Client {
	t.Helper()
	opts = append([]flagkit.Option{flagkit.WithSource(source.Bytes("test.yaml", []byte(doc)))}, opts...)
	c, err := flagkit.New(ctx, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	return c
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	alice = flagkit.Subject{Key: "alice", Attrs: flagkit.Attrs{"email": "Alice@Example.COM", "country": "NO"}}
	bob   = flagkit.Subject{Key: "bob", Attrs: flagkit.Attrs{"org": "acme", "country": "US"}}
	nils  = flagkit.Subject{Key: "nils", Attrs: flagkit.Attrs{"country": "SE", "account_id": 42}}
	anon  = flagkit.Subject{}
)

// withAttrs returns a copy of s with one more attribute.
func withAttrs(s flagkit.Subject, name string, v any) flagkit.Subject {
	attrs := maps.Clone(s.Attrs)
	attrs[name] = v
	return flagkit.Subject{Key: s.Key, Attrs: attrs}
}

func TestEvaluate(t *testing.T) {
	clk := &fixedClock{t: mustTime(t, "2026-12-06T00:00:00Z")}
	c := newClient(t, readFile(t, "testdata/eval.yaml"), flagkit.WithClock(clk.now), flagkit.WithStrict())
	tests := []struct {
		flag    string
		subject flagkit.Subject
		at      string // RFC 3339; "" keeps the clock
		value   any
		variant string
		reason  flagkit.Reason
		rule    string
		err     error
	}{
		{flag: "static-on", subject: bob, value: true, variant: "on", reason: flagkit.ReasonStatic},
		{flag: "static-off", subject: bob, value: false, variant: "off", reason: flagkit.ReasonStatic},
		{flag: "no-default", subject: bob, reason: flagkit.ReasonDefault, err: flagkit.ErrNoValue},
		{flag: "no-default", subject: alice, value: true, variant: "on", reason: flagkit.ReasonTargetingMatch, rule: "rules[0]"},
		{flag: "disabled", subject: alice, value: false, variant: "off", reason: flagkit.ReasonDisabled},
		{flag: "disabled-string", subject: alice, reason: flagkit.ReasonDisabled, err: flagkit.ErrNoValue},
		{flag: "disabled-string-off", subject: alice, value: "beta", variant: "b", reason: flagkit.ReasonDisabled},
		{flag: "targeted", subject: alice, value: true, variant: "on", reason: flagkit.ReasonTargetingMatch, rule: "staff"},
		{flag: "targeted", subject: bob, value: false, variant: "off", reason: flagkit.ReasonDefault},
		{flag: "nested-cohort", subject: alice, value: true, variant: "on", reason: flagkit.ReasonTargetingMatch, rule: "rules[0]"},
		{flag: "nested-cohort", subject: flagkit.Subject{Key: "x", Attrs: flagkit.Attrs{"email": "x@example.com", "country": "US"}}, value: false, variant: "off", reason: flagkit.ReasonDefault},
		{flag: "theme", subject: bob, value: "classic", variant: "classic", reason: flagkit.ReasonDefault},
		// Buckets checked by hand with an independent murmur3: "theme-2026nils" → 17080
		// (classic, the first 50 %), "rollout-by-account42" → 12444 (< 50000),
		// "rollout-25nils" → 85781 (outside 25 %).
		{flag: "theme", subject: nils, value: "classic", variant: "classic", reason: flagkit.ReasonSplit, rule: "experiment"},
		{flag: "rollout-by-account", subject: nils, value: true, variant: "on", reason: flagkit.ReasonSplit, rule: "rules[0]"},
		{flag: "rollout-by-account", subject: bob, value: false, variant: "off", reason: flagkit.ReasonDefault},
		{flag: "rollout-25", subject: nils, value: false, variant: "off", reason: flagkit.ReasonDefault},
		{flag: "window", subject: bob, at: "2026-12-01T13:59:59Z", value: false, variant: "off", reason: flagkit.ReasonDefault},
		{flag: "window", subject: bob, at: "2026-12-01T14:00:00Z", value: true, variant: "on", reason: flagkit.ReasonTargetingMatch, rule: "december"},
		{flag: "window", subject: bob, at: "2027-01-01T04:59:59Z", value: true, variant: "on", reason: flagkit.ReasonTargetingMatch, rule: "december"},
		{flag: "window", subject: bob, at: "2027-01-01T04:59:59.999Z", value: true, variant: "on", reason: flagkit.ReasonTargetingMatch, rule: "december"}, // until is exclusive
		{flag: "window", subject: bob, at: "2027-01-01T05:00:00Z", value: false, variant: "off", reason: flagkit.ReasonDefault},
		{flag: "ramp", subject: bob, at: "2026-11-30T00:00:00Z", value: false, variant: "off", reason: flagkit.ReasonDefault},
		{flag: "ramp", subject: bob, at: "2026-12-11T00:00:00Z", value: true, variant: "on", reason: flagkit.ReasonSplit, rule: "ramp"},
		{flag: "ramp", subject: anon, at: "2026-12-11T00:00:00Z", value: false, variant: "off", reason: flagkit.ReasonDefault},
		{flag: "limit", subject: alice, value: int64(1000), variant: "high", reason: flagkit.ReasonDefault},
		{flag: "limit", subject: bob, value: int64(100), variant: "low", reason: flagkit.ReasonPrerequisiteFailed},
		{flag: "limit-no-off", subject: bob, reason: flagkit.ReasonPrerequisiteFailed, err: flagkit.ErrNoValue},
		{flag: "chained", subject: alice, value: true, variant: "on", reason: flagkit.ReasonDefault},
		{flag: "chained", subject: bob, value: false, variant: "off", reason: flagkit.ReasonPrerequisiteFailed},
		{flag: "fraction", subject: bob, value: 0.5, variant: "half", reason: flagkit.ReasonStatic},
		{flag: "config", subject: bob, value: map[string]any{"size": float64(1), "tags": []any{"a", "b"}}, variant: "small", reason: flagkit.ReasonStatic},
		{flag: "bool-names", subject: bob, value: true, variant: "on", reason: flagkit.ReasonStatic},
		{flag: "missing", subject: bob, reason: flagkit.ReasonError, err: flagkit.ErrFlagNotFound},
		// A rule's cohorts (any of them) and its when (all of a block, any
		// block) must all hold.
		{flag: "combined", subject: withAttrs(alice, "plan", "pro"), value: true, variant: "on", reason: flagkit.ReasonTargetingMatch, rule: "staff-or-nordic-pro"},
		{flag: "combined", subject: withAttrs(nils, "plan", "pro"), value: true, variant: "on", reason: flagkit.ReasonTargetingMatch, rule: "staff-or-nordic-pro"},
		{flag: "combined", subject: withAttrs(alice, "plan", "free"), value: false, variant: "off", reason: flagkit.ReasonDefault},
		{flag: "combined", subject: withAttrs(bob, "plan", "pro"), value: true, variant: "on", reason: flagkit.ReasonTargetingMatch, rule: "acme-or-free"},
		{flag: "combined", subject: flagkit.Subject{Key: "u", Attrs: flagkit.Attrs{"plan": "free", "country": "US"}}, value: true, variant: "on", reason: flagkit.ReasonTargetingMatch, rule: "acme-or-free"},
		{flag: "combined", subject: flagkit.Subject{Key: "v", Attrs: flagkit.Attrs{"plan": "free", "country": "NO"}}, value: false, variant: "off", reason: flagkit.ReasonDefault},
		{flag: "combined", subject: flagkit.Subject{Key: "w", Attrs: flagkit.Attrs{"plan": "pro", "country": "US"}}, value: false, variant: "off", reason: flagkit.ReasonDefault},
	}
	for _, tt := range tests {
		name := tt.flag + "/" + tt.subject.Key + "/" + tt.at + fmt.Sprint(tt.subject.Attrs["plan"])
		t.Run(name, func(t *testing.T) {
			if tt.at != "" {
				clk.set(mustTime(t, tt.at))
				defer clk.set(mustTime(t, "2026-12-06T00:00:00Z"))
			}
			d := c.Evaluate(ctx, tt.flag, tt.subject)
			if e := c.Explain(ctx, tt.flag, tt.subject); !reflect.DeepEqual(e.Result, d) {
				t.Errorf("Explain(%q).Result = %+v; Evaluate = %+v", tt.flag, e.Result, d)
			}
			if !reflect.DeepEqual(d.Value, tt.value) {
				t.Errorf("Evaluate(%q).Value = %#v; want %#v", tt.flag, d.Value, tt.value)
			}
			if d.Variant != tt.variant {
				t.Errorf("Evaluate(%q).Variant = %q; want %q", tt.flag, d.Variant, tt.variant)
			}
			if d.Reason != tt.reason {
				t.Errorf("Evaluate(%q).Reason = %s; want %s", tt.flag, d.Reason, tt.reason)
			}
			if d.Rule != tt.rule {
				t.Errorf("Evaluate(%q).Rule = %q; want %q", tt.flag, d.Rule, tt.rule)
			}
			if tt.err != nil {
				if !errors.Is(d.Err, tt.err) {
					t.Errorf("Evaluate(%q).Err = %v; want %v", tt.flag, d.Err, tt.err)
				}
			} else {
				if d.Err != nil {
					t.Errorf("Evaluate(%q).Err = %v; want nil", tt.flag, d.Err)
				}
				if d.Source != "test.yaml" {
					t.Errorf("Evaluate(%q).Source = %q; want %q", tt.flag, d.Source, "test.yaml")
				}
			}
		})
	}
}

func TestGettersAndFallbacks(t *testing.T) {
	c := newClient(t, readFile(t, "testdata/eval.yaml"), flagkit.WithClock(func() time.Time { return mustTime(t, "2026-12-06T00:00:00Z") }))
	if got := c.Bool(ctx, "static-on", bob, false); got != true {
		t.Errorf("Bool(%q) = %v; want true", "static-on", got)
	}
	if got := c.Bool(ctx, "missing", bob, true); got != true {
		t.Errorf("Bool(%q) = %v; want fallback true", "missing", got)
	}
	if got := c.Bool(ctx, "theme", bob, true); got != true {
		t.Errorf("Bool(%q) = %v; want fallback true (type mismatch)", "theme", got)
	}
	if got := c.String(ctx, "theme", bob, "x"); got != "classic" {
		t.Errorf("String(%q) = %q; want classic", "theme", got)
	}
	if got := c.String(ctx, "disabled-string", bob, "fb"); got != "fb" {
		t.Errorf("String(%q) = %q; want fallback (disabled without off variant)", "disabled-string", got)
	}
	if got := c.Int(ctx, "limit", alice, 7); got != 1000 {
		t.Errorf("Int(%q) = %d; want 1000", "limit", got)
	}
	if got := c.Int(ctx, "fraction", alice, 7); got != 7 {
		t.Errorf("Int(%q) = %d; want fallback 7 for 0.5", "fraction", got)
	}
	if got := c.Float(ctx, "fraction", alice, 7); got != 0.5 {
		t.Errorf("Float(%q) = %v; want 0.5", "fraction", got)
	}
	if got := c.Float(ctx, "limit", alice, 7); got != 1000 {
		t.Errorf("Float(%q) = %v; want 1000", "limit", got)
	}
	type cfg struct {
		Size int      `json:"size"`
		Tags []string `json:"tags"`
	}
	var got cfg
	if ok := c.Object(ctx, "config", bob, &got); !ok || got.Size != 1 || len(got.Tags) != 2 {
		t.Errorf("Object(%q) = %v, %+v; want true, {1 [a b]}", "config", ok, got)
	}
	got.Tags[0] = "mutated" // must not reach the client's data
	var again cfg
	c.Object(ctx, "config", bob, &again)
	if want := []string{"a", "b"}; !slices.Equal(again.Tags, want) {
		t.Errorf("Object(%q) after the caller changed a first result: Tags = %q; want %q", "config", again.Tags, want)
	}
	fallback := cfg{Size: 99}
	if ok := c.Object(ctx, "theme", bob, &fallback); ok || fallback.Size != 99 {
		t.Errorf("Object(%q) on a string flag = %v, %+v; want false and the fallback kept", "theme", ok, fallback)
	}
	d := c.Evaluate(ctx, "config", bob)
	d.Value.(map[string]any)["size"] = 5
	if got := c.Evaluate(ctx, "config", bob).Value.(map[string]any)["size"]; got != float64(1) {
		t.Errorf("Evaluate(%q) after the caller changed a first result: size = %#v; want 1.0", "config", got)
	}

	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if got := c.Bool(ctx, "static-on", bob, false); got != false {
		t.Errorf("Bool after Close = %v; want fallback false", got)
	}
	if err := c.Evaluate(ctx, "static-on", bob).Err; !errors.Is(err, flagkit.ErrClosed) {
		t.Errorf("Evaluate after Close: Err = %v; want ErrClosed", err)
	}
}

// The clock is read only for flags with a time part, once per evaluation.
func TestClockReads(t *testing.T) {
	clk := &fixedClock{t: mustTime(t, "2026-12-06T00:00:00Z")}
	c := newClient(t, readFile(t, "testdata/eval.yaml"), flagkit.WithClock(clk.now))
	start := clk.count()
	for _, f := range []string{"static-on", "targeted", "rollout-25", "theme", "limit", "config"} {
		c.Bool(ctx, f, alice, false)
		c.Evaluate(ctx, f, alice)
	}
	if n := clk.count() - start; n != 0 {
		t.Errorf("clock read %d times for flags without a time part; want 0", n)
	}
	start = clk.count()
	c.Bool(ctx, "window", alice, false)
	if n := clk.count() - start; n != 1 {
		t.Errorf("clock read %d times for one evaluation of a windowed flag; want 1", n)
	}
	v := c.View()
	start = clk.count()
	v.Bool(ctx, "window", alice, false)
	v.Bool(ctx, "ramp", alice, false)
	if n := clk.count() - start; n != 0 {
		t.Errorf("a View read the clock %d times after it was taken; want 0", n)
	}
}

func TestReasonNeverStaticWhenTimed(t *testing.T) {
	c := newClient(t, `
flags:
  later:
    default: on
    rules:
      - from: 2030-01-01T00:00:00Z
        serve: off
`)
	if d := c.Evaluate(ctx, "later", bob); d.Reason != flagkit.ReasonDefault {
		t.Errorf("Evaluate(%q).Reason = %s; want DEFAULT", "later", d.Reason)
	}
}

func TestInvalidFlagIsolated(t *testing.T) {
	c, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("doc.yaml", []byte(`
flags:
  good:
    default: on
  bad:
    default: maybe
`))))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	if got := c.Bool(ctx, "good", bob, false); !got {
		t.Errorf("Bool(%q) = %v; want true", "good", got)
	}
	d := c.Evaluate(ctx, "bad", bob)
	if d.Reason != flagkit.ReasonError {
		t.Errorf("Evaluate(%q).Reason = %s; want ERROR", "bad", d.Reason)
	}
	for _, want := range []error{flagkit.ErrInvalidFlag, flagkit.ErrUnknownReference} {
		if !errors.Is(d.Err, want) {
			t.Errorf("Evaluate(%q).Err = %v; want errors.Is %v", "bad", d.Err, want)
		}
	}
	var pe *flagkit.ParseError
	if !errors.As(d.Err, &pe) {
		t.Fatalf("Evaluate(%q).Err = %v; want a *ParseError", "bad", d.Err)
	}
	if pe.Source != "doc.yaml" || pe.Line != 6 || pe.Path != "flags.bad.default" {
		t.Errorf("ParseError of %q: Source, Line, Path = %q, %d, %q; want %q, 6, %q", "bad", pe.Source, pe.Line, pe.Path, "doc.yaml", "flags.bad.default")
	}
	st := c.Status()
	if len(st.Problems) != 1 {
		t.Fatalf("Status().Problems = %v; want 1 problem", st.Problems)
	}
	if got := st.Problems[0].Path; got != "flags.bad.default" {
		t.Errorf("Status().Problems[0].Path = %q; want %q", got, "flags.bad.default")
	}

	_, err = flagkit.New(ctx, flagkit.WithSource(source.Bytes("doc.yaml", []byte("flags: {bad: {default: maybe}}"))), flagkit.WithStrict())
	if err == nil {
		t.Fatal("New with WithStrict and an invalid flag: err = nil; want an error")
	}
	if !errors.Is(err, flagkit.ErrUnknownReference) {
		t.Errorf("New with WithStrict and an invalid flag: err = %v; want errors.Is ErrUnknownReference", err)
	}
}
