package flagkit_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
)

func TestFlagInfoValues(t *testing.T) {
	c := newClient(t, `
flags:
  plain: {}
  theme: {variants: {a: classic, b: dark}, default: a}
  limit: {variants: {low: 100, high: 1.5}, default: low}
  shape: {variants: {x: {size: 2, tags: [a]}, y: [1]}, default: x}
`)
	want := map[string][]any{
		"plain": {true, false},
		"theme": {"classic", "dark"},
		"limit": {int64(100), 1.5},
		"shape": {map[string]any{"size": 2.0, "tags": []any{"a"}}, []any{1.0}},
	}
	for _, info := range c.Flags() {
		if !reflect.DeepEqual(info.Values, want[info.Key]) || len(info.Values) != len(info.Variants) {
			t.Errorf("Flags()[%q].Values = %#v (variants %q); want %#v", info.Key, info.Values, info.Variants, want[info.Key])
		}
	}
	// The values are copies.
	info := c.Flags()[2] // shape
	info.Values[0].(map[string]any)["size"] = 3.0
	if got := c.Flags()[2].Values[0].(map[string]any)["size"]; got != 2.0 {
		t.Errorf("Flags()[shape].Values[0][size] = %v after changing a copy; want 2", got)
	}
}

func TestSettled(t *testing.T) {
	const doc = `
cohorts:
  staff: {when: {email: {ends_with: "@example.com"}}}
flags:
  disabled: {enabled: false}
  disabled-no-off: {enabled: false, variants: {a: x, b: y}, default: a}
  static-default: {}
  static-on: {default: on}
  cohort-rule: {rules: [{cohort: staff, serve: on}]}
  cohort-same-as-default: {default: on, rules: [{cohort: staff, serve: on}]}
  launched:
    rules:
      - {cohort: staff, serve: on}
      - {from: 2026-01-10T09:00:00Z, serve: on}
  launch-ahead: {rules: [{from: 2026-03-01T00:00:00Z, serve: on}]}
  window-closed: {rules: [{from: 2026-01-01T00:00:00Z, until: 2026-01-15T00:00:00Z, serve: on}]}
  window-open: {rules: [{from: 2026-01-01T00:00:00Z, until: 2026-03-01T00:00:00Z, serve: on}]}
  ramp-done:
    rules:
      - percent: [{at: 2026-01-01T00:00:00Z, value: 10}, {at: 2026-01-20T00:00:00Z, value: 100}]
        serve: on
  ramp-going:
    rules:
      - percent: [{at: 2026-01-01T00:00:00Z, value: 10}, {at: 2026-03-01T00:00:00Z, value: 100}]
        serve: on
  ramp-down:
    default: on
    rules:
      - percent: [{at: 2026-01-01T00:00:00Z, value: 50}, {at: 2026-01-20T00:00:00Z, value: 0}]
        serve: off
  percent-50: {rules: [{percent: 50, serve: on}]}
  percent-100: {rules: [{percent: 100, serve: on}]}
  percent-0: {rules: [{percent: 0, serve: on}]}
  split:
    variants: {a: 1, b: 2}
    rules: [{split: {a: 50, b: 50}}]
  split-one:
    variants: {a: 1, b: 2}
    rules: [{split: {a: 100, b: 0}}]
  needs-launched: {requires: {launched: on}, default: on}
  needs-unsettled: {requires: {cohort-rule: on}, default: on}
  needs-off: {requires: {static-default: on}, default: on}
  overridden: {rules: [{cohort: staff, serve: on}]}
overrides:
  overridden: on
`
	c := newClient(t, doc)
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		key     string
		variant string
		ok      bool
	}{
		{"disabled", "off", true},
		{"disabled-no-off", "", true},
		{"static-default", "", true},
		{"static-on", "on", true},
		{"cohort-rule", "", false},
		{"cohort-same-as-default", "on", true},
		{"launched", "on", true},
		{"launch-ahead", "", false},
		{"window-closed", "", true},
		{"window-open", "", false},
		{"ramp-done", "on", true},
		{"ramp-going", "", false},
		{"ramp-down", "on", true},
		{"percent-50", "", false},
		{"percent-100", "on", true},
		{"percent-0", "", true},
		{"split", "", false},
		{"split-one", "a", true},
		{"needs-launched", "on", true},
		{"needs-unsettled", "", false},
		{"needs-off", "off", true},
		{"overridden", "on", true},
		{"missing", "", false},
	}
	for _, tt := range tests {
		variant, ok := c.Settled(tt.key, at)
		if variant != tt.variant || ok != tt.ok {
			t.Errorf("Settled(%q, %v) = %q, %v; want %q, %v", tt.key, at, variant, ok, tt.variant, tt.ok)
		}
	}
	// Before the launch, the launched flag can still change.
	if variant, ok := c.Settled("launched", time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)); ok {
		t.Errorf("Settled(launched, before the launch) = %q, true; want false", variant)
	}
}

func TestRuleDetails(t *testing.T) {
	c := newClient(t, `
timezone: Europe/Oslo
cohorts:
  beta: {when: {org: {eq: acme}}}
flags:
  f:
    salt: s1
    rules:
      - {name: beta, cohort: beta, from: 2026-12-01 09:00, until: 2026-12-08, serve: on}
      - {name: someone, when: {country: {eq: NO}}, serve: on}
      - name: ramp
        by: account
        percent: [{at: 2026-12-01 09:00, value: 5}, {at: 2026-12-15T09:00:00Z, value: 50.5}]
        serve: on
      - {percent: 12.25, serve: off}
      - {from: 2027-01-10T09:00:00-05:00, serve: on}
  t:
    variants: {a: 1, b: 2, c: 3}
    rules:
      - {salt: x, percent: 50, split: {a: 50, b: 25, c: 25}}
`)
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	d := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, oslo)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	want := map[string][]flagkit.RuleInfo{
		"f": {
			{Name: "beta", Cohorts: []string{"beta"}, Conditional: true, From: d("2026-12-01 09:00"), Until: d("2026-12-08 00:00"), Serve: "on", Percent: 100000, Salt: "s1"},
			{Name: "someone", Conditional: true, Serve: "on", Percent: 100000, Salt: "s1"},
			{Name: "ramp", Serve: "on", Bucketed: true, Percent: 100000, Salt: "s1", By: "account",
				Ramp: []flagkit.RampPoint{{At: d("2026-12-01 09:00"), Percent: 5000}, {At: d("2026-12-15 10:00"), Percent: 50500}}},
			{Name: "rules[3]", Serve: "off", Bucketed: true, Percent: 12250, Salt: "s1"},
			{Name: "rules[4]", From: d("2027-01-10 15:00"), Serve: "on", Percent: 100000, Salt: "s1"},
		},
		"t": {
			{Name: "rules[0]", Split: []flagkit.SplitWeight{{Variant: "a", Weight: 50000}, {Variant: "b", Weight: 25000}, {Variant: "c", Weight: 25000}},
				Bucketed: true, Percent: 50000, Salt: "x"},
		},
	}
	for _, info := range c.Flags() {
		if got := info.RuleDetails; !reflect.DeepEqual(got, want[info.Key]) {
			t.Errorf("Flags()[%q].RuleDetails =\n%+v\nwant\n%+v", info.Key, got, want[info.Key])
		}
		for _, r := range info.RuleDetails {
			for _, tm := range []time.Time{r.From, r.Until} {
				if !tm.IsZero() && tm.Location().String() != "Europe/Oslo" {
					t.Errorf("Flags()[%q] rule %q: time %v in %v; want Europe/Oslo", info.Key, r.Name, tm, tm.Location())
				}
			}
		}
	}
}

func TestViewAt(t *testing.T) {
	c := newClient(t, `
flags:
  launch: {rules: [{from: 2026-12-01T09:00:00Z, serve: on}]}
`)
	tests := []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 12, 1, 8, 59, 59, 999e6, time.UTC), false},
		{time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), true},
	}
	for _, tt := range tests {
		v := c.ViewAt(tt.at)
		if got := v.Bool(context.Background(), "launch", flagkit.Subject{Key: "k"}, false); got != tt.want {
			t.Errorf("ViewAt(%v).Bool(launch) = %v; want %v", tt.at, got, tt.want)
		}
		if !v.Time().Equal(tt.at) {
			t.Errorf("ViewAt(%v).Time() = %v", tt.at, v.Time())
		}
	}
}

// PercentAt follows the ramp formula of the bucketing contract, with the
// fixed percentage for a rule without a ramp.
func TestRuleInfoPercentAt(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ramp := flagkit.RuleInfo{Bucketed: true, Ramp: []flagkit.RampPoint{{At: t0, Percent: 5000}, {At: t0.Add(10 * 24 * time.Hour), Percent: 50000}}}
	tests := []struct {
		rule flagkit.RuleInfo
		at   time.Time
		want int32
	}{
		{ramp, t0.Add(-time.Millisecond), 0},
		{ramp, t0, 5000},
		{ramp, t0.Add(24 * time.Hour), 9500},                  // 5000 + 45000 × 1/10
		{ramp, t0.Add(24*time.Hour + time.Millisecond), 9500}, // floor
		{ramp, t0.Add(10 * 24 * time.Hour), 50000},
		{ramp, t0.Add(400 * 24 * time.Hour), 50000},
		{flagkit.RuleInfo{Bucketed: true, Percent: 25000}, t0, 25000},
	}
	for _, tt := range tests {
		if got := tt.rule.PercentAt(tt.at); got != tt.want {
			t.Errorf("PercentAt(%v) = %d; want %d", tt.at, got, tt.want)
		}
	}
}
