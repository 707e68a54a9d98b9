package flagkit

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scheduleZone loads an IANA zone for a test.
func scheduleZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := loadZone(name)
	if err != nil {
		t.Fatalf("loadZone(%q) = %v", name, err)
	}
	return loc
}

func TestLoadZone(t *testing.T) {
	for _, name := range []string{"UTC", "Europe/Oslo", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "Etc/GMT-14"} {
		loc, err := loadZone(name)
		if err != nil || loc == nil || loc.String() != name {
			t.Errorf("loadZone(%q) = %v, %v; want the zone", name, loc, err)
		}
	}
	bad := []struct {
		name string
		want string
	}{
		{"", "empty time zone name"},
		{"Local", `time zone "Local" depends on the host; name an IANA zone such as "Europe/Oslo"`},
		{"Mars/Olympus_Mons", `unknown time zone "Mars/Olympus_Mons"`},
		{"../../etc/passwd", `unknown time zone "../../etc/passwd"`},
		{"/etc/localtime", `unknown time zone "/etc/localtime"`},
		{"Europe/Oslo ", `unknown time zone "Europe/Oslo "`},
	}
	for _, tt := range bad {
		loc, err := loadZone(tt.name)
		if err == nil || err.Error() != tt.want {
			t.Errorf("loadZone(%q) = %v, %v; want error %q", tt.name, loc, err, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	oslo := scheduleZone(t, "Europe/Oslo")
	tests := []struct {
		text   string
		loc    *time.Location
		want   string // the instant, RFC 3339 in UTC
		offset int    // seconds east of UTC of the result
	}{
		{"2026-12-01T09:00:00Z", nil, "2026-12-01T09:00:00Z", 0},
		{"2026-12-01T09:00:00Z", oslo, "2026-12-01T09:00:00Z", 0},
		{"2026-12-01t09:00:00z", nil, "2026-12-01T09:00:00Z", 0},
		{"2026-12-01 09:00:00Z", nil, "2026-12-01T09:00:00Z", 0},
		{"2026-12-01T09:00:00-00:00", nil, "2026-12-01T09:00:00Z", 0},
		{"2026-12-01T09:00:00.25+01:00", nil, "2026-12-01T08:00:00.25Z", 3600},
		{"2026-12-01T09:00:00.123456789Z", nil, "2026-12-01T09:00:00.123456789Z", 0},
		{"2026-12-01T09:00:00.1Z", nil, "2026-12-01T09:00:00.1Z", 0},
		{"2027-01-10T09:00:00-05:00", oslo, "2027-01-10T14:00:00Z", -5 * 3600},
		{"2026-12-01T09:00:00+05:30", nil, "2026-12-01T03:30:00Z", 5*3600 + 1800},
		{"2026-12-01T00:00:00+23:59", nil, "2026-11-30T00:01:00Z", 23*3600 + 59*60},
		{"2024-02-29T23:59:59Z", nil, "2024-02-29T23:59:59Z", 0},
		{"0001-01-01T00:00:00Z", nil, "0001-01-01T00:00:00Z", 0},
		{"9999-12-31T23:59:59Z", nil, "9999-12-31T23:59:59Z", 0},
		{"2026-12-01", oslo, "2026-11-30T23:00:00Z", 3600},
		{"2026-12-01 09:00", oslo, "2026-12-01T08:00:00Z", 3600},
		{"2026-12-01T09:00", oslo, "2026-12-01T08:00:00Z", 3600},
		{"2026-12-01t09:00", oslo, "2026-12-01T08:00:00Z", 3600},
		{"2026-12-01 09:00:30", oslo, "2026-12-01T08:00:30Z", 3600},
		{"2026-12-01T09:00:30", oslo, "2026-12-01T08:00:30Z", 3600},
		{"2026-12-01 09:00:30.5", oslo, "2026-12-01T08:00:30.5Z", 3600},
		{"2026-07-01 09:00", oslo, "2026-07-01T07:00:00Z", 7200},
		{"2026-03-29 02:30", oslo, "2026-03-29T01:30:00Z", 7200},
		{"2026-10-25 02:30", oslo, "2026-10-25T00:30:00Z", 7200},
		{"2026-12-01 09:00", time.UTC, "2026-12-01T09:00:00Z", 0},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := parseTime(tt.text, tt.loc)
			if err != nil {
				t.Fatalf("parseTime(%q, %v) = %v", tt.text, tt.loc, err)
			}
			if s := got.UTC().Format(time.RFC3339Nano); s != tt.want {
				t.Errorf("parseTime(%q, %v) = %s; want %s", tt.text, tt.loc, s, tt.want)
			}
			if _, off := got.Zone(); off != tt.offset {
				t.Errorf("parseTime(%q, %v) has offset %d; want %d", tt.text, tt.loc, off, tt.offset)
			}
		})
	}
}

func TestParseTimeErrors(t *testing.T) {
	oslo := scheduleZone(t, "Europe/Oslo")
	for _, text := range []string{"2026-12-01", "2026-12-01 09:00", "2026-12-01T09:00:00", "2026-12-01 09:00:00.5"} {
		if got, err := parseTime(text, nil); !errors.Is(err, errNoTimezone) {
			t.Errorf("parseTime(%q, nil) = %v, %v; want errNoTimezone", text, got, err)
		}
	}

	const forms = "want RFC 3339 with an offset (2026-12-01T09:00:00Z) or a local YYYY-MM-DD[ HH:MM[:SS]]"
	tests := []struct {
		text string
		want string // the message after `"text" is `
	}{
		{"2026-13-01", "not a valid time: month 13 is outside 1..12"},
		{"2026-00-10", "not a valid time: month 0 is outside 1..12"},
		{"2026-02-30", "not a valid time: day 30 is outside 1..28 for 2026-02"},
		{"2025-02-29 12:00", "not a valid time: day 29 is outside 1..28 for 2025-02"},
		{"2026-04-31T00:00:00Z", "not a valid time: day 31 is outside 1..30 for 2026-04"},
		{"2026-12-00", "not a valid time: day 0 is outside 1..31 for 2026-12"},
		{"2026-12-32", "not a valid time: day 32 is outside 1..31 for 2026-12"},
		{"2026-12-01 24:00", "not a valid time: hour 24 is outside 0..23"},
		{"2026-12-01T24:00:00Z", "not a valid time: hour 24 is outside 0..23"},
		{"2026-12-01 09:60", "not a valid time: minute 60 is outside 0..59"},
		{"2026-12-01T09:00:60Z", "not a valid time: second 60 is outside 0..59"},
		{"2026-12-01T09:00:00+24:00", "not a valid time: offset hour 24 is outside 0..23"},
		{"2026-12-01T09:00:00+01:60", "not a valid time: offset minute 60 is outside 0..59"},
		{"2026-12-01T09:00Z", "not a valid time: a time with an offset needs seconds (HH:MM:SS)"},
		{"2026-12-01 09:00+01:00", "not a valid time: a time with an offset needs seconds (HH:MM:SS)"},
		{"1767258000", "not a time: " + forms},
		{"", "not a time: " + forms},
		{"tomorrow", "not a time: " + forms},
		{"2026-12-1", "not a time: " + forms},
		{"2026/12/01", "not a time: " + forms},
		{" 2026-12-01", "not a time: " + forms},
		{"2026-12-01 ", "not a time: " + forms},
		{"+2026-12-01", "not a time: " + forms},
		{"20260-12-01", "not a time: " + forms},
		{"2026-12-01X09:00", "not a time: " + forms},
		{"2026-12-01T", "not a time: " + forms},
		{"2026-12-01 9:00", "not a time: " + forms},
		{"2026-12-01 09:0", "not a time: " + forms},
		{"2026-12-01 09:00:", "not a time: " + forms},
		{"2026-12-01 09:00:0", "not a time: " + forms},
		{"2026-12-01T09:00:00+0100", "not a time: " + forms},
		{"2026-12-01T09:00:00+01", "not a time: " + forms},
		{"2026-12-01T09:00:00.Z", "not a time: " + forms},
		{"2026-12-01T09:00:00.1234567890Z", "not a time: " + forms},
		{"2026-12-01T09:00:00ZZ", "not a time: " + forms},
		{"2026-12-01T09:00:00Z ", "not a time: " + forms},
		{"2026-12-01T09:00:00 UTC", "not a time: " + forms},
		{"2026-12-01T09:00:00,5Z", "not a time: " + forms},
		{"2026-12-01T-9:00:00Z", "not a time: " + forms},
		{"٢٠٢٦-12-01", "not a time: " + forms},
	}
	for _, tt := range tests {
		for _, loc := range []*time.Location{nil, oslo} {
			got, err := parseTime(tt.text, loc)
			want := strconv.Quote(tt.text) + " is " + tt.want
			if err == nil || err.Error() != want {
				t.Errorf("parseTime(%q, %v) = %v, %v; want error %q", tt.text, loc, got, err, want)
			}
			if errors.Is(err, errNoTimezone) {
				t.Errorf("parseTime(%q, %v) = %v; want a field error, not errNoTimezone", tt.text, loc, err)
			}
		}
	}
}

func TestResolveLocal(t *testing.T) {
	tests := []struct {
		name string
		zone string // "" is a nil location
		wall string // YYYY-MM-DD HH:MM:SS[.fraction]
		want string // the instant, RFC 3339 in UTC
		off  int    // offset of the result, seconds east of UTC
	}{
		// New York: 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
		{"new york before gap", "America/New_York", "2026-03-08 01:59:59", "2026-03-08T06:59:59Z", -5 * 3600},
		{"new york gap start", "America/New_York", "2026-03-08 02:00:00", "2026-03-08T07:00:00Z", -4 * 3600},
		{"new york in gap", "America/New_York", "2026-03-08 02:30:00", "2026-03-08T07:30:00Z", -4 * 3600},
		{"new york in gap fraction", "America/New_York", "2026-03-08 02:59:59.5", "2026-03-08T07:59:59.5Z", -4 * 3600},
		{"new york after gap", "America/New_York", "2026-03-08 03:00:00", "2026-03-08T07:00:00Z", -4 * 3600},
		{"new york before overlap", "America/New_York", "2026-11-01 00:59:59", "2026-11-01T04:59:59Z", -4 * 3600},
		{"new york overlap start", "America/New_York", "2026-11-01 01:00:00", "2026-11-01T05:00:00Z", -4 * 3600},
		{"new york overlap", "America/New_York", "2026-11-01 01:30:00", "2026-11-01T05:30:00Z", -4 * 3600},
		{"new york overlap end", "America/New_York", "2026-11-01 01:59:59.999999999", "2026-11-01T05:59:59.999999999Z", -4 * 3600},
		{"new york after overlap", "America/New_York", "2026-11-01 02:00:00", "2026-11-01T07:00:00Z", -5 * 3600},
		{"new york far future gap", "America/New_York", "2100-03-14 02:30:00", "2100-03-14T07:30:00Z", -4 * 3600},
		// Oslo: 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET.
		{"oslo gap start", "Europe/Oslo", "2026-03-29 02:00:00", "2026-03-29T01:00:00Z", 2 * 3600},
		{"oslo in gap", "Europe/Oslo", "2026-03-29 02:30:00", "2026-03-29T01:30:00Z", 2 * 3600},
		{"oslo after gap", "Europe/Oslo", "2026-03-29 03:00:00", "2026-03-29T01:00:00Z", 2 * 3600},
		{"oslo before overlap", "Europe/Oslo", "2026-10-25 01:59:59", "2026-10-24T23:59:59Z", 2 * 3600},
		{"oslo overlap start", "Europe/Oslo", "2026-10-25 02:00:00", "2026-10-25T00:00:00Z", 2 * 3600},
		{"oslo overlap", "Europe/Oslo", "2026-10-25 02:30:00", "2026-10-25T00:30:00Z", 2 * 3600},
		{"oslo overlap end", "Europe/Oslo", "2026-10-25 02:59:59", "2026-10-25T00:59:59Z", 2 * 3600},
		{"oslo after overlap", "Europe/Oslo", "2026-10-25 03:00:00", "2026-10-25T02:00:00Z", 3600},
		// Lord Howe: +10:30 standard, +11 summer, a 30-minute shift at 02:00.
		{"lord howe gap start", "Australia/Lord_Howe", "2026-10-04 02:00:00", "2026-10-03T15:30:00Z", 11 * 3600},
		{"lord howe in gap", "Australia/Lord_Howe", "2026-10-04 02:15:00", "2026-10-03T15:45:00Z", 11 * 3600},
		{"lord howe after gap", "Australia/Lord_Howe", "2026-10-04 02:30:00", "2026-10-03T15:30:00Z", 11 * 3600},
		{"lord howe overlap start", "Australia/Lord_Howe", "2026-04-05 01:30:00", "2026-04-04T14:30:00Z", 11 * 3600},
		{"lord howe overlap", "Australia/Lord_Howe", "2026-04-05 01:45:00", "2026-04-04T14:45:00Z", 11 * 3600},
		{"lord howe after overlap", "Australia/Lord_Howe", "2026-04-05 02:00:00", "2026-04-04T15:30:00Z", 10*3600 + 1800},
		// No daylight saving.
		{"tokyo", "Asia/Tokyo", "2026-03-08 02:30:00", "2026-03-07T17:30:00Z", 9 * 3600},
		{"kolkata", "Asia/Kolkata", "2026-11-01 01:30:00", "2026-10-31T20:00:00Z", 5*3600 + 1800},
		{"utc", "UTC", "2026-03-08 02:30:00", "2026-03-08T02:30:00Z", 0},
		{"nil location is utc", "", "2026-03-08 02:30:00", "2026-03-08T02:30:00Z", 0},
		// Changes of standard offset.
		{"apia skipped a day", "Pacific/Apia", "2011-12-30 12:00:00", "2011-12-30T22:00:00Z", 14 * 3600},
		{"moscow went back an hour", "Europe/Moscow", "2014-10-26 01:30:00", "2014-10-25T21:30:00Z", 4 * 3600},
		{"sao paulo skipped midnight", "America/Sao_Paulo", "2018-11-04 00:00:00", "2018-11-04T03:00:00Z", -2 * 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var loc *time.Location
			if tt.zone != "" {
				loc = scheduleZone(t, tt.zone)
			}
			w, err := time.Parse("2006-01-02 15:04:05.999999999", tt.wall)
			if err != nil {
				t.Fatal(err)
			}
			got := resolveLocal(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
			if s := got.UTC().Format(time.RFC3339Nano); s != tt.want {
				t.Errorf("resolveLocal(%s in %s) = %s (%v); want %s", tt.wall, tt.zone, s, got, tt.want)
			}
			if _, off := got.Zone(); off != tt.off {
				t.Errorf("resolveLocal(%s in %s) has offset %d; want %d", tt.wall, tt.zone, off, tt.off)
			}
			if loc != nil && got.Location() != loc {
				t.Errorf("resolveLocal(%s in %s) is in %v; want %v", tt.wall, tt.zone, got.Location(), loc)
			}
		})
	}
}

// TestResolveLocalOracle checks resolveLocal against a brute-force search,
// every half hour of 2026 in zones whose offsets and transitions fall on
// quarter hours: the earliest instant on a quarter-hour grid that shows the
// wall time, or, in a gap, the wall time read with the offset before it.
// Their offsets are within -4h..+12h, so the instants searched are too.
func TestResolveLocalOracle(t *testing.T) {
	const quarter = 15 * 60
	for _, name := range []string{"America/New_York", "Europe/Oslo", "Australia/Lord_Howe", "America/Sao_Paulo"} {
		loc := scheduleZone(t, name)
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		end := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		failures := 0
		for ws := start; ws < end && failures < 5; ws += 30 * 60 {
			w := time.Unix(ws, 0).UTC()
			// The wall time each candidate instant shows, as seconds.
			wallOf := func(u int64) int64 {
				_, off := time.Unix(u, 0).In(loc).Zone()
				return u + int64(off)
			}
			var want int64
			found := false
			for u := ws - 12*3600; u <= ws+4*3600; u += quarter {
				if wallOf(u) == ws {
					want, found = u, true
					break
				}
			}
			if !found {
				// A gap: the transition T is the first instant whose wall
				// time is past ws.
				tr := ws - 12*3600
				for wallOf(tr) <= ws {
					tr += quarter
				}
				_, before := time.Unix(tr-1, 0).In(loc).Zone()
				want = ws - int64(before)
			}
			got := resolveLocal(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc)
			if got.Unix() != want {
				failures++
				t.Errorf("resolveLocal(%s in %s) = %v; want %v", w.Format("2006-01-02 15:04"), name, got.UTC(), time.Unix(want, 0).UTC())
			}
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-12-01T09:00:00Z", "2026-12-01T09:00:00.25+01:00", "2026-12-01", "2026-12-01 09:00",
		"2026-03-29 02:30:00", "2026-02-30", "2026-12-01T09:00:00+24:00", "1767258000",
	} {
		f.Add(s)
	}
	oslo := scheduleZone(f, "Europe/Oslo")
	f.Fuzz(func(t *testing.T, text string) {
		got, err := parseTime(text, nil)
		if err == nil {
			// With an offset, the result is the instant RFC 3339 names.
			norm := strings.ToUpper(text)
			if len(norm) > 10 && norm[10] == ' ' {
				norm = norm[:10] + "T" + norm[11:]
			}
			want, perr := time.Parse(time.RFC3339Nano, norm)
			if perr != nil || !got.Equal(want) {
				t.Errorf("parseTime(%q, nil) = %v; time.Parse says %v, %v", text, got, want, perr)
			}
		}
		// In UTC a local time is its wall clock; in Oslo it is the same wall
		// clock, or up to an hour later when it falls in a gap. A time with
		// an offset is the same instant in both.
		inUTC, errUTC := parseTime(text, time.UTC)
		inOslo, errOslo := parseTime(text, oslo)
		if (errUTC == nil) != (errOslo == nil) {
			t.Fatalf("parseTime(%q, UTC) = %v; parseTime(%q, Oslo) = %v; want both to fail or both to succeed", text, errUTC, text, errOslo)
		}
		if errUTC != nil {
			return
		}
		if err == nil {
			if !inUTC.Equal(got) || !inOslo.Equal(got) {
				t.Errorf("parseTime(%q) = %v (nil), %v (UTC), %v (Oslo); want one instant", text, got, inUTC, inOslo)
			}
			return
		}
		_, off := inOslo.Zone()
		shift := inOslo.Add(time.Duration(off) * time.Second).Sub(inUTC)
		if shift < 0 || shift > time.Hour {
			t.Errorf("parseTime(%q, Oslo) = %v; its wall clock is %v from %v", text, inOslo, shift, inUTC)
		}
	})
}
