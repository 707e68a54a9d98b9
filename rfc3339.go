package flagkit

import (
	"math"
	"time"
)

// Instants of the before and after operators: RFC 3339 times with an
// offset and Unix seconds, in operands and in attribute values.
//
// parseRFC3339 is hand-written, one implementation for load and evaluation:
// a string attribute is parsed at evaluation time, where time.Parse would
// allocate its error for text that is not a time and a *time.Location for
// a non-zero offset, and time.Parse accepts offsets such as +24:00 that
// RFC 3339 does not.

// unixInstant is an instant as Unix seconds and nanoseconds (0..1e9-1).
type unixInstant struct {
	sec  int64
	nsec int32
}

func (u unixInstant) cmp(v unixInstant) int {
	if c := cmpOrdered(u.sec, v.sec); c != 0 {
		return c
	}
	return cmpOrdered(int64(u.nsec), int64(v.nsec))
}

func instantOfTime(t time.Time) unixInstant {
	return unixInstant{sec: t.Unix(), nsec: int32(t.Nanosecond())}
}

// instant reads a number (not NaN) as Unix seconds. Values beyond int64
// seconds saturate, which keeps their order against any operand.
func (n condNum) instant() (unixInstant, bool) {
	switch n.kind {
	case numInt:
		return unixInstant{sec: n.i}, true
	case numUint:
		return unixInstant{sec: math.MaxInt64}, true
	}
	f := n.f
	switch {
	case f != f:
		return unixInstant{}, false
	case f >= twoTo63:
		return unixInstant{sec: math.MaxInt64}, true
	case f < -twoTo63:
		return unixInstant{sec: math.MinInt64}, true
	}
	s := math.Floor(f)
	ns := math.Round((f - s) * 1e9)
	if ns >= 1e9 { // only for small s, where floats resolve nanoseconds
		s++
		ns -= 1e9
	}
	return unixInstant{sec: int64(s), nsec: int32(ns)}, true
}

// parseRFC3339 parses an RFC 3339 time with an offset, as time.Parse with
// time.RFC3339 does ("2006-01-02T15:04:05.999999999Z07:00", fraction of any
// length optional, offset Z or ±hh:mm), without allocating.
func parseRFC3339(s string) (unixInstant, bool) {
	var f timeText
	if f.scan(s, strictRFC3339) != timeOK {
		return unixInstant{}, false
	}
	t := time.Date(f.year, time.Month(f.month), f.day, f.hour, f.min, f.sec, 0, time.UTC) // UTC: no allocation
	return unixInstant{sec: t.Unix() - int64(f.offset), nsec: int32(f.nsec)}, true
}

// timeText is a time as written, its fields read but not interpreted: a
// local time (no offset) means nothing without a zone.
type timeText struct {
	year, month, day int
	hour, min, sec   int
	nsec             int
	hasOffset        bool
	offset           int // seconds east of UTC
	hasSeconds       bool
	// The offset as written, kept for timeOffsetHour and timeOffsetMinute.
	offsetHour, offsetMinute int
}

// timeSyntax is a grammar that timeText.scan reads.
type timeSyntax uint8

const (
	// strictRFC3339 is time.RFC3339 as time.Parse reads it: 'T' and 'Z' in
	// upper case, seconds and an offset required, a fraction of any length
	// (digits after the ninth are dropped). Attributes and before/after
	// operands.
	strictRFC3339 timeSyntax = iota
	// documentTime is a time in a document (parseTime): RFC 3339 with 't',
	// 'z' or a space as RFC 3339 allows and a fraction of one to nine
	// digits, or a local YYYY-MM-DD[ HH:MM[:SS[.fraction]]].
	documentTime
)

// timeProblem is what timeText.scan found wrong: timeOK, timeMalformed
// (none of the accepted forms), or the field that is out of range, whose
// value is in the timeText.
type timeProblem uint8

const (
	timeOK timeProblem = iota
	timeMalformed
	timeOffsetHour
	timeOffsetMinute
	timeOffsetNeedsSeconds
	timeMonth
	timeDay
	timeHour
	timeMinute
	timeSecond
)

// scan fills f from s, read with the grammar syn. It never allocates.
// Fields are checked in the order of timeProblem's constants after the
// form, and offset fields as they are read; the first problem is returned.
func (f *timeText) scan(s string, syn timeSyntax) timeProblem {
	var ok1, ok2, ok3 bool
	f.year, ok1 = fixedDigits(s, 0, 4)
	f.month, ok2 = fixedDigits(s, 5, 2)
	f.day, ok3 = fixedDigits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || s[4] != '-' || s[7] != '-' {
		return timeMalformed
	}
	i := 10
	if i == len(s) && syn == strictRFC3339 {
		return timeMalformed
	}
	if i < len(s) {
		if c := s[i]; c != 'T' && (syn == strictRFC3339 || c != 't' && c != ' ') {
			return timeMalformed
		}
		f.hour, ok1 = fixedDigits(s, 11, 2)
		f.min, ok2 = fixedDigits(s, 14, 2)
		if !ok1 || !ok2 || s[13] != ':' {
			return timeMalformed
		}
		i = 16
		if i < len(s) && s[i] == ':' {
			if f.sec, ok1 = fixedDigits(s, 17, 2); !ok1 {
				return timeMalformed
			}
			f.hasSeconds = true
			i = 19
			if i < len(s) && s[i] == '.' {
				i++
				start := i
				for i < len(s) && isDigit(s[i]) {
					i++
				}
				digits := i - start
				if digits == 0 || digits > 9 && syn != strictRFC3339 {
					return timeMalformed
				}
				f.nsec, _ = fixedDigits(s, start, min(digits, 9))
				for range 9 - min(digits, 9) {
					f.nsec *= 10
				}
			}
		} else if syn == strictRFC3339 {
			return timeMalformed
		}
		if i < len(s) {
			switch c := s[i]; {
			case c == 'Z' || c == 'z' && syn != strictRFC3339:
				i++
			case c == '+' || c == '-':
				oh, okh := fixedDigits(s, i+1, 2)
				om, okm := fixedDigits(s, i+4, 2)
				if !okh || !okm || s[i+3] != ':' {
					return timeMalformed
				}
				f.offsetHour, f.offsetMinute = oh, om
				if oh > 23 {
					return timeOffsetHour
				}
				if om > 59 {
					return timeOffsetMinute
				}
				f.offset = oh*3600 + om*60
				if c == '-' {
					f.offset = -f.offset
				}
				i += 6
			default:
				return timeMalformed
			}
			if i != len(s) {
				return timeMalformed
			}
			if !f.hasSeconds {
				return timeOffsetNeedsSeconds
			}
			f.hasOffset = true
		}
	}
	switch {
	case !f.hasOffset && syn == strictRFC3339:
		return timeMalformed
	case f.month < 1 || f.month > 12:
		return timeMonth
	case f.day < 1 || f.day > daysIn(f.year, f.month):
		return timeDay
	case f.hour > 23:
		return timeHour
	case f.min > 59:
		return timeMinute
	case f.sec > 59:
		return timeSecond
	}
	return timeOK
}

// fixedDigits parses the n ASCII digits of s at i; false when s is shorter
// or one of them is not a digit.
func fixedDigits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// daysIn is the number of days in month m (1-12) of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
