package flagkittest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
)

func TestNew(t *testing.T) {
	type limits struct {
		Max  int      `json:"max"`
		Tags []string `json:"tags"`
	}
	c := flagkittest.New(t, map[string]any{
		"new-checkout":   true,
		"legacy-cart":    false,
		"checkout-theme": "dark",
		"greeting":       "",
		"rate-limit":     42,
		"small":          uint8(7),
		"ratio":          2.5,
		"config":         map[string]any{"retries": 3},
		"regions":        []string{"eu", "us"},
		"limits":         limits{Max: 9, Tags: []string{"a"}},
	})
	ctx := context.Background()
	s := flagkit.Subject{Key: "user-1"}
	tests := []struct {
		flag        string
		wantValue   any
		wantVariant string
	}{
		{"new-checkout", true, "on"},
		{"legacy-cart", false, "off"},
		{"checkout-theme", "dark", "dark"},
		{"greeting", "", "empty"},
		{"rate-limit", int64(42), "value"},
		{"small", int64(7), "value"},
		{"ratio", 2.5, "value"},
		{"config", map[string]any{"retries": float64(3)}, "value"},
		{"regions", []any{"eu", "us"}, "value"},
		{"limits", map[string]any{"max": float64(9), "tags": []any{"a"}}, "value"},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			d := c.Evaluate(ctx, tt.flag, s)
			if d.Err != nil || !reflect.DeepEqual(d.Value, tt.wantValue) || d.Variant != tt.wantVariant || d.Reason != flagkit.ReasonStatic {
				t.Errorf("Evaluate(%q) = %+v; want value %#v, variant %q, reason STATIC", tt.flag, d, tt.wantValue, tt.wantVariant)
			}
		})
	}
	if got := c.Bool(ctx, "new-checkout", s, false); !got {
		t.Errorf("Bool(%q) = %v; want true", "new-checkout", got)
	}
	if got := c.String(ctx, "checkout-theme", s, "classic"); got != "dark" {
		t.Errorf("String(%q) = %q; want %q", "checkout-theme", got, "dark")
	}
	if got := c.Int(ctx, "rate-limit", s, 0); got != 42 {
		t.Errorf("Int(%q) = %d; want 42", "rate-limit", got)
	}
	var l limits
	if !c.Object(ctx, "limits", s, &l) || l.Max != 9 || len(l.Tags) != 1 {
		t.Errorf("Object(%q) = %+v; want {Max:9 Tags:[a]}", "limits", l)
	}
	if d := c.Evaluate(ctx, "missing", s); !errors.Is(d.Err, flagkit.ErrFlagNotFound) {
		t.Errorf("Evaluate(%q).Err = %v; want ErrFlagNotFound", "missing", d.Err)
	}
}

func TestNewClosesAtCleanup(t *testing.T) {
	var c *flagkit.Client
	f := startFake(t, "TestFake", func(tb *fakeTB) {
		c = flagkittest.New(tb, map[string]any{"on": true})
	})
	wantPass(t, f)
	ctx := context.Background()
	if got := c.Bool(ctx, "on", flagkit.Subject{}, false); !got {
		t.Fatalf("Bool(%q) before cleanup = %v; want true", "on", got)
	}
	f.cleanup()
	if d := c.Evaluate(ctx, "on", flagkit.Subject{}); !errors.Is(d.Err, flagkit.ErrClosed) {
		t.Errorf("Evaluate(%q) after cleanup: Err = %v; want ErrClosed", "on", d.Err)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name   string
		values map[string]any
		want   []string
	}{
		{"nil value", map[string]any{"x": nil}, []string{"flagkittest.New", `flag "x": nil value`}},
		{"func value", map[string]any{"x": func() {}}, []string{`flag "x": cannot serve`, "func()"}},
		{"JSON string", map[string]any{"x": time.Unix(0, 0)}, []string{`flag "x": cannot serve`, "time.Time"}},
		{"bad key", map[string]any{"bad key!": true}, []string{"flagkittest.New", "bad key!"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := runFake(t, "TestFake", func(tb *fakeTB) { flagkittest.New(tb, tt.values) })
			wantFatal(t, f, tt.want...)
		})
	}
}

const testDoc = `
version: 1
cohorts:
  staff:
    when: {email: {ends_with: "@example.com"}}
flags:
  new-checkout:
    default: off
    rules:
      - name: staff first
        cohort: staff
        serve: on
`

func TestFromYAML(t *testing.T) {
	c := flagkittest.FromYAML(t, testDoc)
	ctx := context.Background()
	tests := []struct {
		s        flagkit.Subject
		want     bool
		wantRule string
	}{
		{flagkit.Subject{Key: "ann", Attrs: flagkit.Attrs{"email": "ann@example.com"}}, true, "staff first"},
		{flagkit.Subject{Key: "bob", Attrs: flagkit.Attrs{"email": "bob@elsewhere.org"}}, false, ""},
	}
	for _, tt := range tests {
		d := c.Evaluate(ctx, "new-checkout", tt.s)
		if d.Value != tt.want || d.Rule != tt.wantRule || d.Source != "inline.yaml" {
			t.Errorf("Evaluate(%q) for %s = %+v; want %v by rule %q from inline.yaml", "new-checkout", tt.s.Key, d, tt.want, tt.wantRule)
		}
	}
}

func TestFromYAMLIndented(t *testing.T) {
	// Indented with a tab, as Go code is, and then with spaces.
	c := flagkittest.FromYAML(t, "\n\tflags:\n\t  dark-mode:\n\t    default: on\n")
	if got := c.Bool(context.Background(), "dark-mode", flagkit.Subject{}, false); !got {
		t.Errorf("Bool(%q) = %v; want true", "dark-mode", got)
	}
}

func TestFromYAMLStrict(t *testing.T) {
	doc := "flags:\n  x:\n    default: on\n    rules:\n      - percent: 140\n        serve: on\n"
	f := runFake(t, "TestFake", func(tb *fakeTB) { flagkittest.FromYAML(tb, doc) })
	wantFatal(t, f, "flagkittest.FromYAML", "inline.yaml:5:", "flags.x.rules[0].percent")
}

func TestFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.yaml")
	if err := os.WriteFile(path, []byte("flags:\n  beta:\n    default: on\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := flagkittest.FromFile(t, path)
	d := c.Evaluate(context.Background(), "beta", flagkit.Subject{})
	if d.Value != true || d.Source != "file:"+path {
		t.Errorf("Evaluate(%q) = %+v; want true from file:%s", "beta", d, path)
	}

	f := runFake(t, "TestFake", func(tb *fakeTB) { flagkittest.FromFile(tb, filepath.Join(t.TempDir(), "missing.yaml")) })
	wantFatal(t, f, "flagkittest.FromFile", "missing.yaml")
}

func TestDedent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a:\n  b: 1\n", "a:\n  b: 1\n"},
		{"\n    a:\n      b: 1\n    c: 2\n", "\na:\n  b: 1\nc: 2\n"},
		{"\n\ta:\n\t  b: 1\n\n\tc: 2\n\t", "\na:\n  b: 1\n\nc: 2\n"},
		{"  a: 1\n b: 2\n", " a: 1\nb: 2\n"},
		{"\ta: 1\n  b: 2\n", "\ta: 1\n  b: 2\n"},
	}
	for _, tt := range tests {
		if got := flagkittest.Dedent(tt.in); got != tt.want {
			t.Errorf("dedent(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
