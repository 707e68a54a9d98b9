package flagkit_test

import (
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/flagkit/flagkit"
)

// startViewReaders starts n goroutines that read f0..f4 of faultDoc
// documents through views until stop is called: every view must show one
// value for all five (no torn snapshot), and the value must never go back.
// stop waits for the readers and returns how many views they read.
func startViewReaders(t *testing.T, c *flagkit.Client, n int) (stop func() int64) {
	t.Helper()
	keys := []string{"f0", "f1", "f2", "f3", "f4"}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var reads atomic.Int64
	for r := 0; r < n; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := int64(-1)
			for {
				select {
				case <-done:
					return
				default:
				}
				v := c.View()
				first := v.Int(ctx, keys[0], bob, -1)
				for _, k := range keys[1:] {
					if got := v.Int(ctx, k, bob, -1); got != first {
						t.Errorf("View: Int(f0) = %d but Int(%s) = %d: a torn snapshot", first, k, got)
						return
					}
				}
				if first < last {
					t.Errorf("Int(f0) went back from %d to %d", last, first)
					return
				}
				last = first
				reads.Add(1)
				runtime.Gosched() // let the reloads through: many readers per core starve them otherwise
			}
		}()
	}
	return func() int64 {
		close(done)
		wg.Wait()
		return reads.Load()
	}
}

// dropTime is a slog ReplaceAttr that drops the time, so that log lines can
// be compared exactly.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// closeAtEnd closes c when the test ends and fails the test if Close
// returns an error, which would be the client's or a source's failure to
// stop. Tests of the client itself (loading, reloading, failing sources,
// evaluating) close with it. Benchmarks, allocation tests, fuzz targets
// and examples keep defer c.Close(): they test nothing about closing, a
// benchmark or fuzz target cannot usefully report it, and an example shows
// the documented use.
func closeAtEnd(tb testing.TB, c *flagkit.Client) {
	tb.Helper()
	tb.Cleanup(func() {
		if err := c.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
}
