package flagkit

import (
	"unicode"
	"unicode/utf8"
)

// Case folding for ignore_case: Unicode simple folding, as
// strings.EqualFold. The standard library has EqualFold (used for eq and in)
// but no folding HasPrefix, HasSuffix or Contains, and no folded key for a
// set lookup; these are built on unicode.SimpleFold and never allocate.

// foldRune maps r to the smallest rune of its simple case folding orbit,
// so that strings.EqualFold(a, b) holds exactly when a and b have the same
// runes after foldRune.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}

// appendFoldKey appends the folded form of s (see foldRune) to dst.
func appendFoldKey(dst []byte, s string) []byte {
	for _, r := range s {
		dst = utf8.AppendRune(dst, foldRune(r))
	}
	return dst
}

// foldKey is appendFoldKey into buf's capacity; false when it does not fit.
func foldKey(buf []byte, s string) ([]byte, bool) {
	for _, r := range s {
		if cap(buf)-len(buf) < utf8.UTFMax {
			return nil, false
		}
		buf = utf8.AppendRune(buf, foldRune(r))
	}
	return buf, true
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// equalFoldRune reports whether two runes are equal under simple folding.
func equalFoldRune(a, b rune) bool {
	return a == b || foldRune(a) == foldRune(b)
}

// hasPrefixFold is strings.HasPrefix under simple case folding.
func hasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		if x, y := s[0], prefix[0]; x|y < utf8.RuneSelf { // both ASCII
			if lowerASCII(x) != lowerASCII(y) {
				return false
			}
			s, prefix = s[1:], prefix[1:]
			continue
		}
		a, n := utf8.DecodeRuneInString(s)
		b, m := utf8.DecodeRuneInString(prefix)
		if !equalFoldRune(a, b) {
			return false
		}
		s, prefix = s[n:], prefix[m:]
	}
	return true
}

// hasSuffixFold is strings.HasSuffix under simple case folding.
func hasSuffixFold(s, suffix string) bool {
	for suffix != "" {
		if s == "" {
			return false
		}
		if x, y := s[len(s)-1], suffix[len(suffix)-1]; x|y < utf8.RuneSelf { // both ASCII
			if lowerASCII(x) != lowerASCII(y) {
				return false
			}
			s, suffix = s[:len(s)-1], suffix[:len(suffix)-1]
			continue
		}
		a, n := utf8.DecodeLastRuneInString(s)
		b, m := utf8.DecodeLastRuneInString(suffix)
		if !equalFoldRune(a, b) {
			return false
		}
		s, suffix = s[:len(s)-n], suffix[:len(suffix)-m]
	}
	return true
}

// containsFold is strings.Contains under simple case folding.
func containsFold(s, sub string) bool {
	for {
		if hasPrefixFold(s, sub) {
			return true
		}
		if s == "" {
			return false
		}
		_, n := utf8.DecodeRuneInString(s)
		s = s[n:]
	}
}
