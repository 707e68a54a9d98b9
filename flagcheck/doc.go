// Package flagcheck is a static analyzer
// (golang.org/x/tools/go/analysis) that checks the Go code that evaluates
// flagkit feature flags against the flag documents.
//
// It finds every call that reads a flag by key:
//
//   - the getters Bool, String, Int, Float, Object and Evaluate of
//     *flagkit.Client and flagkit.View;
//   - flaghttp's getters of the same names;
//   - flagkittest.Override and flagkittest.Context (the keys of a map
//     literal), flagkittest.EachVariant and Recorder.Count;
//   - the OpenFeature provider's BooleanEvaluation ... ObjectEvaluation,
//     and the OpenFeature SDK client's Boolean, BooleanValue,
//     BooleanValueDetails (and the String, Int, Float and Object forms),
//     through *openfeature.Client or openfeature.IClient: a service that
//     imports the provider is taken to serve its OpenFeature flags from
//     flagkit.
//
// Calls are recognized by the identity of the function called, so import
// and type aliases, embedding, method expressions and method values held
// in a variable (get := c.Bool; get(ctx, "new-checkout", s, false)) are
// seen, and a key may be any constant expression, including a constant
// declared in another package.
//
// # Diagnostics
//
// Each diagnostic is at the call site, on the key (or the getter, for a
// type mismatch, or the fallback), with a Category:
//
//   - [CategoryUnknown] (error): the key names no flag of the documents,
//     with "did you mean" the nearest key by edit distance (or one that
//     differs only as override keys may: case, '-', '.' and '_');
//   - [CategoryType] (error): the call reads a type the flag does not have,
//     such as Int on a boolean flag, or Int on a number flag with a value
//     that is not a whole number: every such call serves the fallback;
//   - [CategoryFallback] (note): a constant fallback that is no value of any
//     variant of the flag. The fallback is served only when evaluation
//     fails (a missing or invalid flag, a closed client) or a disabled
//     flag has no off variant, so such a fallback sends the code down a
//     path that no definition chooses. That is often a typo ("clasic") or
//     a stale value, but it can be deliberate (a sentinel that tells an
//     error apart), hence a note rather than an error;
//   - [CategoryDynamic] (information): the key is not a constant (built at
//     run time, or passed in by a caller), so nothing was checked: a report
//     never claims more than it knows.
//
// The analysis framework has no severity; [LevelOf] gives a diagnostic's
// level, and messages of notes and information start with "note: " and
// "info: ". A call in a generated file (one with the standard "Code
// generated ... DO NOT EDIT." comment) is checked like any other, and its
// diagnostics say so, since the fix is in the generator's input.
//
// # What it cannot see
//
// A key passed through a function parameter is reported once, as
// information, where the getter is called, and the callers' constant keys
// are not checked; a getter held in a struct field, a map or a slice, or
// reached through an interface of the caller's own, is not recognized; a
// method value in a variable is followed only when the variable is never
// assigned anything else. Flags read by a layer the documents do not
// include (the environment, a remote document) are unknown to it.
//
// # Running it
//
// [New] returns an analyzer for flags already loaded (see [Load] and
// [Open]); the command flagkit vet in github.com/flagkit/flagkit/cmd/flagkit
// uses it. [Analyzer] reads the documents itself, from its -flags flag, for
// drivers configured by flags: cmd/flagkit-vet in this module runs it
// under go vet:
//
//	go install github.com/flagkit/flagkit/flagcheck/cmd/flagkit-vet
//	go vet -vettool=$(which flagkit-vet) -flagcheck.flags=$PWD/flags.yaml ./...
//
// go vet fails on any diagnostic, so a CI job that wants it to fail only on
// errors adds -flagcheck.level=error.
package flagcheck
