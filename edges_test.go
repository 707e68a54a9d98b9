package flagkit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
)

// Cases that a mutation of the evaluation survived: each pins one edge.
func TestEvaluationEdges(t *testing.T) {
	// A chain of cohorts c0 → c1 → … → c40 makes a rule on c0 visit 41
	// cohorts, over memoThreshold (memo.go): the flags below whose names end
	// in -memo are evaluated with a memo, and so take prerequisiteMet's
	// other branch.
	var chain strings.Builder
	chain.WriteString("cohorts:\n")
	for i := range 40 {
		fmt.Fprintf(&chain, "  c%d: {cohort: c%d}\n", i, i+1)
	}
	chain.WriteString("  c40: {when: {plan: {eq: gold}}}\n")
	doc := chain.String() + `
flags:
  half:
    salt: ""
    default: off
    rules: [{percent: 50, serve: on}]
  theme:
    variants: {a: a, b: b}
    enabled: false
  broken:
    variants: {a: a}
    default: nope
  needs-disabled:
    default: on
    off_variant: off
    requires: {theme: a}
  needs-invalid:
    default: on
    off_variant: off
    requires: {broken: a}
  needs-disabled-memo:
    default: on
    off_variant: off
    requires: {theme: a}
    rules: [{cohort: c0, serve: on}]
  needs-invalid-memo:
    default: on
    off_variant: off
    requires: {broken: a}
    rules: [{cohort: c0, serve: on}]
`
	c, err := flagkit.New(context.Background(), flagkit.WithSource(source.Bytes("edges.yaml", []byte(doc))))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, c)
	tests := []struct {
		name, flag, key string
		want            bool
		reason          flagkit.Reason
	}{
		// The design's edge keys: with an empty salt, "SI7p-" hashes to
		// 2³¹−1 (bucket 49999) and "6LvT0" to 2³¹ (bucket 50000). A subject
		// is inside percent: p when bucket < p × 1000, so a bucket equal to
		// the threshold is outside.
		{"bucket just below the threshold", "half", "SI7p-", true, flagkit.ReasonSplit},
		{"bucket equal to the threshold", "half", "6LvT0", false, flagkit.ReasonDefault},
		// A prerequisite that serves no variant at all fails the flag that
		// requires it.
		{"prerequisite disabled without an off variant", "needs-disabled", "k", false, flagkit.ReasonPrerequisiteFailed},
		{"prerequisite invalid", "needs-invalid", "k", false, flagkit.ReasonPrerequisiteFailed},
		// The same, for flags evaluated with a memo.
		{"prerequisite disabled without an off variant, memo", "needs-disabled-memo", "k", false, flagkit.ReasonPrerequisiteFailed},
		{"prerequisite invalid, memo", "needs-invalid-memo", "k", false, flagkit.ReasonPrerequisiteFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := flagkit.Subject{Key: tt.key}
			if got := c.Bool(context.Background(), tt.flag, s, !tt.want); got != tt.want {
				t.Errorf("Bool(%q) for %q = %v; want %v", tt.flag, tt.key, got, tt.want)
			}
			if d := c.Evaluate(context.Background(), tt.flag, s); d.Reason != tt.reason {
				t.Errorf("Evaluate(%q).Reason = %s; want %s", tt.flag, d.Reason, tt.reason)
			}
		})
	}
}

// TestUntilBound is a second case of until's bound, beside TestEvaluate's
// instant in UTC: for a local time in the document's zone too, the window
// is open one millisecond before until and closed at until itself.
func TestUntilBound(t *testing.T) {
	c := newClient(t, `timezone: Europe/Oslo
flags:
  sale:
    default: off
    rules: [{name: christmas-eve, from: 2026-12-24 09:00, until: 2026-12-24 18:00, serve: on}]
`, flagkit.WithStrict())
	tests := []struct {
		at     string
		want   bool
		reason flagkit.Reason
	}{
		{"2026-12-24T16:59:59.999Z", true, flagkit.ReasonTargetingMatch}, // 17:59:59.999 in Oslo
		{"2026-12-24T17:00:00Z", false, flagkit.ReasonDefault},           // 18:00 in Oslo: until
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			v := c.ViewAt(mustTime(t, tt.at))
			if got := v.Bool(ctx, "sale", bob, !tt.want); got != tt.want {
				t.Errorf("ViewAt(%s).Bool(%q) = %v; want %v", tt.at, "sale", got, tt.want)
			}
			if d := v.Evaluate(ctx, "sale", bob); d.Reason != tt.reason {
				t.Errorf("ViewAt(%s).Evaluate(%q).Reason = %s; want %s", tt.at, "sale", d.Reason, tt.reason)
			}
		})
	}
}
