// Package flagkittest provides helpers for unit tests of code that uses
// flagkit: real clients with chosen flag values, overrides of a client's
// flags for the length of one test, and checks against typos in flag keys.
// Like [net/http/httptest] and [testing/fstest], it gives tests the real
// thing rather than a mock: every client here is a [flagkit.Client]
// loaded through [source.Bytes], so the code under test runs as it does in
// production.
//
// Every helper takes the test's [testing.TB], fails the test with a
// readable message when something is wrong, and undoes what it did with
// tb.Cleanup. None has global state; all are safe with t.Parallel, within
// the limits stated below.
//
// # A client for a test
//
// [New] serves chosen values to everyone; [FromYAML] loads a document
// written in the test, so that real rules (cohorts, percentages, release
// windows, ramps) can be tested; [FromFile] loads the service's own flag
// file once. All three load with [flagkit.WithStrict], so a mistake in the
// document fails the test, and close the client when the test ends:
//
//	c := flagkittest.New(t, map[string]any{"new-checkout": true, "checkout-theme": "dark"})
//	h := checkout.NewHandler(c)
//
// # Overriding flags of a client
//
// [Override] sets flags of an existing client, for everyone or with
// [ForSubjects] for chosen subject keys, until the test ends:
//
//	c := flagkittest.FromFile(t, "flags.yaml")
//	flagkittest.Override(t, c, map[string]any{"new-checkout": "on"})
//
// A value is a variant name ("on", "dark"; for a boolean flag "true" and
// "false" too) or a value of the flag's type (true, 42, a map for an object
// flag; [Literal] for a string that is not a variant name). Evaluations
// report it with reason STATIC and Source "flagkittest". A value of the
// wrong type, a variant name the flag does not have, or a flag the client
// does not define fails the test at once, rather than letting the code
// under test quietly serve its fallback; [AllowUnknown] permits flags that
// are not defined yet.
//
// Overrides made with Override are seen by every evaluation of the client,
// whatever the goroutine, so two tests that share a client cannot both
// override one flag at the same time: the second fails, naming the first.
// [EachVariant] runs a subtest per variant of a flag with Override.
//
// # Parallel tests sharing a client
//
// [Context] puts overrides in a [context.Context] instead. Only
// evaluations by that client with that context (or one derived from it)
// see them, so parallel tests can share one client, each with its own
// values:
//
//	t.Run("new checkout", func(t *testing.T) {
//		t.Parallel()
//		ctx := flagkittest.Context(t, t.Context(), c, map[string]any{"new-checkout": true})
//		req := httptest.NewRequestWithContext(ctx, "GET", "/checkout", nil)
//		...
//	})
//
// The code under test must pass the request's context to the getters,
// which it should do anyway. Overrides in a context win over those made
// with Override.
//
// # How overrides reach a client
//
// A client keeps test overrides in a registry that this package installs
// the first time a test overrides, watches or records one of its flags;
// the method that does it takes an argument of a type internal to the
// flagkit module, so no other code can. A client without a registry, as
// every client outside tests is, ignores the overrides carried by any
// context and spends one atomic load of a nil pointer per evaluation on
// them. Once installed the registry stays for the client's life, empty
// when no test uses it; overrides made for one client never reach another.
//
// # Typos in flag keys
//
// A flag key misspelled in the code under test is not an error at run time:
// the getter serves the fallback. [Strict] makes any evaluation of a flag
// the client does not define fail the test, and [Record] lists the flags a
// test evaluated, so a test can check that the code asks for exactly the
// flags it should.
//
// # A source whose document changes
//
// To test how code reacts to a new flag document (a reload, a refused
// document, a source that fails), give a client a [Source], an updatable
// source held in memory as [testing/fstest.MapFS] is a file system held in
// memory, and push to it. [Source.Push] returns the client's verdict on the
// document once the client serves it, and [Source.Fail] reports a failed
// load, so the test checks the result right after, without waiting:
//
//	src := flagkittest.NewSource("flags.yaml", []byte(doc))
//	c, err := flagkit.New(ctx, flagkit.WithSource(src))
//	...
//	if err := src.Push([]byte(next)); err != nil {
//		t.Fatalf("Push: the client refused the document: %v", err)
//	}
//
// A Source keeps the contract of [flagkit.Source], so it is also a model
// for writing one.
//
// # Time
//
// Release windows and ramps depend on the client's clock. To check them at
// chosen instants, give the client a [Clock] with [flagkit.WithClock] and
// set it:
//
//	clk := flagkittest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
//	c := flagkittest.FromFile(t, "flags.yaml", flagkit.WithClock(clk.Now))
//	clk.Advance(24 * time.Hour)
//
// To test what happens as time passes, including the [flagkit.Change]
// that [flagkit.Client.OnChange] reports when a window opens or a ramp
// ends, run the test in a [testing/synctest] bubble, where time.Now is fake
// and jumps ahead whenever every goroutine in the bubble waits, and keep
// the default clock:
//
//	synctest.Test(t, func(t *testing.T) {
//		c := flagkittest.FromYAML(t, doc) // closed by t.Cleanup, inside the bubble
//		c.OnChange(func(ch flagkit.Change) { ... })
//		time.Sleep(2 * time.Hour) // the window opens; the scheduler fires
//		synctest.Wait()           // let the callback run
//		...
//	})
//
// Inside a bubble use only sources held in memory ([New], [FromYAML],
// [FromFile], [source.Bytes], or an HTTP source with a fake
// http.RoundTripper): a file poller or a real network connection keeps the
// bubble from ever being idle. The client's goroutines must end before the
// bubble does; the helpers here close the client with t.Cleanup, which
// runs inside the bubble.
package flagkittest
