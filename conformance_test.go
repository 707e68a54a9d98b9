package flagkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The conformance tests run other projects' operator cases (copied, with
// their licences, under testdata/conformance) through compileCondition and
// matchValue. Each case has the other project's expected result; flagkit's
// result must equal it, except for the deliberate differences listed below,
// which must each occur exactly as listed: the test fails when a difference
// appears or disappears.

// caseOutcome is what a case does: the rule matches, does not match, or (in
// flagkit) the document is rejected at load because an operand is invalid.
type caseOutcome int

const (
	outNoMatch caseOutcome = iota
	outMatch
	outLoadError
)

func (o caseOutcome) String() string {
	return [...]string{"no match", "match", "load error"}[o]
}

// confDifference is a deliberate departure from another project's result: what
// flagkit does instead, and why.
type confDifference struct {
	got caseOutcome
	why string
}

// Reasons for the differences; the docs list them.
const (
	whyMillis = "LaunchDarkly reads a number as Unix milliseconds, flagkit as Unix seconds: a millisecond " +
		"operand is outside the years 0001-9999 and rejected at load, and a millisecond attribute is a date " +
		"around the year 49900"
	whyInvalidOperand = "an invalid operand (time, version, regular expression, operator) is rejected when the " +
		"document loads, with its position, where the other project silently never matches"
	whyLeadingV     = "flagkit accepts a leading v in versions, as Go writes them (v2.0.0 is 2.0.0)"
	whyNumericVer   = "flagkit reads a version operand from its text whatever its type, so the number 2 is version 2.0.0"
	whyNotInMissing = "not_in (like ne) never matches a missing or null attribute in flagkit; Unleash's NOT_IN " +
		"matches when the context field is absent"
)

// unleashDifferences lists the Unleash cases where flagkit deliberately
// differs, by file and description.
var unleashDifferences = map[string]confDifference{
	"13-constraint-operators.json: F7.invalid-operator should always return false":                                               {outLoadError, whyInvalidOperand},
	"13-constraint-operators.json: F8.missing-field.NOT_IN should return true":                                                   {outNoMatch, whyNotInMissing},
	"13-constraint-operators.json: F8.missing-field.NOT_IN should return true when null":                                         {outNoMatch, whyNotInMissing},
	"09-strategy-constraints.json: Feature.constraints.multi should be enabled in prod for user 2":                               {outNoMatch, whyNotInMissing},
	"11-strategy-constraints-edge-cases.json: Feature.constraints.no_values_NOT_IN should be enabled in empty environment":       {outNoMatch, whyNotInMissing},
	"14-constraint-semver-operators.json: F8.invalidSemverWithLeadingV - invalid semver resolves to false":                       {outMatch, whyLeadingV},
	"21-regex-constraint-operators.json: Invalid regex should result in toggle being disabled":                                   {outLoadError, whyInvalidOperand},
	"21-regex-constraint-operators.json: R90 lookahead should be rejected upstream; if it leaks through, it must not enable":     {outLoadError, whyInvalidOperand},
	"21-regex-constraint-operators.json: R91 backreference should be rejected upstream; if it leaks through, it must not enable": {outLoadError, whyInvalidOperand},
}

// ldDifferences lists the LaunchDarkly cases where flagkit deliberately
// differs, by file and case name. The date and version files are
// permutations of values, so the list is written as loops over those
// values; each case is still checked by its name.
func ldDifferences() map[string]confDifference {
	diffs := map[string]confDifference{}
	const (
		date   = "2017-12-06T00:00:00.000-07:00"
		dateZ  = "2017-12-06T07:00:00.000Z"
		dateZ0 = "2017-12-06T07:00:00Z"
		millis = "1512543600000"
	)
	add := func(file, name string, got caseOutcome, why string) {
		diffs["operators-"+file+".yml: "+name] = confDifference{got, why}
	}
	equalDates := []string{date, dateZ, dateZ0, millis}
	for _, op := range []string{"before", "after"} {
		for _, a := range equalDates {
			for _, b := range equalDates {
				// "<a> <op> <b> fails": attribute a against operand b.
				switch {
				case b == millis:
					add("date-equal", a+" "+op+" "+b+" fails", outLoadError, whyMillis)
				case a == millis && op == "after":
					add("date-equal", a+" "+op+" "+b+" fails", outMatch, whyMillis)
				}
			}
		}
	}
	lower := []string{date, dateZ, dateZ0, millis}
	higher := []string{"2017-12-06T00:01:01.000-07:00", "2017-12-06T07:01:01.000Z", "2017-12-06T07:01:01Z", "1512543601000"}
	for _, lo := range lower {
		for _, hi := range higher {
			switch {
			case hi == higher[3]: // the operand of the "higher" flags
				add("date-unequal", lo+" after "+hi+" fails", outLoadError, whyMillis)
				add("date-unequal", lo+" before "+hi+" passes", outLoadError, whyMillis)
			case lo == millis:
				add("date-unequal", lo+" after "+hi+" fails", outMatch, whyMillis)
				add("date-unequal", lo+" before "+hi+" passes", outNoMatch, whyMillis)
			}
			if lo == millis { // the operand of the "lower" flags
				add("date-unequal", hi+" after "+lo+" passes", outLoadError, whyMillis)
				add("date-unequal", hi+" before "+lo+" fails", outLoadError, whyMillis)
			}
		}
	}
	for _, bad := range []string{"2017-12-06X00:00:00.000-07:00", "2017-12-06", "00:00:00.000-07.00", "badstring", "", millis} {
		for _, ok := range []string{date, dateZ, millis} {
			for _, op := range []string{"before", "after"} {
				why := whyInvalidOperand
				if bad == millis {
					why = whyMillis
				}
				add("date-bad-syntax", ok+" "+op+" "+bad+" fails", outLoadError, why)
				if ok == millis {
					add("date-bad-syntax", bad+" "+op+" "+ok+" fails", outLoadError, whyMillis)
				}
			}
		}
	}
	for _, bad := range []string{"null (null)", "true (boolean)", "{} (object)"} {
		for _, ok := range []string{date, dateZ, millis} {
			for _, op := range []string{"before", "after"} {
				add("date-bad-type", ok+" "+op+" "+bad+" fails", outLoadError, whyInvalidOperand)
				if ok == millis {
					add("date-bad-type", bad+" "+op+" "+ok+" fails", outLoadError, whyMillis)
				}
			}
		}
	}
	add("semver-bad-syntax", "2.0.0 semVerEqual 02.0.0 fails", outLoadError, whyInvalidOperand)
	add("semver-bad-syntax", "2.0.0 semVerEqual 2.0.0.0 fails", outLoadError, whyInvalidOperand)
	add("semver-bad-syntax", "v2.0.0 semVerEqual 2.0.0 fails", outMatch, whyLeadingV)
	add("semver-bad-syntax", "2.0.0 semVerEqual v2.0.0 fails", outMatch, whyLeadingV)
	for _, ok := range []string{"2.0.0", "2.0", "2"} {
		for _, bad := range []string{"null (null)", "true (boolean)", "{} (object)"} {
			for _, op := range []string{"semVerEqual", "semVerLessThan", "semVerGreaterThan"} {
				add("semver-bad-type", ok+" "+op+" "+bad+" fails", outLoadError, whyInvalidOperand)
			}
		}
		add("semver-bad-type", ok+" semVerEqual 2 (number) fails", outMatch, whyNumericVer)
	}
	return diffs
}

// conformanceStats counts the cases of one suite.
type conformanceStats struct {
	ran, same, different, skipped int
}

// checkConfCase compares flagkit's outcome of one case with the other
// project's, given the suite's deliberate differences; seen records the
// differences met.
func checkConfCase(t *testing.T, id string, want, got caseOutcome, diffs map[string]confDifference, seen map[string]bool, st *conformanceStats) {
	t.Helper()
	st.ran++
	d, listed := diffs[id]
	switch {
	case !listed && got != want:
		t.Errorf("%s: flagkit gives %v; the suite expects %v (not a listed difference)", id, got, want)
	case listed && got != d.got:
		t.Errorf("%s: flagkit gives %v; the listed difference says %v (%s)", id, got, d.got, d.why)
	case listed && d.got == want:
		t.Errorf("%s: listed as a difference but the suite also expects %v", id, want)
	}
	if listed {
		seen[id] = true // a name may repeat across parameter sets, for the same case
		st.different++
	} else if got == want {
		st.same++
	}
}

// logConfReasons logs how many distinct cases differ for each reason.
func logConfReasons(t *testing.T, diffs map[string]confDifference) {
	t.Helper()
	count := map[string]int{}
	for _, d := range diffs {
		count[d.got.String()+": "+d.why]++
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("  %3d × %s", count[k], k)
	}
}

func checkConfSeen(t *testing.T, diffs map[string]confDifference, seen map[string]bool) {
	t.Helper()
	var missing []string
	for id := range diffs {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	for _, id := range missing {
		t.Errorf("listed difference %q did not occur", id)
	}
}

// LaunchDarkly: sdk-test-harness data files. A file has constants and
// parameters substituted into its text (see the harness's
// docs/data_files.md): "<NAME>" in quotes becomes the value as JSON, a bare
// <NAME> its text. Then each evaluation names a flag whose single rule has
// clauses {attribute, op, values}; the expected value is true when the rule
// matches.

var ldOperators = map[string]string{
	"in": "in", "startsWith": "starts_with", "endsWith": "ends_with", "contains": "contains", "matches": "matches",
	"lessThan": "lt", "lessThanOrEqual": "lte", "greaterThan": "gt", "greaterThanOrEqual": "gte",
	"before": "before", "after": "after",
	"semVerEqual": "semver_eq", "semVerLessThan": "semver_lt", "semVerGreaterThan": "semver_gt",
}

type ldFile struct {
	SDKData struct {
		Flags map[string]struct {
			Rules []struct {
				Clauses []struct {
					Attribute string `yaml:"attribute"`
					Op        string `yaml:"op"`
					Values    []any  `yaml:"values"`
					Negate    bool   `yaml:"negate"`
				} `yaml:"clauses"`
			} `yaml:"rules"`
		} `yaml:"flags"`
	} `yaml:"sdkData"`
	Evaluations []struct {
		Name    string         `yaml:"name"`
		FlagKey string         `yaml:"flagKey"`
		Context map[string]any `yaml:"context"`
		Expect  struct {
			Value any `yaml:"value"`
		} `yaml:"expect"`
	} `yaml:"evaluations"`
}

func TestConformanceLaunchDarkly(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance/launchdarkly/operators-*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no LaunchDarkly files: %v", err)
	}
	var st conformanceStats
	seen := map[string]bool{}
	diffs := ldDifferences()
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(path)
		for _, doc := range ldExpand(t, base, data) {
			var f ldFile
			if err := yaml.Unmarshal(doc, &f); err != nil {
				t.Fatalf("%s: %v\n%s", base, err, doc)
			}
			for _, ev := range f.Evaluations {
				id := base + ": " + ev.Name
				flag, ok := f.SDKData.Flags[ev.FlagKey]
				if !ok || len(flag.Rules) != 1 {
					t.Fatalf("%s: flag %q is not a one-rule flag", id, ev.FlagKey)
				}
				want := outNoMatch
				if ev.Expect.Value == true {
					want = outMatch
				}
				got := outMatch
				for _, cl := range flag.Rules[0].Clauses {
					op, ok := ldOperators[cl.Op]
					if !ok || cl.Negate {
						t.Fatalf("%s: clause %+v has no translation", id, cl)
					}
					custom, _ := ev.Context["custom"].(map[string]any)
					v, present := custom[cl.Attribute]
					if o := ldClause(op, cl.Values, v, present); o != outMatch {
						got = o
						break
					}
				}
				checkConfCase(t, id, want, got, diffs, seen, &st)
			}
		}
	}
	checkConfSeen(t, diffs, seen)
	t.Logf("LaunchDarkly: %d cases, %d as the suite expects, %d differ as listed (%d distinct)", st.ran, st.same, st.different, len(diffs))
	logConfReasons(t, diffs)
}

// ldClause evaluates one translated clause: its values are the operand list
// (typed as JSON types them), v the attribute.
func ldClause(op string, values []any, v any, present bool) caseOutcome {
	items := make([]scalar, 0, len(values))
	for _, x := range values {
		switch x := x.(type) {
		case string:
			items = append(items, opStr(x))
		case int:
			items = append(items, opNum(strconv.Itoa(x)))
		case float64:
			items = append(items, opNum(strconv.FormatFloat(x, 'g', -1, 64)))
		case bool:
			items = append(items, opBool(strconv.FormatBool(x)))
		case nil:
			items = append(items, opNull())
		default: // a mapping or list: flagkit's parser wants a scalar
			return outLoadError
		}
	}
	c, err := compileCondition("attrname", op, operand{list: true, items: items}, false)
	if err != nil {
		return outLoadError
	}
	if c.matchValue(v, present) {
		return outMatch
	}
	return outNoMatch
}

// ldExpand applies the harness's constants and parameters to a file's text,
// one document per parameter set (permutations for a list of lists).
func ldExpand(t *testing.T, name string, data []byte) [][]byte {
	t.Helper()
	var head struct {
		Constants  map[string]any `yaml:"constants"`
		Parameters []any          `yaml:"parameters"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var sets []map[string]any
	switch {
	case len(head.Parameters) == 0:
		sets = []map[string]any{{}}
	case isYAMLMap(head.Parameters[0]):
		for _, p := range head.Parameters {
			sets = append(sets, p.(map[string]any))
		}
	default: // a list of lists: every permutation, the first list varying fastest
		lists := make([][]any, len(head.Parameters))
		for i, l := range head.Parameters {
			lists[i] = l.([]any)
		}
		idx := make([]int, len(lists))
		for {
			set := map[string]any{}
			for i, l := range lists {
				for k, v := range l[idx[i]].(map[string]any) {
					set[k] = v
				}
			}
			sets = append(sets, set)
			i := 0
			for ; i < len(lists); i++ {
				if idx[i]++; idx[i] < len(lists[i]) {
					break
				}
				idx[i] = 0
			}
			if i == len(lists) {
				break
			}
		}
	}
	var docs [][]byte
	for _, set := range sets {
		text := ldReplace(t, string(data), head.Constants)
		text = ldReplace(t, text, set)
		text = ldReplace(t, text, head.Constants)
		docs = append(docs, []byte(text))
	}
	return docs
}

func isYAMLMap(v any) bool { _, ok := v.(map[string]any); return ok }

func ldReplace(t *testing.T, text string, subst map[string]any) string {
	t.Helper()
	names := make([]string, 0, len(subst))
	for k := range subst {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(subst[k]); err != nil {
			t.Fatalf("encoding %s: %v", k, err)
		}
		typed := strings.TrimSuffix(buf.String(), "\n")
		plain := typed
		if s, ok := subst[k].(string); ok {
			plain = s
		}
		text = strings.ReplaceAll(text, `"<`+k+`>"`, typed)
		text = strings.ReplaceAll(text, "<"+k+">", plain)
	}
	return text
}

// Unleash: client-specification files. A feature is enabled when any of its
// strategies matches: all of the strategy's constraints (and those of its
// segments) hold. Each strategy becomes a block of a cohort's when.
//
// Translation: IN/NOT_IN are in/not_in; STR_STARTS_WITH, STR_ENDS_WITH,
// STR_CONTAINS are starts_with, ends_with, contains, with caseInsensitive as
// ignore_case; NUM_EQ/GT/GTE/LT/LTE are eq, gt, gte, lt, lte with number
// operands; DATE_AFTER/BEFORE are after/before; SEMVER_* are semver_*; REGEX
// is matches. inverted IN is not_in, inverted NOT_IN in, inverted NUM_EQ ne;
// other inverted constraints have no flagkit operator and are skipped.
// Unleash context values are strings that NUM_ operators parse; the
// translation passes them to NUM_ conditions as json.Number, as a flagkit
// caller passes numbers (a string attribute never matches a number operand
// in flagkit). The userWithId strategy is an in condition on userId.

var unleashOperators = map[string]string{
	"IN": "in", "NOT_IN": "not_in", "STR_STARTS_WITH": "starts_with", "STR_ENDS_WITH": "ends_with",
	"STR_CONTAINS": "contains", "NUM_EQ": "eq", "NUM_GT": "gt", "NUM_GTE": "gte", "NUM_LT": "lt",
	"NUM_LTE": "lte", "DATE_AFTER": "after", "DATE_BEFORE": "before", "SEMVER_EQ": "semver_eq",
	"SEMVER_GT": "semver_gt", "SEMVER_GTE": "semver_gte", "SEMVER_LT": "semver_lt", "SEMVER_LTE": "semver_lte",
	"REGEX": "matches",
}

var unleashInverted = map[string]string{"IN": "not_in", "NOT_IN": "in", "NUM_EQ": "ne"}

type unleashConstraint struct {
	ContextName     string   `json:"contextName"`
	Operator        string   `json:"operator"`
	Values          []string `json:"values"`
	Value           *string  `json:"value"`
	CaseInsensitive bool     `json:"caseInsensitive"`
	Inverted        bool     `json:"inverted"`
}

type unleashFile struct {
	State struct {
		Features []struct {
			Name       string `json:"name"`
			Enabled    bool   `json:"enabled"`
			Strategies []struct {
				Name        string              `json:"name"`
				Parameters  map[string]string   `json:"parameters"`
				Constraints []unleashConstraint `json:"constraints"`
				Segments    []int               `json:"segments"`
			} `json:"strategies"`
		} `json:"features"`
		Segments []struct {
			ID          int                 `json:"id"`
			Constraints []unleashConstraint `json:"constraints"`
		} `json:"segments"`
	} `json:"state"`
	Tests []struct {
		Description    string         `json:"description"`
		Context        map[string]any `json:"context"`
		ToggleName     string         `json:"toggleName"`
		ExpectedResult bool           `json:"expectedResult"`
	} `json:"tests"`
}

// unleashSkips are the cases that test something other than operators.
var unleashSkips = map[string]string{
	"13-constraint-operators.json: F4.contains.inverted should be enabled":                            "flagkit has no negated contains",
	"21-regex-constraint-operators.json: Inverted constraint should enable when regex does not match": "flagkit has no negated matches",
	"21-regex-constraint-operators.json: Inverted constraint should disable when regex matches":       "flagkit has no negated matches",
	"14-constraint-semver-operators.json: F8.semverAlpha is less than release":                        "the suite names a feature it does not define",
	"15-global-constraints.json: F9.withMissingSegment should force evaluation to false":              "an unknown reference is a reference error, not an operator",
}

// unleashFeature is a translated feature: a cohort whose when has one block
// per strategy, or the outcome that stands for the whole feature (a load
// error, or a skip with its reason).
type unleashFeature struct {
	c    *cohort
	fail caseOutcome
	skip string
}

func TestConformanceUnleash(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance/unleash/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Unleash files: %v", err)
	}
	var st conformanceStats
	seen := map[string]bool{}
	skipsSeen := map[string]bool{}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(path)
		var f unleashFile
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		segments := map[int][]unleashConstraint{}
		for _, s := range f.State.Segments {
			segments[s.ID] = s.Constraints
		}
		features := map[string]unleashFeature{}
		for _, ft := range f.State.Features {
			features[ft.Name] = unleashTranslate(ft.Strategies, segments)
		}
		for _, tc := range f.Tests {
			id := base + ": " + tc.Description
			ft, ok := features[tc.ToggleName]
			if why, skip := unleashSkips[id]; skip {
				skipsSeen[id] = true
				st.skipped++
				t.Logf("skipped %s: %s", id, why)
				continue
			}
			if !ok || ft.skip != "" {
				t.Fatalf("%s: feature %q cannot be translated (%s) and the case is not a listed skip", id, tc.ToggleName, ft.skip)
			}
			want := outNoMatch
			if tc.ExpectedResult {
				want = outMatch
			}
			got := ft.fail
			if ft.c != nil {
				got = outNoMatch
				if ft.c.contains(&target{attrs: unleashAttrs(tc.Context)}) {
					got = outMatch
				}
			}
			checkConfCase(t, id, want, got, unleashDifferences, seen, &st)
		}
	}
	checkConfSeen(t, unleashDifferences, seen)
	for id := range unleashSkips {
		if !skipsSeen[id] {
			t.Errorf("listed skip %q did not occur", id)
		}
	}
	t.Logf("Unleash: %d cases, %d as the suite expects, %d differ as listed, %d skipped", st.ran, st.same, st.different, st.skipped)
	logConfReasons(t, unleashDifferences)
}

// unleashAttrs flattens a context: its fields, then its properties; each
// string value is also under numericPrefix as a json.Number.
func unleashAttrs(ctx map[string]any) Attrs {
	a := Attrs{}
	add := func(k string, v any) {
		a[k] = v
		if s, ok := v.(string); ok {
			a[numericPrefix+k] = json.Number(s)
		}
	}
	for k, v := range ctx {
		if k != "properties" {
			add(k, v)
		}
	}
	if props, ok := ctx["properties"].(map[string]any); ok {
		for k, v := range props {
			add(k, v)
		}
	}
	return a
}

func unleashTranslate(strategies []struct {
	Name        string              `json:"name"`
	Parameters  map[string]string   `json:"parameters"`
	Constraints []unleashConstraint `json:"constraints"`
	Segments    []int               `json:"segments"`
}, segments map[int][]unleashConstraint) unleashFeature {
	var blocks []block
	for _, s := range strategies {
		constraints := slices.Clone(s.Constraints)
		for _, id := range s.Segments {
			seg, ok := segments[id]
			if !ok {
				return unleashFeature{skip: fmt.Sprintf("unknown segment %d", id)}
			}
			constraints = append(constraints, seg...)
		}
		var b block
		switch s.Name {
		case "default":
		case "userWithId":
			var ids []scalar
			for _, id := range strings.Split(s.Parameters["userIds"], ",") {
				ids = append(ids, opStr(strings.TrimSpace(id)))
			}
			cond, err := compileCondition("userId", "in", operand{list: true, items: ids}, false)
			if err != nil {
				return unleashFeature{fail: outLoadError}
			}
			b = append(b, cond)
		default:
			return unleashFeature{skip: "strategy " + s.Name}
		}
		for _, k := range constraints {
			cond, o, skip := unleashCondition(k)
			if skip != "" {
				return unleashFeature{skip: skip}
			}
			if o == outLoadError {
				return unleashFeature{fail: outLoadError}
			}
			b = append(b, cond)
		}
		blocks = append(blocks, b)
	}
	return unleashFeature{c: &cohort{when: flatten(blocks)}}
}

// unleashCondition translates one constraint. A NUM_ condition reads the
// attribute under numericPrefix, where unleashAttrs puts string values as
// json.Number.
func unleashCondition(k unleashConstraint) (condition, caseOutcome, string) {
	op, ok := unleashOperators[k.Operator]
	if k.Inverted {
		op, ok = unleashInverted[k.Operator]
		if !ok {
			return condition{}, 0, "inverted " + k.Operator
		}
	}
	if !ok {
		op = k.Operator // flagkit rejects it as an unknown operator
	}
	numeric := strings.HasPrefix(k.Operator, "NUM_")
	var arg operand
	texts := k.Values
	if k.Value != nil {
		texts = []string{*k.Value}
	} else {
		arg.list = true
	}
	for _, s := range texts {
		if numeric {
			arg.items = append(arg.items, opNum(s))
		} else {
			arg.items = append(arg.items, opStr(s))
		}
	}
	cond, err := compileCondition(k.ContextName, op, arg, k.CaseInsensitive)
	if err != nil {
		return condition{}, outLoadError, ""
	}
	if numeric {
		cond.attr = numericPrefix + cond.attr
	}
	return cond, outMatch, ""
}

// numericPrefix names, in the Unleash translation, the json.Number copy of
// a string attribute; see unleashAttrs.
const numericPrefix = "\x00num:"
