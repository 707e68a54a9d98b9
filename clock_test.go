package flagkit

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestWallClockAgreesWithTimeNow checks that the default clock reads what
// time.Now reads, both from a fresh anchor and from an anchor taken earlier.
func TestWallClockAgreesWithTimeNow(t *testing.T) {
	var w wallClock
	for i := 0; i < 10000; i++ {
		before := time.Now().UnixMilli()
		got := w.millis()
		after := time.Now().UnixMilli()
		if got < before || got > after {
			t.Fatalf("reading %d: millis() = %d; want within [%d, %d]", i, got, before, after)
		}
	}
}

// TestWallClockReanchors checks that a wallClock trusts its anchor for
// anchorTTL and no longer, and never trusts one from the future.
func TestWallClockReanchors(t *testing.T) {
	const step = int64(time.Hour / time.Millisecond)
	tests := []struct {
		name        string
		age         time.Duration // how long ago the anchor was taken
		stepped     bool          // whether the anchor reads an hour ahead of time.Now
		wantStep    bool          // whether millis reads that hour ahead
		wantRenewed bool          // whether millis takes a new anchor
	}{
		{"fresh anchor is trusted", 0, true, true, false},
		{"anchor older than anchorTTL is renewed", anchorTTL + time.Millisecond, true, false, true},
		{"anchor from the future is renewed", -time.Minute, true, false, true},
		{"anchor within anchorTTL is kept", anchorTTL / 2, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := time.Now().Add(-tt.age) // keeps the monotonic reading
			a := &clockAnchor{t: at, ns: at.UnixNano()}
			if tt.stepped {
				a.ns += int64(time.Hour) // as if the system clock was set back an hour since
			}
			var w wallClock
			w.anchor.Store(a)
			before := time.Now().UnixMilli()
			got := w.millis()
			after := time.Now().UnixMilli()
			lo, hi := before, after
			if tt.wantStep {
				lo, hi = lo+step, hi+step
			}
			if got < lo || got > hi {
				t.Errorf("millis() = %d; want within [%d, %d]", got, lo, hi)
			}
			if renewed := w.anchor.Load() != a; renewed != tt.wantRenewed {
				t.Errorf("anchor renewed = %v; want %v", renewed, tt.wantRenewed)
			}
		})
	}
}

// TestWallClockInBubble checks that the default clock follows a
// testing/synctest bubble's fake time to the millisecond.
func TestWallClockInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var w wallClock
		for _, d := range []time.Duration{0, time.Millisecond, 999 * time.Millisecond, time.Second, 36 * time.Hour} {
			time.Sleep(d)
			if got, want := w.millis(), time.Now().UnixMilli(); got != want {
				t.Errorf("after sleeping %v: millis() = %d; want %d", d, got, want)
			}
		}
	})
}

func TestFloorDiv(t *testing.T) {
	tests := []struct{ a, b, want int64 }{
		{0, 1000, 0}, {999, 1000, 0}, {1000, 1000, 1}, {-1, 1000, -1}, {-1000, 1000, -1}, {-1001, 1000, -2},
	}
	for _, tt := range tests {
		if got := floorDiv(tt.a, tt.b); got != tt.want {
			t.Errorf("floorDiv(%d, %d) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
