// Package suggest finds the "did you mean" for a name that names nothing:
// a flag key in code, a cohort or flag in a document, a field, an operator
// or a variant. Every message of this module that suggests a name uses it,
// so that they all agree on what is close.
package suggest

import (
	"fmt"
	"strings"
)

// Nearest returns the name of names nearest to name, or "" when none is
// close enough to be a likely typo. A name with the same normalized form
// as name wins (upper-cased, with '-' and '.' as '_', as flagkit's
// overrides compare flag keys, so "NEW_CHECKOUT" suggests "new-checkout");
// else the nearest by edit distance, when it is at most a third of name's
// length (at least 1) and at most 3 edits. Ties go to the first of names,
// so callers pass them sorted. name itself is never suggested.
//
// Its cost is O(len(names) × len(name)²) at worst, bounded by the early
// exit of each distance: call it on the error path only.
func Nearest(name string, names []string) string {
	norm := OverrideKey(name)
	for _, n := range names {
		if n != name && OverrideKey(n) == norm {
			return n
		}
	}
	limit := min(3, max(1, len(name)/3))
	best, bestDist := "", limit+1
	for _, n := range names {
		if n == name {
			continue
		}
		if d := Distance(name, n, bestDist); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// DidYouMean returns `; did you mean "x"?` for the name of names nearest
// to name (see [Nearest]), or "" when none is close: the tail of a message
// such as `unknown cohort "staf"; did you mean "staff"?`.
func DidYouMean(name string, names []string) string {
	if s := Nearest(name, names); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// OverrideKey returns the key under which overrides name a flag:
// upper-cased, with '-' and '.' written as '_' (so new-checkout,
// NEW_CHECKOUT and new_checkout name the same flag). It is the one copy of
// that rule: the parser keys overrides with it, and suggestions compare
// names with it.
func OverrideKey(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == '.':
			return '_'
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, name)
}

// Distance returns the Levenshtein distance between a and b (insertions,
// deletions and substitutions of bytes), or a number at least bound once
// the distance is known to reach it.
func Distance(a, b string, bound int) int {
	if d := len(a) - len(b); d >= bound || -d >= bound {
		return bound
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= bound {
			return bound
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
