// Package testhook holds the overrides that package flagkittest installs in
// a flagkit.Client. It lives in internal/ so that only this module can
// reach a client's test overrides: production code cannot.
//
// A client holds a *Registry only once a test has asked for one (through
// [RegistryOf]). Until then evaluation does one atomic load of a nil
// pointer and nothing else.
package testhook

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// RegistryOf returns the registry of c, a non-nil *flagkit.Client,
// installing an empty one the first time it is asked; package flagkittest
// keeps a test's overrides and observers there. Package flagkit sets
// RegistryOf when it is initialized, before any code can hold a client,
// and nothing changes it afterwards. A variable in this internal package,
// rather than an exported method of Client, keeps the hook out of
// flagkit's API: no code outside this module can reach it.
var RegistryOf func(c any) *Registry

// A Literal is an override value served as it is, never read as a variant
// name; flagkittest.Literal makes one.
type Literal struct{ Value any }

// An Eval describes one evaluation for an observer (see
// [Registry.Observe]).
type Eval struct {
	Flag       string
	SubjectKey string
	// Known is true when the client defines the flag.
	Known bool
	// Overridden is true when a test override served the value.
	Overridden bool
}

// A Registry holds the overrides of one client: for everyone, or for
// chosen subject keys, each owned by the test that set it, and the
// observers that tests attached to the client's evaluations. Overrides
// carried in a context (see [WithValues]) are consulted first.
//
// Lookup, which the client calls for every evaluation, takes no lock: the
// overrides and observers are immutable values swapped atomically by the
// writers, which a mutex serializes. A Registry is safe for concurrent use.
type Registry struct {
	known func(flag string) bool
	check func(flag string, value any) error

	mu    sync.Mutex // serializes writers
	table atomic.Pointer[table]
	obs   atomic.Pointer[[]*observer]
}

type table struct {
	all   map[string]entry            // flag -> value for everyone
	keyed map[string]map[string]entry // flag -> subject key -> value
}

type entry struct {
	value any
	owner string
}

type observer struct{ fn func(Eval) }

// NewRegistry returns an empty registry for a client. known reports
// whether the client defines a flag; check reports why the client could not
// serve value for flag (nil when it can). Both must be safe for concurrent
// use and must not evaluate flags.
func NewRegistry(known func(flag string) bool, check func(flag string, value any) error) *Registry {
	r := &Registry{known: known, check: check}
	r.table.Store(&table{})
	return r
}

// Known reports whether the client defines flag.
func (r *Registry) Known(flag string) bool { return r.known(flag) }

// Check reports why the client could not serve value for flag, or nil.
func (r *Registry) Check(flag string, value any) error { return r.check(flag, value) }

// Lookup returns the value overriding flag for the subject key, if any:
// from ctx first (only overrides made for this registry), then from the
// registry, a subject's own override before one for everyone. It tells
// every observer about the evaluation.
func (r *Registry) Lookup(ctx context.Context, flag, subjectKey string) (any, bool) {
	v, ok := fromContext(ctx, r, flag, subjectKey)
	if !ok {
		v, ok = r.table.Load().lookup(flag, subjectKey)
	}
	if obs := r.obs.Load(); obs != nil && len(*obs) > 0 {
		e := Eval{Flag: flag, SubjectKey: subjectKey, Known: r.known(flag), Overridden: ok}
		for _, o := range *obs {
			o.fn(e)
		}
	}
	return v, ok
}

func (t *table) lookup(flag, subjectKey string) (any, bool) {
	if m, ok := t.keyed[flag]; ok {
		if e, ok := m[subjectKey]; ok {
			return e.value, true
		}
	}
	if e, ok := t.all[flag]; ok {
		return e.value, true
	}
	return nil, false
}

// clone returns a copy of t that a writer may change.
func (t *table) clone() *table {
	n := &table{all: make(map[string]entry, len(t.all)+1), keyed: make(map[string]map[string]entry, len(t.keyed)+1)}
	for k, e := range t.all {
		n.all[k] = e
	}
	for k, m := range t.keyed {
		n.keyed[k] = m // copied on write, in set
	}
	return n
}

// set stores e (or deletes the override when e is nil) in the copy n.
func (n *table) set(flag, subjectKey string, e *entry) {
	if subjectKey == "" {
		if e == nil {
			delete(n.all, flag)
		} else {
			n.all[flag] = *e
		}
		return
	}
	old := n.keyed[flag]
	m := make(map[string]entry, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	if e == nil {
		delete(m, subjectKey)
	} else {
		m[subjectKey] = *e
	}
	if len(m) == 0 {
		delete(n.keyed, flag)
	} else {
		n.keyed[flag] = m
	}
}

func (t *table) get(flag, subjectKey string) (entry, bool) {
	if subjectKey == "" {
		e, ok := t.all[flag]
		return e, ok
	}
	e, ok := t.keyed[flag][subjectKey]
	return e, ok
}

// Set overrides flag with value for subjectKey ("" for everyone), on behalf
// of owner (a test's name). It fails when another test holds the same
// override, so two parallel tests cannot silently fight over one flag; a
// subtest may replace an override of one of its ancestors (owner
// "TestA/sub" over "TestA"). The returned function undoes the override,
// restoring what was there before.
func (r *Registry) Set(flag, subjectKey string, value any, owner string) (undo func(), err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.table.Load()
	prev, had := cur.get(flag, subjectKey)
	if had && prev.owner != owner && !strings.HasPrefix(owner, prev.owner+"/") {
		who := "everyone"
		if subjectKey != "" {
			who = fmt.Sprintf("subject %q", subjectKey)
		}
		return nil, fmt.Errorf("flag %q is already overridden for %s by %s; tests that override the same flag of one client cannot run in parallel (use flagkittest.Context to keep overrides per test)", flag, who, prev.owner)
	}
	n := cur.clone()
	n.set(flag, subjectKey, &entry{value: value, owner: owner})
	r.table.Store(n)
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			n := r.table.Load().clone()
			if had {
				n.set(flag, subjectKey, &prev)
			} else {
				n.set(flag, subjectKey, nil)
			}
			r.table.Store(n)
		})
	}, nil
}

// Observe calls fn for every evaluation the client makes until remove is
// called, on the evaluating goroutine. fn must be safe for concurrent use,
// return quickly and not evaluate flags.
func (r *Registry) Observe(fn func(Eval)) (remove func()) {
	o := &observer{fn: fn}
	r.mu.Lock()
	defer r.mu.Unlock()
	var cur []*observer
	if p := r.obs.Load(); p != nil {
		cur = *p
	}
	next := append(append(make([]*observer, 0, len(cur)+1), cur...), o)
	r.obs.Store(&next)
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			cur := *r.obs.Load()
			next := make([]*observer, 0, len(cur))
			for _, x := range cur {
				if x != o {
					next = append(next, x)
				}
			}
			r.obs.Store(&next)
		})
	}
}

type ctxKey struct{}

// ctxOverrides is a link in a chain of context overrides; inner links win.
type ctxOverrides struct {
	parent *ctxOverrides
	reg    *Registry
	values map[string]any            // flag -> value for everyone
	keyed  map[string]map[string]any // flag -> subject key -> value
}

// WithValues returns a context whose evaluations by the client that owns
// reg see values (for everyone) and keyed values (flag -> subject key ->
// value), on top of any overrides that ctx already carries. Other clients
// ignore them. The maps must not be modified afterwards.
func WithValues(ctx context.Context, reg *Registry, values map[string]any, keyed map[string]map[string]any) context.Context {
	parent, _ := ctx.Value(ctxKey{}).(*ctxOverrides)
	return context.WithValue(ctx, ctxKey{}, &ctxOverrides{parent: parent, reg: reg, values: values, keyed: keyed})
}

func fromContext(ctx context.Context, r *Registry, flag, subjectKey string) (any, bool) {
	if ctx == nil {
		return nil, false
	}
	o, _ := ctx.Value(ctxKey{}).(*ctxOverrides)
	for ; o != nil; o = o.parent {
		if o.reg != r {
			continue
		}
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
