package suggest

import "testing"

func TestNearest(t *testing.T) {
	keys := []string{"checkout-theme", "dark-mode", "new-checkout", "rate-limit", "x"}
	for _, tt := range []struct{ key, want string }{
		{"new-chekout", "new-checkout"},      // a deletion
		{"NEW_CHECKOUT", "new-checkout"},     // as an override names it
		{"new.checkout", "new-checkout"},     // normalized too
		{"rate-limits", "rate-limit"},        // an insertion
		{"dark-mdoe", "dark-mode"},           // a transposition: 2 edits
		{"checkout", ""},                     // too far
		{"y", "x"},                           // short keys: 1 edit
		{"yz", ""},                           // 2 edits on a key of 2
		{"payments-v3", ""},                  // nothing near
		{"cheekout-thmee", "checkout-theme"}, // 3 edits on a long key
		{"new-checkout", ""},                 // itself is no suggestion
		{"chekout", ""},                      // 2 edits on a key of 7: too far
	} {
		if got := Nearest(tt.key, keys); got != tt.want {
			t.Errorf("Nearest(%q) = %q; want %q", tt.key, got, tt.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	names := []string{"staff", "beta"}
	for _, tt := range []struct{ name, want string }{
		{"staf", `; did you mean "staff"?`},
		{"gamma", ""},
	} {
		if got := DidYouMean(tt.name, names); got != tt.want {
			t.Errorf("DidYouMean(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b  string
		bound int
		want  int
	}{
		{"", "", 5, 0},
		{"abc", "abc", 5, 0},
		{"abc", "abd", 5, 1},
		{"kitten", "sitting", 5, 3},
		{"kitten", "sitting", 2, 2}, // stops at the bound
		{"a", "abcdef", 3, 3},
	} {
		if got := Distance(tt.a, tt.b, tt.bound); got != tt.want {
			t.Errorf("Distance(%q, %q, %d) = %d; want %d", tt.a, tt.b, tt.bound, got, tt.want)
		}
	}
}

func TestOverrideKey(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"new-checkout", "NEW_CHECKOUT"},
		{"NEW_CHECKOUT", "NEW_CHECKOUT"},
		{"new_checkout", "NEW_CHECKOUT"},
		{"v2.theme", "V2_THEME"},
		{"blåbær", "BLåBæR"}, // only ASCII letters are upper-cased
	} {
		if got := OverrideKey(tt.in); got != tt.want {
			t.Errorf("OverrideKey(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
