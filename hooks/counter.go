package hooks

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/flagkit/flagkit"
)

// Fallback is the variant under which a [Counter] counts evaluations that
// served the caller's fallback (an evaluation whose Variant is empty): a
// missing or invalid flag, a type mismatch, a flag without a default that
// no rule matched. A variant literally named "(fallback)" would be counted
// with them.
const Fallback = "(fallback)"

// A Counter is a [flagkit.Hook] that counts evaluations per flag and per
// served variant. Read the counts with [Counter.Counts] or
// [Counter.Count], or publish the counter with package expvar, whose
// [expvar.Var] interface it implements:
//
//	counter := new(hooks.Counter)
//	expvar.Publish("flagkit", counter)
//
// expvar.Publish panics when a name is published twice, so do it once per
// process (for example in main), not in code that tests run repeatedly.
//
// Counting is cheap under concurrency: a count is one atomic addition on
// a counter of its own (padded to a cache line), found through read-only
// structures (a map of flags, then a short list of variants) without a
// lock or an allocation. Only the first evaluation of a new flag, or of a
// new variant of a flag, takes a lock, to copy what it changes. So the
// memory and the cost of adding one grow with the number of distinct
// flags; that number is bounded by the flags in the code, unless a
// program evaluates flag keys built from input, which it should not.
//
// The zero Counter is ready to use. A Counter is safe for concurrent use
// and must not be copied after first use. Counts only grow; a Counter is
// never reset.
type Counter struct {
	mu    sync.Mutex // serializes additions of flags and variants
	flags atomic.Pointer[map[string]*flagCounts]
}

// flagCounts holds the counters of one flag's variants. A flag has few
// variants, so a scan of a slice finds one faster than a map would.
type flagCounts struct {
	variants atomic.Pointer[[]variantCount] // replaced, never modified
}

type variantCount struct {
	variant string
	n       *count
}

// count is one counter, alone on its cache line so that the counters of
// different variants, hit by different cores, do not slow each other down.
type count struct {
	n atomic.Int64
	_ [56]byte
}

// AfterEvaluation counts e under its flag and variant ([Fallback] when
// the caller's fallback was served). It implements [flagkit.Hook].
func (c *Counter) AfterEvaluation(_ context.Context, e flagkit.Evaluation) {
	if n := c.find(e.Flag, e.Variant); n != nil {
		n.n.Add(1)
		return
	}
	c.add(e.Flag, e.Variant).n.Add(1)
}

// find returns the counter of flag and variant, or nil.
func (c *Counter) find(flag, variant string) *count {
	m := c.flags.Load()
	if m == nil {
		return nil
	}
	fc := (*m)[flag]
	if fc == nil {
		return nil
	}
	return fc.find(variant)
}

func (fc *flagCounts) find(variant string) *count {
	vs := fc.variants.Load()
	if vs == nil {
		return nil
	}
	for i := range *vs {
		if (*vs)[i].variant == variant {
			return (*vs)[i].n
		}
	}
	return nil
}

// add returns the counter of flag and variant, adding it if no other
// goroutine has meanwhile.
func (c *Counter) add(flag, variant string) *count {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.flags.Load()
	var fc *flagCounts
	if old != nil {
		fc = (*old)[flag]
	}
	if fc == nil {
		size := 1
		if old != nil {
			size += len(*old)
		}
		m := make(map[string]*flagCounts, size)
		if old != nil {
			for k, v := range *old {
				m[k] = v
			}
		}
		fc = new(flagCounts)
		m[flag] = fc
		c.flags.Store(&m)
	}
	if n := fc.find(variant); n != nil {
		return n
	}
	var vs []variantCount
	if p := fc.variants.Load(); p != nil {
		vs = append(vs, *p...)
	}
	n := new(count)
	vs = append(vs, variantCount{variant, n})
	fc.variants.Store(&vs)
	return n
}

// Count returns the number of evaluations of flag that served variant;
// pass "" (or [Fallback]) for the evaluations that served the caller's
// fallback.
func (c *Counter) Count(flag, variant string) int64 {
	if variant == Fallback {
		variant = ""
	}
	if n := c.find(flag, variant); n != nil {
		return n.n.Load()
	}
	return 0
}

// Counts returns a copy of the counts: flag → variant → number of
// evaluations, with the evaluations that served the caller's fallback
// under [Fallback]. Only pairs evaluated at least once appear. Each count
// is read atomically, but evaluations that happen during the call may be
// included in some counts and not in others.
func (c *Counter) Counts() map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	m := c.flags.Load()
	if m == nil {
		return out
	}
	for flag, fc := range *m {
		vs := fc.variants.Load()
		if vs == nil {
			continue
		}
		counts := make(map[string]int64, len(*vs))
		for _, x := range *vs {
			v := x.variant
			if v == "" {
				v = Fallback
			}
			counts[v] += x.n.n.Load()
		}
		out[flag] = counts
	}
	return out
}

// String returns the counts as a JSON object, flag → variant → count,
// with keys sorted, as [Counter.Counts] reports them. It implements
// [expvar.Var], so that /debug/vars shows the counts.
func (c *Counter) String() string {
	b, err := json.Marshal(c.Counts())
	if err != nil { // cannot happen: strings and integers only
		return "{}"
	}
	return string(b)
}
