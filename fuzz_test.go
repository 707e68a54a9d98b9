package flagkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Fuzz targets for the document parser and for evaluation. docs/fuzzing.md
// says how to run them; their seed corpora are in testdata/fuzz/<target>.

// fzParseBudget bounds the time one input may take in FuzzParse and
// FuzzParseJSONEquivalence: parsing is linear in the document, so anything
// near this is a hang, not a slow machine.
const fzParseBudget = 10 * time.Second

// fzSentinels are the classes a *ParseError may carry.
var fzSentinels = []error{ErrSyntax, ErrTooLarge, ErrTooDeep, ErrInvalid, ErrUnknownField, ErrDuplicateKey, ErrUnknownReference, ErrCycle}

// fzReasons are the reasons an evaluation may report.
var fzReasons = []Reason{ReasonStatic, ReasonDefault, ReasonTargetingMatch, ReasonSplit, ReasonDisabled, ReasonPrerequisiteFailed, ReasonError}

// fzWithin runs fn and fails t if it does not return within fzParseBudget.
// A goroutine stuck in a loop is left behind; the failing run ends soon after.
func fzWithin(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Sprintf("%v\n%s", p, debug.Stack())
			}
			close(done)
		}()
		fn()
	}()
	timer := time.NewTimer(fzParseBudget)
	defer timer.Stop()
	select {
	case p := <-done:
		if p != "" {
			t.Fatalf("%s panicked: %v", what, p)
		}
	case <-timer.C:
		t.Fatalf("%s did not return within %v", what, fzParseBudget)
	}
}

// fzLeaves flattens errors.Join trees.
func fzLeaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, fzLeaves(e)...)
		}
		return out
	}
	return []error{err}
}

// fzClass returns the parse sentinel err matches, or nil.
func fzClass(err error) error {
	for _, s := range fzSentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

// fzCheckParseError checks one problem: a *ParseError from source, with a
// message, a position that is not negative and a known class.
func fzCheckParseError(t *testing.T, source string, err error) {
	t.Helper()
	pe, ok := err.(*ParseError)
	if !ok {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if pe.Source != source {
		t.Errorf("ParseError.Source = %q; want %q (%v)", pe.Source, source, pe)
	}
	if pe.Msg == "" {
		t.Errorf("ParseError.Msg is empty: %#v", pe)
	}
	if pe.Line < 0 || pe.Column < 0 {
		t.Errorf("ParseError position %d:%d is negative (%v)", pe.Line, pe.Column, pe)
	}
	if fzClass(pe) == nil {
		t.Errorf("ParseError %v has class %v; want one of the parse sentinels", pe, pe.Err)
	}
	msg := pe.Error()
	if strings.Contains(msg, "yaml: unmarshal errors") || strings.HasPrefix(pe.Msg, "yaml:") {
		t.Errorf("ParseError %q shows the YAML library's wording", msg)
	}
	if !strings.HasPrefix(msg, "flagkit: "+source) {
		t.Errorf("ParseError.Error() = %q; want the prefix %q", msg, "flagkit: "+source)
	}
}

// fzCheckErr checks an error from Validate or parseDocument: nil, or one or
// more valid problems joined.
func fzCheckErr(t *testing.T, source string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	leaves := fzLeaves(err)
	if len(leaves) == 0 {
		t.Fatalf("error %v joins no problems", err)
	}
	for _, e := range leaves {
		fzCheckParseError(t, source, e)
	}
}

// fzValueFits reports whether a Detail's value has the type of a flag of
// type typ (FlagInfo.Type).
func fzValueFits(typ string, v any) bool {
	switch typ {
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		switch v.(type) {
		case int64, float64:
			return true
		}
	case "object":
		// An override may serve any JSON value to an object flag.
		switch v.(type) {
		case map[string]any, []any, string, bool, float64, nil:
			return true
		}
	}
	return false
}

// fzCheckDetail checks the parts of a Detail that hold for any flag.
func fzCheckDetail(t *testing.T, key string, d Detail) {
	t.Helper()
	if !slices.Contains(fzReasons, d.Reason) {
		t.Errorf("Evaluate(%q).Reason = %q; want a defined reason", key, d.Reason)
	}
	if d.Reason == ReasonError && d.Err == nil {
		t.Errorf("Evaluate(%q) = %+v: reason ERROR without an error", key, d)
	}
	if d.Err != nil && d.Reason != ReasonError && !errors.Is(d.Err, ErrNoValue) {
		t.Errorf("Evaluate(%q) = %+v: an error with reason %s", key, d, d.Reason)
	}
	if errors.Is(d.Err, ErrNoValue) && d.Reason == ReasonError {
		t.Errorf("Evaluate(%q) = %+v: ErrNoValue with reason ERROR", key, d)
	}
	if (d.Err == nil) != (d.Value != nil) {
		t.Errorf("Evaluate(%q) = %+v: want Err non-nil exactly when Value is nil", key, d)
	}
	if d.Variant == "" && d.Value != nil && d.Reason != ReasonStatic {
		t.Errorf("Evaluate(%q) = %+v: a value without a variant", key, d)
	}
}

// fzEvaluator is what a Client and a View share.
type fzEvaluator interface {
	Bool(ctx context.Context, key string, s Subject, fallback bool) bool
	String(ctx context.Context, key string, s Subject, fallback string) string
	Int(ctx context.Context, key string, s Subject, fallback int64) int64
	Float(ctx context.Context, key string, s Subject, fallback float64) float64
	Object(ctx context.Context, key string, s Subject, dst any) bool
	Evaluate(ctx context.Context, key string, s Subject) Detail
}

// fzTypes returns each flag's type, "" for an invalid flag.
func fzTypes(c *Client) map[string]string {
	types := map[string]string{}
	for _, info := range c.Flags() {
		types[info.Key] = info.Type
	}
	return types
}

// fzCheckFlag evaluates flag key of type typ for s, twice, and with every
// getter, and checks that the answers agree. It returns the Detail.
func fzCheckFlag(t *testing.T, e fzEvaluator, key, typ string, s Subject) Detail {
	t.Helper()
	ctx := context.Background()
	d := e.Evaluate(ctx, key, s)
	fzCheckDetail(t, key, d)
	if again := e.Evaluate(ctx, key, s); !reflect.DeepEqual(again, d) {
		t.Errorf("Evaluate(%q) = %+v, then %+v; want the same", key, d, again)
	}
	if d.Variant != "" && !fzValueFits(typ, d.Value) {
		t.Errorf("Evaluate(%q).Value = %#v (%T); want a %s", key, d.Value, d.Value, typ)
	}
	fzCheckGetters(t, e, key, s, typ, d)
	return d
}

// fzParseSubjects builds subjects for a parsed document: no attributes, and
// every attribute its conditions name set to a value of each kind.
func fzParseSubjects(s *snapshot) []Subject {
	names := map[string]bool{}
	var texts []any
	addConditions := func(conds anyOf) {
		for _, c := range conds {
			names[c.attr] = true
			for _, s := range c.strs {
				texts = append(texts, s)
			}
			for _, n := range c.ints {
				texts = append(texts, n)
			}
		}
	}
	var walk func(c *cohort, depth int)
	walk = func(c *cohort, depth int) {
		if depth > 32 {
			return
		}
		addConditions(c.when)
		for _, p := range c.parents {
			walk(p, depth+1)
		}
	}
	for _, k := range s.keys {
		f := s.flags[k]
		for i := range f.rules {
			r := &f.rules[i]
			if r.test != nil {
				walk(r.test, 0)
			}
			if r.by != "" {
				names[r.by] = true
			}
		}
	}
	values := []any{"x", int64(1), 2.5, true, []any{"a", int64(3)}, time.Unix(1764579600, 0), netip.MustParseAddr("10.1.2.3")}
	if len(texts) > 0 {
		values = append(values, texts[0], texts[len(texts)-1], texts)
	}
	subjects := []Subject{{}, {Key: "user-1"}}
	for i, v := range values {
		attrs := Attrs{}
		for n := range names {
			attrs[n] = v
		}
		subjects = append(subjects, Subject{Key: "user-" + strconv.Itoa(i), Attrs: attrs})
	}
	return subjects
}

// fzSeedFiles adds the repository's flag documents as seeds.
func fzSeedFiles(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	paths = append(paths, filepath.Join("examples", "quickstart", "flags.yaml"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatalf("seed %s: %v", p, err)
		}
		f.Add(data)
	}
}

// FuzzParse checks that any bytes given to Validate, parseDocument and
// compile come back as valid *ParseErrors or as definitions that evaluate,
// without a panic or a hang.
func FuzzParse(f *testing.F) {
	fzSeedFiles(f)
	f.Add([]byte(fzRichDoc))
	// Over the limits that bound matching: a regular expression's program,
	// a text operand's length.
	f.Add([]byte("flags:\n  a:\n    rules:\n      - when: {name: {matches: '[\\pL\\pN]{1000}z'}}\n        serve: on\n"))
	f.Add([]byte("flags:\n  a:\n    rules:\n      - when: {name: {matches: '(?:(?:\\pL{10}){10}){10}', ignore_case: true}}\n        serve: on\n" +
		"  b:\n    rules:\n      - when: {path: {contains: " + strings.Repeat("x", maxValueLen+1) + "}}\n        serve: on\n"))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil)) // formats every problem, as a real logger would
	f.Fuzz(func(t *testing.T, data []byte) {
		var verr, perr error
		var doc *docSpec
		var snap *snapshot
		fzWithin(t, "Validate and parseDocument", func() {
			verr = Validate("fuzz", data)
			doc, perr = parseDocument("fuzz", data, 0)
			if doc != nil {
				snap = compile([]*docSpec{doc}, nil)
			}
		})
		fzCheckErr(t, "fuzz", verr)
		fzCheckErr(t, "fuzz", perr)
		if len(data) > 64 {
			// The size limit applies before anything is read.
			if _, err := parseDocument("fuzz", data, 64); !errors.Is(err, ErrTooLarge) {
				t.Errorf("parseDocument of %d bytes with a limit of 64 = %v; want ErrTooLarge", len(data), err)
			}
		}
		if (doc == nil) == (perr == nil) {
			t.Fatalf("parseDocument = %v, %v; want a document or an error", doc, perr)
		}
		if perr != nil {
			if verr == nil || verr.Error() != perr.Error() {
				t.Fatalf("Validate = %v; parseDocument = %v; want the same error", verr, perr)
			}
			return
		}
		var probs []*ParseError
		probs = append(append(probs, doc.problems...), snap.problems...)
		for _, p := range probs {
			fzCheckParseError(t, "fuzz", p)
		}
		if (len(probs) == 0) != (verr == nil) {
			t.Fatalf("Validate = %v with %d problems in the document", verr, len(probs))
		}
		if verr != nil && len(fzLeaves(verr)) != len(probs) {
			t.Errorf("Validate reports %d problems; the document has %d", len(fzLeaves(verr)), len(probs))
		}
		// Every flag defined, valid or not, is in the snapshot.
		for k := range doc.flags {
			if snap.flags[k] == nil {
				t.Errorf("flag %q parsed but is not in the snapshot", k)
			}
		}
		for k := range doc.invalidFlags {
			if snap.flags[k] == nil || snap.flags[k].err == nil {
				t.Errorf("flag %q is invalid but evaluates", k)
			}
		}
		// The client loads what Validate accepts, reports the same problems and
		// evaluates every flag at any time.
		var now atomic.Int64
		c, err := New(context.Background(), WithSource(NewPushSource("fuzz", string(data))), WithLogger(logger),
			WithClock(func() time.Time { return time.UnixMilli(now.Load()) }))
		if err != nil {
			t.Fatalf("New with a document that parses: %v", err)
		}
		defer func() {
			if err := c.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
		if st := c.Status(); len(st.Problems) != len(probs) {
			t.Errorf("Status has %d problems; Validate %d", len(st.Problems), len(probs))
		}
		types := fzTypes(c)
		if len(types) != len(snap.keys) {
			t.Errorf("Flags has %d flags; want %d", len(types), len(snap.keys))
		}
		subjects := fzParseSubjects(snap)
		fzWithin(t, "evaluation", func() {
			for _, ms := range []int64{0, 1796083200000, math.MinInt64, math.MaxInt64} {
				now.Store(ms)
				v := c.View()
				for _, k := range v.Keys() {
					for _, s := range subjects {
						d := fzCheckFlag(t, v, k, types[k], s)
						if verr == nil && d.Err != nil && !errors.Is(d.Err, ErrNoValue) {
							t.Errorf("Evaluate(%q) in a document without problems: %v", k, d.Err)
						}
					}
				}
			}
		})
	})
}

// fzRichDoc uses every operator, modifier and rule form, so that FuzzEvaluate
// reaches every matcher with arbitrary attribute values.
const fzRichDoc = `version: 1
timezone: Europe/Oslo
cohorts:
  staff:
    when: {email: {ends_with: ["@example.com", "@EXAMPLE.org"], ignore_case: true}}
  nordics:
    when: {country: {in: ["NO", "SE", "DK", "FI", "IS"]}}
  many:
    when:
      - {country: {in: [a, b, c, d, e, f, g, h, i, j, "ΣΑΣ", "K"], ignore_case: true}}
      - {age: {in: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 2.5, 18446744073709551615, 1e300]}}
  nordic-staff:
    cohort: staff
    cohorts: [nordics, many]
    when: {plan: {exists: true}}
  adults:
    when:
      - {age: {gte: 18, lt: 130.5}}
      - {age: {gt: [17, 99999999999999999999]}, score: {lte: -0.5}}
flags:
  strings:
    variants: {a: alpha, b: beta, c: "", d: "NO"}
    default: a
    off_variant: d
    rules:
      - name: eq
        when: {name: {eq: [bob, 3, true, 2.5, -0], ignore_case: true}}
        serve: b
      - name: ne
        when: {name: {ne: alice, not_in: [carol, 7]}, plan: {not_in: []}}
        serve: c
      - name: in-empty
        when: {plan: {in: []}}
        serve: c
      - name: text
        when:
          - {email: {starts_with: [admin, 10], contains: "+", ignore_case: true}}
          - {email: {ends_with: .test, matches: "^[a-z]+@"}}
          - {email: {matches: ["(?s).*ß.*", "é$"], ignore_case: true}}
        serve: d
  numbers:
    variants: {small: 1, big: 9223372036854775807, frac: 2.5, huge: 1e300, neg: -7}
    default: small
    rules:
      - when: {age: {lt: 0}}
        serve: neg
      - when: {age: {lte: [1, 2.5]}}
        serve: frac
      - when: {score: {gt: 1e18}}
        serve: huge
      - when: {score: {gte: -1e-300, lt: 1}}
        serve: big
      - cohort: adults
        serve: frac
  versions:
    variants: {old: {v: 1}, new: {v: 2, tags: [a, b]}, list: [1, "x", null]}
    default: old
    rules:
      - when: {version: {semver_eq: [1.2.3, v2-rc.1, "2.10"]}}
        serve: list
      - when: {version: {semver_lt: 1.0.0-alpha, semver_gte: 0.0.1}}
        serve: new
      - when: {version: {semver_lte: "2.3"}}
        serve: old
      - when: {version: {semver_gt: ["3", 4.0.0+build]}}
        serve: new
  times:
    default: off
    rules:
      - when: {created: {before: 2026-12-01T09:00:00Z, after: [0, 1e9]}}
        serve: on
      - when: {created: {after: 1764579600.5}}
        serve: on
      - when: {created: {before: -62135596800}}
        serve: true
  network:
    default: off
    rules:
      - when: {ip: {in_cidr: [10.0.0.0/8, "2001:db8::/32", "::ffff:192.168.0.0/112", 127.0.0.1]}}
        serve: on
      - when: {ip: {exists: false}, roles: {exists: true}}
        serve: on
  keyed:
    variants: {x: 10, y: 20}
    rules:
      - when: {key: {eq: [admin, ""], starts_with: ad}}
        serve: x
      - when: {key: {ne: guest, matches: "^[0-9]+$"}}
        serve: y
  lists:
    default: off
    rules:
      - when: {roles: {in: [admin, 1, true]}}
        serve: on
      - when: {roles: {not_in: [guest]}, tags: {contains: x}}
        serve: on
  rollout:
    default: off
    salt: rollout-salt
    rules:
      - name: by-key
        percent: 33.333
        serve: on
      - name: by-account
        by: account_id
        percent: 50
        serve: on
  ramped:
    default: off
    rules:
      - from: 2026-01-01
        until: 2030-01-01T00:00:00Z
        percent:
          - {at: 2026-06-01 00:00, value: 0}
          - {at: 2026-12-01T00:00:00Z, value: 50.5}
          - {at: 2027-06-01T00:00:00Z, value: 25}
          - {at: 2027-06-01T00:00:00Z, value: 100}
        serve: on
  split:
    variants: {a: 1.5, b: 2.5, c: 3.5, z: 0}
    default: z
    off_variant: z
    by: account_id
    rules:
      - cohort: nordic-staff
        split: {a: 0, b: 100}
      - cohorts: [nordics, staff]
        salt: exp-2
        percent: 70
        split: {a: 33.333, b: 33.333, c: 33.334}
      - split: {c: 100}
        salt: exp-3
        by: missing-attr
  gated:
    variants: {on: true, off: false}
    default: on
    requires: {network: on, strings: b}
  chained:
    default: on
    requires: {gated: "true", rollout: on}
  disabled:
    enabled: false
    default: on
  disabled-nooff:
    enabled: false
    variants: {a: x}
    default: a
  nodefault:
    variants: {a: x, b: y}
    rules:
      - when: {beta: {eq: true}}
        serve: b
  overridden:
    variants: {a: x, b: y}
    default: a
  config:
    variants: {small: {size: 1}}
    default: small
    metadata: {owner: fuzz}
overrides:
  OVERRIDDEN: b
`

// fzAttrNames are the attributes fzRichDoc tests, and a few others.
var fzAttrNames = []string{"email", "country", "age", "score", "plan", "name", "version", "created", "ip",
	"roles", "tags", "account_id", "beta", "key", "missing-attr", "other"}

// fzStrings are strings that satisfy or nearly satisfy fzRichDoc's operands.
var fzStrings = []string{"", "NO", "no", "K", "σας", "a@example.com", "A@EXAMPLE.ORG", "admin+x@x.test", "bob", "BOB",
	"3", "2.5", "true", "1.2.3", "v2-rc.1", "2.10.0", "0.9.0", "1.0.0-alpha", "01.2.3", "1.2.3+build", "4.0.0",
	"2026-12-01T09:00:00Z", "2026-12-01T08:59:59.999999999Z", "1764579600", "10.1.2.3", "::ffff:10.0.0.1", "fe80::1%eth0",
	"2001:db8::1", "127.0.0.1", "256.1.1.1", "admin", "guest", "123", "x", "ß", "é", "\xff\xfe", "e\u0301", "\u0130",
	// At the length limit of compared strings and one byte over it.
	strings.Repeat("b", maxValueLen-len("@example.com")) + "@example.com",
	strings.Repeat("b", maxValueLen+1-len("@example.com")) + "@example.com"}

// fzNamed is a named string type: not one of the attribute types.
type fzNamed string

// fzReader turns fuzz bytes into choices; it returns zeros once exhausted.
type fzReader struct{ b []byte }

func (r *fzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fzReader) n(k int) int { return int(r.byte()) % k }

func (r *fzReader) u64() uint64 {
	var v uint64
	for i := 0; i < 8; i++ {
		v = v<<8 | uint64(r.byte())
	}
	return v
}

// bytes returns up to 31 raw bytes, length first.
func (r *fzReader) bytes() string {
	n := min(r.n(32), len(r.b))
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *fzReader) pick(list []string) string { return list[r.n(len(list))] }

// str returns a string from the pool, or raw bytes.
func (r *fzReader) str(pool []string) string {
	if r.n(4) == 0 {
		return r.bytes()
	}
	return r.pick(pool)
}

// value decodes an attribute value of any type the evaluator supports, and
// of some it does not.
func (r *fzReader) value(depth int) any {
	switch r.n(24) {
	case 0:
		return nil
	case 1, 2:
		return r.str(fzStrings)
	case 3:
		return strings.Repeat(r.str(fzStrings)+"A", 1+r.n(8)*1000)
	case 4:
		return r.n(2) == 1
	case 5:
		switch v := r.u64(); r.n(5) {
		case 0:
			return int(v)
		case 1:
			return int8(v)
		case 2:
			return int16(v)
		case 3:
			return int32(v)
		default:
			return int64(v)
		}
	case 6:
		switch v := r.u64(); r.n(5) {
		case 0:
			return uint(v)
		case 1:
			return uint8(v)
		case 2:
			return uint16(v)
		case 3:
			return uint32(v)
		default:
			return v
		}
	case 7:
		return math.Float64frombits(r.u64())
	case 8:
		return math.Float32frombits(uint32(r.u64()))
	case 9:
		return []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, math.Copysign(0, -1), 1e300, twoTo63,
			2 * twoTo63, 18, 17.5, 2.5, -0.5, 1764579600.5, 1 << 53, 1<<53 + 2}[r.n(15)]
	case 10:
		return float32([]float64{math.NaN(), math.Inf(1), 0.1, 2.5, 18, 1e38}[r.n(6)])
	case 11:
		return json.Number(r.str([]string{"1", "-0", "1e400", "-1e400", "9223372036854775808", "18446744073709551616",
			"2.5", "", "abc", "0x10", "1_000", "NaN", " 1", "1764579600.5", "1e-400", "00018"}))
	case 12:
		switch r.n(6) {
		case 0:
			return time.Time{}
		case 1:
			return time.Unix(int64(r.u64()), int64(r.u64()%2e9))
		case 2:
			return time.Unix(1<<62, 999999999)
		case 3:
			return time.Date(-292277022399, 1, 1, 0, 0, 0, 0, time.UTC)
		case 4:
			return time.Date(2026, 12, 1, 9, 0, 0, 0, time.FixedZone("x", -86399))
		default:
			return time.UnixMilli(1764579600000 + int64(int16(r.u64())))
		}
	case 13:
		switch r.n(6) {
		case 0:
			return netip.Addr{}
		case 1:
			return netip.AddrFrom4([4]byte{10, r.byte(), r.byte(), r.byte()})
		case 2:
			var b [16]byte
			for i := range b {
				b[i] = r.byte()
			}
			return netip.AddrFrom16(b)
		case 3:
			return netip.MustParseAddr("fe80::1").WithZone(r.bytes())
		case 4:
			return netip.MustParseAddr("::ffff:10.1.2.3").WithZone("eth0")
		default:
			return netip.MustParseAddr("2001:db8::5")
		}
	case 14:
		n := r.n(12)
		l := make([]string, n)
		for i := range l {
			l[i] = r.str(fzStrings)
		}
		return l
	case 15, 16:
		if depth > 3 {
			return []any{}
		}
		n := r.n(6)
		l := make([]any, n)
		for i := range l {
			l[i] = r.value(depth + 1)
		}
		return l
	case 17:
		var v any = r.str(fzStrings)
		for range 1 + r.n(64)*100 {
			v = []any{v}
		}
		return v
	case 18:
		if depth > 3 {
			return map[string]any{}
		}
		return map[string]any{r.str(fzAttrNames): r.value(depth + 1)}
	case 19:
		return fzNamed(r.str(fzStrings))
	case 20:
		switch r.n(6) {
		case 0:
			return struct{ A int }{1}
		case 1:
			s := r.str(fzStrings)
			return &s
		case 2:
			return (*int)(nil)
		case 3:
			return []int{1, 18, 3}
		case 4:
			return map[string]string{"a": "b"}
		default:
			return []any(nil)
		}
	case 21:
		return []string(nil)
	case 22:
		return r.n(256) - 128
	default:
		return float64(r.n(256)) - 128
	}
}

// subject decodes a subject.
func (r *fzReader) subject() Subject {
	s := Subject{Key: r.str(append([]string{"admin", "guest", "123", "user-1"}, fzStrings...))}
	n := r.n(8)
	if n == 7 {
		return s // nil Attrs
	}
	s.Attrs = Attrs{}
	for range n {
		name := r.str(fzAttrNames)
		s.Attrs[name] = r.value(0)
	}
	return s
}

// fzTimes are instants (Unix ms) around fzRichDoc's windows and ramp points.
var fzTimes = []int64{0, 1767222000000, 1780264800000, 1796083200000, 1805000000000, 1811548800000, 1811548799999,
	1893456000000, 1893455999999, math.MinInt64, math.MaxInt64, -62135596800000, 253402300799999}

// FuzzEvaluate evaluates every flag of fzRichDoc for subjects decoded from
// the fuzz input, at a time decoded from it, and checks that evaluation never
// panics, is deterministic and agrees across getters, views and All.
func FuzzEvaluate(f *testing.F) {
	var now atomic.Int64
	c, err := New(context.Background(), WithSource(NewPushSource("rich", fzRichDoc)), WithStrict(),
		WithClock(func() time.Time { return time.UnixMilli(now.Load()) }),
		WithAttributes(Attrs{"plan": "enterprise", "country": "NO", "ip": "10.0.0.1", "version": nil}))
	if err != nil {
		f.Fatalf("New(fzRichDoc): %v", err)
	}
	f.Cleanup(func() { c.Close() })
	keys := c.View().Keys()
	types := fzTypes(c)
	f.Add([]byte{})
	f.Add([]byte("\x03\x01\x02\x00NO\x02\x05\x01"))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fzReader{b: data}
		if r.n(2) == 0 {
			now.Store(fzTimes[r.n(len(fzTimes))])
		} else {
			now.Store(int64(r.u64()))
		}
		subjects := []Subject{r.subject(), r.subject()}
		for _, s := range subjects {
			attrKeys := slices.Sorted(maps.Keys(s.Attrs))
			v := c.View()
			all := c.All(ctx, s)
			if len(all) != len(keys) {
				t.Fatalf("All returned %d flags; want %d", len(all), len(keys))
			}
			for _, k := range keys {
				d := fzCheckFlag(t, c, k, types[k], s)
				if d.Err != nil && !errors.Is(d.Err, ErrNoValue) {
					t.Errorf("Evaluate(%q) of a valid flag: %v", k, d.Err)
				}
				if vd := v.Evaluate(ctx, k, s); !reflect.DeepEqual(vd, d) {
					t.Errorf("View.Evaluate(%q) = %+v; Client.Evaluate %+v", k, vd, d)
				}
				if e := c.Explain(ctx, k, s); !reflect.DeepEqual(e.Result, d) {
					t.Errorf("Explain(%q).Result = %+v; Evaluate %+v\n%s", k, e.Result, d, e)
				}
				fzCheckExplanation(t, c, k, s)
				if !reflect.DeepEqual(all[k], d) {
					t.Errorf("All()[%q] = %+v; Evaluate %+v", k, all[k], d)
				}
			}
			if got := slices.Sorted(maps.Keys(s.Attrs)); !slices.Equal(got, attrKeys) {
				t.Errorf("evaluation changed the subject's attributes: %q; want %q", got, attrKeys)
			}
		}
	})
}

// fzCheckGetters checks that each typed getter serves d's value when the
// flag is of its type and d has a value, and its fallback otherwise.
func fzCheckGetters(t *testing.T, c fzEvaluator, key string, s Subject, typ string, d Detail) {
	t.Helper()
	ctx := context.Background()
	served := d.Variant != "" || d.Value != nil
	for _, fb := range []bool{false, true} {
		want := fb
		if typ == "boolean" && served {
			want = d.Value.(bool)
		}
		if got := c.Bool(ctx, key, s, fb); got != want {
			t.Errorf("Bool(%q, fallback %v) = %v; want %v (%+v)", key, fb, got, want, d)
		}
	}
	wantS := "\x00fallback"
	if typ == "string" && served {
		wantS = d.Value.(string)
	}
	if got := c.String(ctx, key, s, "\x00fallback"); got != wantS {
		t.Errorf("String(%q) = %q; want %q", key, got, wantS)
	}
	wantI, wantF := int64(-424242), -42.5
	if typ == "number" && served {
		switch v := d.Value.(type) {
		case int64:
			wantI, wantF = v, float64(v)
		case float64:
			wantF = v
		}
	}
	if got := c.Int(ctx, key, s, -424242); got != wantI {
		t.Errorf("Int(%q) = %d; want %d", key, got, wantI)
	}
	if got := c.Float(ctx, key, s, -42.5); got != wantF {
		t.Errorf("Float(%q) = %v; want %v", key, got, wantF)
	}
	var obj any = "fallback"
	ok := c.Object(ctx, key, s, &obj)
	if want := typ == "object" && served; ok != want {
		t.Errorf("Object(%q) = %v; want %v", key, ok, want)
	}
	if ok && !reflect.DeepEqual(obj, d.Value) {
		t.Errorf("Object(%q) decoded %#v; Evaluate has %#v", key, obj, d.Value)
	} else if !ok && obj != "fallback" {
		t.Errorf("Object(%q) failed but changed dst to %#v", key, obj)
	}
}

// Generated documents for FuzzParseJSONEquivalence.

// fzMap is a mapping that keeps its order in JSON and in YAML, so that both
// encodings of a generated document list variants and splits alike.
type fzMap []fzKV

type fzKV struct {
	k string
	v any
}

// MarshalJSON writes the entries in order.
func (m fzMap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(e.k)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalYAML builds a mapping node in order.
func (m fzMap) MarshalYAML() (any, error) { return fzNode(m) }

// fzNode builds the YAML node of a generated value. Scalars are encoded as
// yaml.Marshal encodes them, with two exceptions that keep the YAML and the
// JSON the same document: a float is written as encoding/json writes it
// (versions and times are read from a number's text), and a string that
// yaml.v3 cannot write so that it reads back the same (it fails on some
// strings with tabs and line breaks, and writes block scalars that it
// cannot read back inside lists) is written double-quoted.
func fzNode(v any) (*yaml.Node, error) {
	switch x := v.(type) {
	case fzMap:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, e := range x {
			k, err := fzNode(e.k)
			if err != nil {
				return nil, err
			}
			v, err := fzNode(e.v)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, k, v)
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range x {
			c, err := fzNode(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case float64:
		text, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Value: string(text)}, nil
	case string:
		var n yaml.Node
		if err := n.Encode(x); err != nil || n.Kind != yaml.ScalarNode || n.Value != x || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.DoubleQuotedStyle, Value: x}, nil
		}
		return &n, nil
	}
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	return &n, nil
}

// fzGenStrings are strings that YAML 1.1, YAML 1.2 and JSON read differently
// when unquoted, and names that the generated documents refer to.
var fzGenStrings = []string{"on", "off", "true", "false", "True", "FALSE", "yes", "no", "NO", "y", "n", "~", "null",
	"Null", "", " ", "1", "1.0", "2.10", "1e3", "+1", ".5", "1.", "0x1F", "0o17", "0b1", "1_000", "1:30", ".inf",
	"-.Inf", ".NaN", "<<", "=", "-", "?", "!x", "&a", "*a", "#c", "a: b", "a #b", "- x", "[x]", "{x}", "'q'", `"q"`,
	"x\ny", "x\r\ny", " lead", "trail ", "tab\t", "2026-12-01", "2026-12-01T09:00:00Z", "2026-12-01 09:00",
	"1.2.3", "v2-rc.1", "10.0.0.0/8", "ü", "ΣΑΣ", "😀", "a/b", "\u2028", "\ufeff", "@example.com", "^a.*$",
	"a", "b", "c", "f", "g", "staff", "beta", "key", "country", "plan", "version",
	"x\x7fy", "\u0085", "a\u0086", "\u2029", "\uffff\ufffe"}

// fzOps are the operators, the modifier and a few unknown names.
var fzOps = []string{"eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "starts_with", "ends_with", "contains",
	"matches", "semver_eq", "semver_lt", "semver_lte", "semver_gt", "semver_gte", "before", "after", "in_cidr",
	"exists", "ignore_case", "equals", "IN"}

// fzGen builds a document from fuzz bytes. In valid mode it keeps to what
// the format allows, so that most documents load without problems and
// their evaluations are compared; otherwise it mixes in mistakes of every
// kind, so that the problems are compared.
type fzGen struct {
	r     fzReader
	valid bool
	names map[string][]string // each generated flag's variant names
}

// choose picks from list; in valid mode only from its first nValid items.
func fzChoose[T any](g *fzGen, list []T, nValid int) T {
	if g.valid {
		return list[g.r.n(nValid)]
	}
	return list[g.r.n(len(list))]
}

func (g *fzGen) str() string {
	s := g.r.str(fzGenStrings)
	if g.r.n(16) == 0 {
		s = strings.Repeat(s+"k", 1+g.r.n(4)*400) // up to 1200 bytes: over YAML's 1024 for keys
	}
	// JSON and yaml.v3 cannot both carry invalid UTF-8 as text (yaml.Marshal
	// writes it as !!binary), so the documents hold valid UTF-8 only.
	return strings.ToValidUTF8(s, "\uFFFD")
}

// scalar returns a string, number, boolean or null.
func (g *fzGen) scalar() any {
	switch g.r.n(10) {
	case 0, 1, 2, 3:
		return g.str()
	case 4:
		return int64(g.r.u64()) >> (g.r.n(64))
	case 5:
		return []float64{0.5, 2.5, 1e21, 1e-7, 33.333, 100, 50, 1e300, -0.25, 1764579600.5, 0.1}[g.r.n(11)]
	case 6:
		f := math.Float64frombits(g.r.u64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 1.5
		}
		return f
	case 7:
		return g.r.n(2) == 1
	case 8:
		return nil
	default:
		return int64(g.r.n(120))
	}
}

// value returns a scalar, or sometimes a list or mapping.
func (g *fzGen) value(depth int) any {
	if depth < 3 {
		switch g.r.n(8) {
		case 0:
			l := []any{}
			for range g.r.n(4) {
				l = append(l, g.value(depth+1))
			}
			return l
		case 1:
			return g.mapping(depth + 1)
		}
	}
	return g.scalar()
}

func (g *fzGen) mapping(depth int) fzMap {
	m := fzMap{}
	seen := map[string]bool{}
	for range g.r.n(4) {
		k := g.str()
		if seen[k] {
			continue
		}
		seen[k] = true
		m = append(m, fzKV{k, g.value(depth)})
	}
	return m
}

// Operands for the operators that check theirs, valid ones first.
var (
	fzNumOperands    = []any{int64(18), 2.5, -1e300, int64(-5), "3"}
	fzSemverOperands = []any{"1.2.3", 2.10, "2.10", "v2-rc.1", int64(3), "01.2"}
	fzTimeOperands   = []any{"2026-12-01T09:00:00Z", int64(1764579600), 1764579600.5, "2026-12-01", int64(1764579600000)}
	fzCIDROperands   = []any{"10.0.0.0/8", "2001:db8::/32", "127.0.0.1", "::ffff:1.2.3.4/128", "300.1.1.1/8"}
	fzRegexOperands  = []any{"^a", "(?i)x$", ".*", "[", "a{1001}"}
)

// operand returns an operator's argument: mostly one scalar, sometimes a
// list, sometimes something else.
func (g *fzGen) operand(op string) any {
	one := func() any {
		var pool []any
		nValid := 0
		switch op {
		case "lt", "lte", "gt", "gte":
			pool, nValid = fzNumOperands, 4
		case "semver_eq", "semver_lt", "semver_lte", "semver_gt", "semver_gte":
			pool, nValid = fzSemverOperands, 5
		case "before", "after":
			pool, nValid = fzTimeOperands, 3
		case "in_cidr":
			pool, nValid = fzCIDROperands, 4
		case "matches":
			pool, nValid = fzRegexOperands, 3
		case "exists", "ignore_case":
			if g.valid || g.r.n(4) > 0 {
				return g.r.n(2) == 1
			}
		default:
			if g.valid {
				if v := g.scalar(); v != nil {
					return v
				}
				return "x"
			}
		}
		if pool != nil && (g.valid || g.r.n(3) > 0) {
			return fzChoose(g, pool, nValid)
		}
		return g.scalar()
	}
	if g.valid {
		if g.r.n(3) == 0 && op != "exists" {
			return []any{one(), one()}
		}
		return one()
	}
	switch g.r.n(6) {
	case 0, 1:
		l := []any{}
		for range g.r.n(10) {
			l = append(l, one())
		}
		return l
	case 2:
		if g.r.n(4) == 0 {
			return g.mapping(2)
		}
	}
	return one()
}

// when returns a block, or a list of blocks.
func (g *fzGen) when() any {
	block := func() fzMap {
		b := fzMap{}
		seen := map[string]bool{}
		for range 1 + g.r.n(3) {
			attr := g.r.pick([]string{"country", "plan", "age", "version", "created", "ip", "key", "roles", "email"})
			if g.r.n(8) == 0 && !g.valid {
				attr = g.str()
			}
			if seen[attr] {
				continue
			}
			seen[attr] = true
			ops := fzMap{}
			opSeen := map[string]bool{}
			for range 1 + g.r.n(2) {
				op := fzChoose(g, fzOps, len(fzOps)-3) // the last three are not operators
				if opSeen[op] {
					continue
				}
				opSeen[op] = true
				ops = append(ops, fzKV{op, g.operand(op)})
			}
			if g.valid && g.r.n(4) == 0 {
				ops = append(ops, fzKV{"ignore_case", true})
			}
			b = append(b, fzKV{attr, ops})
		}
		return b
	}
	if g.r.n(3) == 0 {
		l := []any{}
		for range g.r.n(3) + btoi(g.valid) {
			l = append(l, block())
		}
		return l
	}
	return block()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// instant returns a time for from, until or a ramp point; in valid mode
// from the first (early) or the second (late) half of the valid ones.
func (g *fzGen) instant(late bool) any {
	if g.valid {
		early := []any{"2025-01-01T00:00:00Z", "2026-12-01T09:00:00Z", "2026-12-01T10:00:00+01:00"}
		if late {
			return []any{"2027-01-10T09:00:00-05:00", "2030-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}[g.r.n(3)]
		}
		return early[g.r.n(3)]
	}
	return []any{"2026-12-01T09:00:00Z", "2026-12-01", "2026-12-01 09:00", "2027-01-10T09:00:00-05:00", int64(1764579600),
		"2026-02-30", "2026-03-29 02:30", "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z"}[g.r.n(9)]
}

func (g *fzGen) percent() any {
	if g.r.n(4) == 0 {
		l := []any{}
		for i := range g.r.n(4) + btoi(g.valid) {
			at := g.instant(i > 0)
			if g.valid { // points in time order
				at = []string{"2025-01-01T00:00:00Z", "2026-12-01T09:00:00Z", "2027-01-10T09:00:00-05:00", "2030-01-01T00:00:00Z"}[i]
			}
			l = append(l, fzMap{{"at", at}, {"value", g.percent1()}})
		}
		return l
	}
	return g.percent1()
}

func (g *fzGen) percent1() any {
	return fzChoose(g, []any{int64(0), int64(50), int64(100), 33.333, 2.5, "50", 100.5, int64(-1), 1e-7, 0.0001, "x"}, 6)
}

// flag returns a flag definition; flagKeys are the flags defined before it.
func (g *fzGen) flag(key string, flagKeys []string) fzMap {
	f := fzMap{}
	add := func(k string, v any) { f = append(f, fzKV{k, v}) }
	var names []string
	if g.r.n(4) > 0 {
		vs := fzMap{}
		kind := fzChoose(g, []int{0, 1, 2, 3, 4}, 4)
		for i := range 1 + g.r.n(4) {
			name := g.r.pick([]string{"a", "b", "c", "on", "off", "true", "false", "NO", "1", "x y"})
			if slices.Contains(names, name) {
				continue
			}
			names = append(names, name)
			var v any
			switch kind {
			case 0:
				v = i%2 == 0
			case 1:
				v = g.str()
			case 2:
				v = []any{int64(i), 2.5, 1e300, int64(-7), "9223372036854775808"}[g.r.n(4+btoi(!g.valid))]
			case 3:
				if g.valid {
					v = g.mapping(1)
				} else {
					v = g.value(1)
				}
			default:
				v = g.scalar()
			}
			vs = append(vs, fzKV{name, v})
		}
		add("variants", vs)
	} else {
		names = []string{"on", "off", "true", "false"}
		if g.valid { // not both names of a variant, which a split would repeat
			names = [][]string{{"on", "off"}, {"true", "false"}}[g.r.n(2)]
		}
	}
	g.names[key] = names
	name := func() any {
		if g.r.n(6) == 0 && !g.valid {
			return g.scalar()
		}
		return g.r.pick(names)
	}
	for range g.r.n(10) {
		switch g.r.n(12) {
		case 0:
			add("default", name())
		case 1:
			add("off_variant", name())
		case 2:
			add("enabled", fzChoose(g, []any{true, false, "false", "no", int64(0)}, 2))
		case 3:
			add("salt", g.scalar())
		case 4:
			add("by", fzChoose(g, []string{"account_id", "key", "org", ""}, 3))
		case 5:
			add("description", g.scalar())
		case 6:
			add("metadata", g.mapping(1))
		case 7:
			if len(flagKeys) > 0 {
				k := g.r.pick(flagKeys)
				add("requires", fzMap{{k, g.r.pick(g.names[k])}})
			}
		case 8:
			if !g.valid {
				add(g.str(), g.scalar()) // an unknown field, mostly
			}
		default:
			rules := []any{}
			for range 1 + g.r.n(3) {
				rules = append(rules, g.rule(name))
			}
			add("rules", rules)
		}
	}
	return dedup(f)
}

func (g *fzGen) rule(name func() any) fzMap {
	r := fzMap{}
	add := func(k string, v any) { r = append(r, fzKV{k, v}) }
	split := func() fzMap {
		s := fzMap{}
		for range 1 + g.r.n(3) {
			s = append(s, fzKV{fmt.Sprint(name()), g.percent1()})
		}
		return dedup(s)
	}
	for range 1 + g.r.n(5) {
		switch g.r.n(11) {
		case 0:
			add("name", g.scalar())
		case 1:
			add("cohort", fzChoose(g, []string{"staff", "beta", "loop1", "nope"}, 1))
		case 2:
			add("cohorts", []any{"staff", fzChoose(g, []string{"staff", "beta", "loop2", ""}, 1)})
		case 3:
			add("when", g.when())
		case 4:
			add("from", g.instant(false))
		case 5:
			add("until", g.instant(true))
		case 6:
			add("percent", g.percent())
		case 7:
			if !g.valid {
				add("split", split())
			}
		case 8:
			add("salt", g.scalar())
		case 9:
			add("by", g.r.pick([]string{"account_id", "org"}))
		default:
			if !g.valid {
				add("serve", name())
			}
		}
	}
	if g.valid {
		// Exactly one of serve and split; a split with its own salt and
		// weights that sum to 100.
		if g.r.n(3) > 0 {
			add("serve", name())
		} else {
			n1, n2, n3 := fmt.Sprint(name()), fmt.Sprint(name()), fmt.Sprint(name())
			switch {
			case n1 != n2 && n2 != n3 && n1 != n3:
				add("split", fzMap{{n1, 33.333}, {n2, 33.333}, {n3, 33.334}})
			case n1 != n2:
				add("split", fzMap{{n1, int64(50)}, {n2, 50.0}})
			default:
				add("split", fzMap{{n1, int64(100)}})
			}
			r = slices.DeleteFunc(r, func(e fzKV) bool { return e.k == "salt" })
			add("salt", "split-"+n1)
		}
	}
	return dedup(r)
}

// dedup drops repeated keys: both encoders would write them, but only one
// document format could be said to have duplicates.
func dedup(m fzMap) fzMap {
	seen := map[string]bool{}
	out := m[:0]
	for _, e := range m {
		if !seen[e.k] {
			seen[e.k] = true
			out = append(out, e)
		}
	}
	return out
}

// document builds a whole document.
func (g *fzGen) document() fzMap {
	g.names = map[string][]string{}
	doc := fzMap{}
	if g.r.n(3) == 0 {
		doc = append(doc, fzKV{"version", fzChoose(g, []any{int64(1), "1", "1.0", int64(2), nil}, 3)})
	}
	if g.r.n(3) == 0 {
		doc = append(doc, fzKV{"timezone", fzChoose(g, []string{"Europe/Oslo", "UTC", "America/New_York", "Mars/Base", "Local"}, 3)})
	}
	cohorts := fzMap{
		{"staff", fzMap{{"when", fzMap{{"email", fzMap{{"ends_with", "@example.com"}, {"ignore_case", true}}}}}}},
	}
	for range g.r.n(3) {
		c := fzMap{}
		switch g.r.n(4) {
		case 0:
			c = append(c, fzKV{"cohort", fzChoose(g, []string{"staff", "loop1", "loop2"}, 1)})
		case 1:
			c = append(c, fzKV{"description", g.scalar()})
		}
		c = append(c, fzKV{"when", g.when()})
		cohorts = append(cohorts, fzKV{fzChoose(g, []string{"beta", "gamma", "loop1", "loop2", "bad key"}, 2), c})
	}
	doc = append(doc, fzKV{"cohorts", dedup(cohorts)})
	flags := fzMap{}
	var keys []string
	for range 1 + g.r.n(4) {
		k := fzChoose(g, []string{"f", "g", "h.i", "new-checkout", "new_checkout", "bad key"}, 4)
		if slices.Contains(keys, k) {
			continue
		}
		flags = append(flags, fzKV{k, g.flag(k, keys)})
		keys = append(keys, k)
	}
	doc = append(doc, fzKV{"flags", flags})
	if g.r.n(3) == 0 {
		if g.valid {
			k := g.r.pick(keys)
			doc = append(doc, fzKV{"overrides", fzMap{{strings.ToUpper(k), g.r.pick(g.names[k])}}})
		} else {
			doc = append(doc, fzKV{"overrides", fzMap{{g.r.pick([]string{"F", "NEW_CHECKOUT", "g", "nope"}), g.scalar()}}})
		}
	}
	return dedup(doc)
}

// subjects returns subjects for the generated documents.
func (g *fzGen) subjects() []Subject {
	out := []Subject{{}, {Key: "user-1", Attrs: Attrs{"email": "a@EXAMPLE.com", "country": "NO", "age": 18}}}
	for range 4 {
		attrs := Attrs{}
		for _, a := range []string{"country", "plan", "age", "version", "created", "ip", "roles", "email", "account_id", "org"} {
			if g.r.n(2) == 0 {
				continue
			}
			switch g.r.n(4) {
			case 0:
				attrs[a] = g.str()
			case 1:
				attrs[a] = g.scalar()
			case 2:
				attrs[a] = []any{g.scalar(), g.str()}
			default:
				attrs[a] = []any{"1.2.3", "10.1.2.3", "2026-12-01T09:00:00Z", int64(18), "NO", "on", 2.5}[g.r.n(7)]
			}
		}
		out = append(out, Subject{Key: g.str(), Attrs: attrs})
	}
	return out
}

// fzProblemSet lists an error's problems as "path class", sorted.
func fzProblemSet(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	for _, e := range fzLeaves(err) {
		var pe *ParseError
		if errors.As(e, &pe) {
			out = append(out, pe.Path+" "+fmt.Sprint(fzClass(pe)))
		} else {
			out = append(out, "? "+e.Error())
		}
	}
	sort.Strings(out)
	return out
}

// fzSameErr reports whether two evaluation errors are of the same kind.
func fzSameErr(a, b error) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	for _, s := range []error{ErrFlagNotFound, ErrInvalidFlag, ErrTypeMismatch, ErrClosed, ErrNoValue} {
		if errors.Is(a, s) != errors.Is(b, s) {
			return false
		}
	}
	return true
}

// fzJSONStyles re-encode JSON in ways other JSON encoders write it; the
// document means the same in each.
var fzJSONStyles = []struct {
	name string
	fn   func([]byte) []byte
}{
	{"compact", func(b []byte) []byte { return b }},
	{"indented", func(b []byte) []byte {
		var out bytes.Buffer
		json.Indent(&out, b, "", "  ")
		return out.Bytes()
	}},
	{"tab-indented", func(b []byte) []byte {
		var out bytes.Buffer
		json.Indent(&out, b, "", "\t")
		return out.Bytes()
	}},
	{"ascii", fzASCIIJSON},
	{"colon-on-next-line", fzColonsOnNextLine},
}

// fzASCIIJSON rewrites JSON as encoders that escape every non-ASCII
// character write it (Python's json.dumps by default; PHP's json_encode,
// which also escapes '/'): \uXXXX, with surrogate pairs beyond the BMP.
func fzASCIIJSON(b []byte) []byte {
	var out bytes.Buffer
	inString := false
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '"' && (i == 0 || !fzEscaped(b, i)):
			inString = !inString
		case inString && c == '/':
			out.WriteString(`\/`)
			i++
			continue
		case inString && (c >= utf8.RuneSelf || c == 0x7f):
			r, n := utf8.DecodeRune(b[i:])
			if r >= 0x10000 {
				r -= 0x10000
				fmt.Fprintf(&out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			} else {
				fmt.Fprintf(&out, `\u%04x`, r)
			}
			i += n
			continue
		}
		out.WriteByte(c)
		i++
	}
	return out.Bytes()
}

// fzColonsOnNextLine puts every key's colon on the next line, which JSON
// allows (whitespace may surround every token).
func fzColonsOnNextLine(b []byte) []byte {
	var out bytes.Buffer
	inString := false
	for i, c := range b {
		if c == '"' && !fzEscaped(b, i) {
			inString = !inString
		} else if c == ':' && !inString {
			out.WriteString("\n  ")
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}

// fzEscaped reports whether b[i] is preceded by an odd number of backslashes.
func fzEscaped(b []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// FuzzParseJSONEquivalence builds a document from the fuzz input, writes it
// as JSON (in one of several encoders' styles) and as YAML (yaml.Marshal),
// and checks that both load as the same definitions: the same problems, by
// path and class, and the same evaluations.
func FuzzParseJSONEquivalence(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"))
	f.Fuzz(fzCheckJSONEquivalence)
}

// fzCheckJSONEquivalence is FuzzParseJSONEquivalence's check of one input.
func fzCheckJSONEquivalence(t *testing.T, data []byte) {
	g := &fzGen{r: fzReader{b: data}}
	mode := g.r.byte()
	style := fzJSONStyles[int(mode)%len(fzJSONStyles)]
	g.valid = mode >= 128
	doc := g.document()
	subjects := g.subjects()
	jsonDoc, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	jsonDoc = style.fn(jsonDoc)
	if !json.Valid(jsonDoc) {
		t.Fatalf("the %s JSON is not valid JSON:\n%s", style.name, jsonDoc)
	}
	yamlDoc, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatalf("yaml.Marshal: %v", err)
	}
	var check yaml.Node
	if err := yaml.Unmarshal(yamlDoc, &check); err != nil {
		t.Skipf("yaml.Marshal wrote YAML that yaml.Unmarshal refuses (%v), a bug of yaml.v3's emitter:\n%s", err, yamlDoc)
	}
	var jerr, yerr error
	fzWithin(t, "Validate", func() {
		jerr = Validate("doc", jsonDoc)
		yerr = Validate("doc", yamlDoc)
	})
	fzCheckErr(t, "doc", jerr)
	fzCheckErr(t, "doc", yerr)
	if js, ys := fzProblemSet(jerr), fzProblemSet(yerr); !slices.Equal(js, ys) {
		t.Fatalf("the documents differ in problems:\nJSON (%s): %v\n  %q\nYAML: %v\n  %q\n--- JSON\n%s\n--- YAML\n%s",
			style.name, jerr, js, yerr, ys, jsonDoc, yamlDoc)
	}
	var now atomic.Int64
	clock := WithClock(func() time.Time { return time.UnixMilli(now.Load()) })
	jc, jerr := New(context.Background(), WithSource(NewPushSource("doc", string(jsonDoc))), clock)
	yc, yerr := New(context.Background(), WithSource(NewPushSource("doc", string(yamlDoc))), clock)
	if jerr == nil {
		defer func() {
			if err := jc.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
	}
	if yerr == nil {
		defer func() {
			if err := yc.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
	}
	if (jerr == nil) != (yerr == nil) {
		t.Fatalf("New from JSON: %v; from YAML: %v", jerr, yerr)
	}
	if jerr != nil {
		return
	}
	jf, yf := jc.Flags(), yc.Flags()
	if len(jf) != len(yf) {
		t.Fatalf("JSON defines %d flags; YAML %d\n--- JSON\n%s\n--- YAML\n%s", len(jf), len(yf), jsonDoc, yamlDoc)
	}
	for i := range jf {
		j, y := jf[i], yf[i]
		if !fzSameErr(j.Err, y.Err) {
			t.Fatalf("flag %q: JSON error %v; YAML error %v", j.Key, j.Err, y.Err)
		}
		j.Err, y.Err = nil, nil
		if !reflect.DeepEqual(j, y) {
			t.Fatalf("flag %q differs:\nJSON %+v %+v\nYAML %+v %+v\n--- JSON\n%s\n--- YAML\n%s",
				j.Key, j, j.Override, y, y.Override, jsonDoc, yamlDoc)
		}
	}
	ctx := context.Background()
	for _, ms := range []int64{1764579600000, 1796083200000} {
		now.Store(ms)
		jv, yv := jc.View(), yc.View()
		for _, info := range jf {
			k := info.Key
			for _, s := range subjects {
				jd, yd := jv.Evaluate(ctx, k, s), yv.Evaluate(ctx, k, s)
				for _, side := range []struct {
					v View
					d Detail
				}{{jv, jd}, {yv, yd}} {
					if e := side.v.Explain(ctx, k, s); !reflect.DeepEqual(e.Result, side.d) {
						t.Fatalf("Explain(%q).Result = %+v; Evaluate %+v\n%s", k, e.Result, side.d, e)
					}
				}
				if !reflect.DeepEqual(jd.Value, yd.Value) || jd.Variant != yd.Variant || jd.Reason != yd.Reason ||
					jd.Rule != yd.Rule || !fzSameErr(jd.Err, yd.Err) {
					t.Fatalf("Evaluate(%q) for %+v: JSON %+v; YAML %+v\n--- JSON\n%s\n--- YAML\n%s", k, s, jd, yd, jsonDoc, yamlDoc)
				}
			}
		}
	}
}
