// Command quickstart shows flagkit releasing a feature over time: to staff
// first, to beta customers from a date, to a growing percentage of everyone,
// and to all at a scheduled launch. It moves a clock through those moments
// and prints who gets what.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	_ "embed"
	"fmt"
	"log"
	"os"
	"sync/atomic"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
)

//go:embed flags.yaml
var flagsYAML []byte

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	ctx := context.Background()

	// The example moves time by hand; a service leaves WithClock out.
	var now atomic.Int64
	clock := func() time.Time { return time.UnixMilli(now.Load()).UTC() }

	c, err := flagkit.New(ctx,
		flagkit.WithSource(source.Bytes("embedded:flags.yaml", flagsYAML)),
		flagkit.WithClock(clock),
		flagkit.WithStrict(), // an embedded file must be valid: fail loudly
	)
	if err != nil {
		return err
	}
	defer c.Close()

	people := []flagkit.Subject{
		{Key: "alice", Attrs: flagkit.Attrs{"email": "Alice@Example.com"}},
		{Key: "bob", Attrs: flagkit.Attrs{"org": "acme", "country": "US"}},
		{Key: "carol", Attrs: flagkit.Attrs{"plan": "enterprise", "country": "NO"}},
		{Key: "dave", Attrs: flagkit.Attrs{"plan": "pro", "country": "SE"}},
	}
	moments := []string{
		"2026-11-28T12:00:00Z", // before anything is released
		"2026-12-01T09:30:00Z", // beta window open, ramp just started
		"2026-12-08T09:00:00Z", // ramp half way
		"2026-12-20T12:00:00Z", // ramp finished at 50 %
		"2027-01-10T14:00:00Z", // public launch (09:00 in New York)
	}

	out := os.Stdout
	fmt.Fprintf(out, "%-22s %-8s %-8s %-8s %-8s %s\n", "new-checkout at", "alice", "bob", "carol", "dave", "of 10,000 users")
	for _, m := range moments {
		t, err := time.Parse(time.RFC3339, m)
		if err != nil {
			return err
		}
		now.Store(t.UnixMilli())
		view := c.View() // one snapshot and one clock reading for this "request"
		fmt.Fprintf(out, "%-22s", m)
		for _, p := range people {
			d := view.Evaluate(ctx, "new-checkout", p)
			fmt.Fprintf(out, " %-8s", d.Variant)
		}
		on := 0
		for i := range 10000 {
			if view.Bool(ctx, "new-checkout", flagkit.Subject{Key: fmt.Sprintf("user-%d", i)}, false) {
				on++
			}
		}
		fmt.Fprintf(out, " %5.1f %%\n", float64(on)/100)
	}

	fmt.Fprintln(out)
	fmt.Fprintln(out, "Why, for carol on 2026-12-08:")
	now.Store(time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC).UnixMilli())
	d := c.Evaluate(ctx, "new-checkout", people[2])
	fmt.Fprintf(out, "  variant=%s reason=%s rule=%q source=%s\n", d.Variant, d.Reason, d.Rule, d.Source)

	fmt.Fprintln(out)
	fmt.Fprintln(out, "Other flags for bob (a beta customer):")
	fmt.Fprintf(out, "  checkout-theme = %s\n", c.String(ctx, "checkout-theme", people[1], "classic"))
	fmt.Fprintf(out, "  rate-limit     = %d (requires new-checkout: on)\n", c.Int(ctx, "rate-limit", people[1], 100))
	fmt.Fprintf(out, "  rate-limit     = %d for dave, who does not have new-checkout\n", c.Int(ctx, "rate-limit", people[3], 100))
	return nil
}
