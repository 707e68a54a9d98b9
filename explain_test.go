package flagkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
	"github.com/flagkit/flagkit/source"
)

// explainBase and explainOps are two layers: a flag file and an operator's
// overrides.
const explainBase = `
cohorts:
  staff:
    when: {email: {ends_with: "@example.com", ignore_case: true}}
  nordics:
    when: {country: {in: ["NO", "SE"]}}
  nordic-staff:
    cohort: staff
    when: {country: {eq: "NO"}}
flags:
  gate:
    default: on
  checkout:
    default: off
    requires: {gate: on}
    rules:
      - name: staff
        cohort: nordic-staff
        serve: on
      - name: beta window
        from: 2026-12-01T09:00:00Z
        until: 2027-01-01T00:00:00Z
        when:
          - {plan: {eq: pro}, version: {semver_gte: "2.1"}}
          - {seats: {gte: 100}}
        serve: on
      - name: ramp
        percent:
          - {at: 2026-12-01T00:00:00Z, value: 0}
          - {at: 2026-12-11T00:00:00Z, value: 50}
        serve: on
  theme:
    variants: {classic: classic, dark: dark, neon: neon}
    default: classic
    requires: {gate: on, checkout: on}
    rules:
      - name: experiment
        cohorts: [nordics, staff]
        split: {classic: 50, dark: 25, neon: 25}
        percent: 80
  limit:
    variants: {low: 100, high: 1000}
    default: low
  off:
    enabled: false
    default: on
`

const explainOps = `
overrides:
  limit: high
`

func explainClient(t *testing.T, opts ...flagkit.Option) *flagkit.Client {
	t.Helper()
	opts = append([]flagkit.Option{
		flagkit.WithSource(source.Bytes("base.yaml", []byte(explainBase))),
		flagkit.WithSource(source.Bytes("ops.yaml", []byte(explainOps))),
		flagkit.WithStrict(),
	}, opts...)
	c, err := flagkit.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, c)
	return c
}

// TestExplainText checks the tree of explanations of every shape against
// golden files in testdata/explain (go test -run TestExplainText -update
// rewrites them), and that each serves what Evaluate serves.
func TestExplainText(t *testing.T) {
	c := explainClient(t, flagkit.WithAttributes(flagkit.Attrs{"plan": "free"}))
	ctx := context.Background()
	tests := []struct {
		golden  string
		flag    string
		at      string
		subject flagkit.Subject
	}{
		{"staff", "checkout", "2026-12-06T00:00:00Z",
			flagkit.Subject{Key: "ada", Attrs: flagkit.Attrs{"email": "Ada@EXAMPLE.com", "country": "NO"}}},
		{"window-and-ramp", "checkout", "2026-12-06T00:00:00Z",
			flagkit.Subject{Key: "user-7", Attrs: flagkit.Attrs{"email": "bob@acme.test", "plan": "pro", "version": "2.0.9", "seats": "many"}}},
		{"window-closed", "checkout", "2027-02-01T00:00:00Z",
			flagkit.Subject{Key: "user-7", Attrs: flagkit.Attrs{"version": "v2.3", "seats": 120}}},
		{"split", "theme", "2026-12-20T00:00:00Z",
			flagkit.Subject{Key: "nils", Attrs: flagkit.Attrs{"country": "SE", "email": strings.Repeat("x", 5000)}}},
		{"override", "limit", "2026-12-06T00:00:00Z", flagkit.Subject{Key: "k"}},
		{"disabled", "off", "2026-12-06T00:00:00Z", flagkit.Subject{Key: "k"}},
		{"missing", "nope", "2026-12-06T00:00:00Z", flagkit.Subject{Key: "k"}},
		{"no-key", "checkout", "2026-12-06T00:00:00Z", flagkit.Subject{Attrs: flagkit.Attrs{"version": 2, "country": []string{"DK", "NO"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			v := c.ViewAt(mustTime(t, tt.at))
			e := v.Explain(ctx, tt.flag, tt.subject)
			if d := v.Evaluate(ctx, tt.flag, tt.subject); !reflect.DeepEqual(e.Result, d) {
				t.Errorf("Explain(%q).Result = %+v; Evaluate = %+v", tt.flag, e.Result, d)
			}
			checkGolden(t, filepath.Join("testdata", "explain", tt.golden+".txt"), e.String())
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("explanation differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestExplainFields checks the structured steps: a condition's value and
// problem, a ramp's percentage at the instant, a window's bounds, the
// layers and a repeated prerequisite.
func TestExplainFields(t *testing.T) {
	c := explainClient(t)
	ctx := context.Background()
	at := mustTime(t, "2026-12-06T00:00:00Z")
	s := flagkit.Subject{Key: "user-7", Attrs: flagkit.Attrs{"email": 42, "plan": "pro", "version": "abc", "seats": strings.Repeat("é", 3000)}}
	e := c.ViewAt(at).Explain(ctx, "checkout", s)

	wantLayers := []flagkit.LayerCheck{
		{Source: "base.yaml", Definition: "valid", InForce: true},
		{Source: "ops.yaml"},
	}
	if !reflect.DeepEqual(e.Layers, wantLayers) {
		t.Errorf("Layers = %+v; want %+v", e.Layers, wantLayers)
	}
	if len(e.Rules) != 3 {
		t.Fatalf("Rules = %+v; want 3", e.Rules)
	}
	staff := e.Rules[0].Cohorts[0]
	wantEmail := flagkit.ConditionCheck{Attribute: "email", Operator: "ends_with", Operand: `"@example.com"`,
		IgnoreCase: true, Value: 42, Problem: "wrong type"}
	if got := staff.Narrows[0].When[0].Conditions[0]; !reflect.DeepEqual(got, wantEmail) {
		t.Errorf("email condition = %+v; want %+v", got, wantEmail)
	}
	wantCountry := flagkit.ConditionCheck{Attribute: "country", Operator: "eq", Operand: `"NO"`, Problem: "missing"}
	if got := staff.When[0].Conditions[0]; !reflect.DeepEqual(got, wantCountry) {
		t.Errorf("country condition = %+v; want %+v", got, wantCountry)
	}
	window := e.Rules[1]
	from, until := mustTime(t, "2026-12-01T09:00:00Z"), mustTime(t, "2027-01-01T00:00:00Z")
	if w := window.Window; w == nil || !w.Open || !w.From.Equal(from) || !w.Until.Equal(until) {
		t.Errorf("Window = %+v; want open from %v until %v", w, from, until)
	}
	if got := window.When[0].Conditions[1]; got.Problem != "not a version" || got.Value != "abc" || got.Holds {
		t.Errorf("version condition = %+v; want abc, not a version, fails", got)
	}
	seats := window.When[1].Conditions[0]
	if seats.Problem != "too long" || !strings.HasSuffix(seats.Value.(string), "é…") || len(seats.Value.(string)) != 256+len("…") {
		t.Errorf("seats condition = %q (%s); want 256 bytes and an ellipsis, too long", seats.Value, seats.Problem)
	}
	// The ramp: 0 to 50 % over ten days, five days in: 25 %.
	wantBucket := flagkit.BucketCheck{By: "key", Salt: "checkout", Bucket: e.Rules[2].Bucket.Bucket, Percent: 25, Ramped: true,
		Inside: e.Rules[2].Bucket.Bucket < 25000}
	if got := *e.Rules[2].Bucket; !reflect.DeepEqual(got, wantBucket) {
		t.Errorf("Bucket = %+v; want %+v", got, wantBucket)
	}

	// theme requires gate and checkout; checkout requires gate again:
	// explained once, then a repeat.
	th := c.ViewAt(at).Explain(ctx, "theme", s)
	if len(th.Requires) < 2 {
		t.Fatalf("Requires = %+v", th.Requires)
	}
	gate := th.Requires[0]
	if gate.Flag != "gate" || gate.Repeat || gate.Explanation == nil || !gate.Met || gate.Served != "on" {
		t.Errorf("first gate = %+v; want explained and met", gate)
	}
	again := th.Requires[1].Explanation.Requires[0]
	if again.Flag != "gate" || !again.Repeat || again.Explanation != nil || !again.Met {
		t.Errorf("gate under checkout = %+v; want a repeat, met", again)
	}
}

func TestExplainOverrideAndClosed(t *testing.T) {
	c := explainClient(t)
	ctx := context.Background()
	e := c.Explain(ctx, "limit", flagkit.Subject{})
	want := &flagkit.OverrideCheck{Variant: "high", Value: int64(1000), Source: "ops.yaml"}
	if !reflect.DeepEqual(e.Override, want) {
		t.Errorf("Override = %+v; want %+v", e.Override, want)
	}
	if e.Layers[1].Override != `"high"` {
		t.Errorf("Layers[1].Override = %q; want %q", e.Layers[1].Override, `"high"`)
	}
	if len(e.Rules) != 0 || e.Result.Reason != flagkit.ReasonStatic {
		t.Errorf("override explanation = %+v", e)
	}

	var zero flagkit.View
	if got := zero.Explain(ctx, "limit", flagkit.Subject{}); got.Result.Reason != flagkit.ReasonError || !errors.Is(got.Result.Err, flagkit.ErrClosed) {
		t.Errorf("zero View Explain = %+v; want ErrClosed", got.Result)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := c.Explain(ctx, "limit", flagkit.Subject{}); !errors.Is(got.Result.Err, flagkit.ErrClosed) {
		t.Errorf("closed client Explain = %+v; want ErrClosed", got.Result)
	}
}

// TestExplainTestOverride: a flagkittest override decides, and says so.
func TestExplainTestOverride(t *testing.T) {
	c := explainClient(t)
	flagkittest.Override(t, c, map[string]any{"checkout": "on"})
	e := c.Explain(context.Background(), "checkout", flagkit.Subject{Key: "k"})
	if !e.TestOverride || e.Result.Variant != "on" || e.Result.Source != "flagkittest" || len(e.Rules) != 0 {
		t.Errorf("Explain under a test override = %+v", e)
	}
	if d := c.Evaluate(context.Background(), "checkout", flagkit.Subject{Key: "k"}); !reflect.DeepEqual(d, e.Result) {
		t.Errorf("Result = %+v; Evaluate = %+v", e.Result, d)
	}
}

// TestExplainJSON checks the JSON encoding's field names and that an
// instant outside the years 0-9999 still encodes.
func TestExplainJSON(t *testing.T) {
	c := explainClient(t)
	e := c.ViewAt(mustTime(t, "2026-12-06T00:00:00Z")).Explain(context.Background(), "off", flagkit.Subject{Key: "k"})
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"flag":"off","subject_key":"k","layers":[{"source":"base.yaml","definition":"valid","in_force":true},{"source":"ops.yaml"}],` +
		`"source":"base.yaml","enabled":false,"result":{"value":false,"variant":"off","type":"boolean","reason":"DISABLED","source":"base.yaml"},"at":"2026-12-06T00:00:00Z"}`
	if string(b) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", b, want)
	}
	far := c.ViewAt(time.UnixMilli(1<<62)).Explain(context.Background(), "off", flagkit.Subject{})
	if _, err := json.Marshal(far); err != nil {
		t.Errorf("json.Marshal at year %d: %v", far.At.Year(), err)
	}
}
