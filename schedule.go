package flagkit

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // zones are always available, whatever the host has installed
)

// This file reads the times written in a document: release windows
// (from/until) and ramp points. DESIGN.md's "Times" section is the contract:
// RFC 3339 with an offset, or a local YYYY-MM-DD[ HH:MM[:SS]] in the
// document's timezone, with daylight-saving gaps moved later and ambiguous
// times resolved to the earlier instant.

// errNoTimezone is returned by parseTime for a local time (one written
// without an offset) when the document sets no timezone.
var errNoTimezone = errors.New("local time needs the document's timezone")

// loadZone returns the IANA time zone called name, such as "Europe/Oslo" or
// "UTC". The IANA database is embedded (time/tzdata), so every zone is
// available on any host. "" and "Local" are errors: a document's times must
// not depend on the machine that reads it.
//
// Like time.LoadLocation, it prefers a zoneinfo database installed on the
// host (or named by $ZONEINFO) to the embedded one; they differ only where
// one of them is out of date.
func loadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, errors.New("empty time zone name")
	case "Local":
		return nil, errors.New(`time zone "Local" depends on the host; name an IANA zone such as "Europe/Oslo"`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// timeForms describes the accepted forms of a time, for error messages.
const timeForms = "want RFC 3339 with an offset (2026-12-01T09:00:00Z) or a local YYYY-MM-DD[ HH:MM[:SS]]"

// parseTime parses a time written in a document. Two forms are accepted:
//
//   - RFC 3339 with an offset: 2026-12-01T09:00:00Z,
//     2026-12-01T09:00:00.250+01:00 (seconds required, a fraction of one to
//     nine digits optional; 't', 'z' and a space for 'T' are accepted as
//     RFC 3339 allows). loc is ignored.
//   - A local time in loc: 2026-12-01 (midnight), 2026-12-01 09:00,
//     2026-12-01 09:00:00 (also with 'T' for the space, and with a fraction
//     of a second after the seconds), resolved by [resolveLocal]. When loc is
//     nil, the error is errNoTimezone.
//
// Unix seconds are not a time here. Fields out of range (month 13, February
// 30, hour 24, minute 60, second 60, offset hour 24) are errors whose
// lowercase message names the text and the field.
func parseTime(text string, loc *time.Location) (time.Time, error) {
	var f timeFields
	if msg := f.scan(text); msg != "" {
		if msg == timeForms {
			return time.Time{}, fmt.Errorf("%q is not a time: %s", text, msg)
		}
		return time.Time{}, fmt.Errorf("%q is not a valid time: %s", text, msg)
	}
	if f.hasOffset {
		zone := time.UTC
		if f.offset != 0 {
			zone = time.FixedZone("", f.offset)
		}
		return time.Date(f.year, time.Month(f.month), f.day, f.hour, f.min, f.sec, f.nsec, zone), nil
	}
	if loc == nil {
		return time.Time{}, errNoTimezone
	}
	return resolveLocal(f.year, time.Month(f.month), f.day, f.hour, f.min, f.sec, f.nsec, loc), nil
}

// timeFields are the fields of a time as written.
type timeFields struct {
	year, month, day int
	hour, min, sec   int
	nsec             int
	hasOffset        bool
	offset           int // seconds east of UTC
	hasSeconds       bool
}

// scan fills f from s. It returns "" when s is well formed and in range,
// timeForms when s has none of the accepted forms, or a description of the
// field that is out of range.
func (f *timeFields) scan(s string) string {
	num := func(i, n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	at := func(i int, c byte) bool { return i < len(s) && s[i] == c }

	var ok1, ok2, ok3 bool
	f.year, ok1 = num(0, 4)
	f.month, ok2 = num(5, 2)
	f.day, ok3 = num(8, 2)
	if !ok1 || !ok2 || !ok3 || !at(4, '-') || !at(7, '-') {
		return timeForms
	}
	i := 10
	if i < len(s) {
		if c := s[i]; c != 'T' && c != 't' && c != ' ' {
			return timeForms
		}
		f.hour, ok1 = num(11, 2)
		f.min, ok2 = num(14, 2)
		if !ok1 || !ok2 || !at(13, ':') {
			return timeForms
		}
		i = 16
		if at(i, ':') {
			if f.sec, ok1 = num(17, 2); !ok1 {
				return timeForms
			}
			f.hasSeconds = true
			i = 19
			if at(i, '.') {
				i++
				start := i
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					i++
				}
				digits := i - start
				if digits == 0 || digits > 9 {
					return timeForms
				}
				f.nsec, _ = num(start, digits)
				for range 9 - digits {
					f.nsec *= 10
				}
			}
		}
		if i < len(s) {
			switch c := s[i]; {
			case c == 'Z' || c == 'z':
				i++
			case c == '+' || c == '-':
				oh, okh := num(i+1, 2)
				om, okm := num(i+4, 2)
				if !okh || !okm || !at(i+3, ':') {
					return timeForms
				}
				if oh > 23 {
					return fmt.Sprintf("offset hour %d is outside 0..23", oh)
				}
				if om > 59 {
					return fmt.Sprintf("offset minute %d is outside 0..59", om)
				}
				f.offset = oh*3600 + om*60
				if c == '-' {
					f.offset = -f.offset
				}
				i += 6
			default:
				return timeForms
			}
			if i != len(s) {
				return timeForms
			}
			if !f.hasSeconds {
				return "a time with an offset needs seconds (HH:MM:SS)"
			}
			f.hasOffset = true
		}
	}
	if f.month < 1 || f.month > 12 {
		return fmt.Sprintf("month %d is outside 1..12", f.month)
	}
	if n := scheduleDaysIn(f.year, time.Month(f.month)); f.day < 1 || f.day > n {
		return fmt.Sprintf("day %d is outside 1..%d for %04d-%02d", f.day, n, f.year, f.month)
	}
	if f.hour > 23 {
		return fmt.Sprintf("hour %d is outside 0..23", f.hour)
	}
	if f.min > 59 {
		return fmt.Sprintf("minute %d is outside 0..59", f.min)
	}
	if f.sec > 59 {
		return fmt.Sprintf("second %d is outside 0..59", f.sec)
	}
	return ""
}

// scheduleDaysIn returns the number of days of month m of year y.
func scheduleDaysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// zoneWindow bounds the search for the offsets that a wall-clock time can
// have: every offset is well within a day of UTC.
const zoneWindow = 48 * 3600

// resolveLocal returns the instant at which the clocks of loc show the given
// wall-clock time (fields out of range are normalized as by time.Date).
//
//   - A time that loc's clocks show once is that instant.
//   - A time that they show twice (the repeated hour when clocks go back) is
//     the earlier instant: 01:30 on 2026-11-01 in New York is 01:30 EDT.
//   - A time that they skip (the gap when clocks go forward) is moved later
//     by the length of the gap, i.e. read with the offset in force before the
//     gap: 02:30 on 2026-03-08 in New York is 03:30 EDT.
//
// These are the rules of java.time and Python's zoneinfo. time.Date does not
// promise either, so the offsets around the time are found from the zone's
// transitions and each is tried. Gaps of any length (Australia/Lord_Howe's
// 30 minutes, a whole day in Pacific/Apia in 2011) and changes of standard
// offset are handled alike. A nil loc is UTC. The result is in loc.
func resolveLocal(year int, month time.Month, day, hour, min, sec, nsec int, loc *time.Location) time.Time {
	wall := time.Date(year, month, day, hour, min, sec, nsec, time.UTC)
	if loc == nil || loc == time.UTC {
		return wall
	}
	ws, ns := wall.Unix(), int64(wall.Nanosecond())

	// The zones in force from a window before the wall time to a window
	// after it, as consecutive (start, offset) pairs. A real zone changes
	// its offset a few times a year; the bound only guards the loop.
	type zone struct {
		start  int64 // first instant, Unix seconds (of the window for the first)
		offset int64 // seconds east of UTC
	}
	var zones [16]zone
	n := 0
	t := time.Unix(ws-zoneWindow, 0).In(loc)
	for n < len(zones) {
		_, off := t.Zone()
		zones[n] = zone{start: t.Unix(), offset: int64(off)}
		n++
		_, end := t.ZoneBounds()
		if end.IsZero() || end.Unix() > ws+zoneWindow || !end.After(t) {
			break
		}
		t = end
	}

	// Every offset whose instant shows the wall time is a candidate; the
	// earliest instant wins.
	best, found := int64(0), false
	for _, z := range zones[:n] {
		u := ws - z.offset
		if _, off := time.Unix(u, 0).In(loc).Zone(); int64(off) != z.offset {
			continue
		}
		if !found || u < best {
			best, found = u, true
		}
	}
	if found {
		return time.Unix(best, ns).In(loc)
	}

	// A gap: at the transition into zone i the clocks jumped from
	// start+offset[i-1] to start+offset[i]. A wall time in between is read
	// with the earlier offset, which lands it after the transition, later by
	// the length of the gap.
	for i := 1; i < n; i++ {
		before, after := zones[i-1].offset, zones[i].offset
		if start := zones[i].start; after > before && start+before <= ws && ws < start+after {
			return time.Unix(ws-before, ns).In(loc)
		}
	}
	return time.Date(year, month, day, hour, min, sec, nsec, loc) // not reached for real zones
}
