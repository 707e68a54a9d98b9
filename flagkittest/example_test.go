package flagkittest_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
)

// example runs body as the body of a test, so that the examples below run:
// in your tests, use the t of the test function. Failures are printed.
func example(body func(t testing.TB)) {
	t := &exampleTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(t)
	}()
	<-done
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// exampleTB is the testing.TB of example: it prints failures.
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (t *exampleTB) Helper()                           {}
func (t *exampleTB) Name() string                      { return "TestExample" }
func (t *exampleTB) Context() context.Context          { return context.Background() }
func (t *exampleTB) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleTB) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (t *exampleTB) Fail()                             {}
func (t *exampleTB) Output() io.Writer                 { return prefixWriter{} }
func (t *exampleTB) Fatalf(format string, args ...any) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	runtime.Goexit()
}

// prefixWriter prints what Strict writes to exampleTB's Output, as a
// failure.
type prefixWriter struct{}

func (prefixWriter) Write(p []byte) (int, error) {
	fmt.Print("FAIL: " + string(p))
	return len(p), nil
}

func ExampleNew() {
	example(func(t testing.TB) {
		c := flagkittest.New(t, map[string]any{
			"new-checkout":   true,
			"checkout-theme": "dark",
			"rate-limit":     500,
		})
		ctx := context.Background()
		user := flagkit.Subject{Key: "user-42"}
		fmt.Println(c.Bool(ctx, "new-checkout", user, false))
		fmt.Println(c.String(ctx, "checkout-theme", user, "classic"))
		fmt.Println(c.Int(ctx, "rate-limit", user, 100))
	})
	// Output:
	// true
	// dark
	// 500
}

func ExampleFromYAML() {
	example(func(t testing.TB) {
		c := flagkittest.FromYAML(t, `
			cohorts:
			  staff:
			    when: {email: {ends_with: "@example.com"}}
			flags:
			  new-checkout:
			    default: off
			    rules:
			      - {name: staff first, cohort: staff, serve: on}
		`)
		ctx := context.Background()
		for _, email := range []string{"ann@example.com", "bob@example.org"} {
			d := c.Evaluate(ctx, "new-checkout", flagkit.Subject{Key: email, Attrs: flagkit.Attrs{"email": email}})
			fmt.Println(email, d.Value, d.Reason)
		}
	})
	// Output:
	// ann@example.com true TARGETING_MATCH
	// bob@example.org false DEFAULT
}

func ExampleOverride() {
	example(func(t testing.TB) {
		c := flagkittest.FromYAML(t, serviceDoc) // or FromFile(t, "flags.yaml")
		flagkittest.Override(t, c, map[string]any{"checkout-theme": "neon"})
		flagkittest.Override(t, c, map[string]any{"new-checkout": true}, flagkittest.ForSubjects("ann"))

		ctx := context.Background()
		for _, key := range []string{"ann", "bob"} {
			s := flagkit.Subject{Key: key}
			fmt.Println(key, c.Bool(ctx, "new-checkout", s, false), c.String(ctx, "checkout-theme", s, "classic"))
		}
		// Overrides are undone when the test ends.
	})
	// Output:
	// ann true neon
	// bob false neon
}

func ExampleOverride_mistakes() {
	example(func(t testing.TB) {
		c := flagkittest.FromYAML(t, serviceDoc)
		flagkittest.Override(t, c, map[string]any{"new-chekout": true, "checkout-theme": "purple"})
	})
	// Output:
	// FAIL: flagkittest.Override: flag "checkout-theme" (string) has no variant "purple" (variants: classic, dark, neon); flag "new-chekout" is not defined by the client; did you mean "new-checkout"? (use AllowUnknown to override it anyway)
}

func ExampleContext() {
	example(func(t testing.TB) {
		c := flagkittest.FromYAML(t, serviceDoc) // shared by parallel tests
		on := flagkittest.Context(t, context.Background(), c, map[string]any{"new-checkout": true})
		off := flagkittest.Context(t, context.Background(), c, map[string]any{"new-checkout": false})

		user := flagkit.Subject{Key: "user-1"}
		fmt.Println(c.Bool(on, "new-checkout", user, false))
		fmt.Println(c.Bool(off, "new-checkout", user, true))
	})
	// Output:
	// true
	// false
}

func ExampleStrict() {
	example(func(t testing.TB) {
		c := flagkittest.FromYAML(t, serviceDoc)
		flagkittest.Strict(t, c)

		// The code under test has a typo in a flag key.
		c.Bool(context.Background(), "new_checkout", flagkit.Subject{Key: "user-1"}, false)
	})
	// Output:
	// FAIL: example_test.go:146: flagkittest.Strict: flag "new_checkout" (subject "user-1"), evaluated by flagkittest_test.ExampleStrict.func1 at example_test.go:146, is not defined by the client; did you mean "new-checkout"?
}

func ExampleRecord() {
	example(func(t testing.TB) {
		c := flagkittest.FromYAML(t, serviceDoc)
		rec := flagkittest.Record(t, c)

		ctx := context.Background()
		user := flagkit.Subject{Key: "user-1"}
		if c.Bool(ctx, "new-checkout", user, false) {
			c.String(ctx, "checkout-theme", user, "classic")
		}
		c.Int(ctx, "rate-limit", user, 100)

		fmt.Println(rec.Flags())
	})
	// Output:
	// [new-checkout rate-limit]
}
