package releaseplan_test

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/releaseplan"
	"github.com/flagkit/flagkit/source"
)

const doc = `
timezone: Europe/Oslo
cohorts:
  beta: {when: {org: {eq: acme}}}
flags:
  ramp:
    default: off
    rules:
      - name: rollout
        percent: [{at: 2026-12-01 09:00, value: 10}, {at: 2026-12-11 09:00, value: 60}]
        serve: on
      - {name: launch, from: 2027-01-10 09:00, serve: on}
  theme:
    variants: {a: 1, b: 2, c: 3}
    default: a
    rules:
      - name: experiment
        from: 2026-12-05
        until: 2026-12-20
        percent: 40
        split: {a: 50, b: 25, c: 25}
  cohort:
    rules: [{name: beta, cohort: beta, from: 2026-12-03, serve: on}]
  needs: {requires: {ramp: on}, default: on}
  nodefault: {rules: [{percent: 30, serve: on}]}
  off: {enabled: false, rules: [{from: 2026-12-02, serve: on}]}
`

func newPlan(t *testing.T, opts releaseplan.Options) (*releaseplan.Plan, *flagkit.Client) {
	t.Helper()
	c, err := flagkit.New(context.Background(), flagkit.WithStrict(), flagkit.WithSource(source.Bytes("flags.yaml", []byte(doc))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return releaseplan.New(c.Flags(), c.ViewAt, opts), c
}

func date(s string) time.Time {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	t, err := time.ParseInLocation("2006-01-02 15:04", s, oslo)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTransitions(t *testing.T) {
	p, _ := newPlan(t, releaseplan.Options{Now: date("2026-11-20 12:00"), N: 2000})
	type row struct {
		at     string
		flag   string
		kinds  []string
		exact  bool
		before []releaseplan.Share
		after  []releaseplan.Share
	}
	sh := func(kv ...any) []releaseplan.Share {
		var out []releaseplan.Share
		for i := 0; i < len(kv); i += 2 {
			out = append(out, releaseplan.Share{Variant: kv[i].(string), Percent: kv[i+1].(float64)})
		}
		return out
	}
	// Exact shares: the ramp at 10 % from 1 Dec, 59.999 % 1 ms before its
	// end; the split at 40 % serves a 20 %, b and c 10 % each.
	want := []row{
		{"2026-12-01 09:00", "needs", []string{"prerequisite"}, false, nil, nil},
		{"2026-12-01 09:00", "ramp", []string{"ramp"}, true, sh("on", 0.0, "off", 100.0), sh("on", 10.0, "off", 90.0)},
		{"2026-12-03 00:00", "cohort", []string{"opens"}, false, sh("on", 0.0, "off", 0.0, releaseplan.Fallback, 100.0), sh("on", 0.0, "off", 0.0, releaseplan.Fallback, 100.0)},
		{"2026-12-05 00:00", "theme", []string{"opens"}, true, sh("a", 100.0, "b", 0.0, "c", 0.0), sh("a", 80.0, "b", 10.0, "c", 10.0)},
		{"2026-12-11 09:00", "needs", []string{"prerequisite"}, false, nil, nil},
		{"2026-12-11 09:00", "ramp", []string{"ramp"}, true, sh("on", 59.999, "off", 40.001), sh("on", 60.0, "off", 40.0)},
		{"2026-12-20 00:00", "theme", []string{"closes"}, true, sh("a", 80.0, "b", 10.0, "c", 10.0), sh("a", 100.0, "b", 0.0, "c", 0.0)},
		{"2027-01-10 09:00", "needs", []string{"prerequisite"}, false, nil, nil},
		{"2027-01-10 09:00", "ramp", []string{"launch"}, true, sh("on", 60.0, "off", 40.0), sh("on", 100.0, "off", 0.0)},
	}
	if len(p.Transitions) != len(want) {
		t.Fatalf("%d transitions: %+v; want %d", len(p.Transitions), p.Transitions, len(want))
	}
	for i, w := range want {
		got := p.Transitions[i]
		var kinds []string
		for _, e := range got.Events {
			kinds = append(kinds, e.Kind)
		}
		if !got.At.Equal(date(w.at)) || got.Flag != w.flag || !reflect.DeepEqual(kinds, w.kinds) || got.Exact != w.exact {
			t.Errorf("transition %d = %v %s %v exact %v; want %s %s %v exact %v", i, got.At, got.Flag, kinds, got.Exact, w.at, w.flag, w.kinds, w.exact)
		}
		if w.before != nil && (!reflect.DeepEqual(got.Before, w.before) || !reflect.DeepEqual(got.After, w.after)) {
			t.Errorf("transition %d (%s %s): %v → %v; want %v → %v", i, w.at, w.flag, got.Before, got.After, w.before, w.after)
		}
	}
	// The prerequisite's dependents follow it: needs serves on where ramp does.
	for i := range want {
		if want[i].flag == "needs" {
			if got, ramp := p.Transitions[i].After[0].Percent, p.Transitions[i+1].After[0].Percent; math.Abs(got-ramp) > 2 {
				t.Errorf("needs after %s: on %.1f %%; want about ramp's %.1f %%", want[i].at, got, ramp)
			}
		}
	}
	for _, f := range p.Flags {
		if f.Key == "cohort" && f.Estimated != "cohort beta" || f.Key == "needs" && f.Estimated != "prerequisite ramp" {
			t.Errorf("flag %s: Estimated = %q", f.Key, f.Estimated)
		}
		if f.Key == "off" && (f.State != "disabled" || !reflect.DeepEqual(f.Now, []releaseplan.Share{{Variant: "on"}, {Variant: "off", Percent: 100}})) {
			t.Errorf("flag off: State %q, Now %v; want disabled, off 100 %%", f.State, f.Now)
		}
	}
}

// TestExactAgainstEvaluation checks exact shares against what evaluation
// serves to 20000 synthetic keys at instants along the plan. The
// tolerance, 1.5 percentage points, is more than 4 standard errors of a
// share at 50 % (0.35 points).
func TestExactAgainstEvaluation(t *testing.T) {
	p, c := newPlan(t, releaseplan.Options{Now: date("2026-11-20 12:00")})
	keys := releaseplan.Synthetic(20000)
	ctx := context.Background()
	for _, f := range p.Flags {
		if !f.Exact || f.State != "" {
			continue
		}
		for _, s := range f.Curve {
			v := c.ViewAt(s.At)
			counts := map[string]int{}
			for _, k := range keys {
				name := v.Evaluate(ctx, f.Key, k).Variant
				if name == "" {
					name = releaseplan.Fallback
				}
				counts[name]++
			}
			for i, name := range f.Variants {
				got := float64(counts[name]) * 100 / float64(len(keys))
				if math.Abs(got-s.Shares[i]) > 1.5 {
					t.Errorf("%s at %v: %s served to %.2f %% of the keys; exact share %.3f %%", f.Key, s.At, name, got, s.Shares[i])
				}
			}
		}
	}
}

func TestUpcoming(t *testing.T) {
	p, _ := newPlan(t, releaseplan.Options{Now: date("2026-12-11 09:00"), Upcoming: true, N: 100})
	var got []string
	for _, tr := range p.Transitions {
		got = append(got, tr.At.In(p.Zone).Format("2006-01-02 15:04")+" "+tr.Flag)
	}
	want := []string{"2026-12-20 00:00 theme", "2027-01-10 09:00 needs", "2027-01-10 09:00 ramp"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("upcoming transitions = %q; want %q", got, want)
	}
	if p.Zone.String() != "Europe/Oslo" {
		t.Errorf("Zone = %v; want Europe/Oslo", p.Zone)
	}
}
