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
// request and reuse it for every flag. As with [net/http.Header], the
// caller must not modify a Subject's Attrs (nor a slice held in them) while
// any evaluation reads it: a map written while read crashes the program.
// Evaluations may read one Subject from any number of goroutines at once.
//
// The cost of an evaluation is bounded whatever the subject holds: an
// attribute is looked up only when a condition names it, a list attribute
// costs time linear in its length, and a string
// attribute (or a list element) longer than the limit of the operators is a
// value of another type (see docs/operators.md).
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
	// Type is the flag's type: "boolean", "string", "number" or "object";
	// "" when no valid definition of the flag exists (not found, invalid,
	// client closed). With ErrTypeMismatch it says what the flag is, so
	// that a hook or a tool can show the mismatch.
	Type string
	// Reason says why Value was served.
	Reason Reason
	// Rule is the name of the rule that matched ("rules[2]" for an unnamed
	// rule); "" when no rule decided.
	Rule string
	// Source names the layer whose definition (or override) served the
	// value, e.g. "file:flags.yaml".
	Source string
	// Err is nil when a variant was served, and otherwise says why the
	// caller's fallback applies. An unknown key or a type mismatch names
	// the key (and the nearest defined key, or the types). It matches ErrFlagNotFound,
	// ErrInvalidFlag, ErrTypeMismatch or ErrClosed (failures, with reason
	// ERROR) or ErrNoValue (the flag served no variant by its definition;
	// see [ErrNoValue]) with errors.Is. Err is non-nil exactly when Value
	// is nil.
	Err error
}

// compiledFlag is a compiled flag: everything evaluation needs, precomputed.
// The fields evaluation reads come first, so that a flag costs one cache
// line when a service evaluates many different flags.
type compiledFlag struct {
	static   bool // no rules, no requires, no time part
	memo     bool // evaluated with an evalMemo (see memo.go)
	enabled  bool
	kind     valueKind
	rules    []rule
	def      *variant // nil: the caller's fallback
	err      error    // non-nil: the flag is invalid and serves the fallback
	override *variant // set by an overrides: entry
	requires []prereq

	off      *variant // nil: the caller's fallback
	key      string
	variants []variant
	ovSource string
	source   string

	// For status and tooling, copied from the definition at compile;
	// evaluation never reads them.
	description string
	metadata    map[string]any
	zone        *time.Location // the document's timezone, or UTC
	fp          uint64         // the definition's fingerprint; 0 for a flag with none
}

// gated reports whether evaluation must pass gate before the rules: the
// flag is invalid, disabled, overridden or has prerequisites.
func (f *compiledFlag) gated() bool {
	return f.err != nil || !f.enabled || f.override != nil || len(f.requires) > 0
}

type prereq struct {
	key     string
	variant string // the variant name the prerequisite must serve
	slot    int32  // the prerequisite's index in an evalMemo
}

// rule is a compiled rule. What evaluation reads of every rule it reaches
// fits one 64-byte cache line; the time, ramp, split and name, which few
// rules have or evaluation rarely needs, are behind more.
type rule struct {
	test     *cohort  // whom the rule is for: its cohorts and when; nil: everyone
	serve    *variant // the variant served; nil with a split
	salt     string
	by       string // "" hashes Subject.Key
	percent  int32  // thousandths, for a percent without a ramp
	timed    bool   // from or until: the clock decides whether the rule applies
	bucketed bool   // percent or split: the subject's bucket decides
	ramped   bool   // the percentage follows more.ramp
	splits   bool   // the variant is picked by more.split
	more     *ruleMore
}

// ruleMore is the part of a rule evaluation rarely reads.
type ruleMore struct {
	name     string
	from     int64 // Unix ms
	until    int64
	hasFrom  bool
	hasUntil bool
	ramp     []rampPoint
	split    []*variant
	bounds   []int32
	cohorts  []string // the cohorts the rule names, as written; for tooling
}

// result is what evaluation found, before a getter applies its fallback.
// It is kept small (six words) because every getter returns it through two
// calls; the rule's name and the source are derived when needed.
type result struct {
	f    *compiledFlag // nil: no such flag, or the client is closed
	v    *variant      // nil: the caller's fallback
	rule *rule         // the rule that decided, or nil
	err  error
	code reasonCode
}

// reasonCode is a Reason as a small integer.
type reasonCode uint8

const (
	codeError reasonCode = iota
	codeStatic
	codeDefault
	codeTargetingMatch
	codeSplit
	codeDisabled
	codePrerequisiteFailed
)

var reasons = [...]Reason{
	codeError:              ReasonError,
	codeStatic:             ReasonStatic,
	codeDefault:            ReasonDefault,
	codeTargetingMatch:     ReasonTargetingMatch,
	codeSplit:              ReasonSplit,
	codeDisabled:           ReasonDisabled,
	codePrerequisiteFailed: ReasonPrerequisiteFailed,
}

func (r *result) reason() Reason { return reasons[r.code] }

// typeName is Detail.Type: the flag's type, or "" without a valid flag.
func (r *result) typeName() string {
	if r.f == nil || r.f.err != nil || r.f.kind == 0 {
		return ""
	}
	return r.f.kind.String()
}

func (r *result) ruleName() string {
	if r.rule == nil {
		return ""
	}
	return r.rule.more.name
}

// source names the layer that served the result: the overriding layer for
// an override, else the flag's.
func (r *result) source() string {
	switch {
	case r.f == nil:
		return ""
	case r.v != nil && r.v == r.f.override:
		return r.f.ovSource
	}
	return r.f.source
}

// eval evaluates flag key for t in snapshot s into out. It never
// allocates. (It fills out rather than returning a result: copying a
// returned struct cost a store-forwarding stall on the hottest path.)
func (s *snapshot) eval(key string, t *target, clk *clock, depth int, out *result) {
	f := s.flags[key]
	if f == nil {
		*out = result{err: ErrFlagNotFound}
		return
	}
	if f.memo && t.memo == nil {
		s.evalMemoized(key, t, clk, depth, out)
		return
	}
	if f.gated() && !s.gate(f, t, clk, depth, out) {
		return
	}
	for i := range f.rules {
		r := &f.rules[i]
		if v := r.match(t, clk); v != nil {
			code := codeTargetingMatch
			if r.bucketed {
				code = codeSplit
			}
			*out = result{f: f, v: v, rule: r, code: code}
			return
		}
	}
	if f.static {
		*out = result{f: f, v: f.def, code: codeStatic}
		return
	}
	*out = result{f: f, v: f.def, code: codeDefault}
}

// gate decides, for a gated flag, whether evaluation goes on to its rules;
// if not, it fills out: the flag is invalid, disabled, overridden, or a
// prerequisite is not met.
func (s *snapshot) gate(f *compiledFlag, t *target, clk *clock, depth int, out *result) bool {
	if f.err != nil {
		*out = result{f: f, err: f.err}
		return false
	}
	if !f.enabled {
		*out = result{f: f, v: f.off, code: codeDisabled}
		return false
	}
	if f.override != nil {
		*out = result{f: f, v: f.override, code: codeStatic}
		return false
	}
	for i := range f.requires {
		pr := &f.requires[i]
		if depth >= maxRequiresDepth {
			*out = result{f: f, v: f.off, code: codePrerequisiteFailed}
			return false
		}
		if !s.prerequisiteMet(pr, t, clk, depth+1, out) { // out is scratch until the end
			*out = result{f: f, v: f.off, code: codePrerequisiteFailed}
			return false
		}
	}
	return true
}

// prerequisiteMet evaluates a prerequisite, once per evaluation with a memo,
// and reports whether it served the required variant.
func (s *snapshot) prerequisiteMet(pr *prereq, t *target, clk *clock, depth int, out *result) bool {
	m := t.memo
	if m == nil {
		s.eval(pr.key, t, clk, depth, out)
		return out.v != nil && out.v.name == pr.variant
	}
	w, bit := pr.slot>>6, uint64(1)<<(pr.slot&63)
	if m.done[w]&bit == 0 {
		s.eval(pr.key, t, clk, depth, out)
		m.served[pr.slot] = out.v
		m.done[w] |= bit
	}
	v := m.served[pr.slot]
	return v != nil && v.name == pr.variant
}

// match returns the variant the rule serves to t, or nil when it does not
// match. Cheap tests run first; the clock and the hash only when needed.
func (r *rule) match(t *target, clk *clock) *variant {
	if r.timed && !r.more.open(clk.now()) {
		return nil
	}
	if r.test != nil && !r.test.contains(t) {
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
	if r.ramped {
		p = rampThreshold(r.more.ramp, clk.now())
	}
	if r.splits {
		i, ok := splitPick(r.more.bounds, bucket, p)
		if !ok {
			return nil
		}
		return r.more.split[i]
	}
	if bucket >= uint32(p) {
		return nil
	}
	return r.serve
}

// open reports whether the instant nowMs is within the rule's from and
// until.
func (m *ruleMore) open(nowMs int64) bool {
	return !(m.hasFrom && nowMs < m.from || m.hasUntil && nowMs >= m.until)
}

// detail turns a result into a Detail.
func (r *result) detail() Detail {
	d := Detail{Type: r.typeName(), Reason: r.reason(), Rule: r.ruleName(), Source: r.source(), Err: r.err}
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

func boolOf(r *result, fallback bool) bool {
	if r.v == nil {
		return fallback
	}
	return r.v.b
}

func stringOf(r *result, fallback string) string {
	if r.v == nil {
		return fallback
	}
	return r.v.s
}

func intOf(r *result, fallback int64) int64 {
	if r.v == nil {
		return fallback
	}
	return r.v.i
}

func floatOf(r *result, fallback float64) float64 {
	if r.v == nil {
		return fallback
	}
	return r.v.f
}

// objectInto decodes an object flag's value into dst; dst is left alone on
// any error.
func objectInto(r *result, dst any) bool {
	if r.v == nil {
		return false
	}
	return decodeFresh(r.v.raw, dst)
}

// MarshalJSON encodes a Detail for a front end or a log: value, variant,
// type, reason, rule, source, and the error's message as "error".
func (d Detail) MarshalJSON() ([]byte, error) {
	type wire struct {
		Value   any    `json:"value"`
		Variant string `json:"variant,omitempty"`
		Type    string `json:"type,omitempty"`
		Reason  Reason `json:"reason"`
		Rule    string `json:"rule,omitempty"`
		Source  string `json:"source,omitempty"`
		Error   string `json:"error,omitempty"`
	}
	w := wire{Value: d.Value, Variant: d.Variant, Type: d.Type, Reason: d.Reason, Rule: d.Rule, Source: d.Source}
	if d.Err != nil {
		w.Error = d.Err.Error()
	}
	return json.Marshal(w)
}
