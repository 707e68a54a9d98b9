// Package source provides the sources that a flagkit client loads flag
// documents from: a file, an HTTP URL, the environment and bytes in memory.
//
// A source implements [flagkit.Source], whose doc comment is the one
// statement of the contract between a client and its sources.
//
// It knows where a document lives and when it changes; it does not parse it.
// The client parses and checks every document it is given, keeps the last
// good one of each source, merges them and swaps the result in for
// evaluation. A source only moves bytes.
//
// # The sources
//
//   - [File] reads a YAML or JSON file and notices a change within about a
//     second. Writers should write a temporary file and rename it over the
//     old one.
//   - [HTTP] polls a URL with conditional requests (ETag, Last-Modified), so
//     a static host, object store or CDN can serve one document to a fleet,
//     and can keep a backup copy on disk ([Backup]) for a start without the
//     server. With [Verify] it accepts only documents signed with Ed25519
//     (a detached signature next to the document, made by the flagkit
//     command's sign), so a tampered host cannot change the flags.
//   - [Env] turns environment variables with a prefix into an overrides
//     document: FEATURE_NEW_CHECKOUT=on overrides flag new-checkout with "on".
//     It reads the environment once, at start.
//   - [Bytes] serves a document held in memory, typically one embedded in
//     the binary with a go:embed directive: defaults that cannot fail to
//     load, since they ship with the program.
//
// # Layering
//
// A client takes its sources in order, and each one is a layer over the
// ones before it: a later layer's definition of a flag or cohort replaces
// an earlier one's, one flag at a time, and the overrides of any layer
// (the last one wins) set a flag's value for everyone. The usual stack is
// embedded defaults, then the shared document, then the environment:
//
//	//go:embed flags.yaml
//	var defaults []byte
//
//	c, err := flagkit.New(ctx,
//		flagkit.WithSource(source.Bytes("embedded:flags.yaml", defaults)),
//		flagkit.WithSource(source.HTTP("https://flags.example.com/checkout.yaml",
//			source.Backup("/var/cache/checkout/flags.yaml"))),
//		flagkit.WithSource(source.Env("FEATURE_")),
//	)
//
// With this stack every flag has a built-in default, the shared document
// releases flags to cohorts and percentages and changes them without a
// deploy, the backup copy lets the service start when the server cannot be
// reached, and an operator can pin any flag with an environment variable.
// Each layer keeps its last good document on its own, so a broken document
// in one layer never takes away the flags of another.
//
// # Writing a source
//
// Any type with the two methods of [flagkit.Source] is a source; the client
// has no registry. The contract (what Run and update promise each other,
// including the client's verdict that update returns) is written on
// [flagkit.Source]; package [github.com/flagkit/flagkit/source/sourcetest]
// checks a source against it: run it in the source's tests.
//
// # Concurrency
//
// The values that [Bytes] and [Env] return are immutable and may be shared
// by any number of clients. [File] and [HTTP] document their own rules.
package source
