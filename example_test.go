package flagkit_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
)

// A service loads its flags and checks one on a code path.
func ExampleNew() {
	doc := []byte(`
flags:
  new-checkout:
    default: off
    rules:
      - name: staff first
        when: {email: {ends_with: "@example.com"}}
        serve: on
`)
	ctx := context.Background()
	c, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("flags.yaml", doc)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	staff := flagkit.Subject{Key: "u-1", Attrs: flagkit.Attrs{"email": "ada@example.com"}}
	customer := flagkit.Subject{Key: "u-2", Attrs: flagkit.Attrs{"email": "bob@mail.test"}}
	fmt.Println(c.Bool(ctx, "new-checkout", staff, false))
	fmt.Println(c.Bool(ctx, "new-checkout", customer, false))
	// Output:
	// true
	// false
}

// Evaluate tells why a value was served.
func ExampleClient_Evaluate() {
	doc := []byte(`
flags:
  checkout-theme:
    variants: {classic: classic, dark: dark}
    default: classic
    rules:
      - name: nordic customers
        when: {country: {in: ["NO", "SE", "DK", "FI", "IS"]}}
        serve: dark
`)
	ctx := context.Background()
	c, _ := flagkit.New(ctx, flagkit.WithSource(source.Bytes("flags.yaml", doc)))
	defer c.Close()

	d := c.Evaluate(ctx, "checkout-theme", flagkit.Subject{Key: "u-1", Attrs: flagkit.Attrs{"country": "NO"}})
	fmt.Println(d.Value, d.Variant, d.Reason, d.Rule, d.Source)

	d = c.Evaluate(ctx, "no-such-flag", flagkit.Subject{Key: "u-1"})
	fmt.Println(d.Reason, errors.Is(d.Err, flagkit.ErrFlagNotFound))
	// Output:
	// dark dark TARGETING_MATCH nordic customers flags.yaml
	// ERROR true
}

// A percentage rollout by consistent hashing: a subject keeps its answer as
// the percentage grows.
func Example_rollout() {
	doc := []byte(`
flags:
  new-search:
    default: off
    rules:
      - percent: 25
        serve: on
`)
	ctx := context.Background()
	c, _ := flagkit.New(ctx, flagkit.WithSource(source.Bytes("flags.yaml", doc)))
	defer c.Close()

	on := 0
	for i := range 10000 {
		if c.Bool(ctx, "new-search", flagkit.Subject{Key: fmt.Sprintf("user-%d", i)}, false) {
			on++
		}
	}
	fmt.Printf("about 25%%: %v\n", on > 2400 && on < 2600)
	// Output:
	// about 25%: true
}

// A release window opens at a set moment; WithClock lets a test or an
// example choose the moment.
func ExampleWithClock() {
	doc := []byte(`
timezone: America/New_York
flags:
  public-launch:
    default: off
    rules:
      - name: launch
        from: 2027-01-10 09:00
        serve: on
`)
	ctx := context.Background()
	var now atomic.Int64 // the clock is read from the client's goroutines too
	now.Store(time.Date(2027, 1, 10, 13, 59, 0, 0, time.UTC).UnixMilli())
	c, _ := flagkit.New(ctx,
		flagkit.WithSource(source.Bytes("flags.yaml", doc)),
		flagkit.WithClock(func() time.Time { return time.UnixMilli(now.Load()) }))
	defer c.Close()

	s := flagkit.Subject{Key: "anyone"}
	fmt.Println(c.Bool(ctx, "public-launch", s, false)) // 08:59 in New York
	now.Add(time.Minute.Milliseconds())
	fmt.Println(c.Bool(ctx, "public-launch", s, false)) // 09:00 in New York
	// Output:
	// false
	// true
}

// A View answers every flag of one request from one snapshot and one clock
// reading.
func ExampleClient_View() {
	doc := []byte(`
flags:
  new-checkout: {default: on}
  rate-limit:
    variants: {low: 100, high: 1000}
    default: high
    requires: {new-checkout: on}
`)
	ctx := context.Background()
	c, _ := flagkit.New(ctx, flagkit.WithSource(source.Bytes("flags.yaml", doc)))
	defer c.Close()

	s := flagkit.Subject{Key: "u-1"}
	v := c.View() // once per request
	fmt.Println(v.Bool(ctx, "new-checkout", s, false), v.Int(ctx, "rate-limit", s, 10))
	// Output:
	// true 1000
}

// Validate checks a document in the CI of a flag repository.
func ExampleValidate() {
	err := flagkit.Validate("flags.yaml", []byte(`
flags:
  new-checkout:
    default: off
    rules:
      - percent: 140
        serve: on
`))
	fmt.Println(err)
	// Output:
	// flagkit: flags.yaml:6:18: flags.new-checkout.rules[0].percent: 140 is outside 0..100
}

// Layers: a file in the repository, then environment overrides for an
// emergency.
func ExampleWithSource() {
	base := source.Bytes("flags.yaml", []byte("flags: {new-checkout: {default: on}}"))
	env := source.Env("FEATURE_", source.Environ(func() []string {
		return []string{"FEATURE_NEW_CHECKOUT=off"} // e.g. set by an operator
	}))
	ctx := context.Background()
	c, _ := flagkit.New(ctx, flagkit.WithSource(base), flagkit.WithSource(env))
	defer c.Close()

	d := c.Evaluate(ctx, "new-checkout", flagkit.Subject{Key: "u-1"})
	fmt.Println(d.Value, d.Reason, d.Source)
	// Output:
	// false STATIC env:FEATURE_
}

// OnChange reports which flags changed, for logs or caches.
func ExampleClient_OnChange() {
	ctx := context.Background()
	c, _ := flagkit.New(ctx, flagkit.WithSource(source.Bytes("flags.yaml", []byte("flags: {a: {default: on}}"))))
	defer c.Close()
	stop := c.OnChange(func(ch flagkit.Change) {
		fmt.Println("changed:", ch.Flags, "from", ch.Source)
	})
	defer stop()
	// A real service sees calls when its sources deliver new documents, or
	// when a release window opens.
}

// OnStatus reports changes of health as they happen, for alerts and
// readiness probes.
func ExampleClient_OnStatus() {
	ctx := context.Background()
	c, _ := flagkit.New(ctx, flagkit.WithSource(source.Bytes("flags.yaml", []byte("flags: {a: {default: on}}"))))
	defer c.Close()
	stop := c.OnStatus(func(st flagkit.Status) {
		for _, s := range st.Sources {
			if s.Stale {
				fmt.Println("stale:", s.Name, s.LastError)
			}
		}
	})
	defer stop()
	// A real service sees calls when a source fails or recovers, or when a
	// flag is isolated or repaired; Status gives the state at any time.
}

// Settled finds flags whose release is over: from now on they serve one
// variant to everyone, so the code that reads them can be simplified.
func ExampleClient_Settled() {
	doc := []byte(`
flags:
  new-checkout:
    rules:
      - name: staff first
        when: {email: {ends_with: "@example.com"}}
        serve: on
      - name: public launch
        from: 2026-01-10T09:00:00Z
        serve: on
  dark-mode:
    rules:
      - name: beta
        when: {plan: {eq: beta}}
        serve: on
`)
	c, err := flagkit.New(context.Background(), flagkit.WithSource(source.Bytes("flags.yaml", doc)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range c.Flags() {
		if variant, ok := c.Settled(f.Key, now); ok {
			fmt.Printf("%s serves %q to everyone\n", f.Key, variant)
		} else {
			fmt.Printf("%s still decides per subject or over time\n", f.Key)
		}
	}
	// Output:
	// dark-mode still decides per subject or over time
	// new-checkout serves "on" to everyone
}

// Explain shows why a subject got its value: each rule in order, and which
// condition failed on what value. ViewAt explains at a chosen instant,
// here a day after the launch.
func ExampleClient_Explain() {
	doc := []byte(`
flags:
  new-checkout:
    default: off
    rules:
      - name: staff first
        when: {email: {ends_with: "@example.com"}}
        serve: on
      - name: launch
        from: 2027-01-10T09:00:00Z
        percent: 10
        serve: on
`)
	ctx := context.Background()
	c, _ := flagkit.New(ctx, flagkit.WithSource(source.Bytes("flags.yaml", doc)))
	defer c.Close()

	s := flagkit.Subject{Key: "u-2", Attrs: flagkit.Attrs{"email": "bob@mail.test"}}
	day := time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC)
	fmt.Print(c.ViewAt(day).Explain(ctx, "new-checkout", s))
	// Output:
	// flag new-checkout for subject "u-2" at 2027-01-11T09:00:00Z
	//   layers:
	//     flags.yaml: valid (in force)
	//   enabled
	//   rules:
	//     rule "staff first": no match
	//       when: fails
	//         email ends_with "@example.com": "bob@mail.test": fails
	//     rule "launch": no match
	//       window from 2027-01-10T09:00:00Z: open
	//       bucket 97036 (key, salt "new-checkout"): outside 10 %
	//   served off (false), reason DEFAULT, source flags.yaml
}
