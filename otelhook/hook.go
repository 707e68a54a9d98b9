// Package otelhook records flagkit evaluations in OpenTelemetry traces: a
// [flagkit.Hook] that adds a feature_flag.evaluation event to the span in
// the getter's context, following the OpenTelemetry semantic conventions
// for feature flags.
//
//	c, err := flagkit.New(ctx,
//		flagkit.WithSource(source.File("flags.yaml")),
//		flagkit.WithHook(otelhook.New()),
//	)
//	...
//	// In a handler whose ctx carries the request's span:
//	if c.Bool(ctx, "new-checkout", subject, false) { ... }
//
// The package is named otelhook, not otel, so that it does not take the
// name of go.opentelemetry.io/otel, which the same programs import; the
// name says what it is: a flagkit hook for OpenTelemetry.
//
// # Conventions
//
// The attribute names are those of OpenTelemetry semantic conventions
// v1.43.0 (go.opentelemetry.io/otel/semconv/v1.43.0), where the
// feature_flag attributes are release candidates and the
// feature_flag.evaluation event is in development. The conventions describe
// the event as a log record; this hook records it as a span event, which
// is what trace backends show next to the request today. Each event has:
//
//	feature_flag.key            the flag's key (always)
//	feature_flag.provider.name  "flagkit" (always)
//	feature_flag.result.reason  the reason in lower case (always; see below)
//	feature_flag.result.variant the served variant, when one was served
//	feature_flag.context.id     the subject's key, when not empty
//	feature_flag.set.id         the id given to [WithSetID], if any
//	error.type                  the class of error, when there is one
//	feature_flag.error.message  the error's message, when there is one
//	flagkit.rule                the rule that decided, when one did
//	flagkit.source              the layer that served the value, when known
//
// Reasons are flagkit's in lower case: static, default, targeting_match,
// split, disabled and error are the conventions' values; prerequisite_failed
// is a custom value (the conventions allow one where none of theirs applies,
// and disabled would be untrue: the flag is enabled, a prerequisite is not
// met). error.type takes the conventions' values: flag_not_found
// ([flagkit.ErrFlagNotFound]), type_mismatch ([flagkit.ErrTypeMismatch]),
// parse_error ([flagkit.ErrInvalidFlag]), provider_fatal
// ([flagkit.ErrClosed]: a closed client never serves again) and general
// for any other error. [flagkit.ErrNoValue] is not an error here: the
// caller's fallback was served by design, and the reason says why.
//
// flagkit's hooks run after the evaluation proper, before a typed getter
// checks the flag's type, so an event never shows type_mismatch for a
// getter of the wrong type; [flagkit.Client.Evaluate] reports it.
//
// # Cost
//
// When the context carries no span, or a span that is not recording (not
// sampled), the hook only reads the span from the context and returns: it
// allocates nothing and the getters stay allocation-free.
package otelhook

import (
	"context"
	"errors"
	"strings"

	"github.com/flagkit/flagkit"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// EventName is the name of the span events the hook adds.
const EventName = "feature_flag.evaluation"

// ProviderName is the value of feature_flag.provider.name.
const ProviderName = "flagkit"

// The attributes the hook adds that the conventions do not define.
const (
	// RuleKey is the attribute naming the rule that decided the value.
	RuleKey = attribute.Key("flagkit.rule")
	// SourceKey is the attribute naming the layer that served the value.
	SourceKey = attribute.Key("flagkit.source")
)

// An Option configures [New].
type Option func(*config)

type config struct {
	setID string
}

// WithSetID sets feature_flag.set.id on every event, for example the name
// of the flag document or of the service, so that the flags of several
// clients in one program can be told apart. By default the attribute is
// left out.
func WithSetID(id string) Option {
	return func(c *config) { c.setID = id }
}

// A Hook adds a feature_flag.evaluation event to the recording span of the
// context of each evaluation. Create it with [New] and install it with
// [flagkit.WithHook]. It is safe for concurrent use; the zero Hook works
// and sets no feature_flag.set.id.
type Hook struct {
	setID string
}

var _ flagkit.Hook = (*Hook)(nil)

// New returns a hook.
func New(opts ...Option) *Hook {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return &Hook{setID: cfg.setID}
}

var providerAttr = semconv.FeatureFlagProviderName(ProviderName)

// AfterEvaluation adds the event for e to the span in ctx, if it records.
func (h *Hook) AfterEvaluation(ctx context.Context, e flagkit.Evaluation) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 10)
	attrs = append(attrs, semconv.FeatureFlagKey(e.Flag), providerAttr, semconv.FeatureFlagResultReasonKey.String(reason(e.Reason)))
	if e.Variant != "" {
		attrs = append(attrs, semconv.FeatureFlagResultVariant(e.Variant))
	}
	if e.SubjectKey != "" {
		attrs = append(attrs, semconv.FeatureFlagContextID(e.SubjectKey))
	}
	if h != nil && h.setID != "" {
		attrs = append(attrs, semconv.FeatureFlagSetID(h.setID))
	}
	if e.Err != nil && !errors.Is(e.Err, flagkit.ErrNoValue) {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(e.Err)), semconv.FeatureFlagErrorMessage(e.Err.Error()))
	}
	if e.Rule != "" {
		attrs = append(attrs, RuleKey.String(e.Rule))
	}
	if e.Source != "" {
		attrs = append(attrs, SourceKey.String(e.Source))
	}
	span.AddEvent(EventName, trace.WithAttributes(attrs...))
}

// reason returns the value of feature_flag.result.reason for r.
func reason(r flagkit.Reason) string {
	switch r {
	case flagkit.ReasonStatic:
		return "static"
	case flagkit.ReasonDefault:
		return "default"
	case flagkit.ReasonTargetingMatch:
		return "targeting_match"
	case flagkit.ReasonSplit:
		return "split"
	case flagkit.ReasonDisabled:
		return "disabled"
	case flagkit.ReasonPrerequisiteFailed:
		return "prerequisite_failed"
	case flagkit.ReasonError:
		return "error"
	case "":
		return "unknown"
	}
	return strings.ToLower(string(r)) // a reason added to flagkit later
}

// errorType returns the value of error.type for err.
func errorType(err error) string {
	switch {
	case errors.Is(err, flagkit.ErrClosed):
		return "provider_fatal"
	case errors.Is(err, flagkit.ErrFlagNotFound):
		return "flag_not_found"
	case errors.Is(err, flagkit.ErrTypeMismatch):
		return "type_mismatch"
	case errors.Is(err, flagkit.ErrInvalidFlag):
		return "parse_error"
	}
	return "general"
}
