package flagkit

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestFoldAgreesWithEqualFold checks the fold-aware helpers against
// strings.EqualFold on tricky strings.
func TestFoldAgreesWithEqualFold(t *testing.T) {
	words := []string{"", "a", "A", "k", "K", "\u212A", "s", "S", "ſ", "ß", "ẞ", "ss", "σ", "ς", "Σ", "ΣΑΣ", "σας",
		"\xff", "\xfe", "\uFFFD", "\xe2\x82", "İ", "i", "ı", "Straße", "STRAẞE", "ǅ", "ǆ", "Ǆ", "Ω", "ω", "\u2126", "é", "É"}
	for _, a := range words {
		for _, b := range words {
			for _, pre := range []string{"", "x", "ΣΑΣ"} {
				for _, post := range []string{"", "y", "k"} {
					s := pre + a + post
					want := strings.EqualFold(a, b)
					var buf1, buf2 [foldBufLen]byte
					ka, _ := foldKey(buf1[:0], a)
					kb, _ := foldKey(buf2[:0], b)
					if got := string(ka) == string(kb); got != want {
						t.Errorf("foldKey(%q) == foldKey(%q) is %v; want %v", a, b, got, want)
					}
					if want && !containsFold(s, b) {
						t.Errorf("containsFold(%q, %q) = false; want true", s, b)
					}
					if want && pre == "" && !hasPrefixFold(s, b) {
						t.Errorf("hasPrefixFold(%q, %q) = false; want true", s, b)
					}
					if want && post == "" && !hasSuffixFold(s, b) {
						t.Errorf("hasSuffixFold(%q, %q) = false; want true", s, b)
					}
				}
			}
			// The exact checks: a prefix under folding is an EqualFold prefix.
			wantPrefix := strings.EqualFold(a, b)
			for i := range a { // rune boundaries
				if strings.EqualFold(a[:i], b) {
					wantPrefix = true
				}
			}
			if got := hasPrefixFold(a, b); got != wantPrefix {
				t.Errorf("hasPrefixFold(%q, %q) = %v; want %v", a, b, got, wantPrefix)
			}
		}
	}
}

// FuzzFold checks the folding helpers against strings.EqualFold.
func FuzzFold(f *testing.F) {
	f.Add("ΣΑΣ", "σας", "x")
	f.Add("\u212A", "k", "")
	f.Add("Straße", "STRASSE", "\xff")
	f.Fuzz(func(t *testing.T, a, b, z string) {
		want := strings.EqualFold(a, b)
		var buf1, buf2 [foldBufLen]byte
		ka, okA := foldKey(buf1[:0], a)
		kb, okB := foldKey(buf2[:0], b)
		if okA && okB && (string(ka) == string(kb)) != want {
			t.Errorf("foldKey(%q) == foldKey(%q) is %v; want %v", a, b, !want, want)
		}
		if okA && string(ka) != string(appendFoldKey(nil, a)) {
			t.Errorf("foldKey(%q) = %q; appendFoldKey gives %q", a, ka, appendFoldKey(nil, a))
		}
		wantPrefix := want // a prefix under folding is an EqualFold prefix at a rune boundary
		for i := range a {
			wantPrefix = wantPrefix || strings.EqualFold(a[:i], b)
		}
		if got := hasPrefixFold(a, b); got != wantPrefix {
			t.Errorf("hasPrefixFold(%q, %q) = %v; want %v", a, b, got, wantPrefix)
		}
		// Concatenation keeps a's runes only when the strings are valid UTF-8
		// ("\xcc" + "\xa0" is one rune).
		if want && utf8.ValidString(a) && utf8.ValidString(z) {
			if !hasPrefixFold(a+z, b) || !hasSuffixFold(z+a, b) || !containsFold(z+a+z, b) {
				t.Errorf("%q and %q fold equal, but prefix %v, suffix %v, contains %v with %q", a, b,
					hasPrefixFold(a+z, b), hasSuffixFold(z+a, b), containsFold(z+a+z, b), z)
			}
		}
	})
}
