package flagkit_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"

	"github.com/flagkit/flagkit"
)

// The JSON Schema flagkit.schema.json gives editors hover help, completion
// and early errors for flag documents. These tests keep it in sync with the
// parser: every document flagkit.Validate accepts, the schema accepts (an
// editor must never flag a valid file), and every document of schemaBadDocs
// both reject.
//
// What the schema cannot express is checked by flagkit.Validate only
// (validateOnlyDocs pins each of these; docs/editor.md lists them):
//   - references: a serve, default, off_variant, split or requires variant
//     that names no variant of a flag with variants; a cohort, requires or
//     overrides key that names nothing; cycles between cohorts or
//     prerequisites, and prerequisite chains over 16 deep;
//   - sums and orders: split weights summing to 100, ramp points in time
//     order, until after from, a split after a percentage rule on the same
//     salt and by;
//   - the text of numbers: at most 3 decimals (no multipleOf: some editors'
//     float arithmetic would flag 33.333), no exponent in a percentage
//     (1e1), no leading zeros in a version written as a number (1.02);
//   - values checked by parsing them: days of the month (February 30), RE2
//     regular expressions and their compiled size, IP octets and prefix lengths, IANA zone names,
//     local times in a document without a timezone;
//   - what the YAML layer of an editor resolves before the schema sees it:
//     anchors, aliases, tags; duplicate keys the editor reports itself.
//
// One gap runs the other way: YAML 1.2 reads 0x10, 0o17, .inf and .nan as
// numbers where flagkit reads text, so an editor may call variants
// {a: 0x10, b: hello} mixed. No document here uses them.

const schemaFile = "flagkit.schema.json"

// schemaID is the schema's $id, as docs/editor.md gives it.
const schemaID = "https://flagkit.dev/schema/v1.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	sch, err := jsonschema.NewCompiler().Compile(schemaFile)
	if err != nil {
		t.Fatalf("Compile(%q): %v", schemaFile, err)
	}
	return sch
}

// editorView converts a YAML or JSON document into the generic value an
// editor's YAML language server validates: YAML 1.2's core schema types the
// plain scalars (so on, NO and 2026-12-01 09:00 stay strings), quoted and
// block scalars are strings, aliases are resolved, numbers are json.Number.
func editorView(data []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("empty document")
	}
	return nodeView(doc.Content[0], 0)
}

var (
	coreNull  = regexp.MustCompile(`^(~|null|Null|NULL|)$`)
	coreBool  = regexp.MustCompile(`^(true|True|TRUE|false|False|FALSE)$`)
	coreInt   = regexp.MustCompile(`^[-+]?[0-9]+$`)
	coreOctal = regexp.MustCompile(`^0o[0-7]+$`)
	coreHex   = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)
	coreFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	coreInf   = regexp.MustCompile(`^([-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN)$`)
)

func nodeView(n *yaml.Node, depth int) (any, error) {
	if depth > 100 {
		return nil, errors.New("too deep")
	}
	switch n.Kind {
	case yaml.AliasNode:
		return nodeView(n.Alias, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a key that is not a scalar", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			v, err := nodeView(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeView(c, depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		return scalarView(n)
	}
	return nil, fmt.Errorf("line %d: unsupported node", n.Line)
}

func scalarView(n *yaml.Node) (any, error) {
	s := n.Value
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 ||
		n.Style&yaml.TaggedStyle != 0 && n.Tag == "!!str" {
		return s, nil
	}
	switch {
	case coreNull.MatchString(s):
		return nil, nil
	case coreBool.MatchString(s):
		return strings.EqualFold(s, "true"), nil
	case coreInt.MatchString(s):
		b, _ := new(big.Int).SetString(s, 10)
		return json.Number(b.String()), nil
	case coreOctal.MatchString(s), coreHex.MatchString(s):
		i, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return nil, err
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case coreFloat.MatchString(s):
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("line %d: %s is not a JSON number", n.Line, s)
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	case coreInf.MatchString(s):
		return nil, fmt.Errorf("line %d: %s is not a JSON number", n.Line, s)
	}
	return s, nil
}

// schemaGoodDocs are valid documents beyond the files in testdata/ and
// examples/, written to reach every part of the schema.
var schemaGoodDocs = []struct{ name, doc string }{
	{"minimal", "flags: {}\n"},
	{"null sections", "version: 1\ncohorts:\nflags:\noverrides:\n"},
	{"version forms", "version: 1.0\nflags: {}\n"},
	{"version string", "version: \"1.2\"\nflags: {}\n"},
	{"boolean flag", "flags:\n  a: {default: on, off_variant: off}\n"},
	{"boolean names true and false", "flags:\n  a:\n    default: true\n    off_variant: \"false\"\n    rules:\n      - {percent: 5, serve: false}\n      - {split: {\"true\": 50, off: 50}, salt: s2}\n"},
	{"every flag field", `
timezone: Europe/Oslo
flags:
  base: {default: on}
  a:
    description: Everything
    metadata: {owner: payments, tags: [x, y], nested: {deep: [1, {two: 2}]}, expires: 2026-12-01}
    enabled: false
    variants: {small: 1, big: 1000.5, neg: -3}
    default: small
    off_variant: neg
    salt: ""
    by: account_id
    requires: {base: "on"}
    rules:
      - name: first
        when: {plan: {eq: pro}}
        from: 2026-12-01
        until: 2026-12-01 09:30:15.5
        percent: "33.333"
        serve: big
        salt: other
        by: org
`},
	{"description as a number", "flags:\n  a: {description: 42, default: on}\n"},
	{"string variants with on and off", "flags:\n  a:\n    variants: {on: \"yes\", off: \"no\", NO: norway}\n    default: NO\n    off_variant: off\n"},
	{"object variants", "flags:\n  a:\n    variants: {one: {size: 1}, list: [1, 2], empty: {}}\n    default: list\n"},
	{"boolean variants named", "flags:\n  a:\n    variants: {yes-please: true, nope: false}\n    default: nope\n"},
	{"numeric variant names", "flags:\n  a:\n    variants: {1: one, 2: two}\n    default: 1\n    rules: [{split: {1: 33.333, 2: 66.667}}]\n"},
	{"cohorts", `
cohorts:
  staff: {description: Employees, when: {email: {ends_with: "@example.com", ignore_case: true}}}
  nordic-staff: {cohort: staff, when: {country: {in: ["NO", "SE"]}}}
  either: {cohorts: [staff, nordic-staff]}
  only-parent: {cohort: [staff]}
flags:
  a:
    rules:
      - {cohort: staff, serve: on}
      - {cohorts: [either, only-parent], serve: on}
`},
	{"every operator", `
flags:
  a:
    rules:
      - when:
          country: {eq: "NO", ne: "SE", in: [NO, "DK", 3, true], not_in: []}
          n: {lt: 10, lte: 10.5, gt: -1, gte: [0, 1e3]}
          s: {starts_with: a, ends_with: [b, c], contains: 12, matches: "^x(?i)y$", ignore_case: true}
          v: {semver_eq: v1.2.3-rc.1+build.5, semver_lt: "2.10", semver_lte: 2, semver_gt: 1.5, semver_gte: [1.0.0-alpha, "0.9"]}
          t: {before: 2026-12-01T09:00:00.5+01:00, after: 1700000000}
          u: {before: "1700000000.5", after: -5.25}
          ip: {in_cidr: [10.0.0.0/8, "2001:db8::/32", 192.168.1.1, "::ffff:10.0.0.1"]}
          e: {exists: false}
          key: {in: [user-1]}
          ne-list: {ne: [a, b], eq: []}
        serve: on
`},
	{"when as a list", "flags:\n  a:\n    rules:\n      - when:\n          - {org: {in: [acme]}}\n          - {plan: {eq: enterprise}, country: {eq: \"NO\"}}\n        serve: on\n"},
	{"ramp", `
timezone: America/New_York
flags:
  a:
    rules:
      - percent:
          - {at: 2026-12-01T09:00:00Z, value: 0}
          - {at: "2026-12-05 09:00", value: "12.5"}
          - {at: 2026-12-10t09:00:00z, value: 100.000}
        serve: on
`},
	{"percent forms", "flags:\n  a:\n    rules:\n      - {percent: 0, serve: on}\n      - {percent: 100, serve: on}\n      - {percent: \"100.000\", serve: on}\n      - {percent: 0.001, serve: on}\n"},
	{"split with percent and own salt", "flags:\n  a:\n    variants: {x: x, y: y}\n    rules:\n      - {percent: 10, serve: x}\n      - {percent: 50, split: {x: 50, y: 50}, salt: exp}\n"},
	{"requires chain", "flags:\n  a: {default: on}\n  b:\n    variants: {lo: 1, hi: 2}\n    default: hi\n    requires: {a: true}\n  c:\n    requires: {b: hi}\n"},
	{"overrides", "flags:\n  new-checkout: {default: off}\n  theme:\n    variants: {a: a, b: b}\n  limit:\n    variants: {lo: 1}\n  conf:\n    variants: {x: {a: 1}}\noverrides:\n  NEW_CHECKOUT: on\n  theme: b\n  limit: 1\n  conf: {a: 1}\n"},
	{"empty rules", "flags:\n  a: {rules: []}\n"},
	{"empty requires", "flags:\n  a: {requires: {}}\n"},
	{"null description and name", "flags:\n  a:\n    description:\n    rules:\n      - {name: ~, serve: on}\n"},
	{"JSON", `{"version": 1, "cohorts": {"staff": {"when": {"email": {"ends_with": "@example.com"}}}},
"flags": {"a": {"variants": {"x": 1, "y": 2}, "default": "x", "rules": [{"cohort": "staff", "percent": 12.5, "serve": "y"}]}}}`},
	{"key edge characters", "flags:\n  A.b_c-9: {default: on}\n  " + strings.Repeat("k", 128) + ": {default: off}\n"},
}

// schemaBadDocs are invalid documents that the schema and flagkit.Validate
// must both reject; at is the JSON pointer of a value the schema's error
// must name, or "name:" and a key the schema must refuse. (For a bad key the
// library's InstanceLocation is unreliable: v6.0.3 keeps a slice that later
// validation overwrites.)
var schemaBadDocs = []struct{ name, at, doc string }{
	// The document.
	{"unknown top-level field", "", "flag:\n  a: {default: on}\n"},
	{"$schema at the top", "", "$schema: ./flagkit.schema.json\nflags: {}\n"},
	{"top-level list", "", "- flags\n"},
	{"version 2", "/version", "version: 2\nflags: {}\n"},
	{"version null", "/version", "version:\nflags: {}\n"},
	{"version string 2", "/version", "version: \"2.0\"\nflags: {}\n"},
	{"timezone Local", "/timezone", "timezone: Local\nflags: {}\n"},
	{"timezone empty", "/timezone", "timezone: \"\"\nflags: {}\n"},
	{"flags is a list", "/flags", "flags: [a, b]\n"},
	{"cohorts is a scalar", "/cohorts", "cohorts: staff\nflags: {}\n"},
	{"merge key", "/flags/a", "flags:\n  a:\n    <<: {default: on}\n"},

	// Keys.
	{"flag key with space", "name:new checkout", "flags:\n  new checkout: {default: on}\n"},
	{"flag key too long", "name:" + strings.Repeat("k", 129), "flags:\n  " + strings.Repeat("k", 129) + ": {default: on}\n"},
	{"cohort key with slash", "name:a/b", "cohorts:\n  a/b: {when: {c: {eq: 1}}}\nflags: {}\n"},
	{"override key with space", "name:a b", "flags:\n  a: {default: on}\noverrides:\n  \"a b\": on\n"},
	{"cohort reference with space", "/cohorts/b/cohort", "cohorts:\n  a: {when: {c: {eq: 1}}}\n  b: {cohort: \"a b\"}\nflags: {}\n"},
	{"requires key with space", "name:a b", "flags:\n  a: {default: on}\n  b:\n    requires: {\"a b\": on}\n"},

	// Flags.
	{"flag is a scalar", "/flags/a", "flags:\n  a: on\n"},
	{"unknown flag field", "/flags/a", "flags:\n  a:\n    defualt: on\n"},
	{"description is a mapping", "/flags/a/description", "flags:\n  a:\n    description: {text: x}\n"},
	{"enabled is yes", "/flags/a/enabled", "flags:\n  a:\n    enabled: yes\n"},
	{"enabled is quoted", "/flags/a/enabled", "flags:\n  a:\n    enabled: \"true\"\n"},
	{"metadata is a list", "/flags/a/metadata", "flags:\n  a:\n    metadata: [x]\n"},
	{"variants is a list", "/flags/a/variants", "flags:\n  a:\n    variants: [x, y]\n"},
	{"no variants", "/flags/a/variants", "flags:\n  a:\n    variants: {}\n"},
	{"variant without value", "/flags/a/variants/x", "flags:\n  a:\n    variants:\n      x:\n"},
	{"mixed variant types", "/flags/a/variants/y", "flags:\n  a:\n    variants: {x: 1, y: why}\n"},
	{"mixed boolean and string", "/flags/a/variants/y", "flags:\n  a:\n    variants: {x: true, y: \"false\"}\n"},
	{"empty variant name", "name:", "flags:\n  a:\n    variants: {\"\": x}\n"},
	{"boolean default names no variant", "/flags/a/default", "flags:\n  a:\n    default: maybe\n"},
	{"boolean off_variant is yes", "/flags/a/off_variant", "flags:\n  a:\n    off_variant: yes\n"},
	{"default is a list", "/flags/a/default", "flags:\n  a:\n    variants: {x: x}\n    default: [x]\n"},
	{"by is empty", "/flags/a/by", "flags:\n  a:\n    by: \"\"\n"},
	{"requires is a list", "/flags/b/requires", "flags:\n  a: {default: on}\n  b:\n    requires: [a]\n"},
	{"requires variant is null", "/flags/b/requires/a", "flags:\n  a: {default: on}\n  b:\n    requires: {a: ~}\n"},
	{"rules is a mapping", "/flags/a/rules", "flags:\n  a:\n    rules: {serve: on}\n"},
	{"rule is a scalar", "/flags/a/rules/0", "flags:\n  a:\n    rules: [on]\n"},

	// Rules.
	{"unknown rule field", "/flags/a/rules/0", "flags:\n  a:\n    rules:\n      - {percentage: 5, serve: on}\n"},
	{"rule without serve or split", "/flags/a/rules/0", "flags:\n  a:\n    rules:\n      - percent: 5\n"},
	{"serve and split", "/flags/a/rules/0", "flags:\n  a:\n    rules:\n      - {serve: on, split: {on: 50, off: 50}}\n"},
	{"boolean serve names no variant", "/flags/a/rules/0/serve", "flags:\n  a:\n    rules:\n      - {serve: yes}\n"},
	{"boolean split names no variant", "name:maybe", "flags:\n  a:\n    rules:\n      - {split: {on: 50, maybe: 50}}\n"},
	{"percent over 100", "/flags/a/rules/0/percent", "flags:\n  a:\n    rules:\n      - {percent: 101, serve: on}\n"},
	{"percent negative", "/flags/a/rules/0/percent", "flags:\n  a:\n    rules:\n      - {percent: -5, serve: on}\n"},
	{"percent text", "/flags/a/rules/0/percent", "flags:\n  a:\n    rules:\n      - {percent: half, serve: on}\n"},
	{"percent quoted over 100", "/flags/a/rules/0/percent", "flags:\n  a:\n    rules:\n      - {percent: \"100.5\", serve: on}\n"},
	{"percent quoted with 4 decimals", "/flags/a/rules/0/percent", "flags:\n  a:\n    rules:\n      - {percent: \"12.3456\", serve: on}\n"},
	{"percent is a mapping", "/flags/a/rules/0/percent", "flags:\n  a:\n    rules:\n      - {percent: {value: 5}, serve: on}\n"},
	{"empty ramp", "/flags/a/rules/0/percent", "flags:\n  a:\n    rules:\n      - {percent: [], serve: on}\n"},
	{"ramp point without value", "/flags/a/rules/0/percent/0", "flags:\n  a:\n    rules:\n      - {percent: [{at: 2026-12-01T00:00:00Z}], serve: on}\n"},
	{"ramp point unknown field", "/flags/a/rules/0/percent/0", "flags:\n  a:\n    rules:\n      - {percent: [{at: 2026-12-01T00:00:00Z, value: 5, until: 2027-01-01T00:00:00Z}], serve: on}\n"},
	{"ramp value over 100", "/flags/a/rules/0/percent/0/value", "flags:\n  a:\n    rules:\n      - {percent: [{at: 2026-12-01T00:00:00Z, value: 250}], serve: on}\n"},
	{"split weight over 100", "/flags/a/rules/0/split/x", "flags:\n  a:\n    variants: {x: x, y: y}\n    rules:\n      - {split: {x: 150, y: -50}}\n"},
	{"empty split", "/flags/a/rules/0/split", "flags:\n  a:\n    rules:\n      - {split: {}}\n"},
	{"split is a list", "/flags/a/rules/0/split", "flags:\n  a:\n    rules:\n      - {split: [on, off]}\n"},
	{"from is not a time", "/flags/a/rules/0/from", "flags:\n  a:\n    rules:\n      - {from: next monday, serve: on}\n"},
	{"from month 13", "/flags/a/rules/0/from", "flags:\n  a:\n    rules:\n      - {from: 2026-13-01T00:00:00Z, serve: on}\n"},
	{"until without seconds but an offset", "/flags/a/rules/0/until", "flags:\n  a:\n    rules:\n      - {until: 2026-12-01T09:00Z, serve: on}\n"},
	{"from is Unix seconds", "/flags/a/rules/0/from", "flags:\n  a:\n    rules:\n      - {from: 1700000000, serve: on}\n"},
	{"cohort is empty list", "/flags/a/rules/0/cohort", "flags:\n  a:\n    rules:\n      - {cohort: [], serve: on}\n"},
	{"cohort is a mapping", "/flags/a/rules/0/cohort", "flags:\n  a:\n    rules:\n      - {cohort: {name: staff}, serve: on}\n"},
	{"salt is a list", "/flags/a/rules/0/salt", "flags:\n  a:\n    rules:\n      - {percent: 5, salt: [a], serve: on}\n"},

	// Cohorts.
	{"unknown cohort field", "/cohorts/staff", "cohorts:\n  staff:\n    where: {email: {ends_with: x}}\nflags: {}\n"},
	{"cohort without when or cohort", "/cohorts/staff", "cohorts:\n  staff: {description: Employees}\nflags: {}\n"},
	{"cohort is a scalar", "/cohorts/staff", "cohorts:\n  staff: everyone\nflags: {}\n"},
	{"cohort references empty list", "/cohorts/b/cohorts", "cohorts:\n  a: {when: {c: {eq: 1}}}\n  b: {cohorts: []}\nflags: {}\n"},

	// Conditions.
	{"when is empty", "/cohorts/a/when", "cohorts:\n  a: {when: {}}\nflags: {}\n"},
	{"when is an empty list", "/cohorts/a/when", "cohorts:\n  a: {when: []}\nflags: {}\n"},
	{"when is a scalar", "/cohorts/a/when", "cohorts:\n  a: {when: staff}\nflags: {}\n"},
	{"attribute without operators", "/cohorts/a/when/country", "cohorts:\n  a: {when: {country: NO}}\nflags: {}\n"},
	{"empty attribute name", "name:", "cohorts:\n  a: {when: {\"\": {eq: 1}}}\nflags: {}\n"},
	{"empty operators", "/cohorts/a/when/country", "cohorts:\n  a: {when: {country: {}}}\nflags: {}\n"},
	{"only ignore_case", "/cohorts/a/when/country", "cohorts:\n  a: {when: {country: {ignore_case: true}}}\nflags: {}\n"},
	{"unknown operator", "/cohorts/a/when/country", "cohorts:\n  a: {when: {country: {equals: NO}}}\nflags: {}\n"},
	{"operator in upper case", "/cohorts/a/when/country", "cohorts:\n  a: {when: {country: {EQ: NO}}}\nflags: {}\n"},
	{"ignore_case is yes", "/cohorts/a/when/email/ignore_case", "cohorts:\n  a: {when: {email: {eq: x, ignore_case: yes}}}\nflags: {}\n"},
	{"exists is quoted", "/cohorts/a/when/email/exists", "cohorts:\n  a: {when: {email: {exists: \"true\"}}}\nflags: {}\n"},
	{"exists is a list", "/cohorts/a/when/email/exists", "cohorts:\n  a: {when: {email: {exists: [true]}}}\nflags: {}\n"},
	{"eq null", "/cohorts/a/when/email/eq", "cohorts:\n  a: {when: {email: {eq: null}}}\nflags: {}\n"},
	{"in with a null item", "/cohorts/a/when/email/in/1", "cohorts:\n  a: {when: {email: {in: [a, ~]}}}\nflags: {}\n"},
	{"eq a mapping", "/cohorts/a/when/email/eq", "cohorts:\n  a: {when: {email: {eq: {a: 1}}}}\nflags: {}\n"},
	{"in with a list item", "/cohorts/a/when/email/in/0", "cohorts:\n  a: {when: {email: {in: [[a]]}}}\nflags: {}\n"},
	{"lt quoted", "/cohorts/a/when/age/lt", "cohorts:\n  a: {when: {age: {lt: \"5\"}}}\nflags: {}\n"},
	{"gte a word", "/cohorts/a/when/age/gte", "cohorts:\n  a: {when: {age: {gte: old}}}\nflags: {}\n"},
	{"lt empty list", "/cohorts/a/when/age/lt", "cohorts:\n  a: {when: {age: {lt: []}}}\nflags: {}\n"},
	{"starts_with null", "/cohorts/a/when/email/starts_with", "cohorts:\n  a: {when: {email: {starts_with: }}}\nflags: {}\n"},
	{"contains empty list", "/cohorts/a/when/email/contains", "cohorts:\n  a: {when: {email: {contains: []}}}\nflags: {}\n"},
	{"matches too long", "/cohorts/a/when/email/matches", "cohorts:\n  a: {when: {email: {matches: \"" + strings.Repeat("a", 4097) + "\"}}}\nflags: {}\n"},
	{"text operand too long", "/cohorts/a/when/path/starts_with", "cohorts:\n  a: {when: {path: {starts_with: \"" + strings.Repeat("a", 4097) + "\"}}}\nflags: {}\n"},
	{"matches empty list", "/cohorts/a/when/email/matches", "cohorts:\n  a: {when: {email: {matches: []}}}\nflags: {}\n"},
	{"semver not a version", "/cohorts/a/when/v/semver_gte", "cohorts:\n  a: {when: {v: {semver_gte: 2.x}}}\nflags: {}\n"},
	{"semver four parts", "/cohorts/a/when/v/semver_eq", "cohorts:\n  a: {when: {v: {semver_eq: 1.2.3.4}}}\nflags: {}\n"},
	{"semver leading zero", "/cohorts/a/when/v/semver_eq", "cohorts:\n  a: {when: {v: {semver_eq: \"1.02.3\"}}}\nflags: {}\n"},
	{"semver negative", "/cohorts/a/when/v/semver_lt", "cohorts:\n  a: {when: {v: {semver_lt: -1}}}\nflags: {}\n"},
	{"semver boolean", "/cohorts/a/when/v/semver_lt", "cohorts:\n  a: {when: {v: {semver_lt: true}}}\nflags: {}\n"},
	{"before a word", "/cohorts/a/when/t/before", "cohorts:\n  a: {when: {t: {before: tomorrow}}}\nflags: {}\n"},
	{"after a local time", "/cohorts/a/when/t/after", "cohorts:\n  a: {when: {t: {after: 2026-12-01 09:00}}}\nflags: {}\n"},
	{"after beyond year 9999", "/cohorts/a/when/t/after", "cohorts:\n  a: {when: {t: {after: 1e20}}}\nflags: {}\n"},
	{"in_cidr a word", "/cohorts/a/when/ip/in_cidr", "cohorts:\n  a: {when: {ip: {in_cidr: office}}}\nflags: {}\n"},
	{"in_cidr a number", "/cohorts/a/when/ip/in_cidr", "cohorts:\n  a: {when: {ip: {in_cidr: 10}}}\nflags: {}\n"},
	{"in_cidr empty list", "/cohorts/a/when/ip/in_cidr", "cohorts:\n  a: {when: {ip: {in_cidr: []}}}\nflags: {}\n"},

	// Overrides.
	{"override without value", "/overrides/a", "flags:\n  a: {default: on}\noverrides:\n  a:\n"},
	{"overrides is a list", "/overrides", "flags:\n  a: {default: on}\noverrides: [a]\n"},
}

// validateOnlyDocs are invalid documents that the schema cannot tell from
// valid ones: flagkit.Validate rejects them, the schema accepts them. A case
// that the schema starts rejecting belongs in schemaBadDocs.
var validateOnlyDocs = []struct{ name, doc string }{
	{"serve names no variant", "flags:\n  a:\n    variants: {x: x}\n    rules:\n      - {serve: y}\n"},
	{"default names no variant", "flags:\n  a:\n    variants: {x: x}\n    default: y\n"},
	{"split names no variant", "flags:\n  a:\n    variants: {x: x}\n    rules:\n      - {split: {x: 50, y: 50}}\n"},
	{"split sums to 90", "flags:\n  a:\n    variants: {x: x, y: y}\n    rules:\n      - {split: {x: 50, y: 40}}\n"},
	{"split after percent on the same salt", "flags:\n  a:\n    variants: {x: x, y: y}\n    rules:\n      - {percent: 10, serve: x}\n      - {split: {x: 50, y: 50}}\n"},
	{"percent with 4 decimals", "flags:\n  a:\n    rules:\n      - {percent: 12.3456, serve: on}\n"},
	{"percent with an exponent", "flags:\n  a:\n    rules:\n      - {percent: 1e1, serve: on}\n"},
	{"until before from", "flags:\n  a:\n    rules:\n      - {from: 2026-12-02T00:00:00Z, until: 2026-12-01T00:00:00Z, serve: on}\n"},
	{"ramp out of order", "flags:\n  a:\n    rules:\n      - percent:\n          - {at: 2026-12-02T00:00:00Z, value: 5}\n          - {at: 2026-12-01T00:00:00Z, value: 50}\n        serve: on\n"},
	{"local time without timezone", "flags:\n  a:\n    rules:\n      - {from: 2026-12-01 09:00, serve: on}\n"},
	{"February 30", "flags:\n  a:\n    rules:\n      - {from: 2026-02-30T00:00:00Z, serve: on}\n"},
	{"unknown time zone", "timezone: Mars/Olympus\nflags: {}\n"},
	{"unknown cohort", "flags:\n  a:\n    rules:\n      - {cohort: ghost, serve: on}\n"},
	{"cohort cycle", "cohorts:\n  a: {cohort: b}\n  b: {cohort: a}\nflags: {}\n"},
	{"requires unknown flag", "flags:\n  a:\n    requires: {ghost: on}\n"},
	{"requires unknown variant", "flags:\n  b: {default: on}\n  a:\n    requires: {b: maybe}\n"},
	{"requires cycle", "flags:\n  a:\n    requires: {b: on}\n  b:\n    requires: {a: on}\n"},
	{"override names no flag", "flags: {}\noverrides:\n  ghost: on\n"},
	{"override of a boolean flag names no variant", "flags:\n  a: {default: on}\noverrides:\n  a: maybe\n"},
	{"invalid regular expression", "cohorts:\n  a: {when: {email: {matches: \"(\"}}}\nflags: {}\n"},
	{"regular expression over 256 instructions", "cohorts:\n  a: {when: {name: {matches: '[\\pL\\pN]{1000}z'}}}\nflags: {}\n"},
	{"version with a leading zero written as a number", "cohorts:\n  a: {when: {v: {semver_gte: 1.02}}}\nflags: {}\n"},
	{"CIDR octet over 255", "cohorts:\n  a: {when: {ip: {in_cidr: 300.1.1.1/8}}}\nflags: {}\n"},
	{"anchor and alias", "cohorts:\n  a: {when: &w {c: {eq: 1}}}\n  b: {when: *w}\nflags: {}\n"},
}

func TestSchemaCompiles(t *testing.T) {
	compileSchema(t)
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var top struct {
		Schema string `json:"$schema"`
		ID     string `json:"$id"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	if top.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q; want draft 2020-12", top.Schema)
	}
	if top.ID != schemaID {
		t.Errorf("$id = %q; want %q (docs/editor.md gives it)", top.ID, schemaID)
	}
}

// TestSchemaDescribesEveryProperty checks that every property has the title
// and description editors show as hover help. The overlay under a flag's
// then (the variants of a boolean flag) adds constraints only.
func TestSchemaDescribesEveryProperty(t *testing.T) {
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var root any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	count := 0
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if k == "then" {
					continue
				}
				if k == "properties" {
					for name, p := range c.(map[string]any) {
						count++
						p := p.(map[string]any)
						for _, field := range []string{"title", "description"} {
							if s, _ := p[field].(string); s == "" {
								t.Errorf("%s.properties.%s has no %s", path, name, field)
							}
						}
					}
				}
				walk(c, path+"."+k)
			}
		case []any:
			for i, c := range v {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(root, "")
	if count < 50 {
		t.Errorf("found %d properties; want at least 50", count)
	}
}

// checkGood asserts that both the schema and flagkit.Validate accept doc.
func checkGood(t *testing.T, sch *jsonschema.Schema, name string, doc []byte) {
	t.Helper()
	if err := flagkit.Validate(name, doc); err != nil {
		t.Errorf("Validate(%q) = %v; want nil", name, err)
	}
	v, err := editorView(doc)
	if err != nil {
		t.Fatalf("editorView(%q): %v", name, err)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("schema rejects %q, which flagkit.Validate accepts: %v", name, err)
	}
}

func TestSchemaAcceptsGoodDocuments(t *testing.T) {
	sch := compileSchema(t)
	for _, tc := range schemaGoodDocs {
		t.Run(tc.name, func(t *testing.T) {
			checkGood(t, sch, tc.name, []byte(tc.doc))
		})
	}
}

// TestSchemaAcceptsDocumentFiles checks every YAML and JSON file under
// testdata/ and examples/ that flagkit.Validate accepts: the schema must
// accept it too. The examples' flags files must all be valid.
func TestSchemaAcceptsDocumentFiles(t *testing.T) {
	sch := compileSchema(t)
	var files []string
	for _, dir := range []string{"testdata", "examples"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch filepath.Ext(path) {
			case ".yaml", ".yml", ".json":
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(files)
	var valid []string
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(path)
		isExample := strings.HasPrefix(filepath.ToSlash(path), "examples/") && strings.HasPrefix(base, "flags.")
		if err := flagkit.Validate(path, data); err != nil {
			if isExample {
				t.Errorf("Validate(%q) = %v; want nil", path, err)
			}
			continue // not a flag document, or an invalid one kept for other tests
		}
		valid = append(valid, filepath.ToSlash(path))
		t.Run(filepath.ToSlash(path), func(t *testing.T) {
			checkGood(t, sch, path, data)
		})
	}
	for _, want := range []string{"testdata/eval.yaml", "examples/quickstart/flags.yaml"} {
		found := false
		for _, p := range valid {
			found = found || p == want
		}
		if !found {
			t.Errorf("valid documents %q do not include %s", valid, want)
		}
	}
}

func TestSchemaRejectsBadDocuments(t *testing.T) {
	sch := compileSchema(t)
	for _, tc := range schemaBadDocs {
		t.Run(tc.name, func(t *testing.T) {
			if err := flagkit.Validate(tc.name, []byte(tc.doc)); err == nil {
				t.Errorf("Validate(%q) = nil; want an error", tc.doc)
			}
			v, err := editorView([]byte(tc.doc))
			if err != nil {
				t.Fatalf("editorView(%q): %v", tc.doc, err)
			}
			err = sch.Validate(v)
			var ve *jsonschema.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("schema.Validate(%q) = %v; want a *jsonschema.ValidationError", tc.doc, err)
			}
			if locs := errorLocations(ve, nil); !slices.Contains(locs, tc.at) {
				t.Errorf("schema.Validate(%q) reports %q; want an error at %q:\n%v", tc.doc, locs, tc.at, err)
			}
		})
	}
}

// errorLocations lists the instance locations of e and its causes, as JSON
// pointers, and the keys refused by propertyNames as "name:" and the key.
func errorLocations(e *jsonschema.ValidationError, out []string) []string {
	if k, ok := e.ErrorKind.(*kind.PropertyNames); ok {
		out = append(out, "name:"+k.Property)
	}
	var b strings.Builder
	for _, s := range e.InstanceLocation {
		b.WriteString("/" + s)
	}
	out = append(out, b.String())
	for _, c := range e.Causes {
		out = errorLocations(c, out)
	}
	return out
}

func TestSchemaLeavesToValidate(t *testing.T) {
	sch := compileSchema(t)
	for _, tc := range validateOnlyDocs {
		t.Run(tc.name, func(t *testing.T) {
			if err := flagkit.Validate(tc.name, []byte(tc.doc)); err == nil {
				t.Errorf("Validate(%q) = nil; want an error", tc.doc)
			}
			v, err := editorView([]byte(tc.doc))
			if err != nil {
				t.Fatalf("editorView(%q): %v", tc.doc, err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("schema rejects %q: %v; move the case to schemaBadDocs", tc.doc, err)
			}
		})
	}
}

// TestSchemaModeline checks that the examples' flag files that name the
// schema in a yaml-language-server modeline name the real file; the
// quickstart's must.
func TestSchemaModeline(t *testing.T) {
	const prefix = "# yaml-language-server: $schema="
	abs, err := filepath.Abs(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("examples", "*", "flags.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(data), "\n")
		ref, ok := strings.CutPrefix(first, prefix)
		if !ok {
			continue
		}
		seen[filepath.ToSlash(path)] = true
		got, err := filepath.Abs(filepath.Join(filepath.Dir(path), strings.TrimSpace(ref)))
		if err != nil {
			t.Fatal(err)
		}
		if got != abs && strings.TrimSpace(ref) != schemaID {
			t.Errorf("%s: modeline names %q; want a path to %s or %s", path, ref, schemaFile, schemaID)
		}
	}
	if !seen["examples/quickstart/flags.yaml"] {
		t.Errorf("examples/quickstart/flags.yaml does not start with %q", prefix)
	}
}
