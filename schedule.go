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
	var f timeText
	if p := f.scan(text, documentTime); p != timeOK {
		if p == timeMalformed {
			return time.Time{}, fmt.Errorf("%q is not a time: %s", text, timeForms)
		}
		return time.Time{}, fmt.Errorf("%q is not a valid time: %s", text, f.describe(p))
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

// describe says which field of f is out of range, for parseTime's error.
func (f *timeText) describe(p timeProblem) string {
	switch p {
	case timeOffsetHour:
		return fmt.Sprintf("offset hour %d is outside 0..23", f.offsetHour)
	case timeOffsetMinute:
		return fmt.Sprintf("offset minute %d is outside 0..59", f.offsetMinute)
	case timeOffsetNeedsSeconds:
		return "a time with an offset needs seconds (HH:MM:SS)"
	case timeMonth:
		return fmt.Sprintf("month %d is outside 1..12", f.month)
	case timeDay:
		return fmt.Sprintf("day %d is outside 1..%d for %04d-%02d", f.day, daysIn(f.year, f.month), f.year, f.month)
	case timeHour:
		return fmt.Sprintf("hour %d is outside 0..23", f.hour)
	case timeMinute:
		return fmt.Sprintf("minute %d is outside 0..59", f.min)
	case timeSecond:
		return fmt.Sprintf("second %d is outside 0..59", f.sec)
	}
	return timeForms
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
