package flagkit

import "strings"

// Semantic versions of the semver_* operators.
//
// Hand-written, one implementation for load and evaluation: the standard
// library has no semantic versions, and a string attribute is parsed at
// evaluation time without allocating.

// semver is a parsed version; pre is the pre-release, a substring of the
// parsed text ("" for a release).
type semver struct {
	major, minor, patch uint64
	pre                 string
}

// parseSemver parses MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD] with an
// optional leading v, following SemVer 2.0's grammar otherwise, without
// allocating.
func parseSemver(s string) (semver, bool) {
	var v semver
	if len(s) > 0 && s[0] == 'v' {
		s = s[1:]
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if !validIdents(s[i+1:], false) {
			return v, false
		}
		s = s[:i]
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		v.pre = s[i+1:]
		if !validIdents(v.pre, true) {
			return v, false
		}
		s = s[:i]
	}
	var parts [3]uint64
	for n := 0; ; n++ {
		if n == 3 {
			return v, false
		}
		field := s
		i := strings.IndexByte(s, '.')
		if i >= 0 {
			field = s[:i]
		}
		if field == "" || len(field) > 1 && field[0] == '0' || !allDecimal(field) {
			return v, false
		}
		u, ok := parseDigits(field)
		if !ok {
			return v, false
		}
		parts[n] = u
		if i < 0 {
			break
		}
		s = s[i+1:]
	}
	v.major, v.minor, v.patch = parts[0], parts[1], parts[2]
	return v, true
}

// validIdents checks dot-separated identifiers of [0-9A-Za-z-]; numeric
// ones in a pre-release have no leading zeros.
func validIdents(s string, pre bool) bool {
	for {
		id := s
		i := strings.IndexByte(s, '.')
		if i >= 0 {
			id = s[:i]
		}
		if id == "" {
			return false
		}
		numeric := true
		for k := 0; k < len(id); k++ {
			b := id[k]
			switch {
			case isDigit(b):
			case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', b == '-':
				numeric = false
			default:
				return false
			}
		}
		if pre && numeric && len(id) > 1 && id[0] == '0' {
			return false
		}
		if i < 0 {
			return true
		}
		s = s[i+1:]
	}
}

func allDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// compareSemver orders versions by SemVer 2.0 precedence: -1, 0 or +1.
func compareSemver(a, b semver) int {
	if c := cmpOrdered(a.major, b.major); c != 0 {
		return c
	}
	if c := cmpOrdered(a.minor, b.minor); c != 0 {
		return c
	}
	if c := cmpOrdered(a.patch, b.patch); c != 0 {
		return c
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1 // a release follows its pre-releases
	case b.pre == "":
		return -1
	}
	x, y := a.pre, b.pre
	for {
		xi, xrest, xmore := strings.Cut(x, ".")
		yi, yrest, ymore := strings.Cut(y, ".")
		if c := compareIdent(xi, yi); c != 0 {
			return c
		}
		switch {
		case !xmore && !ymore:
			return 0
		case !xmore:
			return -1 // fewer identifiers come first
		case !ymore:
			return 1
		}
		x, y = xrest, yrest
	}
}

// compareIdent orders pre-release identifiers: numeric ones numerically
// (they have no leading zeros, so by length, then digits) and before
// alphanumeric ones, which compare in ASCII order.
func compareIdent(a, b string) int {
	an, bn := allDecimal(a), allDecimal(b)
	switch {
	case an && bn:
		if c := cmpOrdered(int64(len(a)), int64(len(b))); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}
