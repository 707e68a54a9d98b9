package flagkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Operand builders: opStr is a quoted scalar, opNum, opBool and opNull plain
// ones; opOne is a single operand, opList a list.
func opStr(text string) scalar  { return scalar{text: text, kind: scalarString} }
func opNum(text string) scalar  { return scalar{text: text, kind: scalarNumber} }
func opBool(text string) scalar { return scalar{text: text, kind: scalarBool} }
func opNull() scalar            { return scalar{kind: scalarNull} }
func opOne(s scalar) operand    { return operand{items: []scalar{s}} }
func opList(items ...scalar) operand {
	return operand{list: true, items: items}
}

func (o operand) String() string {
	parts := make([]string, len(o.items))
	for i, s := range o.items {
		parts[i] = describeScalar(s)
	}
	if o.list {
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return strings.Join(parts, ", ")
}

// attrAbsent stands for a missing attribute in the tables.
type attrAbsentT struct{}

var attrAbsent = attrAbsentT{}

type namedString string // a named string type: not in the closed list

type opMatchCase struct {
	v    any
	want bool
}

type opCaseTable struct {
	op         string
	arg        operand
	ignoreCase bool
	cases      []opMatchCase
}

func mustCompileCond(t testing.TB, op string, arg operand, ignoreCase bool) condition {
	t.Helper()
	c, err := compileCondition("attr", op, arg, ignoreCase)
	if err != nil {
		t.Fatalf("compileCondition(%s, %v, %v) failed: %v", op, arg, ignoreCase, err)
	}
	return c
}

func runOpCaseTables(t *testing.T, tables []opCaseTable) {
	t.Helper()
	for _, tc := range tables {
		name := fmt.Sprintf("%s %v", tc.op, tc.arg)
		if tc.ignoreCase {
			name += " ignore_case"
		}
		t.Run(name, func(t *testing.T) {
			c := mustCompileCond(t, tc.op, tc.arg, tc.ignoreCase)
			for _, mc := range tc.cases {
				var got bool
				if mc.v == attrAbsent {
					got = c.matchValue(nil, false)
				} else {
					got = c.matchValue(mc.v, true)
				}
				if got != mc.want {
					t.Errorf("matchValue(%T %#v) = %v; want %v", mc.v, mc.v, got, mc.want)
				}
				// The key path must agree with the generic one for strings.
				if s, ok := mc.v.(string); ok {
					if got := c.matchKey(s); got != mc.want {
						t.Errorf("matchKey(%q) = %v; want %v", s, got, mc.want)
					}
				}
			}
		})
	}
}

func TestEquality(t *testing.T) {
	var bigStrs []scalar
	for i := range 20 {
		bigStrs = append(bigStrs, opStr(fmt.Sprintf("s%d", i)))
	}
	var bigInts []scalar
	for i := range 20 {
		bigInts = append(bigInts, opNum(strconv.Itoa(i)))
	}
	runOpCaseTables(t, []opCaseTable{
		{op: "eq", arg: opOne(opStr("NO")), cases: []opMatchCase{
			{"NO", true}, {"no", false}, {"NO ", false}, {"", false}, {attrAbsent, false}, {nil, false},
			{3, false}, {true, false}, {namedString("NO"), false}, {[]byte("NO"), false},
			{[]string{"SE", "NO"}, true}, {[]string{}, false}, {[]string{"SE"}, false},
			{[]any{1, nil, "NO"}, true}, {[]any{nil, true}, false}, {[]any{[]string{"NO"}}, false},
			{map[string]any{"NO": "NO"}, false}, {struct{}{}, false}, {json.Number("0"), false},
		}},
		{op: "eq", arg: opOne(opNum("3")), cases: []opMatchCase{
			{3, true}, {int8(3), true}, {int16(3), true}, {int32(3), true}, {int64(3), true},
			{uint(3), true}, {uint8(3), true}, {uint16(3), true}, {uint32(3), true}, {uint64(3), true},
			{float32(3), true}, {3.0, true}, {3.5, false}, {-3, false}, {2.9999999999999996, false},
			{json.Number("3"), true}, {json.Number("3.0"), true}, {json.Number("0.3e1"), true},
			{json.Number("30e-1"), true}, {json.Number("x"), false}, {json.Number(""), false},
			{"3", false}, {true, false}, {math.NaN(), false}, {math.Inf(1), false},
			{[]any{"3", 3}, true}, {[]any{"3", 4}, false}, {[]string{"3"}, false}, {[]int{3}, false},
			{time.Unix(3, 0), false}, {attrAbsent, false},
		}},
		{op: "eq", arg: opOne(opStr("3")), cases: []opMatchCase{
			{"3", true}, {3, false}, {json.Number("3"), false},
		}},
		{op: "eq", arg: opOne(opBool("true")), cases: []opMatchCase{
			{true, true}, {false, false}, {"true", false}, {1, false}, {[]any{false, true}, true},
		}},
		{op: "eq", arg: opOne(opBool("False")), cases: []opMatchCase{
			{false, true}, {true, false}, {0, false}, {"false", false},
		}},
		{op: "in", arg: opList(opStr("NO"), opNum("3"), opBool("true")), cases: []opMatchCase{
			{"NO", true}, {3, true}, {uint8(3), true}, {true, true}, {false, false}, {"3", false}, {"true", false},
		}},
		{op: "in", arg: opList(opNum("1.5"), opNum("-0.25")), cases: []opMatchCase{
			{1.5, true}, {float32(1.5), true}, {-0.25, true}, {json.Number("-25e-2"), true}, {1, false}, {2, false},
		}},
		// Whole numbers compare exactly, beyond float64's 2⁵³.
		{op: "eq", arg: opOne(opNum("9007199254740993")), cases: []opMatchCase{
			{int64(9007199254740993), true}, {uint64(9007199254740993), true},
			{float64(9007199254740992), false}, {int64(9007199254740992), false},
			{json.Number("9007199254740993"), true}, {json.Number("9007199254740993.0"), false}, // a float: 2⁵³
		}},
		{op: "eq", arg: opOne(opNum("18446744073709551615")), cases: []opMatchCase{
			{uint64(math.MaxUint64), true}, {float64(1 << 64), false}, {int64(math.MaxInt64), false},
			{json.Number("18446744073709551615"), true},
		}},
		{op: "eq", arg: opOne(opNum("-9223372036854775808")), cases: []opMatchCase{
			{int64(math.MinInt64), true}, {float64(-1 << 63), true}, {uint64(1 << 63), false},
		}},
		{op: "eq", arg: opOne(opNum("9223372036854775808")), cases: []opMatchCase{
			{uint64(1 << 63), true}, {float64(1 << 63), true}, {int64(math.MaxInt64), false},
		}},
		{op: "eq", arg: opOne(opNum("1e20")), cases: []opMatchCase{
			{1e20, true}, {json.Number("100000000000000000000"), true}, {uint64(math.MaxUint64), false},
		}},
		{op: "eq", arg: opOne(opNum("0.1")), cases: []opMatchCase{
			{0.1, true}, {float32(0.1), false}, {json.Number("0.1"), true}, {json.Number("0.10"), true},
		}},
		{op: "eq", arg: opOne(opNum("007")), cases: []opMatchCase{{7, true}}}, // the core schema's leading zeros: decimal
		{op: "in", arg: opList(), cases: []opMatchCase{
			{"x", false}, {3, false}, {[]string{}, false}, {attrAbsent, false},
		}},
		{op: "not_in", arg: opList(), cases: []opMatchCase{
			{"x", true}, {3, true}, {[]string{}, true}, {map[string]int{}, true}, {attrAbsent, false}, {nil, false},
		}},
		{op: "ne", arg: opOne(opStr("NO")), cases: []opMatchCase{
			{"SE", true}, {"NO", false}, {"no", true}, {3, true}, {attrAbsent, false}, {nil, false},
			{[]string{"SE", "NO"}, false}, {[]string{"SE"}, true}, {[]any{}, true}, {[]any{3, "NO"}, false},
			{map[string]any{}, true}, {namedString("NO"), true},
		}},
		{op: "ne", arg: opOne(opNum("3")), cases: []opMatchCase{
			{3, false}, {3.0, false}, {uint64(3), false}, {json.Number("3"), false},
			{4, true}, {"3", true}, {math.NaN(), true}, {json.Number("x"), true},
		}},
		{op: "not_in", arg: opList(opStr("a"), opStr("b")), cases: []opMatchCase{
			{"a", false}, {"c", true}, {[]string{"c", "b"}, false}, {[]any{"c", 1}, true},
		}},
		{op: "in", arg: opList(bigStrs...), cases: []opMatchCase{
			{"s7", true}, {"s19", true}, {"S7", false}, {"s20", false}, {[]string{"x", "s3"}, true},
		}},
		{op: "not_in", arg: opList(bigStrs...), cases: []opMatchCase{
			{"s7", false}, {"zz", true}, {attrAbsent, false},
		}},
		{op: "in", arg: opList(bigInts...), cases: []opMatchCase{
			{7, true}, {7.0, true}, {7.5, false}, {uint64(7), true}, {json.Number("7"), true}, {20, false},
			{-1, false}, {uint64(math.MaxUint64), false}, {"7", false}, {math.NaN(), false},
		}},
		{op: "in", arg: opList(opStr("x"), opStr("y")), cases: []opMatchCase{
			{"\xff", false},
		}},
		{op: "eq", arg: opOne(opStr("\xff")), cases: []opMatchCase{
			{"\xff", true}, {"\xfe", false}, {"\uFFFD", false},
		}},
	})
}

func TestIgnoreCase(t *testing.T) {
	long := strings.Repeat("Ünïcödé-", 20) // beyond the fold buffer
	var bigSet []scalar
	for i := range 12 {
		bigSet = append(bigSet, opStr(fmt.Sprintf("Member%d", i)))
	}
	bigSet = append(bigSet, opStr("ΣΑΣ"), opStr("Straße"), opStr("Kelvin"), opStr(long))
	runOpCaseTables(t, []opCaseTable{
		{op: "eq", arg: opOne(opStr("ΣΑΣ")), ignoreCase: true, cases: []opMatchCase{
			{"σας", true}, {"σασ", true}, {"ΣΑΣ", true}, {"SAS", false}, {"ΣΑ", false},
		}},
		{op: "eq", arg: opOne(opStr("ΣΑΣ")), cases: []opMatchCase{{"σας", false}}},
		{op: "eq", arg: opOne(opStr("k")), ignoreCase: true, cases: []opMatchCase{
			{"\u212A", true}, {"K", true}, {"k", true}, {"x", false},
		}},
		{op: "eq", arg: opOne(opStr("ß")), ignoreCase: true, cases: []opMatchCase{
			{"ẞ", true}, {"ss", false}, {"SS", false}, // simple folding: ß is not ss
		}},
		{op: "ne", arg: opOne(opStr("NO")), ignoreCase: true, cases: []opMatchCase{
			{"no", false}, {"se", true},
		}},
		{op: "in", arg: opList(bigSet...), ignoreCase: true, cases: []opMatchCase{
			{"member3", true}, {"MEMBER11", true}, {"σας", true}, {"STRAẞE", true}, {"STRASSE", false},
			{"\u212Aelvin", true}, {"kelvin", true}, {strings.ToUpper(long), true}, {strings.ToLower(long), true},
			{long + "x", false}, {"member12", false}, {[]string{"x", "STRAßE"}, true},
		}},
		{op: "not_in", arg: opList(bigSet...), ignoreCase: true, cases: []opMatchCase{
			{"member3", false}, {"other", true},
		}},
		{op: "eq", arg: opOne(opStr("\xff")), ignoreCase: true, cases: []opMatchCase{
			// As strings.EqualFold: each invalid byte reads as U+FFFD.
			{"\xff", true}, {"\xfe", true}, {"\uFFFD", true}, {"x", false},
		}},
		{op: "starts_with", arg: opOne(opStr("straẞ")), ignoreCase: true, cases: []opMatchCase{
			{"STRAßE", true}, {"Straße", true}, {"STRASSE", false}, {"STRA", false},
		}},
		{op: "starts_with", arg: opOne(opStr("k")), ignoreCase: true, cases: []opMatchCase{
			{"\u212Aelvin", true}, {"Kelvin", true}, {"elvin", false},
		}},
		{op: "ends_with", arg: opOne(opStr("@example.com")), ignoreCase: true, cases: []opMatchCase{
			{"Bob@EXAMPLE.COM", true}, {"bob@example.co", false}, {"@EXAMPLE.COM", true}, {"EXAMPLE.COM", false},
		}},
		{op: "ends_with", arg: opOne(opStr("K")), ignoreCase: true, cases: []opMatchCase{
			{"abc\u212A", true}, {"abck", true}, {"abc", false}, {"", false},
		}},
		{op: "contains", arg: opOne(opStr("ΑΣ")), ignoreCase: true, cases: []opMatchCase{
			{"σας", true}, {"xxΑσxx", true}, {"σα", false},
		}},
		{op: "contains", arg: opOne(opStr("\xff")), ignoreCase: true, cases: []opMatchCase{
			{"a\xfeb", true}, {"ab", false},
		}},
		{op: "contains", arg: opOne(opStr("\xff")), cases: []opMatchCase{
			{"a\xffb", true}, {"a\xfeb", false},
		}},
		{op: "matches", arg: opOne(opStr("^abc$")), ignoreCase: true, cases: []opMatchCase{
			{"ABC", true}, {"aBc", true}, {"abcd", false},
		}},
		{op: "matches", arg: opOne(opStr("^k$")), ignoreCase: true, cases: []opMatchCase{
			{"\u212A", true}, {"K", true},
		}},
		{op: "lt", arg: opOne(opNum("3")), ignoreCase: true, cases: []opMatchCase{{2, true}}}, // no effect elsewhere
	})
}

func TestNumericOrder(t *testing.T) {
	runOpCaseTables(t, []opCaseTable{
		{op: "lt", arg: opOne(opNum("100")), cases: []opMatchCase{
			{99, true}, {100, false}, {100.1, false}, {101, false}, {int8(-128), true}, {uint8(99), true},
			{uint64(math.MaxUint64), false}, {float32(99.5), true}, {json.Number("99"), true},
			{json.Number("1e400"), false}, {json.Number("-1e400"), true}, {json.Number("99.9999999999"), true},
			{"99", false}, {true, false}, {math.NaN(), false}, {math.Inf(-1), true}, {math.Inf(1), false},
			{[]any{200, 50}, true}, {[]any{200, "50"}, false}, {[]string{"1"}, false}, {attrAbsent, false}, {nil, false},
			{time.Unix(1, 0), false},
		}},
		{op: "lte", arg: opOne(opNum("100")), cases: []opMatchCase{
			{100, true}, {uint8(100), true}, {100.0000001, false}, {json.Number("1e2"), true}, {"100", false},
		}},
		{op: "gt", arg: opOne(opNum("100")), cases: []opMatchCase{
			{100.1, true}, {100, false}, {uint64(math.MaxUint64), true}, {math.Inf(1), true}, {math.NaN(), false},
			{json.Number("1e400"), true}, {int64(math.MinInt64), false},
		}},
		{op: "gte", arg: opOne(opNum("100")), cases: []opMatchCase{
			{100, true}, {99.999, false}, {float32(100), true}, {json.Number("100.0"), true},
		}},
		{op: "lt", arg: opList(opNum("3"), opNum("5")), cases: []opMatchCase{{4, true}, {5, false}}},
		{op: "lte", arg: opList(opNum("5"), opNum("3")), cases: []opMatchCase{{5, true}, {6, false}}},
		{op: "gt", arg: opList(opNum("5"), opNum("3")), cases: []opMatchCase{{4, true}, {3, false}}},
		{op: "gte", arg: opList(opNum("3"), opNum("5")), cases: []opMatchCase{{3, true}, {2, false}}},
		{op: "gt", arg: opOne(opNum("9007199254740992")), cases: []opMatchCase{
			{int64(9007199254740993), true}, {float64(9007199254740993), false}, {uint64(9007199254740993), true},
		}},
		{op: "lt", arg: opOne(opNum("-9223372036854775808")), cases: []opMatchCase{
			{int64(math.MinInt64), false}, {-1e19, true}, {json.Number("-9223372036854777856"), true}, // beyond int64: a float, the next one below -2⁶³
		}},
		{op: "gt", arg: opOne(opNum("18446744073709551615")), cases: []opMatchCase{
			{float64(1 << 64), true}, {uint64(math.MaxUint64), false}, {json.Number("18446744073709551616"), true},
		}},
		{op: "lt", arg: opOne(opNum("0.5")), cases: []opMatchCase{
			{0, true}, {uint(1), false}, {-0.5, true}, {0.5, false}, {float32(0.49), true},
		}},
		{op: "gte", arg: opOne(opNum("-2.5e-3")), cases: []opMatchCase{
			{0, true}, {-0.0025, true}, {-0.0026, false}, {int8(-1), false},
		}},
		{op: "gt", arg: opOne(opNum("1.5")), cases: []opMatchCase{
			{1, false}, {2, true}, {uint64(2), true}, {int64(1), false},
		}},
	})
}

func TestStringOperators(t *testing.T) {
	runOpCaseTables(t, []opCaseTable{
		{op: "starts_with", arg: opOne(opStr("prefix")), cases: []opMatchCase{
			{"prefix", true}, {"prefixabc", true}, {"Prefixabc", false}, {"notprefix", false}, {"", false},
			{99, false}, {true, false}, {attrAbsent, false}, {nil, false}, {[]string{"x", "prefix1"}, true},
			{[]any{1, "prefix"}, true}, {namedString("prefix"), false},
		}},
		{op: "starts_with", arg: opOne(opNum("10")), cases: []opMatchCase{ // the operand's text
			{"10.0.0.1", true}, {"1", false}, {10, false},
		}},
		{op: "starts_with", arg: opList(opStr("a"), opStr("b")), cases: []opMatchCase{
			{"bob", true}, {"alice", true}, {"carol", false},
		}},
		{op: "starts_with", arg: opOne(opStr("")), cases: []opMatchCase{{"", true}, {"x", true}, {1, false}}},
		{op: "ends_with", arg: opOne(opStr("suffix")), cases: []opMatchCase{
			{"suffix", true}, {"abcsuffix", true}, {"suffixno", false}, {"abcSuffix", false},
		}},
		{op: "ends_with", arg: opOne(opBool("true")), cases: []opMatchCase{{"is true", true}, {true, false}}},
		{op: "contains", arg: opOne(opStr("substring")), cases: []opMatchCase{
			{"substring", true}, {"abcsubstringxyz", true}, {"abcsubstxyz", false}, {"abcSubstringxyz", false},
		}},
		{op: "contains", arg: opList(opStr("x"), opStr("y")), cases: []opMatchCase{{"aya", true}, {"aza", false}}},
		{op: "matches", arg: opOne(opStr("^[A-Za-z]+")), cases: []opMatchCase{
			{"matchThisName", true}, {"_Don't match This Name", false}, {99, false}, {true, false},
			{[]string{"_", "ok"}, true},
		}},
		{op: "matches", arg: opOne(opStr("b")), cases: []opMatchCase{{"abc", true}, {"ABC", false}}}, // unanchored
		{op: "matches", arg: opList(opStr("^a"), opStr("^b")), cases: []opMatchCase{{"bx", true}, {"cx", false}}},
		{op: "matches", arg: opOne(opStr("^.$")), cases: []opMatchCase{{"\xff", true}, {"é", true}, {"ab", false}}},
		{op: "matches", arg: opOne(opNum("1.5")), cases: []opMatchCase{{"125", true}, {"1.5", true}, {"15", false}}},
	})
}

func TestSemver(t *testing.T) {
	runOpCaseTables(t, []opCaseTable{
		{op: "semver_eq", arg: opOne(opStr("2.0.0")), cases: []opMatchCase{
			{"2.0.0", true}, {"2", true}, {"2.0", true}, {"v2.0.0", true}, {"2.0.0+build.7", true}, {"v2+b", true},
			{"2.0.0-rc", false}, {"2.0.1", false},
			{"02.0.0", false}, {"2.0.0.0", false}, {"", false}, {"v", false}, {"2.", false}, {".2", false},
			{"2.0.0-", false}, {"2.0.0+", false}, {"2.0.0-01", false}, {"2.0.0-rc..1", false},
			{"2.0.0-rc$", false}, {"V2.0.0", false}, {"vv2", false}, {" 2.0.0", false}, {"2.0.0 ", false},
			{"18446744073709551616.0.0", false}, {"2.0.0\xff", false},
			{2, false}, {2.0, false}, {json.Number("2"), false}, {true, false}, {attrAbsent, false}, {nil, false},
			{[]string{"1.0.0", "2.0.0"}, true}, {[]any{2, "2.0"}, true},
		}},
		{op: "semver_eq", arg: opOne(opStr("2.0.0-rc")), cases: []opMatchCase{
			{"2-rc", true}, {"2.0-rc", true}, {"2.0.0-rc+build", true}, {"2.0.0-RC", false},
		}},
		{op: "semver_eq", arg: opOne(opStr("1.0.0+001")), cases: []opMatchCase{{"1.0.0", true}}}, // build may lead with 0
		{op: "semver_gte", arg: opOne(opNum("2.10")), cases: []opMatchCase{ // the text, not the float 2.1
			{"2.9.0", false}, {"2.10.0", true}, {"2.10.1", true}, {"2.1", false}, {"2.10.0-rc.1", false},
		}},
		{op: "semver_eq", arg: opList(opStr("1.0.0"), opStr("2.0.0")), cases: []opMatchCase{{"2", true}, {"3", false}}},
		{op: "semver_lt", arg: opList(opStr("1.0.0"), opStr("2.0.0")), cases: []opMatchCase{{"1.5.0", true}, {"2.0.0", false}}},
		{op: "semver_lte", arg: opList(opStr("2.0.0"), opStr("1.0.0")), cases: []opMatchCase{{"2.0.0", true}, {"2.0.1", false}}},
		{op: "semver_gt", arg: opList(opStr("2.0.0"), opStr("1.0.0")), cases: []opMatchCase{{"1.5.0", true}, {"1.0.0", false}}},
		{op: "semver_gte", arg: opList(opStr("1.0.0"), opStr("2.0.0")), cases: []opMatchCase{{"1.0.0", true}, {"0.9", false}}},
		{op: "semver_gt", arg: opOne(opStr("1.0.0-99")), cases: []opMatchCase{
			{"1.0.0-123456789012345678901234567890", true}, {"1.0.0-100", true}, {"1.0.0-98", false},
			{"1.0.0-a", true}, {"1.0.0-99.0", true},
		}},
		{op: "semver_lt", arg: opOne(opStr("18446744073709551615.0.0")), cases: []opMatchCase{
			{"18446744073709551614.99.99", true},
		}},
	})
}

func TestTimes(t *testing.T) {
	base := time.Date(2017, 12, 6, 7, 0, 0, 0, time.UTC) // 1512543600
	oslo := time.FixedZone("CET", 3600)
	runOpCaseTables(t, []opCaseTable{
		{op: "after", arg: opOne(opStr("2017-12-06T07:00:00Z")), cases: []opMatchCase{
			{base.Add(time.Hour), true}, {base, false}, {base.In(oslo), false}, {base.Add(time.Nanosecond), true},
			{"2017-12-06T00:00:00.000-07:00", false}, {"2017-12-06T00:00:01-07:00", true}, {"2017-12-06T07:00:00.000000001Z", true},
			{1512543601, true}, {1512543600, false}, {1512543600.5, true}, {int32(1512543601), true}, {uint64(1512543601), true},
			{json.Number("1512543601"), true}, {json.Number("1.5125436005e9"), true}, {json.Number("x"), false},
			{float32(1512543600), true}, // float32 rounds it to 1512543616
			{"1512543601", false}, {"2017-12-06", false}, {"2017-12-06T08:00:00", false}, {"2017-12-06t08:00:00z", false},
			{uint64(math.MaxUint64), true}, {math.NaN(), false}, {math.Inf(1), true}, {math.Inf(-1), false},
			{time.Time{}, false}, {[]any{"x", base.Add(time.Second)}, true}, {[]string{"2018-01-01T00:00:00Z"}, true},
			{netip.MustParseAddr("10.0.0.1"), false}, {true, false}, {attrAbsent, false}, {nil, false},
		}},
		{op: "before", arg: opOne(opStr("2017-12-06T07:00:00.5Z")), cases: []opMatchCase{
			{base, true}, {base.Add(500 * time.Millisecond), false}, {base.Add(499 * time.Millisecond), true},
			{1512543600.4, true}, {1512543600.6, false}, {math.Inf(-1), true}, {int64(math.MinInt64), true},
			{"0001-01-01T00:00:00Z", true}, {"9999-12-31T23:59:59Z", false},
		}},
		{op: "before", arg: opList(opStr("2017-01-01T00:00:00Z"), opNum("1512543600")), cases: []opMatchCase{
			{base.Add(-time.Second), true}, {base, false},
		}},
		{op: "after", arg: opList(opNum("1512543600"), opStr("2020-01-01T00:00:00Z")), cases: []opMatchCase{
			{base.Add(time.Second), true}, {base, false},
		}},
		{op: "before", arg: opOne(opNum("0")), cases: []opMatchCase{{-1, true}, {0, false}, {-0.5, true}, {"1969-12-31T23:59:59Z", true}}},
		{op: "before", arg: opOne(opNum("1")), cases: []opMatchCase{{0.999999999, true}, {0.9999999999, false}}}, // nanoseconds, rounded
		{op: "after", arg: opOne(opStr("1512543600")), cases: []opMatchCase{{1512543601, true}}},                 // a quoted number: seconds
		{op: "after", arg: opOne(opNum("1512543600.25")), cases: []opMatchCase{{1512543600.3, true}, {1512543600.2, false}}},
		{op: "after", arg: opOne(opStr("2017-12-06T08:00:00+01:00")), cases: []opMatchCase{{base.Add(time.Second), true}, {base, false}}},
	})
}

func TestInCIDR(t *testing.T) {
	runOpCaseTables(t, []opCaseTable{
		{op: "in_cidr", arg: opList(opStr("10.0.0.0/8"), opStr("2001:db8::/32")), cases: []opMatchCase{
			{"10.1.2.3", true}, {"11.0.0.1", false}, {"::ffff:10.1.2.3", true}, {netip.MustParseAddr("::ffff:10.1.2.3"), true},
			{"2001:db8::1", true}, {"2001:db8::1%eth0", true}, {netip.MustParseAddr("2001:db8::1%eth0"), true},
			{"2001:db9::1", false}, {netip.MustParseAddr("2001:db9::1"), false}, {netip.MustParseAddr("11.0.0.1"), false}, {"10.0.0.1/32", false}, {"010.0.0.1", false}, {"10.0.0", false}, {"", false},
			{167772161, false}, {[]string{"192.168.0.1", "10.0.0.1"}, true}, {[]any{1, "10.0.0.1"}, true},
			{netip.Addr{}, false}, {attrAbsent, false}, {nil, false}, {"10.1.2.3%eth0", false}, {"%eth0", false},
		}},
		{op: "in_cidr", arg: opOne(opStr("192.168.1.1")), cases: []opMatchCase{{"192.168.1.1", true}, {"192.168.1.2", false}}},
		{op: "in_cidr", arg: opOne(opStr("::ffff:10.0.0.0/104")), cases: []opMatchCase{{"10.9.9.9", true}, {"11.0.0.0", false}}},
		{op: "in_cidr", arg: opOne(opStr("10.1.2.3/8")), cases: []opMatchCase{{"10.200.0.0", true}}}, // host bits masked
		{op: "in_cidr", arg: opOne(opStr("0.0.0.0/0")), cases: []opMatchCase{{"8.8.8.8", true}, {"::1", false}, {"::ffff:8.8.8.8", true}}},
		{op: "in_cidr", arg: opOne(opStr("fe80::/10")), cases: []opMatchCase{{netip.MustParseAddr("fe80::1%eth0"), true}, {"fe80::1%2", true}}},
	})
}

func TestExists(t *testing.T) {
	runOpCaseTables(t, []opCaseTable{
		{op: "exists", arg: opOne(opBool("true")), cases: []opMatchCase{
			{"", true}, {[]string{}, true}, {[]any{}, true}, {0, true}, {false, true}, {map[string]any{}, true},
			{math.NaN(), true}, {attrAbsent, false}, {nil, false},
		}},
		{op: "exists", arg: opOne(opBool("FALSE")), cases: []opMatchCase{
			{attrAbsent, true}, {nil, true}, {"", false}, {false, false},
		}},
	})
}

func TestCompileErrors(t *testing.T) {
	long := strings.Repeat("a", maxPatternLen+1)
	tests := []struct {
		op      string
		arg     operand
		item    int    // -1: not an item error
		unknown bool   // wraps errUnknownOperator
		msg     string // a fragment the message must show
	}{
		{"equals", opOne(opStr("x")), -1, true, `"equals"`},
		{"IN", opList(opStr("x")), -1, true, "want one of eq,"},
		{"", opOne(opStr("x")), -1, true, "unknown operator"},
		{"eq", opOne(opNull()), -1, false, "exists: false"},
		{"in", opList(opStr("a"), opNull()), 1, false, "null"},
		{"eq", opOne(opNum("1e999")), -1, false, "out of range"},
		{"eq", opOne(opNum("abc")), -1, false, "not a number"},
		{"eq", opOne(opBool("yes")), -1, false, "not a boolean"},
		{"lt", opOne(opStr("3")), -1, false, "needs a number"},
		{"lt", opOne(opBool("true")), -1, false, "needs a number"},
		{"gte", opOne(opNull()), -1, false, "null"},
		{"lte", opList(opNum("1"), opStr("2")), 1, false, `"2"`},
		{"gt", opOne(opNum("-1e400")), -1, false, "out of range"},
		{"lt", opList(), -1, false, "at least one"},
		{"starts_with", opOne(opNull()), -1, false, "null"},
		{"ends_with", opList(), -1, false, "at least one"},
		{"contains", opList(opStr("a"), opNull()), 1, false, "null"},
		{"matches", opOne(opStr("(")), -1, false, "invalid regular expression"},
		{"matches", opList(opStr("ok"), opStr("(?=a)")), 1, false, "invalid regular expression"},
		{"matches", opOne(opStr(`^(a)\1$`)), -1, false, "invalid regular expression"},
		{"matches", opOne(opStr(long)), -1, false, "4096"},
		{"matches", opOne(opStr("a{1001}")), -1, false, "invalid regular expression"},
		{"matches", opOne(opNull()), -1, false, "null"},
		{"semver_eq", opOne(opStr("02.0.0")), -1, false, `"02.0.0"`},
		{"semver_eq", opOne(opStr("2.0.0.0")), -1, false, "not a semantic version"},
		{"semver_lt", opOne(opStr("")), -1, false, "not a semantic version"},
		{"semver_gt", opOne(opNull()), -1, false, "not a semantic version"},
		{"semver_gte", opOne(opBool("true")), -1, false, "not a semantic version"},
		{"semver_lte", opOne(opStr("v")), -1, false, "not a semantic version"},
		{"semver_eq", opOne(opStr("1.2.3-")), -1, false, "not a semantic version"},
		{"semver_eq", opOne(opStr("1.2.3+")), -1, false, "not a semantic version"},
		{"semver_eq", opOne(opStr("1.2.3-01")), -1, false, "not a semantic version"},
		{"semver_eq", opList(opStr("1.0.0"), opStr("x")), 1, false, `"x"`},
		{"semver_eq", opList(), -1, false, "at least one"},
		{"before", opOne(opStr("2017-12-06")), -1, false, "not a time"},
		{"before", opOne(opStr("badstring")), -1, false, "not a time"},
		{"after", opOne(opStr("")), -1, false, "not a time"},
		{"after", opOne(opNull()), -1, false, "not a time"},
		{"after", opOne(opBool("true")), -1, false, "not a time"},
		{"after", opOne(opNum("1512543600000")), -1, false, "outside the years"}, // milliseconds
		{"after", opOne(opNum("-1e300")), -1, false, "outside the years"},
		{"before", opOne(opStr("2017-12-06T07:00:00")), -1, false, "not a time"},
		{"before", opOne(opStr("2017-02-30T00:00:00Z")), -1, false, "not a time"},
		{"after", opList(opStr("2017-12-06T07:00:00Z"), opStr("x")), 1, false, `"x"`},
		{"in_cidr", opOne(opStr("10.0.0.0/33")), -1, false, "not a CIDR block"},
		{"in_cidr", opOne(opStr("10.0.0.300")), -1, false, "not an IP address"},
		{"in_cidr", opOne(opStr("fe80::1%eth0")), -1, false, "not an IP address"},
		{"in_cidr", opOne(opStr("")), -1, false, "not an IP address"},
		{"in_cidr", opOne(opNull()), -1, false, "not an IP address"},
		{"in_cidr", opList(opStr("10.0.0.0/8"), opStr("x")), 1, false, `"x"`},
		{"exists", opOne(opStr("true")), -1, false, "true or false"},
		{"exists", opOne(opNum("1")), -1, false, "true or false"},
		{"exists", opList(opBool("true")), -1, false, "a list"},
		{"exists", opOne(opNull()), -1, false, "null"},
		{"exists", opOne(opBool("yes")), -1, false, "true or false"},
		{"exists", operand{}, -1, false, "true or false"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.op, tt.arg), func(t *testing.T) {
			_, err := compileCondition("attr", tt.op, tt.arg, false)
			if err == nil {
				t.Fatalf("compileCondition(%q, %v) = nil error; want an error", tt.op, tt.arg)
			}
			if got := errors.Is(err, errUnknownOperator); got != tt.unknown {
				t.Errorf("errors.Is(%v, errUnknownOperator) = %v; want %v", err, got, tt.unknown)
			}
			var ie *itemError
			gotItem := -1
			if errors.As(err, &ie) {
				gotItem = ie.index
				if !errors.Is(err, ie.err) || ie.Error() != ie.err.Error() {
					t.Errorf("itemError %v does not unwrap to its cause", err)
				}
			}
			if gotItem != tt.item {
				t.Errorf("compileCondition(%q, %v) item = %d; want %d (err %v)", tt.op, tt.arg, gotItem, tt.item, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.msg) {
				t.Errorf("compileCondition(%q, %v) error %q; want it to mention %q", tt.op, tt.arg, msg, tt.msg)
			}
			if r, _ := utf8.DecodeRuneInString(msg); r >= 'A' && r <= 'Z' || strings.HasPrefix(msg, "flagkit:") {
				t.Errorf("error %q: want a lowercase message without prefix", msg)
			}
		})
	}
}

func TestCompileAccepts(t *testing.T) {
	// Operands at the edges that are valid.
	tests := []struct {
		op  string
		arg operand
	}{
		{"eq", opOne(opNum("-0"))}, {"eq", opOne(opNum("+5"))}, {"eq", opOne(opNum(".5"))}, {"eq", opOne(opNum("5."))},
		{"eq", opOne(opNum("5.e3"))}, {"lt", opOne(opNum("1.7976931348623157e308"))}, {"gt", opOne(opNum("1e-400"))},
		{"eq", opOne(opStr(""))}, {"in", opList()}, {"not_in", opList()}, {"ne", opList()},
		{"after", opOne(opNum("-62135596800"))}, {"before", opOne(opNum("253402300799"))}, {"before", opOne(opStr("0000-01-01T00:00:00Z"))},
		{"matches", opOne(opStr("[" + strings.Repeat("a", maxPatternLen-2) + "]"))}, // 4096 bytes, 3 instructions
		{"in_cidr", opOne(opStr("::/0"))}, {"semver_eq", opOne(opNum("2"))}, {"semver_eq", opOne(opStr("v1.2.3-x.7.z-9+b.001"))},
		{"exists", opOne(opBool("True"))},
	}
	for _, tt := range tests {
		if _, err := compileCondition("attr", tt.op, tt.arg, false); err != nil {
			t.Errorf("compileCondition(%q, %v) = %v; want no error", tt.op, tt.arg, err)
		}
	}
	c, err := compileCondition("key", "eq", opOne(opStr("x")), true)
	if err != nil || !c.isKey || c.attr != "key" || !c.ignoreCase {
		t.Errorf(`compileCondition("key", eq, x, true) = %+v, %v; want isKey, ignoreCase`, c, err)
	}
}

func TestParseInstant(t *testing.T) {
	tests := []struct {
		text string
		want time.Time
	}{
		{"2017-12-06T00:00:00.000-07:00", time.Unix(1512543600, 0)},
		{"2017-12-06T07:00:00Z", time.Unix(1512543600, 0)},
		{"2017-12-06T07:00:00.123456789123Z", time.Unix(1512543600, 123456789)},
		{"1512543600", time.Unix(1512543600, 0)},
		{"1512543600.5", time.Unix(1512543600, 5e8)},
		{"-1.5", time.Unix(-2, 5e8)},
		{"0", time.Unix(0, 0)},
		{"1.5e9", time.Unix(1.5e9, 0)},
		{"0000-01-01T00:00:00Z", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-02-29T23:59:59+23:59", time.Date(2024, 2, 29, 0, 0, 59, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseInstant(tt.text)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseInstant(%q) = %v, %v; want %v", tt.text, got, err, tt.want)
		}
	}
}

func TestTargetLookup(t *testing.T) {
	tg := &target{
		key:      "user-1",
		attrs:    Attrs{"key": "other", "plan": "pro", "nil": nil, "empty": ""},
		defaults: Attrs{"plan": "free", "region": "eu", "nil": "default"},
	}
	tests := []struct {
		name    string
		want    any
		present bool
	}{
		{"key", "user-1", true}, {"plan", "pro", true}, {"region", "eu", true}, {"nil", "default", true},
		{"empty", "", true}, {"missing", nil, false},
	}
	for _, tt := range tests {
		v, ok := tg.lookup(tt.name)
		if v != tt.want || ok != tt.present {
			t.Errorf("lookup(%q) = %v, %v; want %v, %v", tt.name, v, ok, tt.want, tt.present)
		}
	}
	var empty target
	if v, ok := empty.lookup("x"); v != nil || ok {
		t.Errorf("zero target lookup(x) = %v, %v; want nil, false", v, ok)
	}
	if v, ok := empty.lookup("key"); v != "" || !ok {
		t.Errorf(`zero target lookup("key") = %v, %v; want "", true`, v, ok)
	}
}

func mustCohortBlock(t testing.TB, conds ...[3]any) block {
	t.Helper()
	var b block
	for _, c := range conds {
		b = append(b, mustCompileOn(t, c[0].(string), c[1].(string), c[2].(operand)))
	}
	return b
}

func mustCompileOn(t testing.TB, attr, op string, arg operand) condition {
	t.Helper()
	c, err := compileCondition(attr, op, arg, false)
	if err != nil {
		t.Fatalf("compileCondition(%q, %q, %v): %v", attr, op, arg, err)
	}
	return c
}

func TestBlocksAndCohorts(t *testing.T) {
	staffBlock := mustCohortBlock(t, [3]any{"email", "ends_with", opOne(opStr("@example.com"))})
	nordics := &cohort{key: "nordics", when: flatten([]block{mustCohortBlock(t, [3]any{"country", "in", opList(opStr("NO"), opStr("SE"))})})}
	staff := &cohort{key: "staff", when: flatten([]block{staffBlock})}
	beta := &cohort{key: "beta", when: flatten([]block{
		mustCohortBlock(t, [3]any{"org", "in", opList(opStr("acme"))}),
		mustCohortBlock(t, [3]any{"plan", "eq", opOne(opStr("enterprise"))}, [3]any{"country", "eq", opOne(opStr("NO"))}),
	})}
	nordicStaff := &cohort{key: "nordic-staff", parents: []*cohort{staff}, when: nordics.when}
	staffOrBeta := &cohort{key: "staff-or-beta", parents: []*cohort{staff, beta}}
	deep := &cohort{key: "deep", parents: []*cohort{nordicStaff}, when: flatten([]block{mustCohortBlock(t, [3]any{"key", "starts_with", opOne(opStr("u"))})})}
	everyone := &cohort{key: "everyone"}
	byKey := &cohort{key: "by-key", when: flatten([]block{mustCohortBlock(t, [3]any{"key", "in", opList(opStr("user-1"), opStr("user-2"))})})}
	notKey := &cohort{key: "not-key", when: flatten([]block{mustCohortBlock(t, [3]any{"key", "ne", opOne(opStr("user-1"))})})}
	keyExists := &cohort{key: "key-exists", when: flatten([]block{mustCohortBlock(t, [3]any{"key", "exists", opOne(opBool("false"))})})}

	subjects := map[string]*target{
		"norwegian staff": {key: "user-1", attrs: Attrs{"email": "a@example.com", "country": "NO", "key": "x"}},
		"swedish guest":   {key: "user-2", attrs: Attrs{"email": "b@gmail.com"}, defaults: Attrs{"country": "SE"}},
		"danish staff":    {key: "user-3", attrs: Attrs{"email": "c@example.com", "country": "DK"}},
		"acme":            {key: "v-4", attrs: Attrs{"org": "acme"}},
		"enterprise NO":   {key: "v-5", attrs: Attrs{"plan": "enterprise", "country": "NO"}},
		"enterprise DK":   {key: "v-6", attrs: Attrs{"plan": "enterprise", "country": "DK"}},
		"nobody":          {},
	}
	tests := []struct {
		c       *cohort
		members []string
	}{
		{nordics, []string{"norwegian staff", "swedish guest", "enterprise NO"}},
		{staff, []string{"norwegian staff", "danish staff"}},
		{beta, []string{"acme", "enterprise NO"}},
		{nordicStaff, []string{"norwegian staff"}},
		{staffOrBeta, []string{"norwegian staff", "danish staff", "acme", "enterprise NO"}},
		{deep, []string{"norwegian staff"}},
		{everyone, []string{"norwegian staff", "swedish guest", "danish staff", "acme", "enterprise NO", "enterprise DK", "nobody"}},
		{byKey, []string{"norwegian staff", "swedish guest"}},
		{notKey, []string{"swedish guest", "danish staff", "acme", "enterprise NO", "enterprise DK", "nobody"}},
		{keyExists, nil},
	}
	for _, tt := range tests {
		want := map[string]bool{}
		for _, m := range tt.members {
			want[m] = true
		}
		for name, s := range subjects {
			if got := tt.c.contains(s); got != want[name] {
				t.Errorf("cohort %s contains(%s) = %v; want %v", tt.c.key, name, got, want[name])
			}
		}
	}
}

// TestAnyOf checks the flat OR of ANDs against a direct evaluation of the
// blocks, for blocks of one to three conditions that fail at every
// position.
func TestAnyOf(t *testing.T) {
	cond := func(attr string) condition { return mustCompileOn(t, attr, "eq", opOne(opStr("y"))) }
	// Subject attributes a..f; "y" holds, anything else fails.
	tg := func(holds string) *target {
		attrs := Attrs{}
		for _, a := range "abcdef" {
			attrs[string(a)] = "n"
		}
		for _, a := range holds {
			attrs[string(a)] = "y"
		}
		return &target{attrs: attrs}
	}
	tests := []struct {
		name   string
		blocks []string // each string is a block: its attributes
		holds  string   // the attributes that hold
		want   bool
	}{
		{"no blocks", nil, "abcdef", false},
		{"one condition holds", []string{"a"}, "a", true},
		{"one condition fails", []string{"a"}, "", false},
		{"AND fails at the first", []string{"abc"}, "bc", false},
		{"AND fails in the middle", []string{"abc"}, "ac", false},
		{"AND fails at the last", []string{"abc"}, "ab", false},
		{"AND holds", []string{"abc"}, "abc", true},
		{"first block fails early, second holds", []string{"ab", "cd"}, "bcd", true},
		{"first block fails late, second holds", []string{"ab", "cd"}, "acd", true},
		{"first holds", []string{"ab", "cd"}, "ab", true},
		{"all fail", []string{"ab", "c", "def"}, "ade", false},
		{"last single holds", []string{"ab", "c", "d"}, "ad", true},
		{"last long holds", []string{"a", "b", "cdef"}, "cdef", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var blocks []block
			for _, attrs := range tt.blocks {
				var b block
				for _, a := range attrs {
					b = append(b, cond(string(a)))
				}
				blocks = append(blocks, b)
			}
			if got := flatten(blocks).match(tg(tt.holds)); got != tt.want {
				t.Errorf("blocks %q with %q holding: match = %v; want %v", tt.blocks, tt.holds, got, tt.want)
			}
		})
	}
	if a := flatten([]block{{cond("a")}, {}}); a != nil {
		t.Errorf("flatten with an empty block = %d conditions; want nil (everyone)", len(a))
	}
}

// matchAllocCases pairs conditions with values for the allocation tests and
// benchmarks: every operator, on matching and failing values.
func matchAllocCases(t testing.TB) []struct {
	c condition
	v any
} {
	long := strings.Repeat("x", 300)
	var big []scalar
	for i := range 50 {
		big = append(big, opStr(fmt.Sprintf("v%d", i)))
	}
	type cv = struct {
		op  string
		arg operand
		ic  bool
		v   []any
	}
	specs := []cv{
		{"eq", opOne(opStr("NO")), false, []any{"NO", "SE", 3, []string{"SE", "NO"}, []any{1, "NO"}}},
		{"in", opList(big...), false, []any{"v7", "zz"}},
		{"in", opList(big...), true, []any{"V7", "ZZ", long, "ΣΑΣ"}},
		{"ne", opOne(opNum("3")), false, []any{3, int8(3), uint64(3), 2.5, float32(3), json.Number("3"), json.Number("x1"), json.Number("1e400"), json.Number("17976931348623159e292")}},
		{"eq", opOne(opBool("true")), false, []any{true, false}},
		{"lt", opOne(opNum("100")), false, []any{99, 100.5, uint64(math.MaxUint64), math.NaN(), json.Number("12.5")}},
		{"gte", opOne(opNum("0.5")), false, []any{1, int64(-1)}},
		{"starts_with", opOne(opStr("pre")), true, []any{"PREFIX", "ΣΑΣ"}},
		{"ends_with", opOne(opStr("@example.com")), true, []any{"a@EXAMPLE.com", "x"}},
		{"contains", opOne(opStr("ΑΣ")), true, []any{"xxσαςxx", long}},
		{"contains", opOne(opStr("needle")), false, []any{"hayneedle", long}},
		{"matches", opOne(opStr(`^[a-z]+@example\.com$`)), false, []any{"bob@example.com", "x"}},
		{"semver_gte", opOne(opStr("2.10.0-rc.1")), false, []any{"2.10.0", "v2.10.0-rc.2", "2.10.0-rc.1.x", "bad", "02.1"}},
		{"semver_eq", opOne(opStr("1.2.3")), false, []any{"1.2.3+b", "1.2"}},
		{"after", opOne(opStr("2017-12-06T07:00:00Z")), false, []any{"2018-01-01T00:00:00.5+01:00", "2017-12-06", time.Unix(1e9, 0), 1.5e9, json.Number("1512543601")}},
		{"in_cidr", opList(opStr("10.0.0.0/8"), opStr("2001:db8::/32")), false, []any{"10.1.2.3", "2001:db8::1%eth0", "::ffff:10.0.0.1", "bad", "1.2.3.400", netip.MustParseAddr("10.0.0.1")}},
		{"exists", opOne(opBool("true")), false, []any{"", nil}},
	}
	var out []struct {
		c condition
		v any
	}
	for _, s := range specs {
		c := mustCompileCond(t, s.op, s.arg, s.ic)
		for _, v := range s.v {
			out = append(out, struct {
				c condition
				v any
			}{c, v})
		}
	}
	return out
}

func TestMatchValueAllocs(t *testing.T) {
	for _, tc := range matchAllocCases(t) {
		c, v := tc.c, tc.v
		c.matchValue(v, true) // warm up regexp's machine cache
		if n := testing.AllocsPerRun(100, func() { c.matchValue(v, true) }); n != 0 {
			t.Errorf("matchValue(%T %v) with op %d allocates %v times; want 0", v, v, c.op, n)
		}
	}
	b := mustCohortBlock(t, [3]any{"key", "starts_with", opOne(opStr("user"))}, [3]any{"country", "in", opList(opStr("NO"), opStr("SE"))},
		[3]any{"version", "semver_gte", opOne(opStr("1.2"))})
	co := &cohort{parents: []*cohort{{when: flatten([]block{b})}}, when: flatten([]block{b})}
	tg := &target{key: "user-1", attrs: Attrs{"version": "1.3.0"}, defaults: Attrs{"country": "NO"}}
	if !co.contains(tg) {
		t.Fatalf("cohort contains = false; want true")
	}
	if n := testing.AllocsPerRun(100, func() { co.contains(tg) }); n != 0 {
		t.Errorf("cohort contains allocates %v times; want 0", n)
	}
}

func BenchmarkMatchValue(b *testing.B) {
	var set []scalar
	for i := range 100 {
		set = append(set, opStr(fmt.Sprintf("org-%d", i)))
	}
	benches := []struct {
		name string
		op   string
		arg  operand
		ic   bool
		v    any
	}{
		{"eq", "eq", opOne(opStr("NO")), false, "NO"},
		{"eq-number", "eq", opOne(opNum("42")), false, 42},
		{"in-set-100", "in", opList(set...), false, "org-77"},
		{"in-set-100-ignore-case", "in", opList(set...), true, "ORG-77"},
		{"in-list-2", "in", opList(opStr("NO"), opStr("SE")), false, "SE"},
		{"semver_gte", "semver_gte", opOne(opStr("2.10.0")), false, "2.11.3-rc.1"},
		{"matches", "matches", opOne(opStr(`^[a-z]+@example\.com$`)), false, "alice@example.com"},
		{"ends_with-ignore-case", "ends_with", opOne(opStr("@example.com")), true, "alice@EXAMPLE.COM"},
		{"after-rfc3339", "after", opOne(opStr("2026-12-01T09:00:00Z")), false, "2027-01-10T09:00:00-05:00"},
		{"in_cidr", "in_cidr", opList(opStr("10.0.0.0/8"), opStr("192.168.0.0/16")), false, "192.168.1.20"},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			c := mustCompileCond(b, bb.op, bb.arg, bb.ic)
			if !c.matchValue(bb.v, true) {
				b.Fatalf("matchValue(%v) = false; want true", bb.v)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.matchValue(bb.v, true)
			}
		})
	}
}

func BenchmarkCohortContains(b *testing.B) {
	blk := mustCohortBlock(b, [3]any{"email", "ends_with", opOne(opStr("@example.com"))}, [3]any{"country", "in", opList(opStr("NO"), opStr("SE"))})
	co := &cohort{when: flatten([]block{blk})}
	tg := &target{key: "user-1", attrs: Attrs{"email": "a@example.com", "country": "SE"}}
	b.ReportAllocs()
	for b.Loop() {
		co.contains(tg)
	}
}
