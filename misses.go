package flagkit

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/flagkit/flagkit/internal/suggest"
)

// maxMisses bounds how many distinct problems of code (a key no layer
// defines, or a getter of another type than its flag) a client remembers,
// so that keys built from user input cannot grow its memory without
// limit: at most maxMisses keys of at most maxKeyLen bytes each.
const maxMisses = 256

// missKey is one distinct problem: a key not found (want is wantAny), or a
// getter that wants w of a flag of another type.
type missKey struct {
	key  string
	want want
}

// misses remembers the problems of code that the client has reported (see
// [WithLogger]). Evaluation looks a problem up without a lock; the first
// occurrence of a problem takes the mutex, builds its error once and logs
// it. The map is never modified once stored: a writer copies it.
type misses struct {
	seen atomic.Pointer[map[missKey]*keyError]
	mu   sync.Mutex
	full bool // the set was full when a new problem came; logged once
}

// keyError is the Detail.Err of an evaluation whose key names no flag, or
// whose getter wants another type than the flag's. It names the key and
// matches ErrFlagNotFound or ErrTypeMismatch with errors.Is.
type keyError struct {
	key   string
	class error     // ErrFlagNotFound or ErrTypeMismatch
	want  want      // the getter, for a mismatch
	kind  valueKind // the flag's type, for a mismatch
	near  string    // the nearest defined key, for a key not found
}

func (e *keyError) Error() string {
	if e.class == ErrFlagNotFound {
		msg := "flagkit: flag " + strconv.Quote(e.key) + " not found"
		if e.near != "" {
			msg += "; did you mean " + strconv.Quote(e.near) + "?"
		}
		return msg
	}
	if e.want == wantInt && e.kind == kindNumber {
		return "flagkit: type mismatch: flag " + strconv.Quote(e.key) +
			" served a number that is not a whole number fitting int64 (Int)"
	}
	return "flagkit: type mismatch: flag " + strconv.Quote(e.key) + " is " + e.kind.String() +
		", not " + e.want.kind().String() + " (" + e.want.String() + ")"
}

func (e *keyError) Unwrap() error { return e.class }

// kind is the flag type a getter reads.
func (w want) kind() valueKind {
	switch w {
	case wantBool:
		return kindBool
	case wantString:
		return kindString
	case wantInt, wantFloat:
		return kindNumber
	case wantObject:
		return kindObject
	}
	return 0
}

// String names the getter that wants w.
func (w want) String() string {
	switch w {
	case wantBool:
		return "Bool"
	case wantString:
		return "String"
	case wantInt:
		return "Int"
	case wantFloat:
		return "Float"
	case wantObject:
		return "Object"
	}
	return "Evaluate"
}

// newKeyError is the error of a getter that wants k.want of flag key k.key
// (f, or nil when snap has no such flag), without its suggestion.
func newKeyError(k missKey, f *compiledFlag) *keyError {
	e := &keyError{key: k.key, class: ErrTypeMismatch, want: k.want}
	if f != nil {
		e.kind = f.kind
	}
	if k.want == wantAny {
		e.class = ErrFlagNotFound
	}
	return e
}

// finishQuietly gives r the error a getter's result gets (see
// Client.resolve: ErrNoValue, or an unknown key named with its
// suggestion), without remembering or logging the problem: for Explain,
// which reports what Evaluate would.
func finishQuietly(snap *snapshot, key string, r *result) {
	if r.v != nil {
		return
	}
	switch r.err {
	case nil:
		r.err = ErrNoValue
	case ErrFlagNotFound:
		e := newKeyError(missKey{key: key, want: wantAny}, nil)
		if validKey(key) {
			e.near = suggest.Nearest(key, snap.keys)
		} else if len(key) > maxKeyLen {
			e.key = key[:maxKeyLen] + "…"
		}
		r.err = e
	}
}

// miss sets r.err for a key that snap does not define (w is wantAny) or a
// getter that wants w of flag r.f of another type, and reports the problem
// the first time it occurs. A problem already reported costs one lock-free
// map lookup and no allocation.
func (c *Client) miss(snap *snapshot, key string, w want, r *result) {
	k := missKey{key: key, want: w}
	if e := (*c.misses.seen.Load())[k]; e != nil {
		r.err = e
		return
	}
	r.err = c.missSlow(snap, k, r.f)
}

// missSlow builds the error of a problem not yet remembered, remembers it
// if there is room, and logs it once. It runs once per distinct problem
// (and on every occurrence of a problem that cannot be remembered: a key
// that can never name a flag, or one that comes when the set is full).
func (c *Client) missSlow(snap *snapshot, k missKey, f *compiledFlag) error {
	e := newKeyError(k, f)
	if !validKey(k.key) {
		// A key that can never name a flag: remembered as one problem, so
		// that keys built from input cannot fill the set.
		if len(k.key) > maxKeyLen {
			e.key = k.key[:maxKeyLen] + "…"
		}
		k = missKey{want: k.want}
		if (*c.misses.seen.Load())[k] != nil {
			return e
		}
	} else if cur := c.snap.Load(); cur != snap && cur.flags[k.key] != nil && e.class == ErrFlagNotFound {
		return e // a View of an older snapshot: the key is defined now
	}
	if e.class == ErrFlagNotFound && k.key != "" {
		e.near = suggest.Nearest(k.key, snap.keys) // outside the lock: it costs time linear in the flags
	}
	m := &c.misses
	m.mu.Lock()
	seen := *m.seen.Load()
	if prev := seen[k]; prev != nil {
		m.mu.Unlock()
		if k.key == "" {
			return e
		}
		return prev
	}
	if len(seen) >= maxMisses {
		logFull := !m.full
		m.full = true
		m.mu.Unlock()
		if logFull {
			c.log.Warn("flagkit: too many distinct unknown flags and type mismatches to remember; no more are logged until a reload resolves some",
				"max", maxMisses)
		}
		return e
	}
	// The remembered key must not keep alive a larger string it may be a
	// part of (a request's body, say).
	if k.key != "" {
		k.key = strings.Clone(k.key)
		e.key = k.key
	}
	next := make(map[missKey]*keyError, len(seen)+1)
	for kk, v := range seen {
		next[kk] = v
	}
	next[k] = e
	m.seen.Store(&next)
	m.mu.Unlock()
	c.logMiss(e, k.key == "")
	return e
}

func (c *Client) logMiss(e *keyError, invalidKey bool) {
	switch {
	case invalidKey:
		c.log.Warn("flagkit: flag not found: the key can never name a flag (1-128 letters, digits, '-', '_' or '.'); such keys are logged once",
			"flag", e.key)
	case e.class == ErrFlagNotFound && e.near != "":
		c.log.Warn("flagkit: flag not found; the caller's fallback is served", "flag", e.key, "did_you_mean", e.near)
	case e.class == ErrFlagNotFound:
		c.log.Warn("flagkit: flag not found; the caller's fallback is served", "flag", e.key)
	default:
		c.log.Warn("flagkit: type mismatch; the caller's fallback is served", "flag", e.key,
			"getter", e.want.String(), "getter_type", e.want.kind().String(), "flag_type", e.kind.String())
	}
}

// resolveMisses forgets the problems that snap resolves, logging each at
// INFO: a key not found that snap defines, and a mismatch whose flag now
// has the getter's type. A mismatch whose flag snap no longer defines is
// forgotten silently (a later evaluation reports the key not found).
func (c *Client) resolveMisses(snap *snapshot) {
	m := &c.misses
	m.mu.Lock()
	seen := *m.seen.Load()
	var resolved []*keyError
	next := make(map[missKey]*keyError, len(seen))
	for k, e := range seen {
		f := snap.flags[k.key]
		switch {
		case k.key == "": // keys that can never name a flag stay reported
		case e.class == ErrFlagNotFound && f != nil:
			resolved = append(resolved, e)
			continue
		case e.class == ErrTypeMismatch && f == nil:
			continue
		case e.class == ErrTypeMismatch && f.err == nil && f.kind != e.kind:
			if f.kind == k.want.kind() {
				resolved = append(resolved, e)
			}
			continue
		}
		next[k] = e
	}
	if len(next) < len(seen) {
		m.seen.Store(&next)
		m.full = false
	}
	m.mu.Unlock()
	sort.Slice(resolved, func(i, j int) bool {
		a, b := resolved[i], resolved[j]
		return a.key < b.key || a.key == b.key && a.want < b.want
	})
	for _, e := range resolved {
		if e.class == ErrFlagNotFound {
			c.log.Info("flagkit: flag not found before is now defined", "flag", e.key)
		} else {
			c.log.Info("flagkit: type mismatch resolved", "flag", e.key, "getter", e.want.String(), "flag_type", snap.flags[e.key].kind.String())
		}
	}
}
