package flagkittest_test

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
)

// serviceDoc stands for a service's real flag file.
const serviceDoc = `
flags:
  new-checkout:
    default: off
    rules:
      - name: staff
        when: {email: {ends_with: "@example.com"}}
        serve: on
  checkout-theme:
    variants: {classic: classic, dark: dark, neon: neon}
    default: classic
  rate-limit:
    variants: {low: 100, high: 1000}
    default: high
  banner:
    variants: {none: {}, sale: {text: "Sale!"}}
    default: none
  payments-v2:
    enabled: false
    default: on
`

var anyone = flagkit.Subject{Key: "user-1"}

func TestOverride(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	ctx := context.Background()
	type theme string
	tests := []struct {
		name        string
		flag        string
		value       any
		wantValue   any
		wantVariant string
	}{
		{"bool", "new-checkout", true, true, "on"},
		{"variant name", "new-checkout", "on", true, "on"},
		{"true as a name", "new-checkout", "true", true, "on"},
		{"string variant", "checkout-theme", "neon", "neon", "neon"},
		{"named string type", "checkout-theme", theme("dark"), "dark", "dark"},
		{"literal string", "checkout-theme", flagkittest.Literal("purple"), "purple", ""},
		{"number variant by name", "rate-limit", "low", int64(100), "low"},
		{"number variant by value", "rate-limit", 100, int64(100), "low"},
		{"number literal", "rate-limit", uint16(250), int64(250), ""},
		{"float literal", "rate-limit", 2.5, 2.5, ""},
		{"object variant", "banner", "sale", map[string]any{"text": "Sale!"}, "sale"},
		{"object literal", "banner", map[string]string{"text": "Hi"}, map[string]any{"text": "Hi"}, ""},
		{"beats enabled: false", "payments-v2", true, true, "on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flagkittest.Override(t, c, map[string]any{tt.flag: tt.value})
			d := c.Evaluate(ctx, tt.flag, anyone)
			if d.Err != nil || !reflect.DeepEqual(d.Value, tt.wantValue) || d.Variant != tt.wantVariant ||
				d.Reason != flagkit.ReasonStatic || d.Source != "flagkittest" {
				t.Errorf("Evaluate(%q) = %+v; want %#v (variant %q), STATIC from flagkittest", tt.flag, d, tt.wantValue, tt.wantVariant)
			}
		})
	}
	// Every override above was undone when its subtest ended.
	want := map[string]any{"new-checkout": false, "checkout-theme": "classic", "rate-limit": int64(1000), "banner": map[string]any{}, "payments-v2": false}
	for flag, w := range want {
		if d := c.Evaluate(ctx, flag, anyone); !reflect.DeepEqual(d.Value, w) || d.Source == "flagkittest" {
			t.Errorf("after the subtests, Evaluate(%q) = %+v; want %v from the document", flag, d, w)
		}
	}
}

func TestOverrideGetters(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	flagkittest.Override(t, c, map[string]any{"new-checkout": true, "checkout-theme": "dark", "rate-limit": "low"})
	ctx := context.Background()
	if got := c.Bool(ctx, "new-checkout", anyone, false); !got {
		t.Errorf("Bool(%q) = %v; want true", "new-checkout", got)
	}
	if got := c.String(ctx, "checkout-theme", anyone, "classic"); got != "dark" {
		t.Errorf("String(%q) = %q; want %q", "checkout-theme", got, "dark")
	}
	if got := c.Int(ctx, "rate-limit", anyone, 0); got != 100 {
		t.Errorf("Int(%q) = %d; want 100", "rate-limit", got)
	}
	v := c.View()
	if got := v.String(ctx, "checkout-theme", anyone, "classic"); got != "dark" {
		t.Errorf("View().String(%q) = %q; want %q", "checkout-theme", got, "dark")
	}
	if got := c.All(ctx, anyone)["new-checkout"].Value; got != true {
		t.Errorf("All()[%q].Value = %v; want true", "new-checkout", got)
	}
}

func TestOverrideForSubjects(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	flagkittest.Override(t, c, map[string]any{"checkout-theme": "neon"})
	flagkittest.Override(t, c, map[string]any{"checkout-theme": "dark"}, flagkittest.ForSubjects("ann", "bob"))
	ctx := context.Background()
	for key, want := range map[string]string{"ann": "dark", "bob": "dark", "cid": "neon"} {
		if got := c.String(ctx, "checkout-theme", flagkit.Subject{Key: key}, ""); got != want {
			t.Errorf("String(%q) for %s = %q; want %q", "checkout-theme", key, got, want)
		}
	}
}

func TestOverrideRejects(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	tests := []struct {
		name   string
		values map[string]any
		opts   []flagkittest.OverrideOption
		want   []string
	}{
		{"wrong type", map[string]any{"new-checkout": 1},
			nil, []string{"flagkittest.Override", `flag "new-checkout" is boolean, not number: cannot serve 1 (int)`}},
		{"string for a boolean", map[string]any{"new-checkout": "yes"},
			nil, []string{`flag "new-checkout" (boolean) has no variant "yes" (variants: on, off)`}},
		{"unknown variant", map[string]any{"checkout-theme": "purple"},
			nil, []string{`flag "checkout-theme" (string) has no variant "purple" (variants: classic, dark, neon)`}},
		{"unknown flag", map[string]any{"new-chekout": true},
			nil, []string{`flag "new-chekout" is not defined by the client; did you mean "new-checkout"? (use AllowUnknown`}},
		{"unknown flag, nothing close", map[string]any{"zzz": true},
			nil, []string{`flag "zzz" is not defined by the client (use AllowUnknown`}},
		{"nil value", map[string]any{"new-checkout": nil},
			nil, []string{`flag "new-checkout" (boolean): cannot serve nil`}},
		{"every problem listed", map[string]any{"new-checkout": 1, "rate-limit": true},
			nil, []string{`flag "new-checkout" is boolean`, `; flag "rate-limit" is number`}},
		{"empty ForSubjects", map[string]any{"new-checkout": true},
			[]flagkittest.OverrideOption{flagkittest.ForSubjects()}, []string{"ForSubjects needs at least one subject key"}},
		{"empty subject key", map[string]any{"new-checkout": true},
			[]flagkittest.OverrideOption{flagkittest.ForSubjects("")}, []string{"ForSubjects: empty subject key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := runFake(t, "TestFake", func(tb *fakeTB) { flagkittest.Override(tb, c, tt.values, tt.opts...) })
			wantFatal(t, f, tt.want...)
			f = runFake(t, "TestFake", func(tb *fakeTB) { flagkittest.Context(tb, context.Background(), c, tt.values, tt.opts...) })
			wantFatal(t, f, "flagkittest.Context")
		})
	}
	// Nothing leaked from the rejected overrides.
	if d := c.Evaluate(context.Background(), "new-checkout", anyone); d.Source == "flagkittest" {
		t.Errorf("Evaluate(%q) = %+v; want no override", "new-checkout", d)
	}
	f := runFake(t, "TestFake", func(tb *fakeTB) { flagkittest.Override(tb, nil, map[string]any{"x": true}) })
	wantFatal(t, f, "flagkittest.Override: nil client")
	f = runFake(t, "TestFake", func(tb *fakeTB) {
		var ctx context.Context // nil
		flagkittest.Context(tb, ctx, c, map[string]any{"new-checkout": true})
	})
	wantFatal(t, f, "flagkittest.Context: nil context")
}

func TestOverrideAllowUnknown(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	flagkittest.Override(t, c, map[string]any{"not-yet-defined": "hello"}, flagkittest.AllowUnknown())
	d := c.Evaluate(context.Background(), "not-yet-defined", anyone)
	if d.Value != "hello" || d.Err != nil || d.Source != "flagkittest" {
		t.Errorf("Evaluate(%q) = %+v; want hello from flagkittest", "not-yet-defined", d)
	}
	// AllowUnknown does not relax the type check of known flags.
	f := runFake(t, "TestFake", func(tb *fakeTB) {
		flagkittest.Override(tb, c, map[string]any{"new-checkout": 3}, flagkittest.AllowUnknown())
	})
	wantFatal(t, f, `flag "new-checkout" is boolean, not number`)
}

func TestOverrideConflict(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	a := startFake(t, "TestA", func(tb *fakeTB) { flagkittest.Override(tb, c, map[string]any{"new-checkout": true}) })
	wantPass(t, a)

	b := runFake(t, "TestB", func(tb *fakeTB) { flagkittest.Override(tb, c, map[string]any{"new-checkout": false}) })
	wantFatal(t, b, `flagkittest.Override: flag "new-checkout" is already overridden for everyone by TestA; tests that override the same flag of one client cannot run in parallel`)
	bs := runFake(t, "TestB", func(tb *fakeTB) {
		flagkittest.Override(tb, c, map[string]any{"checkout-theme": "dark"}, flagkittest.ForSubjects("ann"))
	})
	wantPass(t, bs) // another flag: no conflict

	// A subtest of TestA may replace its parent's override; its own ends with it.
	sub := runFake(t, "TestA/sub", func(tb *fakeTB) {
		flagkittest.Override(tb, c, map[string]any{"new-checkout": false})
		if got := c.Bool(context.Background(), "new-checkout", anyone, true); got {
			tb.Errorf("Bool in subtest = %v; want false", got)
		}
	})
	wantPass(t, sub)
	if got := c.Bool(context.Background(), "new-checkout", anyone, false); !got {
		t.Errorf("Bool(%q) after the subtest = %v; want TestA's true", "new-checkout", got)
	}

	a.cleanup()
	if d := c.Evaluate(context.Background(), "new-checkout", anyone); d.Value != false || d.Source == "flagkittest" {
		t.Errorf("Evaluate(%q) after TestA = %+v; want false from the document", "new-checkout", d)
	}
	b = runFake(t, "TestB", func(tb *fakeTB) { flagkittest.Override(tb, c, map[string]any{"new-checkout": false}) })
	wantPass(t, b)
}

func TestContext(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc) // shared by the parallel subtests
	themes := []string{"classic", "dark", "neon"}
	for _, theme := range themes {
		t.Run(theme, func(t *testing.T) {
			t.Parallel()
			ctx := flagkittest.Context(t, context.Background(), c, map[string]any{"checkout-theme": theme, "new-checkout": true})
			for range 100 {
				if got := c.String(ctx, "checkout-theme", anyone, ""); got != theme {
					t.Fatalf("String(%q) = %q; want %q", "checkout-theme", got, theme)
				}
			}
			if got := c.View().Bool(ctx, "new-checkout", anyone, false); !got {
				t.Errorf("View().Bool(%q) = %v; want true", "new-checkout", got)
			}
			// Without the context, the document decides.
			if got := c.Bool(context.Background(), "new-checkout", anyone, true); got {
				t.Errorf("Bool(%q) without the context = %v; want false", "new-checkout", got)
			}
		})
	}
}

func TestContextLayers(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	other := flagkittest.FromYAML(t, serviceDoc)
	flagkittest.Override(t, c, map[string]any{"checkout-theme": "neon", "rate-limit": "low"})

	ctx := flagkittest.Context(t, context.Background(), c, map[string]any{"checkout-theme": "dark"})
	ctx = flagkittest.Context(t, ctx, c, map[string]any{"checkout-theme": "classic"}, flagkittest.ForSubjects("ann"))
	ctx = flagkittest.Context(t, ctx, other, map[string]any{"rate-limit": "high"})

	tests := []struct {
		client  *flagkit.Client
		ctx     context.Context
		flag    string
		subject string
		want    string
	}{
		{c, ctx, "checkout-theme", "bob", "dark"},                  // the context beats Override
		{c, ctx, "checkout-theme", "ann", "classic"},               // the later Context wins
		{c, ctx, "rate-limit", "bob", "low"},                       // Override shows through
		{c, context.Background(), "checkout-theme", "bob", "neon"}, // Override alone
		{other, ctx, "checkout-theme", "bob", "classic"},           // other clients ignore c's context
		{other, ctx, "rate-limit", "bob", "high"},
	}
	for i, tt := range tests {
		if got := tt.client.Evaluate(tt.ctx, tt.flag, flagkit.Subject{Key: tt.subject}).Variant; got != tt.want {
			t.Errorf("%d: Evaluate(%q) for %s: variant %q; want %q", i, tt.flag, tt.subject, got, tt.want)
		}
	}
}

func TestContextUnpreparedClient(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	fresh := flagkittest.FromYAML(t, serviceDoc) // no test has touched it
	ctx := flagkittest.Context(t, context.Background(), c, map[string]any{"new-checkout": true})
	if got := fresh.Bool(ctx, "new-checkout", anyone, false); got {
		t.Errorf("Bool(%q) on an untouched client = %v; want false", "new-checkout", got)
	}
	if n := testing.AllocsPerRun(100, func() { fresh.Bool(ctx, "new-checkout", anyone, false) }); n != 0 {
		t.Errorf("Bool on an untouched client allocates %v times; want 0", n)
	}
}

func TestOverrideConcurrentEvaluations(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					c.String(context.Background(), "checkout-theme", anyone, "")
				}
			}
		}()
	}
	for i := range 50 {
		t.Run("", func(t *testing.T) {
			theme := []string{"dark", "neon"}[i%2]
			flagkittest.Override(t, c, map[string]any{"checkout-theme": theme})
			if got := c.String(context.Background(), "checkout-theme", anyone, ""); got != theme {
				t.Errorf("String(%q) = %q; want %q", "checkout-theme", got, theme)
			}
		})
	}
	close(stop)
	wg.Wait()
}

func TestEachVariant(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	for _, tt := range []struct {
		flag string
		want []string
	}{
		{"checkout-theme", []string{"classic", "dark", "neon"}},
		{"new-checkout", []string{"on", "off"}},
	} {
		var got []string
		flagkittest.EachVariant(t, c, tt.flag, func(t *testing.T, variant string) {
			if !containsName(t.Name(), variant) {
				t.Errorf("subtest %s for variant %q", t.Name(), variant)
			}
			if v := c.Evaluate(context.Background(), tt.flag, anyone).Variant; v != variant {
				t.Errorf("Evaluate(%q).Variant = %q; want %q", tt.flag, v, variant)
			}
			got = append(got, variant)
		})
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("EachVariant(%q) ran %q; want %q", tt.flag, got, tt.want)
		}
		if d := c.Evaluate(context.Background(), tt.flag, anyone); d.Source == "flagkittest" {
			t.Errorf("after EachVariant, Evaluate(%q) = %+v; want no override", tt.flag, d)
		}
	}
}

func containsName(name, variant string) bool {
	return len(name) > len(variant) && name[len(name)-len(variant)-1:] == "/"+variant
}

func TestEachVariantUnknown(t *testing.T) {
	c := flagkittest.FromYAML(t, serviceDoc)
	f := runFake(t, "TestFake", func(tb *fakeTB) { flagkittest.VariantsOf(tb, c, "checkout-thme") })
	wantFatal(t, f, `flagkittest.EachVariant: flag "checkout-thme" is not defined by the client; did you mean "checkout-theme"?`)
}
