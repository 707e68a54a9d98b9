package flagkit

import (
	"math"
	"strconv"
)

// Numbers of conditions: operands of eq, ne and lt..gte, and numeric
// attribute values, compared exactly whatever their Go type.
//
// scanNumber is hand-written, one implementation for load and evaluation:
// it reads YAML 1.2's core-schema decimal numbers, which strconv does not
// (strconv.ParseFloat also takes "inf", "0x1p3" and "1_000"), and a
// json.Number attribute is scanned at evaluation time, where text that is
// not a number, or is beyond float64, must not allocate strconv's error.
// The parser types plain scalars (isCoreNumber) by the same grammar,
// splitDecimal.

type numKind uint8

const (
	numInt   numKind = iota // i
	numUint                 // u, always above math.MaxInt64
	numFloat                // f
)

// condNum is a number compared exactly whatever its Go type.
type condNum struct {
	kind numKind
	i    int64
	u    uint64
	f    float64
}

func intNum(i int64) condNum { return condNum{kind: numInt, i: i} }

func uintNum(u uint64) condNum {
	if u <= math.MaxInt64 {
		return condNum{kind: numInt, i: int64(u)}
	}
	return condNum{kind: numUint, u: u}
}

func floatNum(f float64) condNum { return condNum{kind: numFloat, f: f} }

// twoTo63 is 2⁶³ as a float64, the first float beyond int64.
const twoTo63 = 9223372036854775808.0

// whole returns n as an int64 when it is a whole number within int64.
func (n condNum) whole() (int64, bool) {
	switch n.kind {
	case numInt:
		return n.i, true
	case numFloat:
		if n.f >= -twoTo63 && n.f < twoTo63 && n.f == math.Trunc(n.f) {
			return int64(n.f), true
		}
	}
	return 0, false
}

// cmpNum compares two numbers exactly: -1, 0 or +1. Neither may be NaN.
func cmpNum(a, b condNum) int {
	switch a.kind {
	case numInt:
		switch b.kind {
		case numInt:
			return cmpOrdered(a.i, b.i)
		case numUint:
			return -1
		}
		return -cmpFloatInt(b.f, a.i)
	case numUint:
		switch b.kind {
		case numInt:
			return 1
		case numUint:
			return cmpOrdered(a.u, b.u)
		}
		return -cmpFloatUint(b.f, a.u)
	}
	switch b.kind {
	case numInt:
		return cmpFloatInt(a.f, b.i)
	case numUint:
		return cmpFloatUint(a.f, b.u)
	}
	return cmpOrdered(a.f, b.f)
}

func cmpOrdered[T int64 | uint64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloatInt compares a float (not NaN) with an int64 exactly.
func cmpFloatInt(f float64, i int64) int {
	if f < -twoTo63 {
		return -1
	}
	if f >= twoTo63 {
		return 1
	}
	t := math.Trunc(f)
	if c := cmpOrdered(int64(t), i); c != 0 {
		return c
	}
	return cmpOrdered(f, t) // the fraction decides
}

// cmpFloatUint compares a float (not NaN) with a uint64 exactly.
func cmpFloatUint(f float64, u uint64) int {
	if f < 0 {
		return -1
	}
	if f >= 2*twoTo63 {
		return 1
	}
	t := math.Trunc(f)
	if c := cmpOrdered(uint64(t), u); c != 0 {
		return c
	}
	return cmpOrdered(f, t)
}

// decimal is a number as YAML 1.2's core schema writes one, split into its
// parts: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?.
type decimal struct {
	neg    bool
	whole  string // the digits before the point
	frac   string // the digits after it
	dot    bool
	exp    int // the exponent, saturated at ±1e6
	hasExp bool
}

// splitDecimal splits s into its parts; false when s is not a decimal
// number. It never allocates.
func splitDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	d.whole = s[start:i]
	if i < len(s) && s[i] == '.' {
		d.dot = true
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		d.frac = s[fs:i]
	}
	if d.whole == "" && d.frac == "" {
		return d, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		d.hasExp = true
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && isDigit(s[i]) {
			if d.exp < 1e6 {
				d.exp = d.exp*10 + int(s[i]-'0')
			}
			i++
		}
		if i == es {
			return d, false
		}
		if eneg {
			d.exp = -d.exp
		}
	}
	return d, i == len(s)
}

// isCoreNumber reports whether a plain scalar is a decimal number under
// YAML 1.2's core schema (integers included). Every scalar of every
// document goes through it.
func isCoreNumber(s string) bool {
	_, ok := splitDecimal(s)
	return ok
}

// scanNumber parses a decimal number as YAML 1.2's core schema writes one
// (see decimal; JSON numbers are a subset) without allocating. Whole
// numbers within int64 or uint64 are exact; others are float64, ±Inf when
// beyond its range.
func scanNumber(s string) (condNum, bool) {
	d, ok := splitDecimal(s)
	if !ok {
		return condNum{}, false
	}
	neg, intPart, frac, dot, exp, hasExp := d.neg, d.whole, d.frac, d.dot, d.exp, d.hasExp
	if !dot && !hasExp {
		if u, ok := parseDigits(intPart); ok {
			if !neg {
				return uintNum(u), true
			}
			if u <= 1<<63 {
				return intNum(int64(-u)), true // -u wraps to the right int64, even for 1<<63
			}
		}
	}
	// A float. Find the decimal exponent e of the first significant digit
	// (the value is in [10^(e-1), 10^e)) to avoid strconv's overflow error,
	// which allocates.
	e, first := 0, -1
	for k := 0; k < len(intPart); k++ {
		if intPart[k] != '0' {
			e, first = len(intPart)-k, k
			break
		}
	}
	var sig string // the significant digits of intPart: none when it is all zeros
	if first < 0 {
		for k := 0; k < len(frac); k++ {
			if frac[k] != '0' {
				e, first = -k, k
				break
			}
		}
		if first < 0 { // all zeros
			return floatNum(0), true
		}
		frac = frac[first:]
	} else {
		sig = intPart[first:]
	}
	e += exp
	inf := math.Inf(1)
	if neg {
		inf = math.Inf(-1)
	}
	if e > 309 || e == 309 && !belowMaxFloat(sig, frac) {
		return floatNum(inf), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return condNum{}, false
	}
	return floatNum(f), true
}

// belowMaxFloat reports whether the significant digits a then b (a number
// in [1e308, 1e309)) are below 1.797693134862315807937289714053e308, just
// under the point where float64 parsing overflows (math.MaxFloat64 plus half
// a unit in the last place), so parsing them cannot fail.
func belowMaxFloat(a, b string) bool {
	const limit = "1797693134862315807937289714053"
	for k := 0; k < len(limit); k++ {
		var d byte = '0'
		switch {
		case k < len(a):
			d = a[k]
		case k-len(a) < len(b):
			d = b[k-len(a)]
		}
		if d != limit[k] {
			return d < limit[k]
		}
	}
	return false
}

// parseDigits parses ASCII digits into a uint64; false on overflow.
func parseDigits(s string) (uint64, bool) {
	var u uint64
	for i := 0; i < len(s); i++ {
		d := uint64(s[i] - '0')
		if u > (math.MaxUint64-d)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	return u, true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
