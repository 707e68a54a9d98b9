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
// time.RFC3339 does ("2006-01-02T15:04:05.999999999Z07:00", fraction
// optional, offset Z or ±hh:mm), without allocating.
func parseRFC3339(s string) (unixInstant, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return unixInstant{}, false
	}
	year, ok1 := fixedDigits(s[0:4])
	month, ok2 := fixedDigits(s[5:7])
	day, ok3 := fixedDigits(s[8:10])
	hour, ok4 := fixedDigits(s[11:13])
	minute, ok5 := fixedDigits(s[14:16])
	sec, ok6 := fixedDigits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > monthLength(year, month) ||
		hour > 23 || minute > 59 || sec > 59 {
		return unixInstant{}, false
	}
	s = s[19:]
	var nsec int64
	if len(s) >= 2 && s[0] == '.' && isDigit(s[1]) {
		n := 1
		scale := int64(1e8)
		for n < len(s) && isDigit(s[n]) {
			nsec += int64(s[n]-'0') * scale
			scale /= 10
			n++
		}
		s = s[n:]
	}
	var offset int64
	switch {
	case s == "Z":
	case len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':':
		oh, ok1 := fixedDigits(s[1:3])
		om, ok2 := fixedDigits(s[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return unixInstant{}, false
		}
		offset = (oh*60 + om) * 60
		if s[0] == '-' {
			offset = -offset
		}
	default:
		return unixInstant{}, false
	}
	days := daysFromCivil(year, month, day)
	return unixInstant{sec: days*86400 + hour*3600 + minute*60 + sec - offset, nsec: int32(nsec)}, true
}

// fixedDigits parses a field of ASCII digits.
func fixedDigits(s string) (int64, bool) {
	var n int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// monthLength is the number of days in month m (1-12) of year y.
func monthLength(y, m int64) int64 {
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

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
