package flagkit_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
)

const mistakesDoc = `flags:
  new-checkout: {default: on}
  checkout-theme:
    variants: {classic: classic, dark: dark}
    default: dark
  rate-limit:
    variants: {low: 100, half: 0.5}
    default: half
`

// TestMistakeErrors: the error of an unknown key or a type mismatch names
// the key (and the nearest key, or the types), matches its sentinel, and
// Type says what the flag is; hooks see the same.
func TestMistakeErrors(t *testing.T) {
	tests := []struct {
		name  string
		eval  func(c *flagkit.Client)
		class error
		err   string
		typ   string
	}{
		{"unknown key", func(c *flagkit.Client) { c.Bool(ctx, "new-chekout", bob, false) },
			flagkit.ErrFlagNotFound, `flagkit: flag "new-chekout" not found; did you mean "new-checkout"?`, ""},
		{"normalized key", func(c *flagkit.Client) { c.String(ctx, "CHECKOUT_THEME", bob, "") },
			flagkit.ErrFlagNotFound, `flagkit: flag "CHECKOUT_THEME" not found; did you mean "checkout-theme"?`, ""},
		{"nothing near", func(c *flagkit.Client) { c.Evaluate(ctx, "payments", bob) },
			flagkit.ErrFlagNotFound, `flagkit: flag "payments" not found`, ""},
		{"Int of a boolean flag", func(c *flagkit.Client) { c.Int(ctx, "new-checkout", bob, 0) },
			flagkit.ErrTypeMismatch, `flagkit: type mismatch: flag "new-checkout" is boolean, not number (Int)`, "boolean"},
		{"Bool of a string flag", func(c *flagkit.Client) { c.Bool(ctx, "checkout-theme", bob, false) },
			flagkit.ErrTypeMismatch, `flagkit: type mismatch: flag "checkout-theme" is string, not boolean (Bool)`, "string"},
		{"Object of a number flag", func(c *flagkit.Client) { var x any; c.Object(ctx, "rate-limit", bob, &x) },
			flagkit.ErrTypeMismatch, `flagkit: type mismatch: flag "rate-limit" is number, not object (Object)`, "number"},
		{"Int of 0.5", func(c *flagkit.Client) { c.Int(ctx, "rate-limit", bob, 0) },
			flagkit.ErrTypeMismatch, `flagkit: type mismatch: flag "rate-limit" served a number that is not a whole number fitting int64 (Int)`, "number"},
		{"a key that can never name a flag", func(c *flagkit.Client) { c.Bool(ctx, "new checkout", bob, false) },
			flagkit.ErrFlagNotFound, `flagkit: flag "new checkout" not found`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &recordingHook{}
			c := newClient(t, mistakesDoc, flagkit.WithHook(h))
			tt.eval(c)
			if len(h.seen) != 1 {
				t.Fatalf("hook saw %d evaluations; want 1", len(h.seen))
			}
			e := h.seen[0]
			if !errors.Is(e.Err, tt.class) || e.Err.Error() != tt.err {
				t.Errorf("Err = %v; want %q, matching %v", e.Err, tt.err, tt.class)
			}
			if e.Type != tt.typ || e.Reason != flagkit.ReasonError {
				t.Errorf("Type, Reason = %q, %s; want %q, ERROR", e.Type, e.Reason, tt.typ)
			}
		})
	}
	c := newClient(t, mistakesDoc)
	if d := c.Evaluate(ctx, "checkout-theme", bob); d.Type != "string" || d.Err != nil {
		t.Errorf("Evaluate(checkout-theme) = %+v; want Type string, no error", d)
	}
}

// TestMistakesLogged: each distinct problem of code is logged once at
// WARN; a reload that defines the key logs it as resolved at INFO.
func TestMistakesLogged(t *testing.T) {
	src := flagkittest.NewSource("flags.yaml", []byte(mistakesDoc))
	var logs bytes.Buffer
	h := &recordingHook{}
	c, err := flagkit.New(ctx, flagkit.WithSource(src), flagkit.WithHook(h),
		flagkit.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: dropTime}))))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	logs.Reset()
	for range 3 {
		c.Bool(ctx, "new-chekout", bob, false)
		c.Evaluate(ctx, "new-chekout", bob)
		c.Int(ctx, "new-checkout", bob, 0)
		c.Float(ctx, "new-checkout", bob, 0)
		c.View().Bool(ctx, "payments", bob, false)
		c.Bool(ctx, strings.Repeat("k", 200), bob, false)
		c.Bool(ctx, "no spaces", bob, false)
	}
	for _, doc := range []string{
		mistakesDoc + "  payments: {default: on}\n",
		strings.Replace(mistakesDoc, "new-checkout: {default: on}", "new-checkout: {variants: {one: 1}, default: one}", 1) + "  payments: {default: on}\n",
	} {
		if err := src.Push([]byte(doc)); err != nil {
			t.Fatalf("Push: %v", err)
		}
	}
	c.Bool(ctx, "payments", bob, false)
	want := `level=WARN msg="flagkit: flag not found; the caller's fallback is served" flag=new-chekout did_you_mean=new-checkout
level=WARN msg="flagkit: type mismatch; the caller's fallback is served" flag=new-checkout getter=Int getter_type=number flag_type=boolean
level=WARN msg="flagkit: type mismatch; the caller's fallback is served" flag=new-checkout getter=Float getter_type=number flag_type=boolean
level=WARN msg="flagkit: flag not found; the caller's fallback is served" flag=payments
level=WARN msg="flagkit: flag not found: the key can never name a flag (1-128 letters, digits, '-', '_' or '.'); such keys are logged once" flag=` + strings.Repeat("k", 128) + `…
level=INFO msg="flagkit: flag not found before is now defined" flag=payments
level=INFO msg="flagkit: flags changed" source=flags.yaml flags=[payments]
level=INFO msg="flagkit: type mismatch resolved" flag=new-checkout getter=Int flag_type=number
level=INFO msg="flagkit: type mismatch resolved" flag=new-checkout getter=Float flag_type=number
level=INFO msg="flagkit: flags changed" source=flags.yaml flags=[new-checkout]
`
	if got := logs.String(); got != want {
		t.Errorf("logs:\n%s\nwant:\n%s", got, want)
	}
	// Each evaluation still names its own key.
	if err, want := h.seen[len(h.seen)-2].Err, `flagkit: flag "no spaces" not found`; err == nil || err.Error() != want {
		t.Errorf("Err of Bool(%q) = %v; want %q", "no spaces", err, want)
	}
}

// TestMistakesBounded: the client remembers at most 256 problems; beyond,
// one WARN says so and new problems are not logged, but their errors
// still name the key.
func TestMistakesBounded(t *testing.T) {
	var logs bytes.Buffer
	c := newClient(t, mistakesDoc, flagkit.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: dropTime}))))
	logs.Reset()
	for i := range 300 {
		c.Bool(ctx, fmt.Sprintf("user-%d", i), bob, false)
		c.Bool(ctx, fmt.Sprintf("user-%d", i), bob, false)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 257 {
		t.Fatalf("%d lines logged; want 257:\n%s", len(lines), logs.String())
	}
	if want := `level=WARN msg="flagkit: flag not found; the caller's fallback is served" flag=user-0`; lines[0] != want {
		t.Errorf("first line logged:\n%s\nwant:\n%s", lines[0], want)
	}
	if want := `level=WARN msg="flagkit: too many distinct unknown flags and type mismatches to remember; no more are logged until a reload resolves some" max=256`; lines[256] != want {
		t.Errorf("last line logged:\n%s\nwant:\n%s", lines[256], want)
	}
	d := c.Evaluate(ctx, "user-299", bob)
	if want := `flagkit: flag "user-299" not found`; d.Err == nil || d.Err.Error() != want {
		t.Errorf("Evaluate(%q).Err = %v; want %q", "user-299", d.Err, want)
	}
	if !errors.Is(d.Err, flagkit.ErrFlagNotFound) {
		t.Errorf("Evaluate(%q).Err = %v; want errors.Is ErrFlagNotFound", "user-299", d.Err)
	}
}

// TestMistakesNoAlloc: a problem already reported allocates nothing.
func TestMistakesNoAlloc(t *testing.T) {
	c := newClient(t, mistakesDoc)
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"Bool of an unknown key", func() { c.Bool(ctx, "new-chekout", bob, false) }},
		{"Int of a boolean flag", func() { c.Int(ctx, "new-checkout", bob, 0) }},
		{"Evaluate of an unknown key", func() { c.Evaluate(ctx, "new-chekout", bob) }},
	} {
		tt.f()
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s: %v allocations per run; want 0", tt.name, n)
		}
	}
}
