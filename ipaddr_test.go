package flagkit

import (
	"net/netip"
	"testing"
)

func TestParseIP(t *testing.T) {
	for _, s := range []string{
		"1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..3.4", ".1.2.3", "1.2.3.",
		"::", "::1", "1::", "fe80::1%eth0", "fe80::1%", "::ffff:1.2.3.4", "::ffff:1.2.3.4%z", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4", "1::1.2.3.4", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7:8", "1:::2", "1::2::3",
		"12345::", "FFFF::", "g::", ":1", "1:", "%x", "1.2.3.4%x", "", "::1.2.3", "::256.0.0.0", "2001:db8::1%a%b",
	} {
		checkParseIP(t, s)
	}
}

func checkParseIP(t *testing.T, s string) {
	t.Helper()
	got, ok := parseIP(s)
	want, err := netip.ParseAddr(s)
	want = want.WithZone("").Unmap()
	if ok != (err == nil) || ok && got != want {
		t.Errorf("parseIP(%q) = %v, %v; want %v, %v", s, got, ok, want, err == nil)
	}
}

func FuzzParseIP(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "::ffff:1.2.3.4", "fe80::1%eth0", "1:2:3:4:5:6:7:8", "::"} {
		f.Add(s)
	}
	f.Fuzz(checkParseIP)
}
