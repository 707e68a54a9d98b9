package flagkit_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
	"github.com/flagkit/flagkit/source"
)

// badDocs is the catalogue of invalid documents: each names the class of
// its problem, the line and the path that must be reported, and the flag
// whose last good definition must stay in force in a running client ("keep"
// for problems that reject the whole document, "-" to skip that check).
var badDocs = []struct {
	name  string
	doc   string
	class error
	line  int
	path  string
	flag  string
}{
	// The document as a whole.
	{"unclosed flow", "flags: {a: {default: on}", flagkit.ErrSyntax, 1, "", "keep"},
	{"unclosed JSON", `{"flags": {"a": {"default": "on"}}`, flagkit.ErrSyntax, 1, "", "keep"},
	{"JSON trailing comma", `{"flags": {"a": {"default": "on"},}}`, flagkit.ErrSyntax, 1, "", "keep"},
	{"JSON second value", "{\"flags\": {}}\n{\"flags\": {}}\n", flagkit.ErrSyntax, 2, "", "keep"},
	{"JSON unknown field", "{\n  \"flags\": {\n    \"a\": {\"defualt\": \"on\"}\n  }\n}\n", flagkit.ErrUnknownField, 3, "flags.a.defualt", "a"},
	{"JSON duplicate flag", `{"flags": {"a": {"default": "on"}, "a": {"default": "off"}}}`, flagkit.ErrDuplicateKey, 1, "flags.a", "a"},
	{"JSON too deep", `{"flags": {"a": {"metadata": {"x": ` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}}}}`, flagkit.ErrTooDeep, 1, "", "keep"},
	{"JSON invalid UTF-8", "{\"flags\": {\"a\": {\"description\": \"\xff\"}}}", flagkit.ErrSyntax, 1, "", "keep"},
	{"tab indentation", "flags:\n\ta: {default: on}\n", flagkit.ErrSyntax, 2, "", "keep"},
	{"bad indentation", "flags:\n  a:\n    default: on\n   rules: []\n", flagkit.ErrSyntax, 2, "", "keep"},
	{"empty", "", flagkit.ErrSyntax, 1, "", "keep"},
	{"only comments", "# nothing here\n", flagkit.ErrSyntax, 1, "", "keep"},
	{"only null", "~\n", flagkit.ErrSyntax, 1, "", "keep"},
	{"NUL byte", "flags:\n  a: {default: on}\x00\n", flagkit.ErrSyntax, 2, "", "keep"},
	{"two documents", "flags: {}\n---\nflags: {}\n", flagkit.ErrSyntax, 2, "", "keep"},
	{"top-level list", "- flags\n", flagkit.ErrInvalid, 1, "", "keep"},
	{"top-level scalar", "hello\n", flagkit.ErrInvalid, 1, "", "keep"},
	{"unknown top-level field", "flag:\n  a: {default: on}\n", flagkit.ErrUnknownField, 1, "flag", "keep"},
	{"duplicate top-level key", "flags: {}\nflags: {}\n", flagkit.ErrDuplicateKey, 2, "flags", "keep"},
	{"unknown version", "version: 2\nflags: {}\n", flagkit.ErrInvalid, 1, "version", "keep"},
	{"unknown time zone", "timezone: Mars/Olympus\nflags: {}\n", flagkit.ErrInvalid, 1, "timezone", "keep"},
	{"Local time zone", "timezone: Local\nflags: {}\n", flagkit.ErrInvalid, 1, "timezone", "keep"},
	{"flags is a list", "flags: [a, b]\n", flagkit.ErrInvalid, 1, "flags", "keep"},
	{"cohorts is a scalar", "cohorts: staff\nflags: {}\n", flagkit.ErrInvalid, 1, "cohorts", "keep"},
	{"anchor", "cohorts:\n  a: &x {when: {c: {eq: 1}}}\nflags: {}\n", flagkit.ErrInvalid, 2, "cohorts.a", "keep"},
	{"alias", "cohorts:\n  a: {when: &w {c: {eq: 1}}}\n  b: {when: *w}\nflags: {}\n", flagkit.ErrInvalid, 2, "cohorts.a.when", "keep"},
	{"merge key", "flags:\n  a:\n    <<: {default: on}\n", flagkit.ErrInvalid, 3, "flags.a", "keep"},
	{"alias bomb", aliasBomb, flagkit.ErrInvalid, 1, "a", "keep"},
	{"custom tag", "flags:\n  a: !custom {default: on}\n", flagkit.ErrInvalid, 2, "flags.a", "keep"},
	{"binary tag", "flags:\n  a:\n    default: !!binary b24=\n", flagkit.ErrInvalid, 3, "flags.a.default", "keep"},
	{"too deep", "flags:\n  a:\n    metadata: {x: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "}\n", flagkit.ErrTooDeep, 3, "flags.a.metadata.x" + strings.Repeat("[0]", 60), "keep"},
	{"too large", "flags: {}\n" + strings.Repeat("# padding padding padding padding\n", 9<<20/34+1), flagkit.ErrTooLarge, 0, "", "keep"},

	// Flags.
	{"unknown flag field", "flags:\n  a:\n    defualt: on\n", flagkit.ErrUnknownField, 3, "flags.a.defualt", "a"},
	{"flag key with space", "flags:\n  new checkout: {default: on}\n", flagkit.ErrInvalid, 2, "flags.new checkout", "-"},
	{"flag key too long", "flags:\n  " + strings.Repeat("k", 129) + ": {default: on}\n", flagkit.ErrInvalid, 2, "flags." + strings.Repeat("k", 129), "-"},
	{"duplicate flag", "flags:\n  a: {default: on}\n  a: {default: off}\n", flagkit.ErrDuplicateKey, 3, "flags.a", "a"},
	{"flag is a scalar", "flags:\n  a: on\n", flagkit.ErrInvalid, 2, "flags.a", "a"},
	{"default names no variant", "flags:\n  a:\n    default: maybe\n", flagkit.ErrUnknownReference, 3, "flags.a.default", "a"},
	{"off_variant names no variant", "flags:\n  a:\n    variants: {x: x}\n    off_variant: y\n", flagkit.ErrUnknownReference, 4, "flags.a.off_variant", "a"},
	{"mixed variant types", "flags:\n  a:\n    variants: {x: 1, y: why}\n", flagkit.ErrInvalid, 3, "flags.a.variants.y", "a"},
	{"variant without value", "flags:\n  a:\n    variants:\n      x:\n", flagkit.ErrInvalid, 4, "flags.a.variants.x", "a"},
	{"no variants", "flags:\n  a:\n    variants: {}\n", flagkit.ErrInvalid, 3, "flags.a.variants", "a"},
	{"variants is a list", "flags:\n  a:\n    variants: [x, y]\n", flagkit.ErrInvalid, 3, "flags.a.variants", "a"},
	{"enabled is yes", "flags:\n  a:\n    enabled: yes\n", flagkit.ErrInvalid, 3, "flags.a.enabled", "a"},
	{"metadata is a list", "flags:\n  a:\n    metadata: [x]\n", flagkit.ErrInvalid, 3, "flags.a.metadata", "a"},
	{"by is empty", "flags:\n  a:\n    by: \"\"\n", flagkit.ErrInvalid, 3, "flags.a.by", "a"},
	{"rules is a mapping", "flags:\n  a:\n    rules: {serve: on}\n", flagkit.ErrInvalid, 3, "flags.a.rules", "a"},
	{"huge number variant", "flags:\n  a:\n    variants: {x: 1e999}\n", flagkit.ErrInvalid, 3, "flags.a.variants.x", "a"},
	{"requires unknown flag", "flags:\n  a:\n    requires: {ghost: on}\n", flagkit.ErrUnknownReference, 3, "flags.a.requires.ghost", "a"},
	{"requires unknown variant", "flags:\n  b: {default: on}\n  a:\n    requires: {b: maybe}\n", flagkit.ErrUnknownReference, 4, "flags.a.requires.b", "a"},
	{"requires cycle", "flags:\n  a:\n    requires: {b: on}\n  b:\n    requires: {a: on}\n", flagkit.ErrCycle, 3, "flags.a.requires.b", "a"},
	{"requires itself", "flags:\n  a:\n    requires: {a: on}\n", flagkit.ErrCycle, 3, "flags.a.requires.a", "a"},
	{"requires too deep", deepRequires(18), flagkit.ErrInvalid, 3, "flags.f0.requires.f1", "f0"},

	// Rules.
	{"rule is a scalar", "flags:\n  a:\n    rules: [on]\n", flagkit.ErrInvalid, 3, "flags.a.rules[0]", "a"},
	{"rule without serve", "flags:\n  a:\n    rules:\n      - percent: 5\n", flagkit.ErrInvalid, 4, "flags.a.rules[0]", "a"},
	{"serve and split", "flags:\n  a:\n    rules:\n      - serve: on\n        split: {on: 50, off: 50}\n", flagkit.ErrInvalid, 5, "flags.a.rules[0].split", "a"},
	{"serve unknown variant", "flags:\n  a:\n    rules:\n      - serve: yes\n", flagkit.ErrUnknownReference, 4, "flags.a.rules[0].serve", "a"},
	{"unknown rule field", "flags:\n  a:\n    rules:\n      - serve: on\n        percentage: 5\n", flagkit.ErrUnknownField, 5, "flags.a.rules[0].percentage", "a"},
	{"split sums to 90", "flags:\n  a:\n    rules:\n      - split: {on: 40, off: 50}\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].split", "a"},
	{"split sums to 110", "flags:\n  a:\n    rules:\n      - split: {on: 60, off: 50}\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].split", "a"},
	{"split weight with 4 decimals", "flags:\n  a:\n    rules:\n      - split: {on: 33.3333, off: 66.6667}\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].split.on", "a"},
	{"split unknown variant", "flags:\n  a:\n    rules:\n      - split: {on: 50, maybe: 50}\n", flagkit.ErrUnknownReference, 4, "flags.a.rules[0].split.maybe", "a"},
	{"split names a variant twice", "flags:\n  a:\n    rules:\n      - split: {on: 50, true: 50}\n", flagkit.ErrDuplicateKey, 4, "flags.a.rules[0].split.true", "a"},
	{"split empty", "flags:\n  a:\n    rules:\n      - split: {}\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].split", "a"},
	{"percent 140", "flags:\n  a:\n    rules:\n      - percent: 140\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].percent", "a"},
	{"percent negative", "flags:\n  a:\n    rules:\n      - percent: -5\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].percent", "a"},
	{"percent text", "flags:\n  a:\n    rules:\n      - percent: half\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].percent", "a"},
	{"percent 4 decimals", "flags:\n  a:\n    rules:\n      - percent: 12.3456\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].percent", "a"},
	{"percent is a mapping", "flags:\n  a:\n    rules:\n      - percent: {value: 5}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].percent", "a"},
	{"ramp out of order", "flags:\n  a:\n    rules:\n      - serve: on\n        percent:\n          - {at: 2026-12-02T00:00:00Z, value: 5}\n          - {at: 2026-12-01T00:00:00Z, value: 50}\n", flagkit.ErrInvalid, 7, "flags.a.rules[0].percent[1].at", "a"},
	{"ramp point without value", "flags:\n  a:\n    rules:\n      - serve: on\n        percent:\n          - {at: 2026-12-02T00:00:00Z}\n", flagkit.ErrInvalid, 6, "flags.a.rules[0].percent[0]", "a"},
	{"ramp point unknown field", "flags:\n  a:\n    rules:\n      - serve: on\n        percent:\n          - {at: 2026-12-02T00:00:00Z, value: 5, step: 1}\n", flagkit.ErrUnknownField, 6, "flags.a.rules[0].percent[0].step", "a"},
	{"ramp empty", "flags:\n  a:\n    rules:\n      - serve: on\n        percent: []\n", flagkit.ErrInvalid, 5, "flags.a.rules[0].percent", "a"},
	{"ramp value over 100", "flags:\n  a:\n    rules:\n      - serve: on\n        percent:\n          - {at: 2026-12-02T00:00:00Z, value: 101}\n", flagkit.ErrInvalid, 6, "flags.a.rules[0].percent[0].value", "a"},
	{"until before from", "flags:\n  a:\n    rules:\n      - serve: on\n        from: 2026-12-02T00:00:00Z\n        until: 2026-12-01T00:00:00Z\n", flagkit.ErrInvalid, 6, "flags.a.rules[0].until", "a"},
	{"until equals from", "flags:\n  a:\n    rules:\n      - serve: on\n        until: 2026-12-02T00:00:00Z\n        from: 2026-12-02T00:00:00Z\n", flagkit.ErrInvalid, 6, "flags.a.rules[0].from", "a"},
	{"local time without timezone", "flags:\n  a:\n    rules:\n      - serve: on\n        from: 2026-12-01 09:00\n", flagkit.ErrInvalid, 5, "flags.a.rules[0].from", "a"},
	{"month 13", "flags:\n  a:\n    rules:\n      - serve: on\n        from: 2026-13-01T00:00:00Z\n", flagkit.ErrInvalid, 5, "flags.a.rules[0].from", "a"},
	{"not a time", "flags:\n  a:\n    rules:\n      - serve: on\n        from: soon\n", flagkit.ErrInvalid, 5, "flags.a.rules[0].from", "a"},
	{"unknown cohort", "flags:\n  a:\n    rules:\n      - cohort: ghosts\n        serve: on\n", flagkit.ErrUnknownReference, 4, "flags.a.rules[0].cohort", "a"},
	{"unknown cohort in an invalid rule", "cohorts:\n  staff: {when: {e: {eq: 1}}}\nflags:\n  a:\n    rules:\n      - cohort: staf\n        percent: 140\n        serve: on\n", flagkit.ErrUnknownReference, 6, "flags.a.rules[0].cohort", "a"},
	{"unknown flag in an invalid flag's requires", "flags:\n  b: {default: on}\n  a:\n    enabled: maybe\n    requires: {bb: on}\n", flagkit.ErrUnknownReference, 5, "flags.a.requires.bb", "a"},
	{"empty cohorts list", "flags:\n  a:\n    rules:\n      - cohorts: []\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].cohorts", "a"},
	{"split after percent on one salt", "flags:\n  a:\n    variants: {x: x, y: y}\n    rules:\n      - percent: 10\n        serve: x\n      - split: {x: 50, y: 50}\n", flagkit.ErrInvalid, 7, "flags.a.rules[1]", "-"},

	// Conditions.
	{"unknown operator", "flags:\n  a:\n    rules:\n      - when: {country: {equals: NO}}\n        serve: on\n", flagkit.ErrUnknownField, 4, "flags.a.rules[0].when.country.equals", "a"},
	{"attribute shorthand", "flags:\n  a:\n    rules:\n      - when: {country: NO}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.country", "a"},
	{"no operator", "flags:\n  a:\n    rules:\n      - when: {country: {}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.country", "a"},
	{"when block is a scalar", "flags:\n  a:\n    rules:\n      - when: [x]\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when[0]", "a"},
	{"when empty list", "flags:\n  a:\n    rules:\n      - when: []\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when", "a"},
	{"bad regexp", "flags:\n  a:\n    rules:\n      - when: {email: {matches: \"(\"}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.email.matches", "a"},
	{"costly regexp", "flags:\n  a:\n    rules:\n      - when: {name: {matches: '[\\pL\\pN]{1000}z'}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.name.matches", "a"},
	{"costly regexp in list", "flags:\n  a:\n    rules:\n      - when:\n          name:\n            matches:\n              - ^a\n              - a{255}\n        serve: on\n", flagkit.ErrInvalid, 8, "flags.a.rules[0].when.name.matches[1]", "a"},
	{"text operand too long", "flags:\n  a:\n    rules:\n      - when: {path: {starts_with: " + strings.Repeat("x", 4097) + "}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.path.starts_with", "a"},
	{"bad version", "flags:\n  a:\n    rules:\n      - when: {app: {semver_gte: 1.x}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.app.semver_gte", "a"},
	{"bad version in list", "flags:\n  a:\n    rules:\n      - when:\n          app:\n            semver_eq:\n              - 1.2.3\n              - 1.02.3\n        serve: on\n", flagkit.ErrInvalid, 8, "flags.a.rules[0].when.app.semver_eq[1]", "a"},
	{"bad CIDR", "flags:\n  a:\n    rules:\n      - when: {ip: {in_cidr: [10.0.0.0/33]}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.ip.in_cidr[0]", "a"},
	{"bad number", "flags:\n  a:\n    rules:\n      - when: {age: {gt: old}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.age.gt", "a"},
	{"bad time operand", "flags:\n  a:\n    rules:\n      - when: {signup: {before: yesterday}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.signup.before", "a"},
	{"exists maybe", "flags:\n  a:\n    rules:\n      - when: {email: {exists: maybe}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.email.exists", "a"},
	{"ignore_case not boolean", "flags:\n  a:\n    rules:\n      - when: {email: {eq: x, ignore_case: sure}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.email.ignore_case", "a"},
	{"nested list operand", "flags:\n  a:\n    rules:\n      - when: {country: {in: [[NO]]}}\n        serve: on\n", flagkit.ErrInvalid, 4, "flags.a.rules[0].when.country.in[0]", "a"},
	{"duplicate operator", "flags:\n  a:\n    rules:\n      - when: {age: {gt: 1, gt: 2}}\n        serve: on\n", flagkit.ErrDuplicateKey, 4, "flags.a.rules[0].when.age.gt", "a"},

	// Cohorts.
	{"unknown cohort field", "cohorts:\n  staff:\n    where: {email: {ends_with: x}}\nflags: {}\n", flagkit.ErrUnknownField, 3, "cohorts.staff.where", "-"},
	{"cohort without conditions", "cohorts:\n  staff:\n    description: nobody\nflags: {}\n", flagkit.ErrInvalid, 2, "cohorts.staff", "-"},
	{"cohort key with slash", "cohorts:\n  a/b: {when: {x: {eq: 1}}}\nflags: {}\n", flagkit.ErrInvalid, 2, "cohorts.a/b", "-"},
	{"cohort cycle", "cohorts:\n  a: {cohort: b}\n  b: {cohort: a}\nflags: {}\n", flagkit.ErrCycle, 2, "cohorts.a", "-"},
	{"cohort narrows unknown", "cohorts:\n  a: {cohort: ghost}\nflags: {}\n", flagkit.ErrUnknownReference, 2, "cohorts.a", "-"},
	{"invalid cohort narrows unknown", "cohorts:\n  staff: {when: {x: {eq: 1}}}\n  a: {cohort: stuff, whn: {x: {eq: 1}}}\nflags: {}\n", flagkit.ErrUnknownReference, 3, "cohorts.a.cohort", "-"},
	{"flag uses invalid cohort", "cohorts:\n  a: {when: {x: {bogus: 1}}}\nflags:\n  f:\n    rules:\n      - cohort: a\n        serve: on\n", flagkit.ErrInvalid, 6, "flags.f.rules[0].cohort", "f"},

	// Overrides.
	{"override unknown flag", "flags: {}\noverrides:\n  GHOST: on\n", flagkit.ErrUnknownReference, 3, "overrides.GHOST", "-"},
	{"override not a variant", "flags:\n  a: {default: off}\noverrides:\n  A: maybe\n", flagkit.ErrInvalid, 4, "overrides.A", "-"},
	{"override ambiguous", "flags:\n  a-b: {default: off}\n  a.b: {default: off}\noverrides:\n  A_B: on\n", flagkit.ErrInvalid, 5, "overrides.A_B", "-"},
	{"override without value", "flags:\n  a: {default: off}\noverrides:\n  A:\n", flagkit.ErrInvalid, 4, "overrides.A", "-"},
	{"override number flag with text", "flags:\n  a: {variants: {low: 1}, default: low}\noverrides:\n  a: lots\n", flagkit.ErrInvalid, 4, "overrides.a", "-"},
	{"override string flag with no variant's value", "flags:\n  a: {variants: {classic: classic, dark: dark}, default: classic}\noverrides:\n  A: neon\n", flagkit.ErrInvalid, 4, "overrides.A", "-"},
	{"override number flag with no variant's value", "flags:\n  a: {variants: {low: 1}, default: low}\noverrides:\n  a: 250\n", flagkit.ErrInvalid, 4, "overrides.a", "-"},
}

var aliasBomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`

func deepRequires(n int) string {
	var b strings.Builder
	b.WriteString("flags:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  f%d:\n    requires: {f%d: on}\n", i, i+1)
	}
	fmt.Fprintf(&b, "  f%d: {default: on}\n", n)
	return b.String()
}

func TestValidateCatalogue(t *testing.T) {
	if len(badDocs) < 60 {
		t.Fatalf("catalogue has %d documents; want at least 60", len(badDocs))
	}
	for _, tt := range badDocs {
		t.Run(tt.name, func(t *testing.T) {
			err := flagkit.Validate("bad.yaml", []byte(tt.doc))
			if err == nil {
				t.Fatalf("Validate(%s) = nil; want an error", tt.name)
			}
			if !errors.Is(err, tt.class) {
				t.Fatalf("Validate(%s) = %v; want errors.Is %v", tt.name, err, tt.class)
			}
			var found []string
			for _, e := range flattenErrors(err) {
				var pe *flagkit.ParseError
				if !errors.As(e, &pe) {
					t.Fatalf("Validate(%s): error %v is not a *ParseError", tt.name, e)
				}
				if pe.Source != "bad.yaml" {
					t.Errorf("Validate(%s): Source = %q; want %q", tt.name, pe.Source, "bad.yaml")
				}
				if strings.Contains(pe.Error(), "yaml: unmarshal errors") {
					t.Errorf("Validate(%s): %q contains %q", tt.name, pe.Error(), "yaml: unmarshal errors")
				}
				found = append(found, fmt.Sprintf("%d %s (%v)", pe.Line, pe.Path, pe))
				if errors.Is(pe, tt.class) && pe.Line == tt.line && pe.Path == tt.path {
					return
				}
			}
			t.Errorf("Validate(%s): no %v at line %d path %q; got:\n%s", tt.name, tt.class, tt.line, tt.path, strings.Join(found, "\n"))
		})
	}
}

// TestCohortReferenceClasses pins the class of every problem of a cohort
// that cannot be used: a cycle is ErrCycle wherever it is reported, and a
// cohort whose name contains "cycle" is still an unknown reference (the
// class once came from matching the message's text).
func TestCohortReferenceClasses(t *testing.T) {
	doc := "cohorts:\n  a: {cohort: bicycle}\n  b: {cohort: c}\n  c: {cohort: b}\n  d: {cohort: c}\n  e: {cohort: a}\n" +
		"flags:\n  f:\n    rules:\n      - cohort: a\n        serve: on\n      - cohort: d\n        serve: on\n"
	want := []string{
		`2 cohorts.a ErrUnknownReference: unknown cohort "bicycle"`,
		`3 cohorts.b ErrCycle: cohorts refer to each other in a cycle: b -> c -> b`,
		`4 cohorts.c ErrCycle: cohorts refer to each other in a cycle: b -> c -> b`,
		`5 cohorts.d ErrCycle: cohorts refer to each other in a cycle: b -> c -> b`,
		`6 cohorts.e ErrUnknownReference: cohort "a" it narrows cannot be used: unknown cohort "bicycle"`,
		`10 flags.f.rules[0].cohort ErrUnknownReference: cohort "a" cannot be used: unknown cohort "bicycle"`,
		`12 flags.f.rules[1].cohort ErrCycle: cohort "d" cannot be used: cohorts refer to each other in a cycle: b -> c -> b`,
	}
	var got []string
	for _, e := range flattenErrors(flagkit.Validate("bad.yaml", []byte(doc))) {
		var pe *flagkit.ParseError
		if !errors.As(e, &pe) {
			t.Fatalf("Validate: error %v is not a *ParseError", e)
		}
		got = append(got, fmt.Sprintf("%d %s %s: %s", pe.Line, pe.Path, className(pe.Err), pe.Msg))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Validate:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func flattenErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flattenErrors(e)...)
		}
		return out
	}
	return []error{err}
}

// A running client that receives a bad document keeps the last good
// definitions in force.
func TestBadReloadKeepsLastGood(t *testing.T) {
	for _, tt := range badDocs {
		if tt.flag == "-" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			initial := "flags:\n  keep: {default: on}\n"
			if tt.flag != "keep" {
				initial += fmt.Sprintf("  %s: {default: on}\n", tt.flag)
			}
			src := flagkittest.NewSource("push.yaml", []byte(initial))
			c, err := flagkit.New(context.Background(), flagkit.WithSource(src))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			closeAtEnd(t, c)
			src.Push([]byte(tt.doc))
			if got := c.Bool(ctx, tt.flag, bob, false); !got {
				t.Errorf("Bool(%q) after bad reload = %v; want true (last good)", tt.flag, got)
			}
			if st := c.Status(); len(st.Problems) == 0 {
				t.Errorf("Status().Problems after bad reload is empty; want the problem")
			}
		})
	}
}

func TestValidateGoodDocuments(t *testing.T) {
	docs := map[string]string{
		"eval":       readFile(t, "testdata/eval.yaml"),
		"quickstart": readFile(t, "examples/quickstart/flags.yaml"),
		"BOM":        "\ufeffflags: {a: {default: on}}\n",
		"CRLF":       "flags:\r\n  a:\r\n    default: on\r\n",
		"JSON":       `{"version": 1, "flags": {"a": {"default": "on", "rules": [{"percent": 5, "serve": "on"}]}}}`,
		"empty maps": "flags: {}\ncohorts: {}\noverrides: {}\n",
		"null flags": "flags:\n",
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			if err := flagkit.Validate(name, []byte(doc)); err != nil {
				t.Errorf("Validate(%s) = %v; want nil", name, err)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite golden files (docs/errors.md)")

// docs/errors.md shows the message of every document in the catalogue.
func TestErrorsDoc(t *testing.T) {
	const begin, end = "<!-- BEGIN GENERATED -->\n", "<!-- END GENERATED -->"
	var b strings.Builder
	b.WriteString("| problem | class | message |\n|---|---|---|\n")
	for _, tt := range badDocs {
		err := flagkit.Validate("flags.yaml", []byte(tt.doc))
		var msg string
		for _, e := range flattenErrors(err) {
			var pe *flagkit.ParseError
			if errors.As(e, &pe) && errors.Is(pe, tt.class) && pe.Path == tt.path {
				msg = pe.Error()
				break
			}
		}
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		msg = strings.ReplaceAll(msg, "|", `\|`)
		fmt.Fprintf(&b, "| %s | `%s` | `%s` |\n", tt.name, className(tt.class), msg)
	}
	data, err := os.ReadFile("docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j <= i {
		t.Fatal("docs/errors.md lacks the generated markers")
	}
	want := doc[:i+len(begin)] + b.String() + doc[j:]
	if *update {
		if err := os.WriteFile("docs/errors.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != doc {
		t.Errorf("docs/errors.md is out of date; run go test -run TestErrorsDoc -update .")
	}
}

func className(err error) string {
	for _, c := range []struct {
		name string
		err  error
	}{
		{"ErrSyntax", flagkit.ErrSyntax}, {"ErrTooLarge", flagkit.ErrTooLarge}, {"ErrTooDeep", flagkit.ErrTooDeep},
		{"ErrInvalid", flagkit.ErrInvalid}, {"ErrUnknownField", flagkit.ErrUnknownField},
		{"ErrDuplicateKey", flagkit.ErrDuplicateKey}, {"ErrUnknownReference", flagkit.ErrUnknownReference},
		{"ErrCycle", flagkit.ErrCycle},
	} {
		if err == c.err {
			return c.name
		}
	}
	return "?"
}

// TestOverrideValues: an override names a variant or writes a variant's
// value; anything else is refused with the valid values (issue 12).
func TestOverrideValues(t *testing.T) {
	const flags = `flags:
  dark-mode: {default: off}
  theme:
    variants: {classic: classic, dark: Dark}
    default: classic
  limit:
    variants: {low: 100, high: 1000, half: 0.5}
    default: high
  layout:
    variants: {small: {size: 1}, large: {size: 10, tags: [a]}}
    default: small
overrides:
`
	tests := []struct {
		override string
		flag     string
		variant  string // "" when refused
		msg      string
	}{
		{"DARK_MODE: on", "dark-mode", "on", ""},
		{"dark-mode: true", "dark-mode", "on", ""},
		{`DARK_MODE: "false"`, "dark-mode", "off", ""},
		{"DARK_MODE: yes", "dark-mode", "", `"yes" is neither a variant of this boolean flag nor a variant's value (valid: on (true), off (false))`},
		{"THEME: dark", "theme", "dark", ""},
		{"THEME: Dark", "theme", "dark", ""},
		{"THEME: neon", "theme", "", `"neon" is neither a variant of this string flag nor a variant's value (valid: classic, dark ("Dark"))`},
		{"THEME: clasic", "theme", "", `"clasic" is neither a variant of this string flag nor a variant's value (valid: classic, dark ("Dark")); did you mean "classic"?`},
		{"THEME: {a: 1}", "theme", "", `{"a":1} is neither a variant of this string flag nor a variant's value (valid: classic, dark ("Dark"))`},
		{"LIMIT: high", "limit", "high", ""},
		{"LIMIT: 1000", "limit", "high", ""},
		{`LIMIT: "1e3"`, "limit", "high", ""},
		{"LIMIT: 0.50", "limit", "half", ""},
		{"LIMIT: 250", "limit", "", `"250" is neither a variant of this number flag nor a variant's value (valid: low (100), high (1000), half (0.5))`},
		{"LAYOUT: large", "layout", "large", ""},
		{"LAYOUT: {size: 1}", "layout", "small", ""},
		{`LAYOUT: '{"tags": ["a"], "size": 10}'`, "layout", "large", ""},
		{"LAYOUT: {size: 2}", "layout", "", `{"size":2} is neither a variant of this object flag nor a variant's value (valid: small, large)`},
	}
	for _, tt := range tests {
		t.Run(tt.override, func(t *testing.T) {
			doc := flags + "  " + tt.override + "\n"
			err := flagkit.Validate("flags.yaml", []byte(doc))
			if tt.variant != "" {
				if err != nil {
					t.Fatalf("Validate = %v; want nil", err)
				}
				c := newClient(t, doc, flagkit.WithStrict())
				d := c.Evaluate(ctx, tt.flag, bob)
				if d.Variant != tt.variant || d.Reason != flagkit.ReasonStatic {
					t.Errorf("Evaluate(%q) = %s, %s; want %s, STATIC", tt.flag, d.Variant, d.Reason, tt.variant)
				}
				return
			}
			errs := flattenErrors(err)
			if len(errs) != 1 {
				t.Fatalf("Validate = %v; want 1 error", err)
			}
			var pe *flagkit.ParseError
			if !errors.As(errs[0], &pe) {
				t.Fatalf("Validate = %v; want a *ParseError", errs[0])
			}
			if want := fmt.Sprintf("flag %q: %s", tt.flag, tt.msg); pe.Msg != want {
				t.Errorf("Validate: Msg = %q; want %q", pe.Msg, want)
			}
			if !errors.Is(pe, flagkit.ErrInvalid) {
				t.Errorf("Validate = %v; want errors.Is ErrInvalid", pe)
			}
		})
	}
}

// TestValidateOnePass: Validate lists every problem of a document at once,
// in document order: the references of a flag or cohort that is invalid
// for its own problems are checked too, and names that name nothing,
// unknown fields and unknown operators come with "did you mean" (issue 12).
func TestValidateOnePass(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"a local problem and an unknown cohort", `cohorts:
  staff: {when: {email: {ends_with: "@example.com"}}}
flags:
  a:
    rules: [{cohort: staf, percent: 140, serve: yes}]
`, []string{
			`5:22: flags.a.rules[0].cohort: unknown cohort "staf"; did you mean "staff"?`,
			`5:37: flags.a.rules[0].percent: 140 is outside 0..100`,
			`5:49: flags.a.rules[0].serve: no variant named "yes" (variants: on, off)`,
		}},
		{"an unknown field and prerequisites", `flags:
  new-checkout:
    defualt: on
    requires: {dark-mod: on, dark-mode: of}
  dark-mode: {default: on}
`, []string{
			`3:5: flags.new-checkout.defualt: unknown field "defualt" (expected description, metadata, enabled, variants, default, off_variant, salt, by, requires or rules; put tooling data under metadata); did you mean "default"?`,
			`4:16: flags.new-checkout.requires.dark-mod: unknown flag "dark-mod"; did you mean "dark-mode"?`,
			`4:41: flags.new-checkout.requires.dark-mode: flag "dark-mode" has no variant named "of" (variants: on, off); did you mean "on"?`,
		}},
		{"an invalid cohort's parent", `cohorts:
  staff: {when: {email: {ends_with: x}}}
  nordic-staff: {cohort: stuff, whn: {country: {eq: "NO"}}}
flags: {}
`, []string{
			`3:26: cohorts.nordic-staff.cohort: unknown cohort "stuff"; did you mean "staff"?`,
			`3:33: cohorts.nordic-staff.whn: unknown field "whn" (expected description, when, cohort or cohorts); did you mean "when"?`,
		}},
		{"top level (the whole document is refused)", `flag: {}
flags: {}
`, []string{
			`1:1: flag: unknown field "flag" (expected version, timezone, cohorts, flags or overrides); did you mean "flags"?`,
		}},
		{"every problem of the flags", `flags:
  theme:
    variants: {classic: classic, dark: dark}
    default: clasic
    rules:
      - when: {plan: {start_with: pro}}
        serve: dark
      - percentage: 5
        split: {dark: 50, classic: 50}
      - serve: dark
        percent: [{at: 2026-01-01T00:00:00Z, valu: 5}]
overrides:
  THEM: dark
`, []string{
			`4:14: flags.theme.default: no variant named "clasic" (variants: classic, dark); did you mean "classic"?`,
			`6:23: flags.theme.rules[0].when.plan.start_with: unknown operator "start_with" (want one of eq, ne, in, not_in, lt, lte, gt, gte, starts_with, ends_with, contains, matches, semver_eq, semver_lt, semver_lte, semver_gt, semver_gte, before, after, in_cidr, exists); did you mean "starts_with"?`,
			`8:9: flags.theme.rules[1].percentage: unknown field "percentage" (expected name, cohort, cohorts, when, from, until, percent, serve, split, salt or by); did you mean "percent"?`,
			`11:19: flags.theme.rules[2].percent[0]: a ramp point needs at and value`,
			`11:46: flags.theme.rules[2].percent[0].valu: unknown field "valu" (expected at and value); did you mean "value"?`,
			`13:9: overrides.THEM: no flag is named "THEM" (overrides name flags by key, upper-cased, with - and . as _); did you mean "theme"?`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range flattenErrors(flagkit.Validate("flags.yaml", []byte(tt.doc))) {
				got = append(got, strings.TrimPrefix(e.Error(), "flagkit: flags.yaml:"))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if strings.HasPrefix(tt.name, "top level") {
				return
			}
			// WithStrict lists the same problems.
			_, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("flags.yaml", []byte(tt.doc))), flagkit.WithStrict())
			var strict []string
			for _, e := range flattenErrors(err) {
				strict = append(strict, strings.TrimPrefix(e.Error(), "flagkit: flags.yaml:"))
			}
			if !sameElements(strict, tt.want) {
				t.Errorf("New(WithStrict):\n%s\nwant, in any order:\n%s", strings.Join(strict, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// sameElements reports whether a and b hold the same strings, each as
// many times, in any order.
func sameElements(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
