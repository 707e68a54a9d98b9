package flagkit

// Reference graphs cost linear time.
//
// Cohorts narrow other cohorts and flags require other flags, so what one
// evaluation reaches is a graph, not a tree: a cohort that narrows the same
// ancestor along two paths, or prerequisites that share prerequisites, would
// be visited once per path, and the number of paths can double with every
// level. Evaluation therefore remembers, per evaluation, what each cohort
// and each prerequisite came to (an evalMemo), so that it visits each at
// most once.
//
// The bookkeeping costs a few nanoseconds, so only flags that need it pay
// for it: a flag whose evaluation, walked as a tree, reaches more than
// memoThreshold cohorts and prerequisites (counted along every path) is
// evaluated with a memo; any other visits at most memoThreshold of them
// anyway.

// memoThreshold is the number of cohort and prerequisite visits along all
// paths above which a flag is evaluated with an evalMemo.
const memoThreshold = 32

// An evalMemo remembers, during one evaluation, whether the subject is a
// member of each cohort (indexed by cohort.idx) and what each prerequisite
// served (indexed by prereq.slot). Evaluations take one from their
// snapshot's pool, so that a memoized evaluation allocates nothing once the
// pool is warm.
type evalMemo struct {
	known, member []uint64 // bit sets over cohort indexes
	done          []uint64 // bit set over prerequisite slots
	served        []*variant
}

func newEvalMemo(cohorts, prereqs int) *evalMemo {
	return &evalMemo{
		known:  make([]uint64, (cohorts+63)/64),
		member: make([]uint64, (cohorts+63)/64),
		done:   make([]uint64, (prereqs+63)/64),
		served: make([]*variant, prereqs),
	}
}

// reset forgets everything, in time linear in the snapshot's number of
// cohorts and prerequisites over 64.
func (m *evalMemo) reset() {
	clear(m.known)
	clear(m.done)
}

// contains is c.test(t), computed once per evaluation.
func (m *evalMemo) contains(c *cohort, t *target) bool {
	w, bit := c.idx>>6, uint64(1)<<(c.idx&63)
	if m.known[w]&bit != 0 {
		return m.member[w]&bit != 0
	}
	in := c.test(t)
	m.known[w] |= bit
	if in {
		m.member[w] |= bit
	} else {
		m.member[w] &^= bit
	}
	return in
}

// graph gives a snapshot's cohorts and prerequisites their memo indexes and
// decides which flags are evaluated with a memo. It runs once per compile,
// in time linear in the size of the graph.
type graph struct {
	cohorts  int                 // indexes handed out
	clones   map[*cohort]*cohort // cohorts of an earlier snapshot, re-indexed
	slots    map[string]int32    // prerequisite flag -> slot
	cost     map[*cohort]int     // visits a cohort's test makes as a tree
	flagCost map[string]int      // visits a flag's evaluation makes as a tree
}

// newCohort returns a compiled cohort with the next index.
func (g *graph) newCohort(key string, when anyOf) *cohort {
	co := newCohort(key, nil, when, int32(g.cohorts))
	g.cohorts++
	return co
}

// adopt returns a copy of a flag compiled for an earlier snapshot whose
// cohorts carry this snapshot's indexes: the flag keeps its last good
// definition, and a memo of this snapshot can serve it.
func (g *graph) adopt(f *compiledFlag) *compiledFlag {
	copied := *f
	copied.rules = append([]rule(nil), f.rules...)
	for i := range copied.rules {
		if r := &copied.rules[i]; r.test != nil {
			r.test = g.clone(r.test)
		}
	}
	copied.requires = append([]prereq(nil), f.requires...)
	return &copied
}

// clone copies a cohort of an earlier snapshot, and those it narrows, once
// each, with this snapshot's indexes.
func (g *graph) clone(c *cohort) *cohort {
	if n, ok := g.clones[c]; ok {
		return n
	}
	if g.clones == nil {
		g.clones = map[*cohort]*cohort{}
	}
	idx := int32(-1)
	if c.idx >= 0 {
		idx = int32(g.cohorts)
		g.cohorts++
	}
	n := newCohort(c.key, nil, c.when, idx)
	g.clones[c] = n
	for _, p := range c.parents {
		n.parents = append(n.parents, g.clone(p))
	}
	return n
}

// index gives every prerequisite a slot and marks the flags whose
// evaluation needs a memo.
func (g *graph) index(s *snapshot) {
	g.slots = map[string]int32{}
	g.cost = map[*cohort]int{}
	g.flagCost = map[string]int{}
	for _, k := range s.keys {
		f := s.flags[k]
		for i := range f.requires {
			pr := &f.requires[i]
			slot, ok := g.slots[pr.key]
			if !ok {
				slot = int32(len(g.slots))
				g.slots[pr.key] = slot
			}
			pr.slot = slot
		}
	}
	for _, k := range s.keys {
		f := s.flags[k]
		f.memo = g.costOf(s, k, 0) > memoThreshold
	}
	s.memoCohorts, s.memoPrereqs = g.cohorts, len(g.slots)
	s.memos.New = func() any { return newEvalMemo(s.memoCohorts, s.memoPrereqs) }
}

// saturate adds visit counts without overflow: anything above the
// threshold is as good as infinite.
func saturate(a, b int) int { return min(a+b, memoThreshold+1) }

// costOf counts the cohort and prerequisite visits of a flag's evaluation
// walked as a tree, remembering each flag's and cohort's count.
func (g *graph) costOf(s *snapshot, key string, depth int) int {
	if n, ok := g.flagCost[key]; ok {
		return n
	}
	f := s.flags[key]
	if f == nil || depth > maxRequiresDepth {
		return 0
	}
	g.flagCost[key] = memoThreshold + 1 // a cycle (an invalid flag) counts as costly
	n := 0
	for i := range f.rules {
		if t := f.rules[i].test; t != nil {
			n = saturate(n, g.cohortCost(t))
		}
	}
	for _, pr := range f.requires {
		n = saturate(n, saturate(1, g.costOf(s, pr.key, depth+1)))
	}
	g.flagCost[key] = n
	return n
}

func (g *graph) cohortCost(c *cohort) int {
	if n, ok := g.cost[c]; ok {
		return n
	}
	n := 1
	for _, p := range c.parents {
		n = saturate(n, g.cohortCost(p))
	}
	g.cost[c] = n
	return n
}

// evalMemoized evaluates flag f with a memo from the snapshot's pool.
func (s *snapshot) evalMemoized(key string, t *target, clk *clock, depth int, out *result) {
	m := s.memos.Get().(*evalMemo)
	m.reset()
	t.memo = m
	s.eval(key, t, clk, depth, out)
	t.memo = nil
	s.memos.Put(m)
}
