package flagkit

import (
	"encoding/json"
	"net/netip"
	"testing"
)

// TestStringTestsAgree checks the string tests (strTests, decided by
// allHold) against the general test (anyOf.match) they stand for, through
// a cohort and through a rule that names it, for attributes that are
// strings, lists, numbers, missing, nil or supplied by the client's
// defaults, so that the shortcut can never answer differently.
func TestStringTestsAgree(t *testing.T) {
	s := compileGraph(t, `
cohorts:
  nordic-pro:
    when: {country: {in: ["NO", "SE"]}, plan: {eq: pro}}
  any-of:
    when:
      - {country: {in: ["NO"]}}
      - {plan: {eq: pro}}
  narrowed:
    cohort: nordic-pro
    when: {tier: {eq: gold}}
  by-key:
    when: {key: {in: [k1, k2]}}
  folded:
    when: {country: {in: ["no"], ignore_case: true}}
flags:
  f-nordic-pro: {default: off, rules: [{cohort: nordic-pro, serve: on}]}
  f-any-of: {default: off, rules: [{cohort: any-of, serve: on}]}
  f-narrowed: {default: off, rules: [{cohort: narrowed, serve: on}]}
  f-by-key: {default: off, rules: [{cohort: by-key, serve: on}]}
  f-folded: {default: off, rules: [{cohort: folded, serve: on}]}
  f-own-when: {default: off, rules: [{when: {country: {in: ["NO"]}, plan: {in: [pro, free]}}, serve: on}]}
`)
	// Which cohorts have string tests: exact, so that a change of the
	// shapes they cover is seen here.
	wantStr := map[string]bool{"nordic-pro": true, "narrowed": true, "": true} // "": f-own-when's own test
	for key, f := range s.flags {
		r := &f.rules[0]
		c := r.test
		if got := c.strTests != nil; got != wantStr[c.key] {
			t.Errorf("%s: cohort %q has strTests = %v; want %v", key, c.key, got, wantStr[c.key])
		}
	}

	values := []any{nil, "NO", "SE", "DK", "no", "pro", "free", "gold", "", []string{"NO"}, []string{"DK", "SE"},
		[]any{"NO", 1}, []string{}, 42, json.Number("42"), true, netip.MustParseAddr("10.0.0.1"), map[string]any{"a": 1}}
	defaults := []Attrs{nil, {"country": "NO", "plan": "pro", "tier": "gold"}, {"country": []string{"SE"}}}
	n := 0
	for _, country := range values {
		for _, plan := range values {
			for _, tier := range []any{nil, "gold", []string{"gold"}} {
				for _, def := range defaults {
					attrs := Attrs{}
					for k, v := range map[string]any{"country": country, "plan": plan, "tier": tier} {
						if v != nil {
							attrs[k] = v
						}
					}
					if country == nil && n%2 == 0 {
						attrs["country"] = nil // present but nil: counts as missing
					}
					n++
					for _, key := range []string{"k1", "k3"} {
						tg := &target{key: key, attrs: attrs, defaults: def}
						for fk, f := range s.flags {
							r := &f.rules[0]
							general := r.test.when.match(tg) && (len(r.test.parents) == 0 || anyContains(r.test.parents, tg))
							if got := r.test.contains(tg); got != general {
								t.Fatalf("%s: cohort contains(%v, defaults %v) = %v; the general test says %v", fk, attrs, def, got, general)
							}
							if got := r.match(tg, &clock{}) != nil; got != general {
								t.Fatalf("%s: rule match(%v, defaults %v) = %v; the general test says %v", fk, attrs, def, got, general)
							}
						}
					}
				}
			}
		}
	}
}
