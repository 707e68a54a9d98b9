package flagkit_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
	return tm
}

// newClient builds a client from one in-memory document.
func newClient(t testing.TB, doc string, opts ...flagkit.Option) *flagkit.Client {
	t.Helper()
	opts = append([]flagkit.Option{flagkit.WithSource(source.Bytes("test.yaml", []byte(doc)))}, opts...)
	c, err := flagkit.New(ctx, opts...)
	require.NoError(t, err)
	closeAtEnd(t, c)
	return c
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
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
			assert.Equal(t, tt.value, d.Value, "Value")
			assert.Equal(t, tt.variant, d.Variant, "Variant")
			assert.Equal(t, tt.reason, d.Reason, "Reason")
			assert.Equal(t, tt.rule, d.Rule, "Rule")
			if tt.err != nil {
				assert.ErrorIs(t, d.Err, tt.err)
			} else {
				assert.NoError(t, d.Err)
				assert.Equal(t, "test.yaml", d.Source, "Source")
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
	assert.Equal(t, []string{"a", "b"}, again.Tags)
	fallback := cfg{Size: 99}
	if ok := c.Object(ctx, "theme", bob, &fallback); ok || fallback.Size != 99 {
		t.Errorf("Object(%q) on a string flag = %v, %+v; want false and the fallback kept", "theme", ok, fallback)
	}
	d := c.Evaluate(ctx, "config", bob)
	d.Value.(map[string]any)["size"] = 5
	assert.Equal(t, float64(1), c.Evaluate(ctx, "config", bob).Value.(map[string]any)["size"])

	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "second Close")
	if got := c.Bool(ctx, "static-on", bob, false); got != false {
		t.Errorf("Bool after Close = %v; want fallback false", got)
	}
	assert.ErrorIs(t, c.Evaluate(ctx, "static-on", bob).Err, flagkit.ErrClosed)
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
	d := c.Evaluate(ctx, "later", bob)
	assert.Equal(t, flagkit.ReasonDefault, d.Reason)
}

func TestInvalidFlagIsolated(t *testing.T) {
	c, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("doc.yaml", []byte(`
flags:
  good:
    default: on
  bad:
    default: maybe
`))))
	require.NoError(t, err)
	closeAtEnd(t, c)
	assert.True(t, c.Bool(ctx, "good", bob, false))
	d := c.Evaluate(ctx, "bad", bob)
	assert.Equal(t, flagkit.ReasonError, d.Reason)
	assert.ErrorIs(t, d.Err, flagkit.ErrInvalidFlag)
	assert.ErrorIs(t, d.Err, flagkit.ErrUnknownReference)
	var pe *flagkit.ParseError
	require.True(t, errors.As(d.Err, &pe))
	assert.Equal(t, "doc.yaml", pe.Source)
	assert.Equal(t, 6, pe.Line)
	assert.Equal(t, "flags.bad.default", pe.Path)
	st := c.Status()
	require.Len(t, st.Problems, 1)
	assert.Equal(t, "flags.bad.default", st.Problems[0].Path)

	_, err = flagkit.New(ctx, flagkit.WithSource(source.Bytes("doc.yaml", []byte("flags: {bad: {default: maybe}}"))), flagkit.WithStrict())
	require.Error(t, err)
	assert.ErrorIs(t, err, flagkit.ErrUnknownReference)
}
