// Package source provides the sources that a flagkit client loads flag
// documents from: a file, an HTTP URL, the environment and bytes in memory.
//
// A source implements [github.com/flagkit/flagkit.Source]:
//
//	type Source interface {
//		Name() string
//		Run(ctx context.Context, update func(doc []byte, err error)) error
//	}
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
// # How the client runs a source
//
// New calls Run once per source, each on a goroutine of its own, and waits
// for each source's first call to update: a document or an error. New fails
// only when a source yields no usable document. Close cancels the context
// passed to Run and waits for Run to return. Between the two, every document
// passed to update replaces the source's previous one once it has been
// checked, and every error marks the source stale in the client's status
// while its last good document stays in force. The client logs an error and
// shows it in its status together with the source's Name.
//
// # Writing a source
//
// Any type with the two methods is a source; the client has no registry.
// A source must keep this contract:
//
//   - Name identifies the source in errors, logs and Detail.Source, such as
//     "file:flags.yaml", "env:FEATURE_" or "embedded:flags.yaml". It is not
//     empty, does not change, and is safe to call while Run runs. It should
//     not contain secrets such as credentials in a URL.
//   - Run delivers the document by calling update(doc, nil), and reports a
//     failed load, one that yields no document, by calling update(nil, err).
//     A source that falls back to a copy of its document (source.HTTP's
//     backup file) delivers it with the error that made it fall back,
//     update(doc, err): the client uses the document and shows the source as
//     stale. Never (nil, nil). An empty document is a non-nil empty slice.
//   - The first call comes as soon as possible, because New waits for it: a
//     source that cannot reach its document reports an error rather than
//     waiting for it to appear, and keeps trying afterwards.
//   - After that, Run calls update again on every change, and only on a
//     change: a document equal to the previous one is not delivered again,
//     and an error equal to the previous report is not reported again (after
//     a failure, delivering the same document as before the failure is fine:
//     it tells the client that the source has recovered).
//   - Calls to update happen one at a time and only while Run is running:
//     never concurrently, never after Run returns. Calling update only from
//     Run's own goroutine is the simplest way to keep both rules.
//   - Every call hands over a slice of its own: the client may keep it, and
//     the source never modifies it afterwards nor reuses it for a later
//     document.
//   - Run returns nil when ctx is done, soon after, and leaves no goroutine
//     behind. If ctx is done already when Run starts, Run may return at
//     once without calling update. Run returns a non-nil error only when
//     the source cannot run at all (a misconfiguration, such as [Env] with
//     an empty prefix); it then returns at once, and should report the
//     error to update first.
//   - The document is YAML or JSON; its size is checked by the client (8 MiB
//     by default, see [DefaultMaxSize]), but a source that reads from the
//     network should stop reading past its own limit instead of buffering an
//     unbounded body.
//
// Package [github.com/flagkit/flagkit/source/sourcetest] checks a source
// against this contract; run it in the source's tests.
//
// # Concurrency
//
// The values that [Bytes] and [Env] return are immutable and may be shared
// by any number of clients. [File] and [HTTP] document their own rules.
package source
