package flagkit

import "context"

// A Hook observes evaluations, for exposure logging, metrics and tracing.
// AfterEvaluation is called after every evaluation by any getter, on the
// caller's goroutine, with the getter's ctx (which may carry a trace span).
// It must be safe for concurrent use, return quickly and not call the
// client's getters. With no hooks registered, evaluation costs nothing
// extra.
type Hook interface {
	AfterEvaluation(ctx context.Context, e Evaluation)
}

// An Evaluation describes one evaluation for a [Hook]: the fields of a
// [Detail] for what the caller got (a getter of another type than the
// flag's got ErrTypeMismatch), less the Value. It is a type of its own, not
// a Detail, because a hook sees every evaluation and must cost no
// allocation, while Detail.Value of an object flag is a fresh decoded copy;
// the Variant names the value served.
type Evaluation struct {
	// Flag is the key the getter was called with.
	Flag string
	// SubjectKey is the Key of the [Subject] evaluated for.
	SubjectKey string
	// Variant is as [Detail.Variant].
	Variant string
	// Type is as [Detail.Type].
	Type string
	// Reason is as [Detail.Reason].
	Reason Reason
	// Rule is as [Detail.Rule].
	Rule string
	// Source is as [Detail.Source].
	Source string
	// Err is as [Detail.Err].
	Err error
}

// WithHook registers a hook called after each evaluation. Hooks run in the
// order given.
func WithHook(h Hook) Option {
	return func(c *config) {
		if h != nil {
			c.hooks = append(c.hooks, h)
		}
	}
}

func (c *Client) runHooks(ctx context.Context, key, subjectKey string, r *result) {
	e := Evaluation{Flag: key, SubjectKey: subjectKey, Type: r.typeName(), Reason: r.reason(), Rule: r.ruleName(), Source: r.source(), Err: r.err}
	if r.v != nil {
		e.Variant = r.v.name
	}
	for _, h := range c.hooks {
		h.AfterEvaluation(ctx, e)
	}
}
