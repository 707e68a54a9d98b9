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

// An Evaluation describes one evaluation for a [Hook].
type Evaluation struct {
	Flag       string
	SubjectKey string
	Variant    string // "" when the caller's fallback was served
	Type       string // the flag's type, as in Detail.Type
	Reason     Reason
	Rule       string
	Source     string
	Err        error
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
