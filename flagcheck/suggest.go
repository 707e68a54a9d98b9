package flagcheck

import "strings"

// suggest returns the key of keys nearest to key, for "did you mean": the
// one with the same normalized form (as overrides compare keys:
// upper-cased, with '-' and '.' as '_'), or else the nearest by edit
// distance if it is close enough to be a likely typo (at most a third of
// key's length, and at most 3 edits). It returns "" when none is.
func suggest(key string, keys []string) string {
	norm := normalize(key)
	for _, k := range keys {
		if normalize(k) == norm {
			return k
		}
	}
	limit := min(3, max(1, len(key)/3))
	best, bestDist := "", limit+1
	for _, k := range keys { // sorted: ties go to the first key
		if d := distance(key, k, bestDist); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// normalize returns key as overrides compare it.
func normalize(key string) string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(key))
}

// distance returns the Levenshtein distance between a and b (insertions,
// deletions and substitutions of bytes, as keys are ASCII), or any number
// at least bound once the distance is known to reach it.
func distance(a, b string, bound int) int {
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
