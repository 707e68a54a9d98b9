package flagkit

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// coreNumber is the YAML 1.2 core schema's decimal int or float.
var coreNumber = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

func TestScanNumber(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "+7", "007", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"-9223372036854775809", "18446744073709551615", "18446744073709551616", "1.5", ".5", "5.", "-.5e-3",
		"1e308", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "17976931348623159e292",
		"1e309", "-1e400", "1e-400", "0.0000e999999999999999", "1e99999999999999999999", "0.1e310", "000.000",
		"", "+", "-", ".", "e5", "1e", "1e+", "1.2.3", "0x10", "1_000", "inf", ".inf", "NaN", " 1", "1 ", "١",
	} {
		checkScanNumber(t, s)
	}
}

func checkScanNumber(t *testing.T, s string) {
	t.Helper()
	got, ok := scanNumber(s)
	if ok != coreNumber.MatchString(s) {
		t.Fatalf("scanNumber(%q) ok = %v; want %v", s, ok, !ok)
	}
	if !ok {
		return
	}
	switch got.kind {
	case numInt:
		if want, err := strconv.ParseInt(s, 10, 64); err != nil || got.i != want {
			t.Errorf("scanNumber(%q) = int %d; ParseInt gives %d, %v", s, got.i, want, err)
		}
	case numUint:
		if want, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 64); err != nil || got.u != want {
			t.Errorf("scanNumber(%q) = uint %d; ParseUint gives %d, %v", s, got.u, want, err)
		}
	default:
		want, err := strconv.ParseFloat(s, 64)
		if err != nil && !math.IsInf(want, 0) {
			t.Fatalf("ParseFloat(%q): %v", s, err)
		}
		if got.f != want && !(got.f == 0 && want == 0) && !(math.IsInf(got.f, 0) && math.Abs(want) == math.MaxFloat64) {
			t.Errorf("scanNumber(%q) = float %v; ParseFloat gives %v", s, got.f, want)
		}
	}
}

func FuzzScanNumber(f *testing.F) {
	for _, s := range []string{"12", "-1.5e3", "18446744073709551616", "1.7976931348623157e308", ".5"} {
		f.Add(s)
	}
	f.Fuzz(checkScanNumber)
}

func TestCmpNum(t *testing.T) {
	vals := []condNum{
		floatNum(math.Inf(-1)), floatNum(-1e300), floatNum(-twoTo63 * 2), intNum(math.MinInt64), intNum(math.MinInt64 + 1),
		floatNum(-1.5), intNum(-1), floatNum(-0.5), intNum(0), floatNum(1e-300), floatNum(0.5), intNum(1),
		floatNum(1 << 53), intNum(1<<53 + 1), intNum(math.MaxInt64), uintNum(1 << 63), uintNum(1<<63 + 1),
		uintNum(math.MaxUint64), floatNum(twoTo63 * 2), floatNum(1e300), floatNum(math.Inf(1)),
	}
	for i, a := range vals {
		for j, b := range vals {
			if got, want := cmpNum(a, b), cmpOrdered(int64(i), int64(j)); got != want {
				t.Errorf("cmpNum(%+v, %+v) = %d; want %d", a, b, got, want)
			}
		}
	}
	if n := uintNum(5); n.kind != numInt || n.i != 5 {
		t.Errorf("uintNum(5) = %+v; want int 5", n)
	}
}

func TestIsCoreNumber(t *testing.T) {
	for _, s := range []string{
		"0", "42", "-7", "+7", "3.", "3.14", ".5", "-.5", "1e3", "1E-3", "2.5e+10", "007",
		"", "-", "+", ".", "e3", "1e", "1e+", "1.2.3", "2.10.1", "0x1F", ".inf", "NaN", "1_000", " 1", "1 ", "--1", "1e3.5",
	} {
		if got, want := isCoreNumber(s), coreNumber.MatchString(s); got != want {
			t.Errorf("isCoreNumber(%q) = %v; want %v", s, got, want)
		}
	}
}

func FuzzIsCoreNumber(f *testing.F) {
	for _, s := range []string{"1", "-2.5e3", ".5", "1.2.3", "e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isCoreNumber(s), coreNumber.MatchString(s); got != want {
			t.Errorf("isCoreNumber(%q) = %v; want %v", s, got, want)
		}
	})
}
