package flagkittest_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
)

// TestSynctestTransitions checks release windows and a ramp in a
// testing/synctest bubble, where time is fake and jumps ahead when every
// goroutine waits: the client's scheduler fires OnChange at the fake
// instant of each transition. Close (by t.Cleanup) ends the client's
// goroutines before the bubble ends.
func TestSynctestTransitions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // 2000-01-01 00:00 UTC in a bubble
		open, closeAt := start.Add(2*time.Hour), start.Add(5*time.Hour)
		rampEnd := start.Add(100 * time.Hour)
		c := flagkittest.FromYAML(t, fmt.Sprintf(`
			flags:
			  launch:
			    default: off
			    rules:
			      - {name: window, from: %s, until: %s, serve: on}
			  ramp:
			    salt: ""
			    default: off
			    rules:
			      - name: ramp
			        percent:
			          - {at: %s, value: 0}
			          - {at: %s, value: 100}
			        serve: on
		`, open.Format(time.RFC3339), closeAt.Format(time.RFC3339), start.Format(time.RFC3339), rampEnd.Format(time.RFC3339)))

		type event struct {
			change flagkit.Change
			at     time.Time // time.Now in the callback
		}
		events := make(chan event, 10)
		stop := c.OnChange(func(ch flagkit.Change) { events <- event{ch, time.Now()} })
		defer stop()

		ctx := context.Background()
		user := flagkit.Subject{Key: "user-1"}
		if got := c.Bool(ctx, "launch", user, false); got {
			t.Fatalf("Bool(%q) at start = %v; want false", "launch", got)
		}

		wantEvent := func(at time.Time, flags ...string) {
			t.Helper()
			time.Sleep(time.Until(at))
			synctest.Wait() // let the scheduler and the callback run
			select {
			case e := <-events:
				if !reflect.DeepEqual(e.change.Flags, flags) || !e.change.Scheduled || !e.change.Time.Equal(at) || !e.at.Equal(at) {
					t.Errorf("change = %+v at %v; want flags %q, scheduled, at %v", e.change, e.at, flags, at)
				}
			default:
				t.Errorf("no change at %v; want one for %q", at, flags)
			}
		}
		wantEvent(open, "launch")
		if got := c.Bool(ctx, "launch", user, false); !got {
			t.Errorf("Bool(%q) when the window opens = %v; want true", "launch", got)
		}
		wantEvent(closeAt, "launch")
		if got := c.Bool(ctx, "launch", user, true); got {
			t.Errorf("Bool(%q) when the window closes = %v; want false", "launch", got)
		}

		// Half way up the ramp: buckets below 50000 are in (see clock_test.go).
		time.Sleep(time.Until(start.Add(50 * time.Hour)))
		for key, want := range map[string]bool{"SI7p-": true, "6LvT0": false} {
			if got := c.Bool(ctx, "ramp", flagkit.Subject{Key: key}, false); got != want {
				t.Errorf("Bool(%q) for %s half way up the ramp = %v; want %v", "ramp", key, got, want)
			}
		}
		wantEvent(rampEnd, "ramp")
		if got := c.Bool(ctx, "ramp", flagkit.Subject{Key: "6LvT0"}, false); !got {
			t.Errorf("Bool(%q) after the ramp = %v; want true", "ramp", got)
		}
		select {
		case e := <-events:
			t.Errorf("unexpected change %+v", e.change)
		default:
		}
	})
}

// TestSynctestOverride checks that overrides work inside a bubble too.
func TestSynctestOverride(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := flagkittest.New(t, map[string]any{"new-checkout": false})
		flagkittest.Override(t, c, map[string]any{"new-checkout": true})
		if got := c.Bool(t.Context(), "new-checkout", anyone, false); !got {
			t.Errorf("Bool(%q) = %v; want true", "new-checkout", got)
		}
	})
}
