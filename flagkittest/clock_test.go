package flagkittest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clk := flagkittest.NewClock(start)
	if got := clk.Now(); !got.Equal(start) {
		t.Errorf("Now() = %v; want %v", got, start)
	}
	if got, want := clk.Advance(90*time.Minute), start.Add(90*time.Minute); !got.Equal(want) || !clk.Now().Equal(want) {
		t.Errorf("Advance(90m) = %v, Now() = %v; want %v", got, clk.Now(), want)
	}
	later := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	clk.Set(later)
	if got := clk.Now(); !got.Equal(later) {
		t.Errorf("Now() after Set = %v; want %v", got, later)
	}
	var zero flagkittest.Clock
	if got := zero.Now(); !got.IsZero() {
		t.Errorf("zero Clock: Now() = %v; want the zero time", got)
	}
	// Safe for concurrent use (run with -race).
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				clk.Advance(time.Second)
				clk.Now()
			}
		}()
	}
	wg.Wait()
	if got, want := clk.Now(), later.Add(400*time.Second); !got.Equal(want) {
		t.Errorf("Now() after 400 concurrent Advance(1s) = %v; want %v", got, want)
	}
}

// The keys ejOoVL, SI7p- and 6LvT0 hash to buckets 0, 49999 and 50000 with an
// empty salt (see DESIGN.md), which pins a ramp's edge to the millisecond.
const launchDoc = `
flags:
  new-checkout:
    salt: ""
    default: off
    rules:
      - name: beta window
        when: {plan: {eq: beta}}
        from: 2026-12-01T09:00:00Z
        until: 2026-12-08T09:00:00Z
        serve: on
      - name: ramp
        percent:
          - {at: 2026-12-01T00:00:00Z, value: 0}
          - {at: 2026-12-05T04:00:00Z, value: 100}
        serve: on
`

func TestClockWindowAndRamp(t *testing.T) {
	clk := flagkittest.NewClock(time.Time{})
	c := flagkittest.FromYAML(t, launchDoc, flagkit.WithClock(clk.Now))
	ctx := context.Background()
	beta := flagkit.Subject{Key: "6LvT0", Attrs: flagkit.Attrs{"plan": "beta"}}
	// The ramp goes from 0 to 100 % in 100 hours: 1 % an hour.
	mid := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC) // 50 hours in: 50 %
	tests := []struct {
		at      time.Time
		subject flagkit.Subject
		want    bool
		rule    string
	}{
		{time.Date(2026, 12, 1, 8, 59, 59, 999e6, time.UTC), beta, false, ""},
		{time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), beta, true, "beta window"}, // from is inclusive
		{time.Date(2026, 12, 8, 8, 59, 59, 999e6, time.UTC), beta, true, "beta window"},
		{time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC), beta, true, "ramp"}, // until is exclusive; the ramp is done
		{time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), flagkit.Subject{Key: "ejOoVL"}, false, ""},
		// 0.001 % (bucket 0) is in once 1/100000 of the 100 hours has passed.
		{time.Date(2026, 12, 1, 0, 0, 3, 599e6, time.UTC), flagkit.Subject{Key: "ejOoVL"}, false, ""},
		{time.Date(2026, 12, 1, 0, 0, 3, 600e6, time.UTC), flagkit.Subject{Key: "ejOoVL"}, true, "ramp"},
		{mid.Add(-time.Millisecond), flagkit.Subject{Key: "SI7p-"}, false, ""},
		{mid, flagkit.Subject{Key: "SI7p-"}, true, "ramp"}, // bucket 49999 < 50 %
		{mid, flagkit.Subject{Key: "6LvT0"}, false, ""},    // bucket 50000 is not
	}
	for _, tt := range tests {
		clk.Set(tt.at)
		d := c.Evaluate(ctx, "new-checkout", tt.subject)
		if d.Value != tt.want || d.Rule != tt.rule {
			t.Errorf("at %s, Evaluate(%q) for %s = %v by rule %q; want %v by rule %q",
				tt.at.Format(time.RFC3339Nano), "new-checkout", tt.subject.Key, d.Value, d.Rule, tt.want, tt.rule)
		}
	}
}

func ExampleClock() {
	clk := flagkittest.NewClock(time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC))
	example(func(t testing.TB) {
		c := flagkittest.FromYAML(t, `
			flags:
			  holiday-sale:
			    default: off
			    rules:
			      - name: sale
			        from: 2026-12-24T18:00:00Z
			        until: 2026-12-27T00:00:00Z
			        serve: on
		`, flagkit.WithClock(clk.Now))

		for range 3 {
			on := c.Bool(context.Background(), "holiday-sale", flagkit.Subject{Key: "user-7"}, false)
			fmt.Println(clk.Now().Format(time.Kitchen), on)
			clk.Advance(30 * time.Minute)
		}
	})
	// Output:
	// 5:00PM false
	// 5:30PM false
	// 6:00PM true
}
