package flagkit_test

// Allocation tests: every typed getter (Bool, String, Int, Float), on every
// kind of flag the hot path meets, allocates nothing. They run under -race
// too (the race detector adds no allocation to these paths), so CI's
// go test -race checks them.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
)

// noallocKind is one value type of the generated document: the flags of
// that type are named <prefix>-<suffix>.
type noallocKind struct {
	suffix   string
	variants string // the variants: line; "" for a boolean flag
	on, def  string // the variant rules serve, and the default
	split    string
}

var noallocKinds = []noallocKind{
	{suffix: "bool", on: "on", def: "off", split: "{on: 50, off: 50}"},
	{suffix: "string", variants: "{a: alpha, b: beta, c: gamma}", on: "a", def: "c", split: "{a: 50, b: 50}"},
	{suffix: "int", variants: "{low: 1, high: 2, top: 3}", on: "high", def: "low", split: "{high: 50, top: 50}"},
	{suffix: "float", variants: "{low: 0.5, high: 1.5, top: 2.5}", on: "high", def: "low", split: "{high: 50, top: 50}"},
}

// noallocNow is the fixed time of the allocation tests' clients: inside
// every window, halfway up every ramp.
var noallocNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// noallocDoc generates, for every kind, a static flag, a 50 % rollout, a
// cohort rule then a 30 % rollout, a split by an integer attribute, a
// window with a ramp and a flag at the end of a chain of prerequisites.
func noallocDoc() []byte {
	var b strings.Builder
	b.WriteString(`
cohorts:
  nordic-pro:
    when:
      country: {in: ["NO", "SE", "DK", "FI", "IS"]}
      plan: {eq: pro}
flags:
  chain-root:
    default: off
    rules:
      - cohort: nordic-pro
        serve: on
  chain-mid:
    default: on
    requires: {chain-root: on}
`)
	at := func(d time.Duration) string { return noallocNow.Add(d).Format(time.RFC3339) }
	for _, k := range noallocKinds {
		head := func(name string) {
			fmt.Fprintf(&b, "  %s-%s:\n", name, k.suffix)
			if k.variants != "" {
				fmt.Fprintf(&b, "    variants: %s\n    off_variant: %s\n", k.variants, k.def)
			}
		}
		head("static")
		fmt.Fprintf(&b, "    default: %s\n", k.on)
		head("rollout")
		fmt.Fprintf(&b, "    default: %s\n    rules:\n      - {percent: 50, serve: %s}\n", k.def, k.on)
		head("cohort")
		fmt.Fprintf(&b, "    default: %s\n    rules:\n      - {cohort: nordic-pro, serve: %s}\n      - {percent: 30, serve: %s}\n",
			k.def, k.on, k.on)
		head("split")
		fmt.Fprintf(&b, "    default: %s\n    by: account_id\n    rules:\n      - split: %s\n", k.def, k.split)
		head("window")
		fmt.Fprintf(&b, "    default: %s\n    rules:\n      - from: %s\n        until: %s\n"+
			"        percent: [{at: %s, value: 0}, {at: %s, value: 100}]\n        serve: %s\n",
			k.def, at(-time.Hour), at(time.Hour), at(-24*time.Hour), at(24*time.Hour), k.on)
		head("chain")
		fmt.Fprintf(&b, "    default: %s\n    requires: {chain-mid: on}\n", k.on)
	}
	return []byte(b.String())
}

// noallocSubjects returns 60 subjects of varied countries and plans; every
// tenth has no account_id, so that a split by it falls through.
func noallocSubjects() []flagkit.Subject {
	countries := []string{"NO", "SE", "DE", "FI", "FR", "IS", "US"}
	plans := []string{"pro", "free", "enterprise"}
	out := make([]flagkit.Subject, 60)
	for i := range out {
		attrs := flagkit.Attrs{"country": countries[i%len(countries)], "plan": plans[i%len(plans)]}
		if i%10 != 9 {
			attrs["account_id"] = 1000 + i
		}
		out[i] = flagkit.Subject{Key: fmt.Sprintf("user-%d", i), Attrs: attrs}
	}
	return out
}

// noallocGetter is one typed getter, wrapped so that a table can hold all
// four without boxing their results.
type noallocGetter struct {
	name     string
	suffix   string // the kind of flag it reads
	mismatch string // a flag of another type
	// run calls the getter for every subject, through a View made for
	// each call when view is set.
	run func(c *flagkit.Client, view bool, key string, subjects []flagkit.Subject)
	// check fails t unless the getter's result for s is the value d
	// serves, or the fallback when d serves none of the getter's type.
	check func(t *testing.T, c *flagkit.Client, view bool, key string, s flagkit.Subject, d flagkit.Detail)
}

func makeNoallocGetter[T comparable](name, suffix, mismatch string, fallback T,
	onClient func(*flagkit.Client, context.Context, string, flagkit.Subject, T) T,
	onView func(flagkit.View, context.Context, string, flagkit.Subject, T) T,
	want func(v any) (T, bool),
) noallocGetter {
	ctx := context.Background()
	get := func(c *flagkit.Client, view bool, key string, s flagkit.Subject) T {
		if view {
			return onView(c.View(), ctx, key, s, fallback)
		}
		return onClient(c, ctx, key, s, fallback)
	}
	return noallocGetter{
		name: name, suffix: suffix, mismatch: mismatch,
		run: func(c *flagkit.Client, view bool, key string, subjects []flagkit.Subject) {
			var last T
			for _, s := range subjects {
				last = get(c, view, key, s)
			}
			_ = last
		},
		check: func(t *testing.T, c *flagkit.Client, view bool, key string, s flagkit.Subject, d flagkit.Detail) {
			t.Helper()
			w, ok := want(d.Value)
			if !ok {
				w = fallback
			}
			if got := get(c, view, key, s); got != w {
				t.Errorf("%s(%q, %q) = %v; want %v (detail %+v)", name, key, s.Key, got, w, d)
			}
		},
	}
}

func noallocGetters() []noallocGetter {
	return []noallocGetter{
		makeNoallocGetter("Bool", "bool", "static-string", true,
			(*flagkit.Client).Bool, flagkit.View.Bool,
			func(v any) (bool, bool) { b, ok := v.(bool); return b, ok }),
		makeNoallocGetter("String", "string", "static-int", "fallback",
			(*flagkit.Client).String, flagkit.View.String,
			func(v any) (string, bool) { s, ok := v.(string); return s, ok }),
		makeNoallocGetter("Int", "int", "static-bool", int64(-1),
			(*flagkit.Client).Int, flagkit.View.Int,
			func(v any) (int64, bool) { i, ok := v.(int64); return i, ok }),
		makeNoallocGetter("Float", "float", "static-string", -1.5,
			(*flagkit.Client).Float, flagkit.View.Float,
			func(v any) (float64, bool) {
				switch x := v.(type) {
				case float64:
					return x, true
				case int64:
					return float64(x), true
				}
				return 0, false
			}),
	}
}

// noallocCases are the flags of each getter's kind that the tests
// evaluate, with every reason their subjects must produce (and no other).
var noallocCases = []struct {
	name    string
	prefix  string // "" for the getter's mismatching flag
	view    bool
	reasons []flagkit.Reason
}{
	{"static", "static", false, []flagkit.Reason{flagkit.ReasonStatic}},
	{"percentage rollout", "rollout", false, []flagkit.Reason{flagkit.ReasonSplit, flagkit.ReasonDefault}},
	{"cohort rule then rollout", "cohort", false,
		[]flagkit.Reason{flagkit.ReasonTargetingMatch, flagkit.ReasonSplit, flagkit.ReasonDefault}},
	{"split", "split", false, []flagkit.Reason{flagkit.ReasonSplit, flagkit.ReasonDefault}},
	{"window and ramp", "window", false, []flagkit.Reason{flagkit.ReasonSplit, flagkit.ReasonDefault}},
	{"prerequisite chain", "chain", false, []flagkit.Reason{flagkit.ReasonDefault, flagkit.ReasonPrerequisiteFailed}},
	{"missing flag", "missing", false, []flagkit.Reason{flagkit.ReasonError}},
	{"type mismatch", "", false, []flagkit.Reason{flagkit.ReasonStatic}},
	{"view", "cohort", true,
		[]flagkit.Reason{flagkit.ReasonTargetingMatch, flagkit.ReasonSplit, flagkit.ReasonDefault}},
}

func TestGettersNoAlloc(t *testing.T) {
	c, err := flagkit.New(context.Background(),
		flagkit.WithSource(source.Bytes("noalloc.yaml", noallocDoc())),
		flagkit.WithClock(func() time.Time { return noallocNow }),
		flagkit.WithStrict())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	ctx := context.Background()
	subjects := noallocSubjects()
	for _, g := range noallocGetters() {
		for _, tc := range noallocCases {
			key := tc.prefix + "-" + g.suffix
			if tc.prefix == "" {
				key = g.mismatch
			}
			t.Run(g.name+"/"+tc.name, func(t *testing.T) {
				// The flag must take the paths the case names, and the
				// getter must agree with Evaluate, before its allocations
				// mean anything.
				var reasons []flagkit.Reason
				for _, s := range subjects {
					d := c.Evaluate(ctx, key, s)
					if tc.view {
						d = c.View().Evaluate(ctx, key, s)
					}
					if !slices.Contains(reasons, d.Reason) {
						reasons = append(reasons, d.Reason)
					}
					g.check(t, c, tc.view, key, s, d)
				}
				slices.Sort(reasons)
				want := slices.Sorted(slices.Values(tc.reasons))
				if !slices.Equal(reasons, want) {
					t.Fatalf("Evaluate(%q) over %d subjects gave reasons %v; want %v", key, len(subjects), reasons, want)
				}
				allocs := testing.AllocsPerRun(100, func() { g.run(c, tc.view, key, subjects) })
				if allocs != 0 {
					t.Errorf("%s(%q) over %d subjects: %v allocations per run; want 0", g.name, key, len(subjects), allocs)
				}
			})
		}
	}
}

// TestClockReadOnlyForTimedFlags checks that evaluation reads the clock only for
// flags with a time part, once per evaluation, and that a View reads it
// once, when it is made. It runs in a synctest bubble so that the client's
// own goroutines are idle while the reads are counted.
func TestClockReadOnlyForTimedFlags(t *testing.T) {
	tests := []struct {
		name  string
		key   string
		view  bool
		reads int64 // clock reads for evaluating every subject once
	}{
		{"static", "static-bool", false, 0},
		{"percentage rollout", "rollout-bool", false, 0},
		{"cohort rule then rollout", "cohort-bool", false, 0},
		{"split", "split-bool", false, 0},
		{"prerequisite chain", "chain-bool", false, 0},
		{"missing flag", "missing-bool", false, 0},
		{"window and ramp", "window-bool", false, 60},
		{"window and ramp through a view", "window-bool", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var reads atomic.Int64
				clock := func() time.Time {
					reads.Add(1)
					return noallocNow
				}
				c, err := flagkit.New(context.Background(),
					flagkit.WithSource(source.Bytes("noalloc.yaml", noallocDoc())),
					flagkit.WithClock(clock), flagkit.WithStrict())
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				defer func() {
					if err := c.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				}()
				synctest.Wait() // the client's goroutines are blocked from here on
				subjects := noallocSubjects()
				before := reads.Load()
				if tt.view {
					v := c.View()
					for _, s := range subjects {
						v.Bool(context.Background(), tt.key, s, false)
					}
				} else {
					for _, s := range subjects {
						c.Bool(context.Background(), tt.key, s, false)
					}
				}
				if got := reads.Load() - before; got != tt.reads {
					t.Errorf("Bool(%q) for %d subjects read the clock %d times; want %d", tt.key, len(subjects), got, tt.reads)
				}
			})
		})
	}
}
