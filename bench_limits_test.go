package flagkit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/flagkit/flagkit"
)

// BenchmarkMatchesWorstCase measures the costliest evaluation of one
// matches condition that an accepted document allows: the largest accepted
// program of the costliest rune test ([\pL\pN]{253}z: 256 instructions,
// each a binary search over 747 ranges; with ignore_case too) against the
// longest string compared (4096 bytes that keep every thread alive and
// never match), then the same with one byte more (over the limit: no
// match, no work), and a literal program of the same size for comparison.
// docs/reliability.md reports the medians of
//
//	go test -run '^$' -bench MatchesWorstCase -benchmem -count 6 .
func BenchmarkMatchesWorstCase(b *testing.B) {
	const doc = `flags:
  classes:
    rules:
      - when: {name: {matches: '[\pL\pN]{253}z'}}
        serve: on
  classes-ignore-case:
    rules:
      - when: {name: {matches: '[\pL\pN]{253}z', ignore_case: true}}
        serve: on
  literal:
    rules:
      - when: {name: {matches: 'a{253}z'}}
        serve: on
`
	c := benchClient(b, []byte(doc))
	atLimit := flagkit.Subject{Key: "k", Attrs: flagkit.Attrs{"name": strings.Repeat("a", 4096)}}
	over := flagkit.Subject{Key: "k", Attrs: flagkit.Attrs{"name": strings.Repeat("a", 4097)}}
	for _, bc := range []struct {
		name, key string
		s         flagkit.Subject
	}{
		{"Classes4096", "classes", atLimit},
		{"ClassesIgnoreCase4096", "classes-ignore-case", atLimit},
		{"Literal4096", "literal", atLimit},
		{"Classes4097", "classes", over},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			if c.Bool(ctx, bc.key, bc.s, false) {
				b.Fatalf("Bool(%q) = true; want false (the worst case never matches)", bc.key)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.Bool(ctx, bc.key, bc.s, false)
			}
		})
	}
}
