//go:build !race

package flagkit

// raceEnabled reports whether the tests run under the race detector, which
// slows regular expression matching about tenfold.
const raceEnabled = false
