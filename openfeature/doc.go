// Package flagkitof is an OpenFeature provider for flagkit: it lets code
// written against the OpenFeature Go SDK (github.com/open-feature/go-sdk)
// evaluate flags with a [flagkit.Client].
//
// The package lives at github.com/flagkit/flagkit/openfeature, but its name
// is flagkitof, not openfeature: a program that registers the provider
// always imports the SDK's package openfeature in the same file, and two
// packages of one name would force every user to rename one of them. The
// providers in OpenFeature's go-sdk-contrib are named for the flag system
// they serve (package flagd, package launchdarkly), but flagkit is the name
// of the core package, which the same file imports to make the client; and
// a name as generic as provider would clash with the variables users give
// to providers. flagkitof reads as "flagkit for OpenFeature"; import it
// with that name spelled out, as goimports does for a package whose name
// differs from its path:
//
//	import (
//		"github.com/open-feature/go-sdk/openfeature"
//		flagkitof "github.com/flagkit/flagkit/openfeature"
//	)
//
//	c, err := flagkit.New(ctx, flagkit.WithSource(source.File("flags.yaml")))
//	if err != nil { ... }
//	defer c.Close()
//	if err := openfeature.SetProviderAndWait(flagkitof.New(c)); err != nil { ... }
//	client := openfeature.NewDefaultClient()
//	on := client.Boolean(ctx, "new-checkout", false,
//		openfeature.NewEvaluationContext("user-42", map[string]any{"country": "NO"}))
//
// # Evaluation
//
// Each evaluation is one [flagkit.Client.Evaluate]; the evaluation
// context's targeting key is the [flagkit.Subject]'s Key and its attributes
// (as the SDK flattens them, targetingKey included) are the subject's Attrs,
// passed through without copying or converting, so a time.Time or a
// []string attribute reaches flagkit's operators as it is.
//
// The typed evaluations follow flagkit's getters: a boolean, string or
// object evaluation needs a flag of that type; an integer evaluation needs a
// number flag whose served value is a whole number that fits int64 (1.5 is
// a TYPE_MISMATCH, as [flagkit.Client.Int] serves its fallback for it); a
// float evaluation accepts any number flag. An object evaluation returns a
// fresh map[string]any or []any, never an alias of the client's data. When
// flagkit serves no variant (a flag without a default, or disabled without
// an off variant), the caller's default value is returned with flagkit's
// reason, no variant and no error, as flagkit's getters do.
//
// Reasons map one to one: STATIC, DEFAULT, TARGETING_MATCH, SPLIT, DISABLED
// and ERROR are OpenFeature's reasons of the same names. flagkit's
// PREREQUISITE_FAILED has no OpenFeature equivalent and is reported as the
// custom reason [ReasonPrerequisiteFailed] ("PREREQUISITE_FAILED"), which
// the OpenFeature specification allows: DISABLED would send whoever debugs
// the flag to its enabled field, which is true, and ERROR would claim a
// failure where flagkit served the flag's off variant as designed.
//
// Errors map to OpenFeature error codes:
//
//	flagkit.ErrFlagNotFound  FLAG_NOT_FOUND
//	flagkit.ErrTypeMismatch  TYPE_MISMATCH (also a served value of the wrong type)
//	flagkit.ErrInvalidFlag   PARSE_ERROR (the flag's only definitions are invalid)
//	flagkit.ErrClosed        PROVIDER_FATAL
//	anything else            GENERAL
//
// [flagkit.ErrNoValue] (the flag served no variant: no default, or no off
// variant) is no error: the resolution has the caller's default value, no
// variant, no error code and flagkit's reason (DEFAULT, DISABLED or
// PREREQUISITE_FAILED), as OpenFeature's flagd and LaunchDarkly do.
//
// A closed client never serves again, which is what PROVIDER_FATAL ("the
// provider has entered an irrecoverable error state") means; the
// PROVIDER_NOT_READY code promises a readiness that will come, and GENERAL
// would hide the cause.
//
// The resolution's flag metadata is the flag's own metadata map, as the
// OpenFeature specification defines flag metadata (section 1.4.14): its
// boolean, string and number values; OpenFeature metadata has no nested
// values, so maps and lists are left out. A flag without metadata resolves
// with empty flag metadata. Each resolution gets its own copy. The metadata
// is read with [flagkit.Client.Flags] at initialization and again after
// each change the client reports, so it follows a reload within one change
// notification.
//
// The layer that served a value and the rule that decided it describe one
// evaluation, not the flag, so they are not flag metadata. flagkit's hooks
// ([flagkit.WithHook]) see both in [flagkit.Detail] for every evaluation,
// through OpenFeature or not; [flagkit.Client.Evaluate] returns them too.
// [WithSourceAndRule] adds them to the flag metadata, as "source" and
// "rule", for tools that read only OpenFeature's evaluation details.
//
// # Conformance
//
// The provider passes the OpenFeature specification's Gherkin suites for
// providers (evaluation_v2.feature and metadata.feature), which its tests
// run through the SDK; this module's README.md lists the scenarios that do
// not apply to flagkit and why.
//
// # Events and state
//
// Init subscribes to [flagkit.Client.OnChange] and starts one goroutine,
// which Shutdown stops and waits for; neither closes the flagkit client,
// which belongs to the caller. The SDK emits PROVIDER_READY when Init
// returns. Afterwards the provider emits:
//
//   - PROVIDER_CONFIGURATION_CHANGED for each change the client reports,
//     with the changed flags' keys in FlagChanges and, in EventMetadata,
//     "source" (the layer whose update caused it, "" for a scheduled
//     transition) and "scheduled" (a bool);
//   - PROVIDER_STALE when a source's last load failed, so flags are served
//     from an earlier document (see [flagkit.SourceStatus]), and
//     PROVIDER_READY when every source loads again;
//   - PROVIDER_ERROR with error code PROVIDER_FATAL when the client has been
//     closed.
//
// The provider reads [flagkit.Client.Status] every [WithStatusInterval]
// (5 seconds by default), the first time one interval after Init; from
// then on it also reads it whenever the client reports a change of health
// ([flagkit.Client.OnStatus]) or of flags, so STALE and the READY of a
// recovery are emitted as soon as a source fails or loads again.
//
// The event channel is buffered and never closed; the goroutine waits for
// the SDK to take each event, so events are not lost and a slow SDK never
// holds up the client's notifications, which the provider merges meanwhile.
package flagkitof
