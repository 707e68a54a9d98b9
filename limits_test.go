package flagkit

import (
	"fmt"
	"math/rand/v2"
	"regexp/syntax"
	"strings"
	"testing"
	"time"
)

// The limits that bound the cost of matching: the program size of a
// regular expression and the length of the strings that operators compare.

func TestPatternProgramSize(t *testing.T) {
	tests := []struct {
		pattern    string
		ignoreCase bool
		msg        string // "": accepted; else a fragment of the error
	}{
		// Refused before compiling: the lower bound is over the limit.
		{`[\pL\pN]{1000}z`, false, "compiles to more than 256 instructions, over the limit of 256"},
		{`[\pL\pN]{1000}z`, true, "more than 256 instructions"},
		{`(?:(?:a{10}){10}){10}`, false, "more than 256 instructions"},
		{`^.{0,255}$`, false, "more than 256 instructions"},
		{`x{2,300}`, false, "more than 256 instructions"},
		{`(ab|cd){64}`, false, "more than 256 instructions"},
		{strings.Repeat("a", 300), false, "more than 256 instructions"},
		// Refused once compiled: the lower bound is within the limit, the
		// program is not (257 = 255 + fail + match).
		{`a{255}`, false, "compiles to 257 instructions, over the limit of 256"},
		{`a{254}\b`, true, "compiles to 257 instructions"},
		{`(a){85}`, false, "compiles to 257 instructions"}, // 85 × (a and two captures)
		// Accepted at the limit, and realistic patterns.
		{`a{254}`, false, ""},
		{`(?i)a{254}`, false, ""},
		{`a{254}`, true, ""},
		{`[\pL\pN]{253}z`, false, ""},
		{"[" + strings.Repeat("a", maxPatternLen-2) + "]", false, ""},
		{`^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$`, true, ""},
		{`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, false, ""},
		{`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`, false, ""},
		{`^\p{Lu}\p{Ll}{1,100}$`, false, ""},
		{`Mozilla/5\.0 \(.*(iPhone|iPad|Android).*\) AppleWebKit/[0-9.]+`, true, ""},
	}
	for _, tt := range tests {
		name := tt.pattern
		if len(name) > 40 {
			name = name[:40] + "…"
		}
		t.Run(fmt.Sprintf("%s ignore_case=%v", name, tt.ignoreCase), func(t *testing.T) {
			_, err := compileCondition("attr", "matches", opOne(opStr(tt.pattern)), tt.ignoreCase)
			switch {
			case tt.msg == "" && err != nil:
				t.Fatalf("compileCondition(matches %q) = %v; want no error", tt.pattern, err)
			case tt.msg != "" && err == nil:
				t.Fatalf("compileCondition(matches %q) = nil error; want %q", tt.pattern, tt.msg)
			case tt.msg != "" && !strings.Contains(err.Error(), tt.msg):
				t.Fatalf("compileCondition(matches %q) = %v; want it to mention %q", tt.pattern, err, tt.msg)
			}
		})
	}
}

// TestMinProgramSizeIsALowerBound checks the pre-compile estimate against
// regexp/syntax's compiler over known and generated patterns: it must never
// exceed the real size (or a valid pattern would be refused), and it is
// exact for the shapes that make programs large.
func TestMinProgramSizeIsALowerBound(t *testing.T) {
	want := map[string]int{
		`abc`: 3, `(?:ab|cd|ef)`: 8, `\b^$`: 3, `(a)`: 3, // exact: len(prog.Inst) - 2 (fail and match)
		`a{2,5}`: 5, `x{3,}`: 3, `a*`: 1, // copies only: not the alternations that repeats add
		`[\pL\pN]{1000}z`: maxProgramSize + 1, // saturated
	}
	patterns := []string{`a*`, `(?:)*`, `(?:a*)*`, `(a)?`, `a{0}`, `a{1}`, `a{0,}`, `a{1,}`, `[^\x00-\x{10FFFF}]`,
		`(?:[^\x00-\x{10FFFF}]){5}`, `(?i)k`, `(?s).`, `(?U)a+?`, `(?:a|)`, `(?:(?:a{10}){10}){10}`}
	for p := range want {
		patterns = append(patterns, p)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		patterns = append(patterns, randomPattern(r, 4))
	}
	for _, p := range patterns {
		for _, flags := range []syntax.Flags{syntax.Perl, syntax.Perl | syntax.FoldCase} {
			tree, err := syntax.Parse(p, flags)
			if err != nil {
				continue // e.g. a repeat count over 1000
			}
			prog, err := syntax.Compile(tree.Simplify())
			if err != nil {
				t.Fatalf("syntax.Compile(%q): %v", p, err)
			}
			lb, real := minProgramSize(tree), len(prog.Inst)
			if lb > real || lb > maxProgramSize+1 {
				t.Errorf("minProgramSize(%q) = %d; want at most %d (the program's size) and at most %d", p, lb, real, maxProgramSize+1)
			}
			if w, ok := want[p]; ok && lb != w {
				t.Errorf("minProgramSize(%q) = %d; want %d", p, lb, w)
			}
		}
	}
}

// randomPattern builds a random regular expression of the given depth from
// the constructs that minProgramSize counts.
func randomPattern(r *rand.Rand, depth int) string {
	atoms := []string{"a", "bc", `\pL`, `[a-z]`, ".", `\b`, "^", "$", "(?:)", `[^\x00-\x{10FFFF}]`}
	if depth == 0 || r.IntN(3) == 0 {
		return atoms[r.IntN(len(atoms))]
	}
	sub := func() string { return randomPattern(r, depth-1) }
	switch r.IntN(9) {
	case 0:
		return "(" + sub() + ")"
	case 1:
		return "(?:" + sub() + ")*"
	case 2:
		return "(?:" + sub() + ")+?"
	case 3:
		return "(?:" + sub() + ")?"
	case 4:
		return fmt.Sprintf("(?:%s){%d}", sub(), r.IntN(12))
	case 5:
		return fmt.Sprintf("(?:%s){%d,}", sub(), r.IntN(12))
	case 6:
		n := r.IntN(12)
		return fmt.Sprintf("(?:%s){%d,%d}", sub(), n, n+r.IntN(12))
	case 7:
		return sub() + "|" + sub()
	}
	return sub() + sub()
}

// TestLongValues checks every operator family against string values at and
// over maxValueLen: a longer value matches like a value of another type (no
// positive operator; ne and not_in; exists), alone, in a list, as the key
// and through the scan of holds.
func TestLongValues(t *testing.T) {
	// long pads prefix + suffix with fill to maxValueLen and one byte more.
	long := func(prefix, fill, suffix string) (atLimit, over string) {
		n := maxValueLen - len(prefix) - len(suffix)
		return prefix + strings.Repeat(fill, n) + suffix, prefix + strings.Repeat(fill, n+1) + suffix
	}
	var many []scalar
	for i := range smallSet + 1 {
		many = append(many, opStr(fmt.Sprint(i)))
	}
	eqAt := strings.Repeat("e", maxValueLen)
	verAt, verOver := long("1.0.0-", "a", "")
	timeAt, timeOver := long("2026-01-01T00:00:00.", "0", "Z")
	ipAt, ipOver := long("2001:db8::1%", "a", "")
	strAt, strOver := long("x", "a", "y")
	tests := []struct {
		op         string
		arg        operand
		ignoreCase bool
		atLimit    string // matches the operator
		over       string // the same kind of value, one byte longer
	}{
		{"eq", opOne(opStr(eqAt)), false, eqAt, eqAt + "e"},
		{"eq", opOne(opStr(eqAt)), true, strings.ToUpper(eqAt), strings.ToUpper(eqAt) + "E"},
		{"in", opList(append(many, opStr(eqAt))...), false, eqAt, eqAt + "e"},
		{"in", opList(append(many, opStr(eqAt))...), true, strings.ToUpper(eqAt), strings.ToUpper(eqAt) + "E"},
		{"starts_with", opOne(opStr("x")), false, strAt, strOver},
		{"ends_with", opOne(opStr("y")), true, strAt, strOver},
		{"contains", opOne(opStr("xa")), false, strAt, strOver},
		{"contains", opOne(opStr("AY")), true, strAt, strOver},
		{"matches", opOne(opStr("^x")), false, strAt, strOver},
		{"matches", opOne(opStr("Y$")), true, strAt, strOver},
		{"semver_gte", opOne(opStr("1.0.0-a")), false, verAt, verOver},
		{"after", opOne(opStr("2025-01-01T00:00:00Z")), false, timeAt, timeOver},
		{"in_cidr", opOne(opStr("2001:db8::/32")), false, ipAt, ipOver},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s ignore_case=%v", tt.op, tt.ignoreCase), func(t *testing.T) {
			pos := mustCompileCond(t, tt.op, tt.arg, tt.ignoreCase)
			neOp := ""
			switch tt.op {
			case "eq":
				neOp = "ne"
			case "in":
				neOp = "not_in"
			}
			check := func(c *condition, v any, want bool) {
				t.Helper()
				if got := c.matchValue(v, true); got != want {
					t.Errorf("%s: matchValue(%d bytes) = %v; want %v", c.opName(), valueLen(v), got, want)
				}
				tg := &target{attrs: Attrs{"attr": v}}
				if got := c.holds(tg); got != want {
					t.Errorf("%s: holds(%d bytes) = %v; want %v", c.opName(), valueLen(v), got, want)
				}
				if s, ok := v.(string); ok {
					if got := c.matchKey(s); got != want {
						t.Errorf("%s: matchKey(%d bytes) = %v; want %v", c.opName(), len(s), got, want)
					}
				}
			}
			check(&pos, tt.atLimit, true)
			check(&pos, tt.over, false)
			check(&pos, []string{tt.over}, false)
			check(&pos, []any{tt.over, 7}, false)
			check(&pos, []string{tt.over, tt.atLimit}, true) // another element still matches
			if neOp != "" {
				neg := mustCompileCond(t, neOp, tt.arg, tt.ignoreCase)
				check(&neg, tt.atLimit, false)
				check(&neg, tt.over, true) // a value of another type: not equal
				check(&neg, []string{tt.over}, true)
			}
			exists := mustCompileCond(t, "exists", opOne(opBool("true")), false)
			check(&exists, tt.over, true)
		})
	}
}

// opName names a compiled condition's operator in test messages.
func (c *condition) opName() string { return fmt.Sprintf("op %d ignore_case=%v", c.op, c.ignoreCase) }

func valueLen(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []string:
		return len(x[0])
	case []any:
		return len(x[0].(string))
	}
	return -1
}

func TestLongTextOperands(t *testing.T) {
	over := strings.Repeat("a", maxValueLen+1)
	for _, op := range []string{"eq", "in", "ne", "not_in", "starts_with", "ends_with", "contains"} {
		for _, arg := range []operand{opOne(opStr(over)), opList(opStr("x"), opStr(over))} {
			_, err := compileCondition("attr", op, arg, false)
			const want = "the text is 4097 bytes, over the limit of 4096"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("compileCondition(%s, %d items of up to 4097 bytes) = %v; want %q", op, len(arg.items), err, want)
			}
		}
		if _, err := compileCondition("attr", op, opOne(opStr(over[1:])), true); err != nil {
			t.Errorf("compileCondition(%s, 4096 bytes) = %v; want no error", op, err)
		}
	}
	// A number is not a text: its length is not limited here.
	if _, err := compileCondition("attr", "eq", opOne(opNum("1."+strings.Repeat("0", maxValueLen))), false); err != nil {
		t.Errorf("compileCondition(eq, a 4097-digit number) = %v; want no error", err)
	}
}

// TestMatchCostBounded is the generated worst case: for each kind of rune
// test, the largest accepted repetition, matched against the longest
// string compared (all of its threads alive at every byte). Its time must
// stay within a constant factor of the same program size made of plain
// literals (so that the instruction count bounds the cost, classes
// included), and a value longer than the limit must cost nothing (so that
// the attribute length bounds it). Ratios, not absolute times.
func TestMatchCostBounded(t *testing.T) {
	worst := func(unit string, ignoreCase bool) condition {
		t.Helper()
		best := -1
		for n := 1; n <= 1000; n++ { // the longest accepted unit{n}z
			if _, err := compileCondition("attr", "matches", opOne(opStr(fmt.Sprintf("%s{%d}z", unit, n))), ignoreCase); err != nil {
				break
			}
			best = n
		}
		if best < 100 {
			t.Fatalf("%s{n}z: the largest accepted n is %d; want at least 100", unit, best)
		}
		return mustCompileCond(t, "matches", opOne(opStr(fmt.Sprintf("%s{%d}z", unit, best))), ignoreCase)
	}
	atLimit := strings.Repeat("a", maxValueLen)
	over := strings.Repeat("a", 16*maxValueLen)
	// The fastest of a few runs, the reference and the case measured in
	// turn, discounts scheduling and other work on the machine. Under the
	// race detector a run takes about 0.5 s: two runs, and the costliest
	// units only.
	runs, units := 5, []struct {
		unit       string
		ignoreCase bool
	}{{`[\pL\pN]`, false}, {`[\pL\pN]`, true}, {`\w`, true}, {`(?:a|b)`, false}}
	if raceEnabled {
		runs, units = 2, units[:2]
	}
	once := func(c *condition, s string) time.Duration {
		start := time.Now()
		if c.matchValue(s, true) {
			t.Fatalf("the worst case matched; it must fail after trying every position")
		}
		return time.Since(start)
	}
	timeOf := func(c *condition, s string) time.Duration {
		best := time.Duration(1<<63 - 1)
		for range runs {
			best = min(best, once(c, s))
		}
		return best
	}
	literal := worst("a", false)
	for _, tc := range units {
		c := worst(tc.unit, tc.ignoreCase)
		ref, got := time.Duration(1<<63-1), time.Duration(1<<63-1)
		for range runs {
			ref = min(ref, once(&literal, atLimit))
			got = min(got, once(&c, atLimit))
		}
		t.Logf("%s ignore_case=%v: %v at %d bytes, %.1f times the literal program's %v", tc.unit, tc.ignoreCase, got, maxValueLen, float64(got)/float64(ref), ref)
		// Quiet, the costliest is about 3 times the literal program; 20
		// leaves room for a busy machine and still fails a cost that grows
		// with the classes' size.
		if got > 20*ref {
			t.Errorf("%s ignore_case=%v at %d bytes took %v, %.1f times the literal program's %v; want at most 20 times",
				tc.unit, tc.ignoreCase, maxValueLen, got, float64(got)/float64(ref), ref)
		}
		if o := timeOf(&c, over); o > got/100 {
			t.Errorf("%s at %d bytes (over the limit) took %v; want under 1/100 of %v at the limit", tc.unit, len(over), o, got)
		}
	}
}
