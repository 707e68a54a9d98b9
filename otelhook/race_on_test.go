//go:build race

package otelhook_test

// raceEnabled reports whether the tests run under the race detector, which
// makes allocation counts meaningless: tests that count allocations skip.
const raceEnabled = true
