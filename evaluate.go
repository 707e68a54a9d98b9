package flagkit

import (
	"encoding/json"
	"time"
)

// Attrs are a subject's attributes, matched by cohorts and conditions.
// Values may be string, bool, any integer or float kind, json.Number,
// time.Time, netip.Addr, []string or []any; values of other types never
// match (except the exists operator). The evaluator never modifies Attrs.
type Attrs map[string]any

// A Subject is who a flag is evaluated for: usually a user, sometimes an
// account, a device or a request. Key identifies it for percentage rollouts
// and splits (so a subject keeps its variant as a rollout grows); rules can
// hash another attribute instead with by:. The pseudo-attribute "key" in
// conditions is always Key.
//
// A Subject is read, never modified, by evaluation; build it once per
// request and reuse it for every flag.
type Subject struct {
	Key   string
	Attrs Attrs
}

// A Reason says why an evaluation served its value. The values follow
// OpenFeature's resolution reasons.
type Reason string

// The reasons an evaluation reports.
const (
	// ReasonStatic: the flag has no rules, no requires and no time part, or
	// an override served its value. The value is the same for everyone until
	// the definitions change.
	ReasonStatic Reason = "STATIC"
	// ReasonDefault: no rule matched; the flag's default (or, without one,
	// the caller's fallback) was served.
	ReasonDefault Reason = "DEFAULT"
	// ReasonTargetingMatch: a rule without percent or split matched.
	ReasonTargetingMatch Reason = "TARGETING_MATCH"
	// ReasonSplit: a rule's percent or split decided the value.
	ReasonSplit Reason = "SPLIT"
	// ReasonDisabled: the flag is disabled (enabled: false); its off
	// variant, or the caller's fallback, was served.
	ReasonDisabled Reason = "DISABLED"
	// ReasonPrerequisiteFailed: a prerequisite in requires was missing,
	// invalid or not served the required variant.
	ReasonPrerequisiteFailed Reason = "PREREQUISITE_FAILED"
	// ReasonError: the flag could not be evaluated (not found, invalid, type
	// mismatch, closed client); Detail.Err says why.
	ReasonError Reason = "ERROR"
)

// Detail is the full result of an evaluation.
type Detail struct {
	// Value is the served value: bool, string, int64 (whole numbers that
	// fit), float64 (other numbers) or, for object flags, a fresh copy as
	// map[string]any or []any. It is nil when the caller's fallback applies.
	Value any
	// Variant is the name of the served variant; "" when the caller's
	// fallback applies.
	Variant string
	// Reason says why Value was served.
	Reason Reason
	// Rule is the name of the rule that matched ("rules[2]" for an unnamed
	// rule); "" when no rule decided.
	Rule string
	// Source names the layer whose definition (or override) served the
	// value, e.g. "file:flags.yaml".
	Source string
	// Err is nil, or the error that made the evaluation fall back; it
	// matches ErrFlagNotFound, ErrInvalidFlag, ErrTypeMismatch or ErrClosed
	// with errors.Is.
	Err error
}

// compiledFlag is a compiled flag: everything evaluation needs, precomputed.
type compiledFlag struct {
	key      string
	kind     valueKind
	variants []variant
	enabled  bool
	off      *variant // nil: the caller's fallback
	def      *variant // nil: the caller's fallback
	override *variant // set by an overrides: entry
	ovSource string
	requires []prereq
	rules    []rule
	static   bool // no rules, no requires, no time part
	source   string
	err      error // non-nil: the flag is invalid and serves the fallback

	description string
	metadata    map[string]any
	spec        *flagSpec // for status and tooling; never read by evaluation
}

type prereq struct {
	key     string
	variant string // the variant name the prerequisite must serve
}

type rule struct {
	name     string
	cohorts  []*cohort
	when     []block
	from     int64 // Unix ms
	until    int64
	hasFrom  bool
	hasUntil bool
	bucketed bool // percent or split: the subject's bucket decides
	percent  int32
	ramp     []rampPoint
	serve    *variant
	split    []*variant
	bounds   []int32
	salt     string
	by       string // "" hashes Subject.Key
}

// clock reads the time at most once per evaluation, and only when a rule
// with a time part is reached.
type clock struct {
	now  func() time.Time
	ms   int64
	read bool
}

func (c *clock) millis() int64 {
	if !c.read {
		c.ms = c.now().UnixMilli()
		c.read = true
	}
	return c.ms
}

// result is what evaluation found, before a getter applies its fallback.
type result struct {
	f      *compiledFlag
	v      *variant // nil: the caller's fallback
	reason Reason
	rule   string
	source string
	err    error
}

// eval evaluates flag key for t in snapshot s. It never allocates.
func (s *snapshot) eval(key string, t *target, clk *clock, depth int) result {
	f := s.flags[key]
	if f == nil {
		return result{reason: ReasonError, err: ErrFlagNotFound}
	}
	if f.err != nil {
		return result{f: f, reason: ReasonError, err: f.err, source: f.source}
	}
	if !f.enabled {
		return result{f: f, v: f.off, reason: ReasonDisabled, source: f.source}
	}
	if f.override != nil {
		return result{f: f, v: f.override, reason: ReasonStatic, source: f.ovSource}
	}
	for i := range f.requires {
		pr := &f.requires[i]
		if depth >= maxRequiresDepth {
			return result{f: f, v: f.off, reason: ReasonPrerequisiteFailed, source: f.source}
		}
		r := s.eval(pr.key, t, clk, depth+1)
		if r.v == nil || r.v.name != pr.variant {
			return result{f: f, v: f.off, reason: ReasonPrerequisiteFailed, source: f.source}
		}
	}
	for i := range f.rules {
		r := &f.rules[i]
		if v := r.match(t, clk); v != nil {
			reason := ReasonTargetingMatch
			if r.bucketed {
				reason = ReasonSplit
			}
			return result{f: f, v: v, reason: reason, rule: r.name, source: f.source}
		}
	}
	if f.static {
		return result{f: f, v: f.def, reason: ReasonStatic, source: f.source}
	}
	return result{f: f, v: f.def, reason: ReasonDefault, source: f.source}
}

// match returns the variant the rule serves to t, or nil when it does not
// match. Cheap tests run first; the clock and the hash only when needed.
func (r *rule) match(t *target, clk *clock) *variant {
	if r.hasFrom || r.hasUntil {
		now := clk.millis()
		if r.hasFrom && now < r.from || r.hasUntil && now >= r.until {
			return nil
		}
	}
	if len(r.cohorts) > 0 {
		in := false
		for _, c := range r.cohorts {
			if c.contains(t) {
				in = true
				break
			}
		}
		if !in {
			return nil
		}
	}
	if len(r.when) > 0 && !matchAny(r.when, t) {
		return nil
	}
	if !r.bucketed {
		return r.serve
	}
	var bucket uint32
	var ok bool
	if r.by == "" {
		if t.key == "" {
			return nil
		}
		bucket, ok = bucketOf(r.salt, t.key), true
	} else {
		v, present := t.lookup(r.by)
		if !present {
			return nil
		}
		bucket, ok = subjectBucket(r.salt, v)
	}
	if !ok {
		return nil
	}
	p := r.percent
	if len(r.ramp) > 0 {
		p = rampThreshold(r.ramp, clk.millis())
	}
	if len(r.split) > 0 {
		i, ok := splitPick(r.bounds, bucket, p)
		if !ok {
			return nil
		}
		return r.split[i]
	}
	if bucket >= uint32(p) {
		return nil
	}
	return r.serve
}

// detail turns a result into a Detail.
func (r *result) detail() Detail {
	d := Detail{Reason: r.reason, Rule: r.rule, Source: r.source, Err: r.err}
	if r.v != nil {
		d.Variant = r.v.name
		if r.f.kind == kindObject {
			var v any
			if err := json.Unmarshal(r.v.raw, &v); err == nil {
				d.Value = v
			}
		} else {
			d.Value = r.v.value
		}
	}
	return d
}

// want is the type a getter asks for; wantAny is Evaluate's.
type want uint8

const (
	wantAny want = iota
	wantBool
	wantString
	wantInt
	wantFloat
	wantObject
)

// fits reports whether variant v of flag f can be served to a getter that
// wants w.
func (w want) fits(f *compiledFlag, v *variant) bool {
	switch w {
	case wantBool:
		return f.kind == kindBool
	case wantString:
		return f.kind == kindString
	case wantInt:
		return f.kind == kindNumber && v.isInt
	case wantFloat:
		return f.kind == kindNumber
	case wantObject:
		return f.kind == kindObject
	}
	return true
}

// The typed getters' conversions: resolve has already replaced a variant
// of the wrong type with ErrTypeMismatch, so a served variant fits.

func boolOf(r result, fallback bool) bool {
	if r.v == nil {
		return fallback
	}
	return r.v.b
}

func stringOf(r result, fallback string) string {
	if r.v == nil {
		return fallback
	}
	return r.v.s
}

func intOf(r result, fallback int64) int64 {
	if r.v == nil {
		return fallback
	}
	return r.v.i
}

func floatOf(r result, fallback float64) float64 {
	if r.v == nil {
		return fallback
	}
	return r.v.f
}

// objectInto decodes an object flag's value into dst; dst is left alone on
// any error.
func objectInto(r result, dst any) bool {
	if r.v == nil {
		return false
	}
	return decodeFresh(r.v.raw, dst)
}

// MarshalJSON encodes a Detail for a front end or a log: value, variant,
// reason, rule, source, and the error's message as "error".
func (d Detail) MarshalJSON() ([]byte, error) {
	type wire struct {
		Value   any    `json:"value"`
		Variant string `json:"variant,omitempty"`
		Reason  Reason `json:"reason"`
		Rule    string `json:"rule,omitempty"`
		Source  string `json:"source,omitempty"`
		Error   string `json:"error,omitempty"`
	}
	w := wire{Value: d.Value, Variant: d.Variant, Reason: d.Reason, Rule: d.Rule, Source: d.Source}
	if d.Err != nil {
		w.Error = d.Err.Error()
	}
	return json.Marshal(w)
}
