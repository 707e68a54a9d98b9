package flagkittest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/suggest"
	"github.com/flagkit/flagkit/internal/testhook"
)

// An OverrideOption changes what [Override] and [Context] do.
type OverrideOption interface {
	apply(*overrideConfig)
}

type overrideConfig struct {
	subjects     []string
	allowUnknown bool
	errs         []string
}

type optionFunc func(*overrideConfig)

func (f optionFunc) apply(c *overrideConfig) { f(c) }

// ForSubjects limits the overrides to the subjects with these keys
// ([flagkit.Subject.Key]); everyone else gets what the flag's definition
// serves. A subject's own override wins over one for everyone.
func ForSubjects(keys ...string) OverrideOption {
	return optionFunc(func(c *overrideConfig) {
		if len(keys) == 0 {
			c.errs = append(c.errs, "ForSubjects needs at least one subject key")
		}
		for _, k := range keys {
			if k == "" {
				c.errs = append(c.errs, "ForSubjects: empty subject key")
			}
		}
		c.subjects = append(c.subjects, keys...)
	})
}

// AllowUnknown lets the overrides name flags that the client does not
// define, for code that reads a flag before it is added to the flag file.
// Without it such an override fails the test, so that a typo in a test
// cannot pass silently. The client serves an unknown flag's override as a
// literal of the value's type.
func AllowUnknown() OverrideOption {
	return optionFunc(func(c *overrideConfig) { c.allowUnknown = true })
}

// Literal marks a string override value to be served as it is rather than
// read as a variant name, e.g. Literal("Buy now!") for a string flag that
// has no variant with that name. Other values are literals anyway, but a
// flag's variant with an equal value is reported as the variant served.
func Literal(v any) any { return testhook.Literal{Value: v} }

// Override overrides flags of c, for everyone unless [ForSubjects] is
// given, until tb's test ends: tb.Cleanup undoes it. values maps a flag key
// to what the flag serves: a variant name ("on", "dark"; for a boolean flag
// also "true"/"false"), or a value of the flag's type (true, "Buy now!"
// with [Literal], 42, a map or struct for an object flag). Evaluations of
// c report the served value with reason STATIC and Source "flagkittest".
// The overrides beat every definition, including enabled: false.
//
// Override fails the test, naming every problem, when a value does not fit
// its flag (another type, or a string that names no variant), when c does
// not define a flag (unless [AllowUnknown] is given), or when another test
// overrides the same flag of c at the same time: overrides made with
// Override are seen by every evaluation of c, so parallel tests that share
// a client must use [Context] instead. A subtest may override a flag that
// its parent test overrode.
//
// Override must be called from the test's goroutine, like tb.Fatal.
func Override(tb testing.TB, c *flagkit.Client, values map[string]any, opts ...OverrideOption) {
	tb.Helper()
	reg, cfg := prepare(tb, "flagkittest.Override", c, values, opts)
	if reg == nil {
		return
	}
	subjects := cfg.subjects
	if len(subjects) == 0 {
		subjects = []string{""}
	}
	for _, k := range sortedKeys(values) {
		for _, s := range subjects {
			undo, err := reg.Set(k, s, values[k], tb.Name())
			if err != nil {
				tb.Fatalf("flagkittest.Override: %v", err)
				return
			}
			tb.Cleanup(undo)
		}
	}
}

// Context returns a copy of ctx that carries overrides of c's flags, for
// everyone unless [ForSubjects] is given. Evaluations by c with the
// returned context, or a context derived from it, see the overrides; c's
// other evaluations do not, nor do other clients. This lets parallel tests
// share one client, each with its own values: pass the context to the code
// under test, e.g. with http.Request.WithContext. Overrides in a context
// win over those made by [Override]; a later Context call wins over the
// one it derives from.
//
// values and options are as for [Override], and are checked the same way:
// a problem fails the test. Nothing needs undoing, but Context prepares c:
// from the first call on, c consults its test overrides on every
// evaluation (a client no test has touched spends one atomic load on
// them). The context is meant for the test's duration.
//
// Context must be called from the test's goroutine, like tb.Fatal.
func Context(tb testing.TB, ctx context.Context, c *flagkit.Client, values map[string]any, opts ...OverrideOption) context.Context {
	tb.Helper()
	if ctx == nil {
		tb.Fatalf("flagkittest.Context: nil context (use t.Context())")
		return nil
	}
	reg, cfg := prepare(tb, "flagkittest.Context", c, values, opts)
	if reg == nil {
		return ctx
	}
	if len(cfg.subjects) == 0 {
		all := make(map[string]any, len(values))
		for k, v := range values {
			all[k] = v
		}
		return testhook.WithValues(ctx, reg, all, nil)
	}
	keyed := make(map[string]map[string]any, len(values))
	for k, v := range values {
		m := make(map[string]any, len(cfg.subjects))
		for _, s := range cfg.subjects {
			m[s] = v
		}
		keyed[k] = m
	}
	return testhook.WithValues(ctx, reg, nil, keyed)
}

// prepare checks the arguments of Override and Context and returns c's
// registry, or nil after failing the test.
func prepare(tb testing.TB, fn string, c *flagkit.Client, values map[string]any, opts []OverrideOption) (*testhook.Registry, *overrideConfig) {
	tb.Helper()
	if c == nil {
		tb.Fatalf("%s: nil client", fn)
		return nil, nil
	}
	cfg := &overrideConfig{}
	for _, o := range opts {
		if o != nil {
			o.apply(cfg)
		}
	}
	reg := testhook.RegistryOf(c)
	problems := cfg.errs
	for _, k := range sortedKeys(values) {
		err := reg.Check(k, values[k])
		if err == nil || cfg.allowUnknown && errors.Is(err, flagkit.ErrFlagNotFound) {
			continue
		}
		msg := strings.TrimSuffix(err.Error(), ": "+flagkit.ErrTypeMismatch.Error())
		if errors.Is(err, flagkit.ErrFlagNotFound) {
			msg = fmt.Sprintf("flag %q is not defined by the client%s (use AllowUnknown to override it anyway)", k, didYouMean(k, c))
		}
		problems = append(problems, msg)
	}
	if len(problems) > 0 {
		tb.Fatalf("%s: %s", fn, strings.Join(problems, "; "))
		return nil, nil
	}
	return reg, cfg
}

// EachVariant runs fn as a subtest of t once for each variant of flag, in
// the order the flag defines them (for a boolean flag without variants:
// on, then off), with the flag overridden for everyone to that variant
// (see [Override]). Subtests are named after the variants.
//
// The override is seen by every evaluation of c during the subtest, so the
// code under test need not carry a context; the subtests therefore run one
// after another: fn must not call t.Parallel (the next subtest's override
// would fail the test). To run variants in parallel, range over the
// variants yourself and use [Context].
//
// EachVariant fails the test if c does not define flag.
func EachVariant(t *testing.T, c *flagkit.Client, flag string, fn func(t *testing.T, variant string)) {
	t.Helper()
	variants := variantsOf(t, c, flag)
	for _, v := range variants {
		t.Run(v, func(t *testing.T) {
			Override(t, c, map[string]any{flag: v})
			fn(t, v)
		})
	}
}

// variantsOf returns flag's variants, or fails the test.
func variantsOf(tb testing.TB, c *flagkit.Client, flag string) []string {
	tb.Helper()
	if c == nil {
		tb.Fatalf("flagkittest.EachVariant: nil client")
		return nil
	}
	for _, f := range c.Flags() {
		if f.Key != flag {
			continue
		}
		if f.Err != nil {
			tb.Fatalf("flagkittest.EachVariant: flag %q is invalid: %v", flag, f.Err)
			return nil
		}
		if len(f.Variants) == 0 {
			tb.Fatalf("flagkittest.EachVariant: flag %q has no variants", flag)
			return nil
		}
		return f.Variants
	}
	tb.Fatalf("flagkittest.EachVariant: flag %q is not defined by the client%s", flag, didYouMean(flag, c))
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// didYouMean returns `; did you mean "x"?` naming the flag of c closest to
// key, when one is close enough to be a likely typo, or "".
func didYouMean(key string, c *flagkit.Client) string {
	return suggest.DidYouMean(key, c.View().Keys())
}
