// Package testhook holds the overrides that package flagkittest installs in
// a flagkit.Client. It lives in internal/ so that only this module can
// reach a client's test overrides: production code cannot.
package testhook

import (
	"context"
	"fmt"
	"sync"
)

// A Registry holds the overrides of one client: for everyone, or for
// chosen subject keys, each owned by the test that set it. Overrides
// carried in a context are consulted first.
type Registry struct {
	mu    sync.RWMutex
	all   map[string]entry            // flag -> value for everyone
	keyed map[string]map[string]entry // flag -> subject key -> value
}

type entry struct {
	value any
	owner string
}

// Lookup returns the value overriding flag for the subject key, if any.
func (r *Registry) Lookup(ctx context.Context, flag, subjectKey string) (any, bool) {
	if v, ok := fromContext(ctx, flag, subjectKey); ok {
		return v, true
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if m, ok := r.keyed[flag]; ok {
		if e, ok := m[subjectKey]; ok {
			return e.value, true
		}
	}
	if e, ok := r.all[flag]; ok {
		return e.value, true
	}
	return nil, false
}

// Set overrides flag with value for subjectKey ("" for everyone), on behalf
// of owner (a test's name). It fails when another owner holds the same
// override, so two parallel tests cannot silently fight over one flag.
// The returned function undoes the override.
func (r *Registry) Set(flag, subjectKey string, value any, owner string) (undo func(), err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.all == nil {
		r.all = map[string]entry{}
		r.keyed = map[string]map[string]entry{}
	}
	var m map[string]entry
	key := flag
	if subjectKey == "" {
		m = r.all
	} else {
		m = r.keyed[flag]
		if m == nil {
			m = map[string]entry{}
			r.keyed[flag] = m
		}
		key = subjectKey
	}
	if e, ok := m[key]; ok && e.owner != owner {
		who := "everyone"
		if subjectKey != "" {
			who = fmt.Sprintf("subject %q", subjectKey)
		}
		return nil, fmt.Errorf("flag %q is already overridden for %s by %s; tests that override the same flag of one client cannot run in parallel (use flagkittest.Context to keep overrides per test)", flag, who, e.owner)
	}
	prev, had := m[key]
	m[key] = entry{value: value, owner: owner}
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if had {
			m[key] = prev
		} else {
			delete(m, key)
		}
	}, nil
}

type ctxKey struct{}

// ctxOverrides is a link in a chain of context overrides; inner links win.
type ctxOverrides struct {
	parent *ctxOverrides
	values map[string]any            // flag -> value for everyone
	keyed  map[string]map[string]any // flag -> subject key -> value
}

// WithValues returns a context whose evaluations see flag values (for
// everyone) and keyed values (per subject key), on top of any that ctx
// already carries.
func WithValues(ctx context.Context, values map[string]any, keyed map[string]map[string]any) context.Context {
	parent, _ := ctx.Value(ctxKey{}).(*ctxOverrides)
	return context.WithValue(ctx, ctxKey{}, &ctxOverrides{parent: parent, values: values, keyed: keyed})
}

func fromContext(ctx context.Context, flag, subjectKey string) (any, bool) {
	if ctx == nil {
		return nil, false
	}
	o, _ := ctx.Value(ctxKey{}).(*ctxOverrides)
	for ; o != nil; o = o.parent {
		if m, ok := o.keyed[flag]; ok {
			if v, ok := m[subjectKey]; ok {
				return v, true
			}
		}
		if v, ok := o.values[flag]; ok {
			return v, true
		}
	}
	return nil, false
}
