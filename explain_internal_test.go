package flagkit

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/flagkit/flagkit/internal/attrtext"
)

// fzCheckExplanation checks an explanation of flag key for s against the
// compiled rules that evaluation uses: it encodes to JSON, and each rule
// it lists matched exactly when evaluation's matcher says so, serving the
// same variant; each cohort it lists has the membership evaluation finds.
func fzCheckExplanation(t *testing.T, c *Client, key string, s Subject) {
	t.Helper()
	v := c.View()
	e := v.Explain(context.Background(), key, s)
	if _, err := json.Marshal(e); err != nil {
		t.Errorf("json.Marshal(Explain(%q)): %v", key, err)
	}
	if e.String() == "" {
		t.Errorf("Explain(%q).String() is empty", key)
	}
	f := v.snap.flags[key]
	if f == nil {
		return
	}
	tg := target{key: s.Key, attrs: s.Attrs, defaults: c.attrs}
	clk := clock{ms: v.now, read: true}
	if len(e.Rules) > len(f.rules) {
		t.Fatalf("Explain(%q) lists %d rules; the flag has %d", key, len(e.Rules), len(f.rules))
	}
	for i, rc := range e.Rules {
		r := &f.rules[i]
		served := r.match(&tg, &clk)
		if rc.Matched != (served != nil) {
			t.Errorf("Explain(%q) rule %q matched = %v; evaluation's matcher serves %v", key, rc.Name, rc.Matched, served)
		}
		if served != nil && rc.Variant != served.name {
			t.Errorf("Explain(%q) rule %q serves %q; evaluation's matcher %q", key, rc.Name, rc.Variant, served.name)
		}
		if r.test != nil && r.test.key != "" && len(rc.Cohorts) == 1 && rc.Cohorts[0].Member != r.test.test(&tg) {
			t.Errorf("Explain(%q) rule %q: cohort %q member = %v; evaluation disagrees", key, rc.Name, r.test.key, rc.Cohorts[0].Member)
		}
	}
}

// The tools type attributes written as text (internal/attrtext) as
// documents type plain scalars: the same texts are numbers.
func TestAttrTextNumbersAreCoreNumbers(t *testing.T) {
	for _, s := range []string{"0", "-7", "+3", "007", "2.5", "2.", ".5", "-.5", "1e3", "1E-3", "1.5e+2",
		"", ".", "e3", "1e", "0x1F", "0o7", ".inf", ".nan", "1_000", "2.10.1", "NO", "1 ", "--1", "+", "1.2.3"} {
		_, isNum := attrtext.Scalar(s).(float64)
		_, isInt := attrtext.Scalar(s).(int64)
		if got, want := isNum || isInt, isCoreNumber(s); got != want {
			t.Errorf("attrtext.Scalar(%q) is a number: %v; documents: %v", s, got, want)
		}
	}
}
