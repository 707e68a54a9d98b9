package flagkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flagkit/flagkit/internal/suggest"
)

// This file explains evaluations: a walk of its own over the compiled
// snapshot that records every step, for people and tools (flagkit eval
// -explain, the debug page). It is a separate walk so that evaluation
// keeps its hot path free of bookkeeping: nothing here is reached by the
// getters. The tests check that the walk serves what evaluation serves.

// An Explanation is the path of one evaluation of a flag for a subject at
// an instant: the layers that define or override the flag, whether it is
// enabled, each prerequisite's result, each rule that evaluation reached
// with whether it matched and why not, and what was served. Result is
// exactly what [Client.Evaluate] (or [View.Evaluate]) returns for the same
// flag, subject, snapshot and instant.
//
// An Explanation is a fresh value: it shares nothing with the client. It
// encodes to JSON with snake_case field names, as the flag document
// writes them; [Explanation.String] writes it as a tree for people.
type Explanation struct {
	// Flag is the flag's key.
	Flag string `json:"flag"`
	// SubjectKey is the subject's key.
	SubjectKey string `json:"subject_key"`
	// At is the instant of the evaluation, in UTC, to the millisecond:
	// the instant against which windows and ramps were read.
	At time.Time `json:"at"`
	// Layers lists each source that has delivered a document, in layer
	// order, with its definition and its override of the flag. It is
	// empty for a test override and for a closed client.
	Layers []LayerCheck `json:"layers,omitempty"`
	// Source names the layer whose definition is in force; "" when no
	// layer defines the flag.
	Source string `json:"source,omitempty"`
	// TestOverride is true when a test's override (package flagkittest)
	// decided the result; nothing else was evaluated.
	TestOverride bool `json:"test_override,omitempty"`
	// Enabled is the flag's enabled: false for a disabled flag, and for a
	// flag that is missing or invalid.
	Enabled bool `json:"enabled"`
	// Override is the override in force (an overrides: entry of a layer),
	// or nil. An override serves its value to everyone, after enabled and
	// before everything else.
	Override *OverrideCheck `json:"override,omitempty"`
	// Requires lists the prerequisites in the order evaluation checks
	// them, up to the first that is not met: evaluation stops there.
	Requires []PrerequisiteCheck `json:"requires,omitempty"`
	// Rules lists the rules in order, up to the first that matched:
	// evaluation stops there. It is empty when evaluation did not reach
	// the rules (a disabled or overridden flag, a prerequisite not met).
	Rules []RuleCheck `json:"rules,omitempty"`
	// Result is what the evaluation served.
	Result Detail `json:"result"`
}

// MarshalJSON encodes e with the field names shown in its definition. At is
// written in RFC 3339 (with a fraction of a second when it has one), also
// for an instant outside the years 0 to 9999, which a clock given to
// [WithClock] may read.
func (e Explanation) MarshalJSON() ([]byte, error) {
	type plain Explanation
	return json.Marshal(struct {
		plain
		At string `json:"at"`
	}{plain(e), e.At.Format(time.RFC3339Nano)})
}

// A LayerCheck is what one layer (one source's document) says about a
// flag.
type LayerCheck struct {
	// Source is the layer's source name.
	Source string `json:"source"`
	// Definition is "valid" when the layer defines the flag, "invalid"
	// when its definition is invalid (lower layers show through), "last
	// good" when it is invalid but the layer's previous valid definition
	// is kept, and "" when the layer does not define the flag.
	Definition string `json:"definition,omitempty"`
	// InForce is true for the layer whose definition is evaluated: the
	// last layer with a usable definition.
	InForce bool `json:"in_force,omitempty"`
	// Override is the layer's override of the flag as written, with a
	// string in double quotes ("\"dark\"", "12", "{\"a\":1}"); "" when the
	// layer has none. The override in force is [Explanation.Override].
	Override string `json:"override,omitempty"`
}

// An OverrideCheck is the override in force for a flag.
type OverrideCheck struct {
	// Variant is the variant the override names; "" for a literal value
	// that is no variant's.
	Variant string `json:"variant,omitempty"`
	// Value is the value served, as in [Detail.Value].
	Value any `json:"value"`
	// Source is the layer whose overrides: section set it.
	Source string `json:"source"`
}

// A PrerequisiteCheck is one prerequisite of a flag (its requires:) and
// what it served.
type PrerequisiteCheck struct {
	// Flag is the prerequisite's key.
	Flag string `json:"flag"`
	// Want is the variant it must serve.
	Want string `json:"want"`
	// Served is the variant it served; "" for the caller's fallback (it is
	// missing, invalid, or served no variant).
	Served string `json:"served,omitempty"`
	// Met is true when Served is Want.
	Met bool `json:"met"`
	// TooDeep is true when the prerequisite was not evaluated because the
	// chain of prerequisites is deeper than 16: it is not met.
	TooDeep bool `json:"too_deep,omitempty"`
	// Repeat is true when the prerequisite was explained earlier in this
	// explanation; evaluation, too, evaluates each prerequisite once.
	Repeat bool `json:"repeat,omitempty"`
	// Explanation is the prerequisite's own evaluation; nil for a repeat
	// or when TooDeep.
	Explanation *Explanation `json:"explanation,omitempty"`
}

// A RuleCheck is one rule that evaluation reached. A rule matches when
// all its parts hold: its window is open, the subject is in one of its
// cohorts, one block of its when holds, and its bucket is inside its
// percentage or split. Every part is checked and shown here, although
// evaluation stops at the first part that fails.
type RuleCheck struct {
	// Name is the rule's name, or "rules[i]".
	Name string `json:"name"`
	// Matched is true when the rule matched; Variant is then what it
	// served.
	Matched bool   `json:"matched"`
	Variant string `json:"variant,omitempty"`
	// Window is the rule's from/until, or nil.
	Window *WindowCheck `json:"window,omitempty"`
	// Cohorts are the cohorts the rule names; the subject must be a member
	// of one of them.
	Cohorts []CohortCheck `json:"cohorts,omitempty"`
	// When is the rule's own when: one block must hold.
	When []BlockCheck `json:"when,omitempty"`
	// Bucket is the rule's percentage or split, or nil.
	Bucket *BucketCheck `json:"bucket,omitempty"`
}

// A WindowCheck is a rule's release window at the evaluation's instant.
type WindowCheck struct {
	// From (inclusive) and Until (exclusive) are the window's bounds, in
	// UTC; nil when the rule has none.
	From  *time.Time `json:"from,omitempty"`
	Until *time.Time `json:"until,omitempty"`
	// Open is true when the instant is inside the window.
	Open bool `json:"open"`
}

// A CohortCheck is a cohort and whether the subject is a member: a member
// of one of the cohorts it narrows (if any), for whom one block of its
// when holds (if it has one).
type CohortCheck struct {
	Cohort string `json:"cohort"`
	Member bool   `json:"member"`
	// Repeat is true when the cohort was explained earlier in this
	// explanation (Narrows and When are then empty): as evaluation, the
	// explanation decides each cohort once.
	Repeat  bool          `json:"repeat,omitempty"`
	Narrows []CohortCheck `json:"narrows,omitempty"`
	When    []BlockCheck  `json:"when,omitempty"`
}

// A BlockCheck is one block of conditions: it holds when all of them do.
type BlockCheck struct {
	Holds      bool             `json:"holds"`
	Conditions []ConditionCheck `json:"conditions"`
}

// A ConditionCheck is one condition on one attribute, as written, and the
// attribute's value as the condition saw it.
type ConditionCheck struct {
	// Attribute is the attribute's name ("key" is the subject's key).
	Attribute string `json:"attribute"`
	// Operator and Operand are the condition as written: "in" and
	// `["NO", "SE"]`; strings are in double quotes.
	Operator   string `json:"operator"`
	Operand    string `json:"operand"`
	IgnoreCase bool   `json:"ignore_case,omitempty"`
	// Value is the attribute's value: nil when it is missing; otherwise a
	// string, bool, number or list as given, with a time written in RFC
	// 3339, an address as text, a string longer than 256 bytes cut short
	// (ending in "…"), a list after 64 elements likewise, and a value of a
	// type no operator compares replaced by its Go type's name.
	Value any `json:"value"`
	// Default is true when the value is the client's default
	// ([WithAttributes]), as the subject has no such attribute.
	Default bool `json:"default,omitempty"`
	// Problem says why the value could not be compared, when it could
	// not: "missing", "too long" (over the operators' limit of 4096
	// bytes), "wrong type" (a type the operator does not compare), "not a
	// number", "not a version", "not a time" or "not an IP address". A
	// value that cannot be compared does not match, except for ne and
	// not_in, which it matches when present, and exists.
	Problem string `json:"problem,omitempty"`
	// Holds is the condition's result.
	Holds bool `json:"holds"`
}

// A BucketCheck is a rule's percentage or split for the subject.
type BucketCheck struct {
	// By is what was hashed: "key" for the subject's key, else the
	// attribute named by by:.
	By string `json:"by"`
	// Salt is the salt hashed before it.
	Salt string `json:"salt"`
	// NoValue is true when there was nothing to hash (an empty key, a
	// missing attribute, a value that is not a string or a whole number):
	// the subject is outside every percentage and split.
	NoValue bool `json:"no_value,omitempty"`
	// Bucket is the subject's bucket, 0 to 99999, unless NoValue.
	Bucket int `json:"bucket"`
	// Percent is the percentage in force at the instant (a rule without
	// percent: 100). The subject is inside when Bucket < Percent × 1000.
	Percent float64 `json:"percent"`
	// Ramped is true when Percent was read from a ramp at the instant.
	Ramped bool `json:"ramped,omitempty"`
	// Split lists a split's variants with their buckets; nil for a rule
	// that serves one variant.
	Split []SplitRange `json:"split,omitempty"`
	// Inside is true when the bucket is served.
	Inside bool `json:"inside"`
}

// A SplitRange is one variant's buckets in a split: From (inclusive) to
// To (exclusive) by its weight, of which From to Served are served at the
// percentage in force.
type SplitRange struct {
	Variant string `json:"variant"`
	From    int    `json:"from"`
	To      int    `json:"to"`
	Served  int    `json:"served"`
}

// Explain evaluates flag key for s, now (by the client's clock), and
// returns the path of the evaluation. Result equals what
// [Client.Evaluate] returns at the same instant. Hooks are not run.
//
// Explain is for people and tools (a debug page, a support tool), not for
// the request path: it allocates in proportion to the flag's definition.
// To explain at another instant, use [Client.ViewAt].
func (c *Client) Explain(ctx context.Context, key string, s Subject) Explanation {
	return c.View().Explain(ctx, key, s)
}

// Explain is [Client.Explain] at the view's snapshot and instant.
func (v View) Explain(ctx context.Context, key string, s Subject) Explanation {
	e := Explanation{Flag: key, SubjectKey: s.Key, At: time.UnixMilli(v.now).UTC()}
	if v.c == nil || v.snap == nil || v.snap.closed {
		e.Result = (&result{err: ErrClosed}).detail()
		return e
	}
	if to := v.c.test.Load(); to != nil {
		var r result
		if v.c.overridden(ctx, to, v.snap, key, s.Key, &r) {
			e.TestOverride = true
			e.Source = r.source()
			e.Enabled = true
			e.Result = r.detail()
			return e
		}
	}
	x := explainer{
		snap:    v.snap,
		t:       target{key: s.Key, attrs: s.Attrs, defaults: v.c.attrs},
		now:     v.now,
		served:  map[string]string{},
		members: map[*cohort]bool{},
	}
	x.flag(&e, 0)
	return e
}

// explainer walks one explanation. Like an evaluation with a memo, it
// decides each prerequisite and each cohort once.
type explainer struct {
	snap    *snapshot
	t       target
	now     int64
	served  map[string]string // prerequisites explained: the variant each served
	members map[*cohort]bool  // cohorts explained
}

// flag fills e (whose Flag, SubjectKey and At are set), depth
// prerequisites deep.
func (x *explainer) flag(e *Explanation, depth int) {
	e.Layers = x.layers(e.Flag)
	f := x.snap.flags[e.Flag]
	r := x.decide(f, e, depth)
	finishQuietly(x.snap, e.Flag, &r)
	e.Result = r.detail()
}

// decide is eval, recording each step in e.
func (x *explainer) decide(f *compiledFlag, e *Explanation, depth int) result {
	if f == nil {
		return result{err: ErrFlagNotFound}
	}
	e.Source = f.source
	if f.err != nil {
		return result{f: f, err: f.err}
	}
	e.Enabled = f.enabled
	if !f.enabled {
		return result{f: f, v: f.off, code: codeDisabled}
	}
	if f.override != nil {
		e.Override = &OverrideCheck{Variant: f.override.name, Value: (&result{f: f, v: f.override}).detail().Value, Source: f.ovSource}
		return result{f: f, v: f.override, code: codeStatic}
	}
	for _, pr := range f.requires {
		pc := PrerequisiteCheck{Flag: pr.key, Want: pr.variant}
		switch served, seen := x.served[pr.key]; {
		case depth >= maxRequiresDepth:
			pc.TooDeep = true
		case seen:
			pc.Repeat, pc.Served = true, served
		default:
			sub := &Explanation{Flag: pr.key, SubjectKey: e.SubjectKey, At: e.At}
			x.flag(sub, depth+1)
			pc.Explanation, pc.Served = sub, sub.Result.Variant
			x.served[pr.key] = pc.Served
		}
		pc.Met = !pc.TooDeep && pc.Served != "" && pc.Served == pr.variant
		e.Requires = append(e.Requires, pc)
		if !pc.Met {
			return result{f: f, v: f.off, code: codePrerequisiteFailed}
		}
	}
	for i := range f.rules {
		r := &f.rules[i]
		rc, v := x.rule(r)
		e.Rules = append(e.Rules, rc)
		if rc.Matched {
			code := codeTargetingMatch
			if r.bucketed {
				code = codeSplit
			}
			return result{f: f, v: v, rule: r, code: code}
		}
	}
	if f.static {
		return result{f: f, v: f.def, code: codeStatic}
	}
	return result{f: f, v: f.def, code: codeDefault}
}

// rule checks every part of r, and returns the variant it serves when it
// matches.
func (x *explainer) rule(r *rule) (RuleCheck, *variant) {
	rc := RuleCheck{Name: r.more.name}
	matched := true
	if r.timed {
		m := r.more
		w := &WindowCheck{Open: !(m.hasFrom && x.now < m.from || m.hasUntil && x.now >= m.until)}
		if m.hasFrom {
			t := time.UnixMilli(m.from).UTC()
			w.From = &t
		}
		if m.hasUntil {
			t := time.UnixMilli(m.until).UTC()
			w.Until = &t
		}
		rc.Window = w
		matched = w.Open
	}
	if c := r.test; c != nil {
		in := true
		if c.key != "" { // a rule that names one cohort and nothing else
			cc := x.cohort(c)
			rc.Cohorts = []CohortCheck{cc}
			in = cc.Member
		} else {
			if len(c.parents) > 0 {
				in = false
				for _, p := range c.parents {
					cc := x.cohort(p)
					rc.Cohorts = append(rc.Cohorts, cc)
					in = in || cc.Member
				}
			}
			if len(c.when) > 0 {
				var holds bool
				rc.When, holds = x.when(c.when)
				in = in && holds
			}
		}
		matched = matched && in
	}
	if r.bucketed {
		rc.Bucket = x.bucket(r)
		matched = matched && rc.Bucket.Inside
	}
	rc.Matched = matched
	if !matched {
		return rc, nil
	}
	v := r.serve
	if r.splits {
		for j, sr := range rc.Bucket.Split {
			if rc.Bucket.Bucket >= sr.From && rc.Bucket.Bucket < sr.Served {
				v = r.more.split[j]
			}
		}
	}
	if v != nil {
		rc.Variant = v.name
	}
	return rc, v
}

// cohort explains membership of c, once per explanation.
func (x *explainer) cohort(c *cohort) CohortCheck {
	cc := CohortCheck{Cohort: c.key}
	if in, seen := x.members[c]; seen {
		cc.Member, cc.Repeat = in, true
		return cc
	}
	in := true
	if len(c.parents) > 0 {
		in = false
		for _, p := range c.parents {
			pc := x.cohort(p)
			cc.Narrows = append(cc.Narrows, pc)
			in = in || pc.Member
		}
	}
	if len(c.when) > 0 {
		var holds bool
		cc.When, holds = x.when(c.when)
		in = in && holds
	}
	cc.Member = in
	x.members[c] = in
	return cc
}

// when checks every condition of every block of a.
func (x *explainer) when(a anyOf) ([]BlockCheck, bool) {
	var blocks []BlockCheck
	anyHolds := false
	for i := 0; i < len(a); {
		end := int(a[i].next)
		b := BlockCheck{Holds: true}
		for ; i < end; i++ {
			cc := x.condition(&a[i])
			b.Conditions = append(b.Conditions, cc)
			b.Holds = b.Holds && cc.Holds
		}
		anyHolds = anyHolds || b.Holds
		blocks = append(blocks, b)
	}
	return blocks, anyHolds
}

// condition checks one condition, with the matcher evaluation uses.
func (x *explainer) condition(c *condition) ConditionCheck {
	cc := ConditionCheck{Attribute: c.attr, IgnoreCase: c.ignoreCase, Holds: c.holds(&x.t)}
	if c.text != nil {
		cc.Operator, cc.Operand = c.text.op, writeOperand(c.text.operand)
	}
	var v any
	present := true
	if c.isKey {
		v = x.t.key
	} else {
		v, present = x.t.attr(c.attr)
		cc.Default = present && x.t.attrs[c.attr] == nil
	}
	cc.Value = shownValue(v, 0)
	cc.Problem = c.problem(v, present)
	return cc
}

// bucket checks r's percentage or split.
func (x *explainer) bucket(r *rule) *BucketCheck {
	b := &BucketCheck{By: "key", Salt: r.salt}
	var bucket uint32
	ok := false
	if r.by == "" {
		if x.t.key != "" {
			bucket, ok = bucketOf(r.salt, x.t.key), true
		}
	} else {
		b.By = r.by
		if v, present := x.t.lookup(r.by); present {
			bucket, ok = subjectBucket(r.salt, v)
		}
	}
	p := r.percent
	if r.ramped {
		p, b.Ramped = rampThreshold(r.more.ramp, x.now), true
	}
	b.Percent = float64(p) / 1000
	b.NoValue = !ok
	b.Bucket = int(bucket)
	if r.splits {
		lo := 0
		for i, bound := range r.more.bounds {
			hi := int(bound)
			served := lo
			if p > 0 {
				served = lo + int(int64(hi-lo)*int64(min(p, bucketCount))/bucketCount)
			}
			b.Split = append(b.Split, SplitRange{Variant: r.more.split[i].name, From: lo, To: hi, Served: served})
			b.Inside = b.Inside || ok && b.Bucket >= lo && b.Bucket < served
			lo = hi
		}
		return b
	}
	b.Inside = ok && int64(bucket) < int64(p)
	return b
}

// layers says what each layer of the snapshot says about flag key.
func (x *explainer) layers(key string) []LayerCheck {
	var out []LayerCheck
	f := x.snap.flags[key]
	norm := suggest.OverrideKey(key)
	inForce := -1
	for _, d := range x.snap.layers {
		lc := LayerCheck{Source: d.source}
		switch d.flags[key] {
		case defLastGood:
			lc.Definition = "last good"
			inForce = len(out)
		case defValid:
			lc.Definition = "valid"
			inForce = len(out)
		case defInvalid:
			lc.Definition = "invalid"
		}
		if o, ok := d.overrides[norm]; ok {
			lc.Override = writeOverride(o)
		}
		out = append(out, lc)
	}
	if inForce >= 0 && f != nil && f.err == nil && out[inForce].Source == f.source {
		out[inForce].InForce = true
	}
	return out
}

// writeOperand writes an operand as a document would, with strings in
// double quotes: "NO", 3, ["NO", "SE"].
func writeOperand(o operand) string {
	if !o.list {
		if len(o.items) == 0 {
			return ""
		}
		return writeScalar(o.items[0])
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range o.items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(writeScalar(s))
	}
	b.WriteByte(']')
	return b.String()
}

func writeScalar(s scalar) string {
	switch s.kind {
	case scalarString:
		return strconv.Quote(s.text)
	case scalarNull:
		return "null"
	}
	return s.text
}

func writeOverride(v overrideValue) string {
	if v.raw != nil {
		return string(v.raw)
	}
	return writeScalar(scalar{text: v.text, kind: v.kind})
}

// Limits of what an explanation shows of a value.
const (
	maxShownString = 256
	maxShownList   = 64
)

// shownValue returns v as an explanation shows it: JSON-encodable,
// bounded, and of the types Attrs documents (see ConditionCheck.Value).
// depth is 1 inside a list, whose lists are not searched.
func shownValue(v any, depth int) any {
	switch x := v.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return x
	case string:
		return shortString(x)
	case float32:
		return shownFloat(float64(x))
	case float64:
		return shownFloat(x)
	case json.Number:
		if _, err := json.Marshal(x); err == nil {
			return x
		}
		return shortString(string(x))
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case netip.Addr:
		return x.String()
	case []string:
		if depth > 0 {
			return "[]string"
		}
		out := make([]any, 0, min(len(x), maxShownList+1))
		for i, s := range x {
			if i == maxShownList {
				out = append(out, fmt.Sprintf("… (%d more)", len(x)-i))
				break
			}
			out = append(out, shortString(s))
		}
		return out
	case []any:
		if depth > 0 {
			return "[]any"
		}
		out := make([]any, 0, min(len(x), maxShownList+1))
		for i, e := range x {
			if i == maxShownList {
				out = append(out, fmt.Sprintf("… (%d more)", len(x)-i))
				break
			}
			out = append(out, shownValue(e, depth+1))
		}
		return out
	}
	return fmt.Sprintf("%T", v)
}

// shownFloat keeps a finite float; NaN and infinities, which JSON cannot
// encode, become text.
func shownFloat(f float64) any {
	if math.IsInf(f, 0) || f != f {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return f
}

// shortString cuts s after maxShownString bytes, on a rune boundary.
func shortString(s string) string {
	if len(s) <= maxShownString {
		return s
	}
	n := maxShownString
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// problem says why the condition could not compare v, or "" when it
// could (see ConditionCheck.Problem).
func (c *condition) problem(v any, present bool) string {
	if !present || v == nil {
		return "missing"
	}
	if c.op == opExists {
		return ""
	}
	switch x := v.(type) {
	case []string, []any:
		return "" // each element is compared; Holds says whether one matched
	case string:
		return c.stringProblem(x)
	case bool:
		if c.op == opEq || c.op == opNe {
			return ""
		}
		return "wrong type"
	case json.Number:
		n, ok := scanNumber(string(x))
		if !ok {
			return "not a number"
		}
		return c.numberProblem(n)
	case time.Time:
		if c.op == opBefore || c.op == opAfter {
			return ""
		}
		return "wrong type"
	case netip.Addr:
		if c.op == opInCIDR {
			return ""
		}
		return "wrong type"
	}
	if n, ok := numberOf(v); ok {
		return c.numberProblem(n)
	}
	return "wrong type"
}

func (c *condition) stringProblem(s string) string {
	if len(s) > maxValueLen {
		return "too long"
	}
	switch c.op {
	case opLt, opLte, opGt, opGte:
		return "wrong type"
	case opSemverEq, opSemverLt, opSemverLte, opSemverGt, opSemverGte:
		if _, ok := parseSemver(s); !ok {
			return "not a version"
		}
	case opBefore, opAfter:
		if _, ok := parseRFC3339(s); !ok {
			return "not a time"
		}
	case opInCIDR:
		if _, ok := parseIP(s); !ok {
			return "not an IP address"
		}
	}
	return ""
}

func (c *condition) numberProblem(n condNum) string {
	if n.kind == numFloat && n.f != n.f {
		return "not a number"
	}
	switch c.op {
	case opEq, opNe, opLt, opLte, opGt, opGte:
		return ""
	case opBefore, opAfter:
		if _, ok := n.instant(); !ok {
			return "not a time"
		}
		return ""
	}
	return "wrong type"
}

// numberOf reads a Go number of any integer or float kind.
func numberOf(v any) (condNum, bool) {
	switch x := v.(type) {
	case int:
		return intNum(int64(x)), true
	case int8:
		return intNum(int64(x)), true
	case int16:
		return intNum(int64(x)), true
	case int32:
		return intNum(int64(x)), true
	case int64:
		return intNum(x), true
	case uint:
		return uintNum(uint64(x)), true
	case uint8:
		return uintNum(uint64(x)), true
	case uint16:
		return uintNum(uint64(x)), true
	case uint32:
		return uintNum(uint64(x)), true
	case uint64:
		return uintNum(x), true
	case float32:
		return floatNum(float64(x)), true
	case float64:
		return floatNum(x), true
	}
	return condNum{}, false
}

// String returns the explanation as an indented tree, one step a line,
// for people; the JSON encoding is for programs.
func (e Explanation) String() string {
	var b strings.Builder
	e.write(&b, "")
	return b.String()
}

// write writes e at indentation in.
func (e *Explanation) write(b *strings.Builder, in string) {
	fmt.Fprintf(b, "%sflag %s for subject %s at %s\n", in, e.Flag, strconv.Quote(e.SubjectKey), e.At.Format(time.RFC3339Nano))
	in2 := in + "  "
	if len(e.Layers) > 0 {
		fmt.Fprintf(b, "%slayers:\n", in2)
		for _, l := range e.Layers {
			def := l.Definition
			if def == "" {
				def = "no definition"
			}
			fmt.Fprintf(b, "%s  %s: %s", in2, l.Source, def)
			if l.InForce {
				b.WriteString(" (in force)")
			}
			if l.Override != "" {
				fmt.Fprintf(b, "; override %s", l.Override)
			}
			b.WriteByte('\n')
		}
	}
	switch {
	case e.TestOverride:
		fmt.Fprintf(b, "%stest override (flagkittest): nothing else evaluated\n", in2)
	case e.Result.Reason == ReasonError && e.Source == "":
	case e.Result.Reason == ReasonError && !e.Enabled:
	case !e.Enabled:
		fmt.Fprintf(b, "%sdisabled: serves its off variant\n", in2)
	default:
		fmt.Fprintf(b, "%senabled\n", in2)
	}
	if o := e.Override; o != nil {
		fmt.Fprintf(b, "%soverride in force from %s: %s\n", in2, o.Source, shownVariant(o.Variant, o.Value))
	}
	if len(e.Requires) > 0 {
		fmt.Fprintf(b, "%srequires:\n", in2)
		for _, p := range e.Requires {
			served := p.Served
			if served == "" {
				served = "no variant"
			}
			met := "met"
			if !p.Met {
				met = "not met"
			}
			switch {
			case p.TooDeep:
				fmt.Fprintf(b, "%s  %s = %s: not evaluated, prerequisites nest too deep: not met\n", in2, p.Flag, p.Want)
				continue
			case p.Repeat:
				fmt.Fprintf(b, "%s  %s = %s: served %s (explained above): %s\n", in2, p.Flag, p.Want, served, met)
				continue
			}
			fmt.Fprintf(b, "%s  %s = %s: served %s: %s\n", in2, p.Flag, p.Want, served, met)
			if p.Explanation != nil {
				p.Explanation.write(b, in2+"    ")
			}
		}
	}
	if len(e.Rules) > 0 {
		fmt.Fprintf(b, "%srules:\n", in2)
		for _, r := range e.Rules {
			r.write(b, in2+"  ")
		}
	}
	d := e.Result
	fmt.Fprintf(b, "%sserved %s, reason %s", in2, shownVariant(d.Variant, d.Value), d.Reason)
	if d.Rule != "" {
		fmt.Fprintf(b, ", rule %s", strconv.Quote(d.Rule))
	}
	if d.Source != "" {
		fmt.Fprintf(b, ", source %s", d.Source)
	}
	if d.Err != nil {
		fmt.Fprintf(b, ", error: %v", d.Err)
	}
	b.WriteByte('\n')
}

// shownVariant writes a variant and its value: on (true), or the
// caller's fallback.
func shownVariant(variant string, value any) string {
	if variant == "" && value == nil {
		return "the caller's fallback"
	}
	if variant == "" {
		return jsonText(value)
	}
	return variant + " (" + jsonText(value) + ")"
}

// jsonText writes v as JSON for people: without escaping <, > and &.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "?"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (r *RuleCheck) write(b *strings.Builder, in string) {
	if r.Matched {
		fmt.Fprintf(b, "%srule %s: matched, serves %s\n", in, strconv.Quote(r.Name), r.Variant)
	} else {
		fmt.Fprintf(b, "%srule %s: no match\n", in, strconv.Quote(r.Name))
	}
	in += "  "
	if w := r.Window; w != nil {
		b.WriteString(in + "window")
		if w.From != nil {
			b.WriteString(" from " + w.From.Format(time.RFC3339Nano))
		}
		if w.Until != nil {
			b.WriteString(" until " + w.Until.Format(time.RFC3339Nano))
		}
		if w.Open {
			b.WriteString(": open\n")
		} else {
			b.WriteString(": closed\n")
		}
	}
	if len(r.Cohorts) > 0 {
		if len(r.Cohorts) > 1 {
			fmt.Fprintf(b, "%sin any of the cohorts:\n", in)
			for i := range r.Cohorts {
				r.Cohorts[i].write(b, in+"  ")
			}
		} else {
			r.Cohorts[0].write(b, in)
		}
	}
	writeWhen(b, in, r.When)
	if k := r.Bucket; k != nil {
		k.write(b, in)
	}
}

func (c *CohortCheck) write(b *strings.Builder, in string) {
	member := "member"
	if !c.Member {
		member = "not a member"
	}
	if c.Repeat {
		fmt.Fprintf(b, "%scohort %s: %s (explained above)\n", in, c.Cohort, member)
		return
	}
	fmt.Fprintf(b, "%scohort %s: %s\n", in, c.Cohort, member)
	in += "  "
	if len(c.Narrows) > 0 {
		fmt.Fprintf(b, "%snarrows any of:\n", in)
		for i := range c.Narrows {
			c.Narrows[i].write(b, in+"  ")
		}
	}
	writeWhen(b, in, c.When)
}

func writeWhen(b *strings.Builder, in string, blocks []BlockCheck) {
	switch len(blocks) {
	case 0:
		return
	case 1:
		fmt.Fprintf(b, "%swhen: %s\n", in, holdsText(blocks[0].Holds))
		for i := range blocks[0].Conditions {
			blocks[0].Conditions[i].write(b, in+"  ")
		}
		return
	}
	holds := false
	for _, bl := range blocks {
		holds = holds || bl.Holds
	}
	fmt.Fprintf(b, "%swhen, any of %d blocks: %s\n", in, len(blocks), holdsText(holds))
	for i, bl := range blocks {
		fmt.Fprintf(b, "%s  block %d: %s\n", in, i+1, holdsText(bl.Holds))
		for j := range bl.Conditions {
			bl.Conditions[j].write(b, in+"    ")
		}
	}
}

func holdsText(h bool) string {
	if h {
		return "holds"
	}
	return "fails"
}

func (c *ConditionCheck) write(b *strings.Builder, in string) {
	fmt.Fprintf(b, "%s%s %s %s", in, c.Attribute, c.Operator, c.Operand)
	if c.IgnoreCase {
		b.WriteString(" (ignore_case)")
	}
	b.WriteString(": ")
	if c.Value == nil {
		b.WriteString("missing")
	} else {
		b.WriteString(jsonText(c.Value))
		if c.Default {
			b.WriteString(" (client default)")
		}
		if c.Problem != "" {
			b.WriteString(" (" + c.Problem + ")")
		}
	}
	b.WriteString(": " + holdsText(c.Holds) + "\n")
}

func (k *BucketCheck) write(b *strings.Builder, in string) {
	pct := strconv.FormatFloat(k.Percent, 'f', -1, 64) + " %"
	if k.Ramped {
		pct += " (ramp at this instant)"
	}
	if k.NoValue {
		fmt.Fprintf(b, "%sbucket: no value to hash (%s): outside every percentage\n", in, k.By)
		return
	}
	inside := "outside"
	if k.Inside {
		inside = "inside"
	}
	fmt.Fprintf(b, "%sbucket %d (%s, salt %s)", in, k.Bucket, k.By, strconv.Quote(k.Salt))
	if k.Split == nil {
		fmt.Fprintf(b, ": %s %s\n", inside, pct)
		return
	}
	fmt.Fprintf(b, ": %s the split at %s\n", inside, pct)
	for _, s := range k.Split {
		mark := ""
		if k.Bucket >= s.From && k.Bucket < s.To {
			mark = "  <- bucket"
		}
		if s.From == s.To {
			fmt.Fprintf(b, "%s  %s: no buckets\n", in, s.Variant)
			continue
		}
		fmt.Fprintf(b, "%s  %s: buckets %d-%d, served below %d%s\n", in, s.Variant, s.From, s.To-1, s.Served, mark)
	}
}
