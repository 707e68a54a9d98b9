//go:build race

package flagkittest_test

const raceEnabled = true
