package flagkit

import (
	"slices"
	"sort"
	"time"
)

// FlagInfo describes a flag's definition in force, for tooling such as
// debug pages and command-line tools. It is a copy: changing it changes
// nothing in the client.
type FlagInfo struct {
	Key         string
	Description string
	Metadata    map[string]any
	// Type is "boolean", "string", "number" or "object"; "" for an invalid
	// flag.
	Type     string
	Variants []string
	// Values holds the value of each variant, in the order of Variants,
	// as Detail.Value would hold it: bool, string, int64 (whole numbers
	// that fit), float64, or for an object flag a fresh map[string]any or
	// []any.
	Values     []any
	Enabled    bool
	Default    string            // "" when the caller's fallback applies
	OffVariant string            // "" when the caller's fallback applies
	Requires   map[string]string // prerequisite flag -> required variant
	Rules      []string          // rule names, in order
	// RuleDetails describes each rule of Rules, in the same order: whom it
	// is for, when, and what decides the variant it serves. It is for
	// tooling that computes or draws a release plan.
	RuleDetails []RuleInfo
	// Source names the layer whose definition is in force.
	Source string
	// Override is the override in force, or nil.
	Override *Override
	// Err is non-nil for an invalid flag (it matches ErrInvalidFlag).
	Err error
}

// RuleInfo describes one rule of a flag in force, for tooling such as a
// release plan. Percentages and weights are in thousandths of a percent
// (0..100000), exactly as read from the document; a subject is inside a
// percentage p when its bucket (see "Percentages, splits and consistent
// hashing" in docs/rollouts.md) is below p.
type RuleInfo struct {
	Name string
	// Cohorts names the rule's cohorts. Conditional reports whether the
	// rule has cohorts or when conditions, so that whether a subject
	// matches depends on its attributes.
	Cohorts     []string
	Conditional bool
	// From and Until bound the rule's release window; a zero time is no
	// bound. They are in the time zone of the document that defines the
	// flag (UTC when it names none).
	From, Until time.Time
	// Serve is the variant served; "" for a split.
	Serve string
	// Split lists a split's variants and weights in written order; each
	// variant owns the next Weight buckets.
	Split []SplitWeight
	// Bucketed reports whether the rule has a percent or a split, so that
	// the subject's bucket decides.
	Bucketed bool
	// Percent is the rule's fixed percentage; 100000 when it has none or
	// has a ramp.
	Percent int32
	// Ramp holds the points of a ramped percentage, in time order (times
	// in the document's zone, as From); nil for none.
	Ramp []RampPoint
	// Salt and By are what a bucket hashes: Salt followed by the subject's
	// key, or by the attribute By when it is not "".
	Salt, By string
}

// PercentAt returns the percentage, in thousandths, that the rule serves
// at t: its fixed Percent, or its ramp's threshold at t by the formula of
// the bucketing contract (0 before the first point, the last value from the
// last point on, linear in Unix milliseconds in between), computed by the
// same code as evaluation.
func (r RuleInfo) PercentAt(t time.Time) int32 {
	if len(r.Ramp) == 0 {
		return r.Percent
	}
	points := make([]rampPoint, len(r.Ramp))
	for i, p := range r.Ramp {
		points[i] = rampPoint{at: p.At.UnixMilli(), value: p.Percent}
	}
	return rampThreshold(points, t.UnixMilli())
}

// A RampPoint is one point of a ramp: at At the percentage is Percent, in
// thousandths.
type RampPoint struct {
	At      time.Time
	Percent int32
}

// A SplitWeight is one variant of a split and its weight, in thousandths.
type SplitWeight struct {
	Variant string
	Weight  int32
}

// ruleInfos describes the rules of f for FlagInfo.RuleDetails.
func ruleInfos(f *compiledFlag) []RuleInfo {
	zone := f.zone
	if zone == nil {
		zone = time.UTC
	}
	at := func(ms int64) time.Time { return time.UnixMilli(ms).In(zone) }
	out := make([]RuleInfo, len(f.rules))
	for i := range f.rules {
		r := &f.rules[i]
		ri := RuleInfo{
			Name:        r.more.name,
			Conditional: r.test != nil,
			Bucketed:    r.bucketed,
			Percent:     r.percent,
			Salt:        r.salt,
			By:          r.by,
		}
		ri.Cohorts = slices.Clone(r.more.cohorts)
		if r.more.hasFrom {
			ri.From = at(r.more.from)
		}
		if r.more.hasUntil {
			ri.Until = at(r.more.until)
		}
		if r.serve != nil {
			ri.Serve = r.serve.name
		}
		prev := int32(0)
		for j, v := range r.more.split {
			ri.Split = append(ri.Split, SplitWeight{Variant: v.name, Weight: r.more.bounds[j] - prev})
			prev = r.more.bounds[j]
		}
		for _, p := range r.more.ramp {
			ri.Ramp = append(ri.Ramp, RampPoint{At: at(p.at), Percent: p.value})
		}
		out[i] = ri
	}
	return out
}

// A Transition is a moment when a flag's answers change by themselves: a
// release window opens or closes, or a ramp starts or ends.
type Transition struct {
	Flag string
	At   time.Time
}

// Flags describes every flag in force, sorted by key.
func (c *Client) Flags() []FlagInfo {
	if c == nil {
		return nil
	}
	snap := c.snap.Load()
	out := make([]FlagInfo, 0, len(snap.keys))
	for _, k := range snap.keys {
		f := snap.flags[k]
		info := FlagInfo{Key: k, Source: f.source, Err: f.err}
		if f.err == nil {
			info.Description = f.description
			info.Metadata = copyMap(f.metadata)
			info.Type = f.kind.String()
			info.Enabled = f.enabled
			for i := range f.variants {
				v := &f.variants[i]
				info.Variants = append(info.Variants, v.name)
				info.Values = append(info.Values, (&result{f: f, v: v}).detail().Value)
			}
			if f.def != nil {
				info.Default = f.def.name
			}
			if f.off != nil {
				info.OffVariant = f.off.name
			}
			for _, pr := range f.requires {
				if info.Requires == nil {
					info.Requires = map[string]string{}
				}
				info.Requires[pr.key] = pr.variant
			}
			for _, r := range f.rules {
				info.Rules = append(info.Rules, r.more.name)
			}
			info.RuleDetails = ruleInfos(f)
			for _, o := range snap.overrides {
				if o.Flag == k {
					o := o
					info.Override = &o
				}
			}
		}
		out = append(out, info)
	}
	return out
}

// Transitions lists the scheduled transitions of the flags in force that
// happen after the instant after, in time order.
func (c *Client) Transitions(after time.Time) []Transition {
	if c == nil {
		return nil
	}
	snap := c.snap.Load()
	ms := after.UnixMilli()
	var out []Transition
	for _, tr := range snap.transitions {
		if tr.at > ms {
			out = append(out, Transition{Flag: tr.flag, At: time.UnixMilli(tr.at)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// Settled reports whether flag key, as the client has it now, serves one
// variant to every subject at every instant from at on, for as long as its
// definitions stay as they are: it is disabled or overridden, or no rule
// can still serve another variant than the others (each rule that could
// has its window closed for good, its ramp ended at 0 %, or comes after a
// rule that matches everyone from at on). variant names the variant
// served; it is "" when the caller's fallback is served. ok is false for
// a flag that is missing or invalid, whose answer can depend on the
// subject, or that has a scheduled transition after at that can change
// its answer.
//
// A rule at 100 % counts as matching everyone, although a subject with no
// value to hash (an empty key, or no attribute named by by:) falls
// through it. Settled is meant for tooling that finds flags whose release
// is over (flag debt); evaluation does not use it.
func (c *Client) Settled(key string, at time.Time) (variant string, ok bool) {
	if c == nil {
		return "", false
	}
	v, ok := c.snap.Load().settled(key, at.UnixMilli(), 0)
	if !ok || v == nil {
		return "", ok
	}
	return v.name, true
}

// settled implements Client.Settled for the flag key at the instant at
// (Unix ms), depth prerequisites deep.
func (s *snapshot) settled(key string, at int64, depth int) (*variant, bool) {
	f := s.flags[key]
	switch {
	case f == nil || f.err != nil:
		return nil, false
	case !f.enabled:
		return f.off, true
	case f.override != nil:
		return f.override, true
	}
	for _, pr := range f.requires {
		if depth >= maxRequiresDepth {
			return f.off, true // as evaluation: too deep always fails
		}
		v, ok := s.settled(pr.key, at, depth+1)
		if !ok {
			return nil, false
		}
		if v == nil || v.name != pr.variant {
			return f.off, true
		}
	}
	// served is the one variant that any rule reached so far can serve.
	var served *variant
	some := false
	one := func(v *variant) bool {
		if !some {
			served, some = v, true
		}
		return v == served
	}
	for i := range f.rules {
		r := &f.rules[i]
		m := r.more
		if r.timed {
			if m.hasUntil && m.until <= at {
				continue // closed for good
			}
			if m.hasFrom && m.from > at || m.hasUntil {
				return nil, false // opens or closes later
			}
		}
		p := r.percent
		if r.ramped {
			last := m.ramp[len(m.ramp)-1]
			if last.at > at {
				return nil, false // still ramping, or not started
			}
			p = last.value
		}
		if r.bucketed && p == 0 {
			continue // serves no one
		}
		if r.splits {
			prev := int32(0)
			for j, bound := range m.bounds {
				if bound > prev && !one(m.split[j]) {
					return nil, false
				}
				prev = bound
			}
		} else if !one(r.serve) {
			return nil, false
		}
		if r.test == nil && (!r.bucketed || p == 100000) {
			return served, true // matches everyone: later rules and the default are never reached
		}
	}
	if !one(f.def) {
		return nil, false
	}
	return served, true
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			out[k] = copyMap(x)
		case []any:
			out[k] = copyList(x)
		default:
			out[k] = v
		}
	}
	return out
}

func copyList(l []any) []any {
	out := make([]any, len(l))
	for i, v := range l {
		switch x := v.(type) {
		case map[string]any:
			out[i] = copyMap(x)
		case []any:
			out[i] = copyList(x)
		default:
			out[i] = v
		}
	}
	return out
}
