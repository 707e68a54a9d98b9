package flagkit

import (
	"strings"
	"testing"
)

// semverOrder is semver.org's precedence example (the first eight),
// extended with omitted parts, a leading v and numeric against alphanumeric
// identifiers; in increasing order.
var semverOrder = []string{
	"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
	"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1-0", "1.0.1", "1.1", "2.0.0-0", "2-rc",
	"2.0.0-rc.1.x", "v2.0.0", "10.0.0",
}

func TestSemverPrecedence(t *testing.T) {
	order := semverOrder
	for i, a := range order {
		va, ok := parseSemver(a)
		if !ok {
			t.Fatalf("parseSemver(%q) failed", a)
		}
		for j, b := range order {
			vb, _ := parseSemver(b)
			if got, want := compareSemver(va, vb), cmpOrdered(int64(i), int64(j)); got != want {
				t.Errorf("compareSemver(%q, %q) = %d; want %d", a, b, got, want)
			}
			for _, op := range []struct {
				name string
				want bool
			}{
				{"semver_eq", i == j}, {"semver_lt", i < j}, {"semver_lte", i <= j},
				{"semver_gt", i > j}, {"semver_gte", i >= j},
			} {
				c := mustCompileCond(t, op.name, opOne(opStr(b)), false)
				if got := c.matchValue(a, true); got != op.want {
					t.Errorf("%s %q: matchValue(%q) = %v; want %v", op.name, b, a, got, op.want)
				}
			}
		}
	}
}

// FuzzParseSemver checks parseSemver's invariants: a version equals itself
// with build metadata or a leading v, and compareSemver is antisymmetric.
func FuzzParseSemver(f *testing.F) {
	for _, s := range semverOrder {
		f.Add(s, "1.0.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, okA := parseSemver(a)
		vb, okB := parseSemver(b)
		if okA && okB && compareSemver(va, vb) != -compareSemver(vb, va) {
			t.Errorf("compareSemver(%q, %q) = %d, but reversed %d", a, b, compareSemver(va, vb), compareSemver(vb, va))
		}
		if !okA || strings.ContainsRune(a, '+') {
			return
		}
		same := []string{a + "+build.1"}
		if a[0] != 'v' {
			same = append(same, "v"+a)
		}
		for _, s := range same {
			if v, ok := parseSemver(s); !ok || compareSemver(v, va) != 0 {
				t.Errorf("parseSemver(%q) = %v, %v; want %v as for %q", s, v, ok, va, a)
			}
		}
	})
}
