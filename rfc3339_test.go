package flagkit

import (
	"testing"
	"time"
)

func TestParseRFC3339(t *testing.T) {
	tests := []string{
		"2017-12-06T07:00:00Z", "2017-12-06T07:00:00.5+01:00", "2016-02-29T00:00:00Z", "2015-02-29T00:00:00Z",
		"2017-12-06T24:00:00Z", "2017-12-06T23:60:00Z", "2017-12-06T23:59:60Z", "2017-13-01T00:00:00Z",
		"2017-00-01T00:00:00Z", "2017-12-00T00:00:00Z", "2017-12-06T07:00:00+24:00", "2017-12-06T07:00:00+23:60",
		"2017-12-06T07:00:00", "2017-12-06 07:00:00Z", "2017-12-06T07:00:00z", "2017-12-06T07:00:00.Z",
		"2017-12-06T07:00:00,5Z", "2017-12-06T07:00:00+0100", "+017-12-06T07:00:00Z", "2017-1-06T07:00:00Z",
		"9999-12-31T23:59:59.999999999-23:59", "0000-01-01T00:00:00+23:59", "1900-02-29T00:00:00Z", "2000-02-29T00:00:00Z",
		"2017-12-06T07:00:00.000000000000001Z", "2017-12-06T07:00:00Zx", "", "2017-12-06T07:00:0aZ",
	}
	for _, s := range tests {
		checkRFC3339(t, s)
	}
}

// checkRFC3339 compares parseRFC3339 with time.Parse: whatever it accepts,
// time.Parse accepts as the same instant, and it accepts whatever time.Parse
// accepts in canonical form. (time.Parse also takes offsets such as +24:00,
// which RFC 3339 does not allow.)
func checkRFC3339(t *testing.T, s string) {
	t.Helper()
	got, ok := parseRFC3339(s)
	want, err := time.Parse(time.RFC3339, s)
	if ok && (err != nil || got != instantOfTime(want)) {
		t.Errorf("parseRFC3339(%q) = %v; time.Parse gives %v, %v", s, got, want, err)
	}
	if _, off := want.Zone(); !ok && err == nil && want.Format(time.RFC3339Nano) == s && off > -86400 && off < 86400 {
		t.Errorf("parseRFC3339(%q) failed; time.Parse gives %v", s, want)
	}
}

func FuzzParseRFC3339(f *testing.F) {
	for _, s := range []string{"2017-12-06T07:00:00Z", "2017-12-06T07:00:00.5+01:00", "0000-02-29T23:59:59-23:59"} {
		f.Add(s)
	}
	f.Fuzz(checkRFC3339)
}

func TestDaysIn(t *testing.T) {
	for _, y := range []int{0, 1, 1600, 1899, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 9999} {
		for m := 1; m <= 12; m++ {
			want := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := daysIn(y, m); got != want {
				t.Errorf("daysIn(%d, %d) = %d; want %d", y, m, got, want)
			}
		}
	}
}
