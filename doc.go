// Package flagkit is a feature-flag library with local evaluation: flag
// definitions load from files, URLs and the environment into memory, and
// every flag is evaluated in-process, in nanoseconds, with no network call
// on the request path. It lets deploying code and releasing it to users be
// two separate events: code ships behind flags that are off, a product
// manager releases it to cohorts and then to a growing percentage of users,
// and a launch is scheduled for an exact moment in the flag file.
//
// # Getting started
//
// Write a flag document (YAML or JSON):
//
//	flags:
//	  new-checkout:
//	    default: off
//	    rules:
//	      - name: staff first
//	        when: {email: {ends_with: "@example.com"}}
//	        serve: on
//	      - name: gradual rollout
//	        percent: 10
//	        serve: on
//
// Load it and check flags on code paths:
//
//	c, err := flagkit.New(ctx,
//	    flagkit.WithSource(source.File("flags.yaml")), // reloads on change
//	    flagkit.WithSource(source.Env("FEATURE_")),    // emergency overrides
//	    flagkit.WithLogger(slog.Default()),
//	)
//	if err != nil { ... }
//	defer c.Close()
//
//	s := flagkit.Subject{Key: user.ID, Attrs: flagkit.Attrs{"email": user.Email, "country": user.Country}}
//	if c.Bool(ctx, "new-checkout", s, false) { ... }
//
// # Subjects
//
// A [Subject] is who a flag is evaluated for. Its Key decides percentage
// rollouts and splits by consistent hashing, so a subject keeps its answer
// as a rollout grows; its [Attrs] are matched by conditions. Client-wide
// attributes ([WithAttributes]) apply to every subject that does not set
// them itself.
//
// # Evaluation
//
// The getters [Client.Bool], [Client.String], [Client.Int], [Client.Float]
// and [Client.Object] never fail: on any problem they return the caller's
// fallback. [Client.Evaluate] returns a [Detail] with the value, the
// variant, the flag's type, a [Reason], the rule that matched, the layer
// that served it, and an error when the fallback applies (see
// [Detail.Err]). A mistyped key or a getter of the wrong type is also
// logged once (see [WithLogger]). A flag is evaluated in this order:
//
//  1. enabled: false serves the off variant (reason DISABLED) — it beats
//     every rule, schedule and override, so a launch can always be stopped;
//  2. an override (an overrides: entry of any layer) serves its value to
//     everyone (reason STATIC);
//  3. each prerequisite in requires must serve its required variant, or the
//     off variant is served (reason PREREQUISITE_FAILED);
//  4. the first rule that matches serves its variant or picks from its split
//     (reason TARGETING_MATCH, or SPLIT when a percent or split decided);
//  5. otherwise the default (reason DEFAULT; STATIC for a flag with no
//     rules, no requires and no time part).
//
// Evaluation reads an immutable compiled snapshot through an atomic pointer:
// no locks, no allocation for the typed getters, safe from any number of
// goroutines while sources reload. [Client.View] pins one snapshot and one
// clock reading, so a request that reads several flags gets answers that
// agree even across a reload or a launch moment.
//
// [Client.Explain] says why: it returns an [Explanation], the whole path of
// one evaluation (layers, prerequisites, each rule with the condition that
// failed and on what value, buckets against percentages) ending in the
// [Detail] that Evaluate returns. [Client.ViewAt] evaluates and explains at
// another instant. Explaining is a separate walk, for tools and people;
// the getters never pay for it.
//
// # Documents
//
// A document has the top-level fields version (optional; 1), timezone (an
// IANA zone for times written without an offset), cohorts, flags and
// overrides. Every scalar is read from its text: "NO" and NO are the string
// NO, on and off are variant names, and a version such as 2.10 is never the
// float 2.1. Anchors, aliases and merge keys are refused. docs/format.md has the
// complete reference of fields and rules, docs/operators.md of operators.
//
// A flag has variants of one type (boolean, string, number or object; a
// boolean flag may omit them: on is true, off is false), a default, an
// off_variant, enabled, requires, salt, by, rules, and free-form
// description and metadata. A rule matches when all its parts hold: cohort
// or cohorts (member of any), when (attribute conditions: AND within a
// block, OR across a list of blocks), from and until (a release window),
// and percent (a fixed or ramped percentage of subjects); it then serves a
// variant, or picks one from a weighted split.
//
// The operators are eq, ne, in, not_in, lt, lte, gt, gte, starts_with,
// ends_with, contains, matches (RE2), semver_eq, semver_lt, semver_lte,
// semver_gt, semver_gte, before, after, in_cidr and exists, with the
// modifier ignore_case. A missing attribute never matches (except exists:
// false); a value of the wrong type never matches, and a string longer than
// 4096 bytes counts as one. docs/operators.md states these
// rules and the limits that bound the cost of matching.
//
// # Consistent hashing
//
// A subject's bucket for a rule is murmur3 (x86, 32 bits, seed 0) of the
// salt (the flag key unless salt: is set) followed by the subject's key or
// the attribute named by by:, mapped to 0..99999 by (h × 100000) >> 32. A
// subject is inside percent: p when its bucket is below p × 1000, so a
// percentage has a resolution of 0.001 % and raising it only adds subjects.
// A split gives each variant a consecutive range of buckets in the order
// written; a split over the same key assigns every subject exactly as
// flagd's fractional operator does.
//
// # Errors
//
// A document that cannot be parsed, is over the size limit
// ([DefaultMaxDocumentSize]) or nests deeper than 64 levels is rejected
// whole, and the source's last good document stays in force. In a document
// that parses, an invalid flag or cohort is isolated: it keeps the layer's
// last good definition, or is absent from that layer, and every other flag
// updates. Each problem is a [*ParseError] naming the source, line, column
// and path, listed in [Client.Status] and logged once. [WithStrict] makes
// [New] fail on any problem; [Validate] checks a document in CI.
//
// # Sources and layers
//
// A [Source] delivers documents; package
// github.com/flagkit/flagkit/source has file, HTTP, environment and
// in-memory sources, and any store can implement the interface (checked by
// github.com/flagkit/flagkit/source/sourcetest). Sources are layers: later
// ones override earlier ones flag by flag and cohort by cohort.
// [Client.OnChange] reports changed flags, including scheduled transitions
// (a window opening or closing, a ramp starting or ending);
// [Client.OnStatus] reports changes of health (a source stale or
// recovered, problems isolated or repaired).
//
// # Tests
//
// Package github.com/flagkit/flagkit/flagkittest builds clients with chosen
// values and overrides flags of a real client for one test, with no global
// state. [WithClock] and testing/synctest control time.
package flagkit
