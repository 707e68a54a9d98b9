package flagkit_test

import (
	"reflect"
	"testing"
	"time"
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
