package flagkit

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"strconv"

	"github.com/twmb/murmur3"
)

// This file holds the pure arithmetic of rollouts: consistent hashing of a
// subject into a bucket, percentages and weights as integer thousandths,
// ramps over time and weighted splits. It is the contract of DESIGN.md's
// "Consistent hashing" section; testdata/bucketing.json freezes its results,
// so that no change can silently move users between variants.

// bucketCount is the number of buckets a subject can land in. A percentage
// in thousandths (0..100000) compares directly with a bucket: a subject is
// inside p when bucket < p, a resolution of 0.001 %.
const bucketCount = 100000

// bucketStackSize is the longest salt+value that bucketOf hashes without
// allocating; longer inputs are concatenated on the heap.
const bucketStackSize = 256

// bucketShortSize is the length up to which saltedHash concatenates in a
// smaller buffer: a flag key and a user id fit, and zeroing 64 bytes rather
// than 256 is a tenth of the cost of the hash (docs/performance.md).
const bucketShortSize = 64

// bucketOf returns the bucket (0 ≤ bucket < bucketCount) of salt+value: the
// murmur3 x86_32 hash (seed 0) of the UTF-8 bytes of the plain concatenation
// salt+value, mapped by multiply-shift, (uint64(h) × 100000) >> 32, which has
// no modulo bias and is the mapping of flagd's fractional operator.
//
// It does not allocate when len(salt)+len(value) ≤ 256.
func bucketOf(salt, value string) uint32 {
	return bucketOfHash(saltedHash(salt, value))
}

// bucketOfHash maps a 32-bit hash onto 0..bucketCount-1 by multiply-shift.
func bucketOfHash(h uint32) uint32 {
	return uint32(uint64(h) * bucketCount >> 32)
}

// saltedHash returns murmur3 x86_32 (seed 0) of salt+value without building
// the concatenation on the heap when it fits in bucketStackSize bytes.
func saltedHash(salt, value string) uint32 {
	switch {
	case salt == "":
		return murmur3.StringSum32(value)
	case value == "":
		return murmur3.StringSum32(salt)
	}
	n := len(salt) + len(value)
	switch {
	case n <= bucketShortSize:
		var buf [bucketShortSize]byte
		return murmur3.Sum32(concat(buf[:0], salt, value))
	case n <= bucketStackSize:
		var buf [bucketStackSize]byte
		return murmur3.Sum32(concat(buf[:0], salt, value))
	}
	return murmur3.StringSum32(salt + value)
}

// concat appends a and b to buf, which has room for both.
func concat(buf []byte, a, b string) []byte {
	return append(append(buf, a...), b...)
}

// saltedHashDigits is saltedHash for a value held in a byte slice (the
// base-10 digits of a number); digits is at most 20 bytes.
func saltedHashDigits(salt string, digits []byte) uint32 {
	n := len(salt) + len(digits)
	if n > bucketStackSize {
		return murmur3.StringSum32(salt + string(digits))
	}
	var buf [bucketStackSize]byte
	copy(buf[:], salt)
	copy(buf[len(salt):], digits)
	return murmur3.Sum32(buf[:n])
}

// maxExactFloat is 2⁵³: every whole float64 within ±maxExactFloat is exactly
// an integer, so its digits are unambiguous.
const maxExactFloat = 1 << 53

// subjectBucket returns the bucket of a subject's value v under salt, or
// ok == false when v is "no value": a subject with no value is outside every
// percentage and split, never assigned at random.
//
//   - A string hashes its bytes; the empty string is no value.
//   - Every Go integer kind (int, int8..int64, uint, uint8..uint64) hashes
//     its base-10 digits, so int 42 and string "42" share a bucket.
//   - A float32 or float64 that is whole and within ±2⁵³ hashes the digits of
//     its integer value (42.0 hashes "42", -0.0 hashes "0"); NaN, ±Inf, a
//     fraction or a larger magnitude is no value.
//   - A json.Number hashes the canonical digits of the integer it spells when
//     strconv.ParseInt(n, 10, 64) would accept it ("042" hashes "42"); any
//     other json.Number ("42.0", "1e3", out of int64 range) is no value.
//   - nil and every other type (bool, time.Time, defined types such as
//     type ID string, ...) are no value: there is no reflection.
//
// It never allocates while the salt and the value fit in 256 bytes.
func subjectBucket(salt string, v any) (bucket uint32, ok bool) {
	var digits [24]byte
	var d []byte
	switch x := v.(type) {
	case string:
		if x == "" {
			return 0, false
		}
		return bucketOf(salt, x), true
	case int:
		d = strconv.AppendInt(digits[:0], int64(x), 10)
	case int8:
		d = strconv.AppendInt(digits[:0], int64(x), 10)
	case int16:
		d = strconv.AppendInt(digits[:0], int64(x), 10)
	case int32:
		d = strconv.AppendInt(digits[:0], int64(x), 10)
	case int64:
		d = strconv.AppendInt(digits[:0], x, 10)
	case uint:
		d = strconv.AppendUint(digits[:0], uint64(x), 10)
	case uint8:
		d = strconv.AppendUint(digits[:0], uint64(x), 10)
	case uint16:
		d = strconv.AppendUint(digits[:0], uint64(x), 10)
	case uint32:
		d = strconv.AppendUint(digits[:0], uint64(x), 10)
	case uint64:
		d = strconv.AppendUint(digits[:0], x, 10)
	case float32:
		i, whole := bucketWholeFloat(float64(x))
		if !whole {
			return 0, false
		}
		d = strconv.AppendInt(digits[:0], i, 10)
	case float64:
		i, whole := bucketWholeFloat(x)
		if !whole {
			return 0, false
		}
		d = strconv.AppendInt(digits[:0], i, 10)
	case json.Number:
		i, whole := parseBucketInt(string(x))
		if !whole {
			return 0, false
		}
		d = strconv.AppendInt(digits[:0], i, 10)
	default:
		return 0, false
	}
	return bucketOfHash(saltedHashDigits(salt, d)), true
}

// bucketWholeFloat reports whether f is a whole number within ±2⁵³ and returns it
// as an int64. NaN and ±Inf are not whole.
func bucketWholeFloat(f float64) (int64, bool) {
	if f != math.Trunc(f) || f > maxExactFloat || f < -maxExactFloat {
		return 0, false
	}
	return int64(f), true
}

// parseBucketInt parses s as strconv.ParseInt(s, 10, 64) does (an optional
// sign, then ASCII digits, within int64) without allocating an error.
func parseBucketInt(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (limit-uint64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		return int64(-n), true // -n wraps to math.MinInt64 when n == 2⁶³
	}
	return int64(n), true
}

// parsePercent parses a percentage or a split weight written in a document
// ("25", "33.333", "0.5", "100.000") into integer thousandths, 0..100000,
// exactly: 33.333 + 33.333 + 33.334 sums to 100000.
//
// The text is ASCII digits with an optional '.' and one to three decimals.
// A sign, an exponent, hex, '_', spaces, a bare "5." or ".5" are refused, as
// are more than three decimals (even zeros: "1.2500"). Error messages are
// lowercase, have no prefix and name the text, e.g. "140 is outside 0..100",
// "12.3456 has more than 3 decimals", `"abc" is not a number`.
func parsePercent(text string) (int32, error) {
	s := text
	neg := false
	if s != "" && s[0] == '-' {
		neg = true
		s = s[1:]
	}
	intPart, frac, hasDot := s, "", false
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			intPart, frac, hasDot = s[:i], s[i+1:], true
			break
		}
	}
	if intPart == "" || !isPercentDigits(intPart) || (hasDot && (frac == "" || !isPercentDigits(frac))) {
		return 0, fmt.Errorf("%q is not a number", text)
	}
	if len(frac) > 3 {
		return 0, fmt.Errorf("%s has more than 3 decimals", text)
	}
	// The whole part saturates above 100: anything larger is out of range,
	// however many digits it has.
	var whole int64
	for i := 0; i < len(intPart); i++ {
		whole = whole*10 + int64(intPart[i]-'0')
		if whole > 100 {
			whole = 101
		}
	}
	var thousandths int64
	for i := 0; i < 3; i++ {
		thousandths *= 10
		if i < len(frac) {
			thousandths += int64(frac[i] - '0')
		}
	}
	v := whole*1000 + thousandths
	if neg {
		if v == 0 {
			return 0, fmt.Errorf("%q is not a number", text)
		}
		return 0, fmt.Errorf("%s is outside 0..100", text)
	}
	if v > bucketCount {
		return 0, fmt.Errorf("%s is outside 0..100", text)
	}
	return int32(v), nil
}

// isPercentDigits reports whether s is made only of ASCII digits.
func isPercentDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// rampPoint is one point of a percentage ramp: at a time, in Unix
// milliseconds, the percentage is value, in thousandths (0..100000).
type rampPoint struct {
	at    int64
	value int32
}

// rampThreshold returns a ramp's percentage, in thousandths, at nowMs (Unix
// milliseconds). points are in time order, as validation guarantees; two
// consecutive points may share a time, which makes a step.
//
//   - Before the first point it is 0; with no points it is 0.
//   - At or after the last point it is the last value.
//   - Between (t₀, v₀) and (t₁, v₁), t₀ ≤ t < t₁, it is
//     v₀ + ⌊(v₁ − v₀)(t − t₀) / (t₁ − t₀)⌋, rounded toward −∞ also when the
//     ramp goes down, computed exactly in 128 bits so that no time, however
//     far apart the points, overflows.
//   - At the time of a step, the later point's value applies.
//
// For a ramp whose values never decrease, the result never decreases as
// nowMs grows, so a subject inside the percentage stays inside. Points out
// of order do not make it panic.
func rampThreshold(points []rampPoint, nowMs int64) int32 {
	// Find j, the first point after nowMs. The invariant of the search
	// (points[i-1].at ≤ nowMs, points[j].at > nowMs) holds even for points
	// out of order, so the interpolation below always has t₀ ≤ t < t₁.
	i, j := 0, len(points)
	for i < j {
		h := int(uint(i+j) >> 1)
		if points[h].at > nowMs {
			j = h
		} else {
			i = h + 1
		}
	}
	switch {
	case j == 0:
		return 0
	case j == len(points):
		return points[j-1].value
	}
	p0, p1 := points[j-1], points[j]
	// Differences of int64 times as uint64 are exact: t₁ > t ≥ t₀.
	span := uint64(p1.at) - uint64(p0.at)
	elapsed := uint64(nowMs) - uint64(p0.at)
	dv := int64(p1.value) - int64(p0.value)
	mag := uint64(dv)
	if dv < 0 {
		mag = uint64(-dv)
	}
	// elapsed < span, so the quotient is below mag and Div64 cannot
	// overflow (hi < span).
	hi, lo := bits.Mul64(mag, elapsed)
	q, r := bits.Div64(hi, lo, span)
	if dv < 0 {
		if r != 0 {
			q++
		}
		return int32(int64(p0.value) - int64(q))
	}
	return int32(int64(p0.value) + int64(q))
}

// splitPick returns the variant of a weighted split that serves bucket.
//
// bounds are the cumulative upper bounds, in thousandths, of the split's
// variants in written order; the last is 100000. Variant i owns the buckets
// [bounds[i-1], bounds[i]) (with bounds[-1] = 0), so a variant of weight 0
// owns none and never serves. With percent p in thousandths (0..100000;
// 100000 is the whole split), variant i serves only the first
// ⌊(bounds[i] − bounds[i-1]) × p / 100000⌋ buckets of its own range, and a
// bucket beyond that is not served (ok == false): raising p only adds
// subjects, and never moves one between variants.
func splitPick(bounds []int32, bucket uint32, p int32) (idx int, ok bool) {
	if p <= 0 {
		return 0, false
	}
	b := int64(bucket)
	lo := int64(0)
	for i, bound := range bounds {
		hi := int64(bound)
		if b < hi {
			served := hi - lo
			if p < bucketCount {
				served = served * int64(p) / bucketCount
			}
			return i, b-lo < served
		}
		lo = hi
	}
	return 0, false
}
