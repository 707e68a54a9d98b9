package flagkit

// The compile stage: the layers' parsed definitions (flags.go) become one
// immutable snapshot (snapshot.go). It merges the layers, resolves
// references between cohorts, flags and variants, builds the conditions,
// cohorts and rules that evaluation (evaluate.go) walks, indexes the memo
// graph (memo.go), applies overrides, fingerprints the flags and lists
// their transitions.

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/flagkit/flagkit/internal/suggest"
)

// keepLastGood returns the layer's new document, with each invalid flag or
// cohort replaced by the layer's previous valid definition of it, if any.
func keepLastGood(prev, next *docSpec) *docSpec {
	if prev == nil {
		return next
	}
	for key := range next.invalidFlags {
		if f, ok := prev.flags[key]; ok {
			next.flags[key] = f
		}
	}
	for key := range next.invalidCohorts {
		if c, ok := prev.cohorts[key]; ok {
			next.cohorts[key] = c
		}
	}
	return next
}

// compile merges the layers (later layers win, flag by flag and cohort by
// cohort) and compiles the result. A flag whose references fail keeps its
// compiled form from prev, if it had a valid one.
func compile(layers []*docSpec, prev *snapshot) *snapshot {
	c := compiler{
		cohortSpecs: map[string]*cohortSpec{},
		badCohorts:  map[string][]*ParseError{},
		flagSpecs:   map[string]*flagSpec{},
		badFlags:    map[string][]*ParseError{},
		cohorts:     map[string]*cohort{},
		cohortErr:   map[string]cohortProblem{},
		state:       map[string]uint8{},
	}
	for _, d := range layers {
		if d == nil {
			continue
		}
		for k, cs := range d.cohorts {
			c.cohortSpecs[k] = cs
		}
		for k, probs := range d.invalidCohorts {
			c.badCohorts[k] = probs
		}
		for k, fs := range d.flags {
			c.flagSpecs[k] = fs
		}
		for k, probs := range d.invalidFlags {
			c.badFlags[k] = probs
		}
	}
	s := &snapshot{flags: make(map[string]*compiledFlag, len(c.flagSpecs)+len(c.badFlags)), layers: defsOf(layers)}
	for _, k := range sortedKeys(c.cohortSpecs) {
		c.compileCohort(k, nil)
	}
	// Every problem of the compile is collected here, and nowhere else.
	var problems []*ParseError
	for k, why := range c.cohortErr {
		cs := c.cohortSpecs[k]
		problems = append(problems, &ParseError{Source: cs.source, Line: cs.at.line, Column: cs.at.column,
			Path: cs.at.path, Err: why.class, Msg: why.msg})
	}
	// Cycles between prerequisites, and chains longer than the limit.
	c.requiresProblems = map[string][]*ParseError{}
	sorted := sortedKeys(c.flagSpecs)
	c.checkRequires()
	packed := packKeys(sorted)
	for i, k := range sorted {
		fs := c.flagSpecs[k]
		f, probs := c.compileFlag(fs, packed[i])
		probs = append(probs, c.requiresProblems[k]...)
		if len(probs) > 0 {
			problems = append(problems, probs...)
			if old := prev.flag(k); old != nil && old.err == nil {
				f = c.graph.adopt(old)
			} else {
				f = &compiledFlag{key: k, source: fs.source, err: &invalidFlagError{key: k, problems: probs}, zone: fs.zone, fp: fs.fp}
			}
		}
		s.flags[f.key] = f
	}
	problems = append(problems, c.partialProblems(layers)...)
	for k, probs := range c.badFlags {
		if _, ok := s.flags[k]; ok {
			continue
		}
		src := ""
		if len(probs) > 0 {
			src = probs[0].Source
		}
		s.flags[k] = &compiledFlag{key: k, source: src, err: &invalidFlagError{key: k, problems: probs}}
	}
	problems = append(problems, s.applyOverrides(layers)...)
	for k := range s.flags {
		s.keys = append(s.keys, k)
	}
	sort.Strings(s.keys)
	c.graph.index(s)
	s.fingerprint(c.cohortSpecs)
	s.schedule()
	sort.Slice(problems, func(i, j int) bool { return lessProblem(problems[i], problems[j]) })
	s.problems = problems
	return s
}

// defsOf copies what explanations need of the layers' documents.
func defsOf(layers []*docSpec) []layerDefs {
	var out []layerDefs
	for _, d := range layers {
		if d == nil {
			continue
		}
		l := layerDefs{source: d.source, flags: make(map[string]layerDef, len(d.flags)+len(d.invalidFlags))}
		for k := range d.flags {
			l.flags[k] = defValid
		}
		for k := range d.invalidFlags {
			if l.flags[k] == defValid {
				l.flags[k] = defLastGood
			} else {
				l.flags[k] = defInvalid
			}
		}
		for _, o := range d.overrides {
			if l.overrides == nil {
				l.overrides = map[string]overrideValue{}
			}
			l.overrides[o.norm] = o.node
		}
		out = append(out, l)
	}
	return out
}

// sortedKeys returns a map's keys in order, so that messages that depend on
// the order of a walk (such as how a cycle is written) are stable.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type compiler struct {
	cohortSpecs      map[string]*cohortSpec
	badCohorts       map[string][]*ParseError
	flagSpecs        map[string]*flagSpec
	badFlags         map[string][]*ParseError
	cohorts          map[string]*cohort
	cohortErr        map[string]cohortProblem // why a cohort cannot be used
	cohortNames      []string                 // every cohort and flag defined, valid or not, sorted,
	flagNames        []string                 // for "did you mean" (see names)
	state            map[string]uint8         // cohort DFS: 1 visiting, 2 done
	requiresProblems map[string][]*ParseError
	graph            graph
}

// cohortProblem is why a cohort cannot be used: its class (ErrCycle or
// ErrUnknownReference) and its message.
type cohortProblem struct {
	class error
	msg   string
}

// compileCohort resolves a cohort's parents, depth first, detecting cycles.
func (c *compiler) compileCohort(key string, stack []string) {
	switch c.state[key] {
	case 2:
		return
	case 1:
		cycle := append(slices.Clone(stack[slices.Index(stack, key):]), key) // not into the caller's stack
		for _, k := range cycle[:len(cycle)-1] {
			c.cohortErr[k] = cohortProblem{ErrCycle, "cohorts refer to each other in a cycle: " + strings.Join(cycle, " -> ")}
		}
		return
	}
	cs := c.cohortSpecs[key]
	c.state[key] = 1
	when, err := compileWhen(cs.source, cs.when)
	if err != nil {
		c.cohortErr[key] = cohortProblem{err.Err, err.Msg}
	}
	co := c.graph.newCohort(key, when)
	for _, p := range cs.parents {
		if _, ok := c.cohortSpecs[p.name]; !ok {
			if _, bad := c.badCohorts[p.name]; bad {
				c.cohortErr[key] = cohortProblem{ErrUnknownReference, fmt.Sprintf("cohort %q it narrows is invalid", p.name)}
			} else {
				c.cohortErr[key] = cohortProblem{ErrUnknownReference, fmt.Sprintf("unknown cohort %q%s", p.name, c.didYouMean(p.name, true))}
			}
			continue
		}
		c.compileCohort(p.name, append(stack, key))
		if why, bad := c.cohortErr[p.name]; bad {
			if _, set := c.cohortErr[key]; !set {
				if why.class == ErrCycle {
					c.cohortErr[key] = why // the cycle, as its members report it
				} else {
					c.cohortErr[key] = cohortProblem{why.class, fmt.Sprintf("cohort %q it narrows cannot be used: %s", p.name, why.msg)}
				}
			}
			continue
		}
		co.parents = append(co.parents, c.cohorts[p.name])
	}
	c.state[key] = 2
	if _, bad := c.cohortErr[key]; !bad {
		c.cohorts[key] = co
	}
}

// cohortRef resolves a cohort named by a flag's rule.
func (c *compiler) cohortRef(source string, r ref) (*cohort, *ParseError) {
	if co, ok := c.cohorts[r.name]; ok {
		return co, nil
	}
	e := &ParseError{Source: source, Line: r.line, Column: r.column, Path: r.path, Err: ErrUnknownReference}
	why, unusable := c.cohortErr[r.name]
	switch {
	case unusable:
		e.Msg = fmt.Sprintf("cohort %q cannot be used: %s", r.name, why.msg)
		e.Err = why.class
	case c.badCohorts[r.name] != nil:
		e.Msg = fmt.Sprintf("cohort %q is invalid (see its own errors)", r.name)
		e.Err = ErrInvalid
	default:
		e.Msg = fmt.Sprintf("unknown cohort %q%s", r.name, c.didYouMean(r.name, true))
	}
	return nil, e
}

// didYouMean is the "did you mean" tail for a cohort (cohort true) or
// flag name that names nothing: the nearest name defined, valid or not.
func (c *compiler) didYouMean(name string, cohort bool) string {
	if c.cohortNames == nil {
		c.cohortNames = append(sortedKeys(c.cohortSpecs), sortedKeys(c.badCohorts)...)
		c.flagNames = append(sortedKeys(c.flagSpecs), sortedKeys(c.badFlags)...)
		sort.Strings(c.cohortNames)
		sort.Strings(c.flagNames)
	}
	if cohort {
		return suggest.DidYouMean(name, c.cohortNames)
	}
	return suggest.DidYouMean(name, c.flagNames)
}

// partialProblems checks the references of the flags and cohorts that a
// layer isolated for their own problems, from what could be read of them,
// so that a document's problems are all reported at once: a flag with a
// bad percent and an unknown cohort reports both. It reports unknown
// cohorts and flags and unknown variants of prerequisites; cycles are
// checked only between valid definitions.
func (c *compiler) partialProblems(layers []*docSpec) []*ParseError {
	var out []*ParseError
	for _, d := range layers {
		if d == nil {
			continue
		}
		for _, k := range sortedKeys(d.partialCohorts) {
			cs := d.partialCohorts[k]
			for _, p := range cs.parents {
				if !c.cohortDefined(p.name) {
					out = append(out, &ParseError{Source: cs.source, Line: p.line, Column: p.column, Path: p.path,
						Err: ErrUnknownReference, Msg: fmt.Sprintf("unknown cohort %q%s", p.name, c.didYouMean(p.name, true))})
				}
			}
		}
		for _, k := range sortedKeys(d.partialFlags) {
			fs := d.partialFlags[k]
			for _, pr := range fs.requires {
				if _, e := c.prereqRef(fs, pr); e != nil {
					out = append(out, e)
				}
			}
			for i := range fs.rules {
				for _, cr := range fs.rules[i].cohorts {
					if !c.cohortDefined(cr.name) {
						_, e := c.cohortRef(fs.source, cr)
						out = append(out, e)
					}
				}
			}
		}
	}
	return out
}

// cohortDefined reports whether a layer defines cohort name, validly or not.
func (c *compiler) cohortDefined(name string) bool {
	_, ok := c.cohortSpecs[name]
	_, bad := c.badCohorts[name]
	return ok || bad
}

// prereqRef resolves a prerequisite of fs: its variant's name, or the
// problem of a reference to no flag or to no variant of it. A prerequisite
// whose flag is invalid has no problem here (it is not met at evaluation)
// and an empty name.
func (c *compiler) prereqRef(fs *flagSpec, pr prereqSpec) (string, *ParseError) {
	target, ok := c.flagSpecs[pr.flag.name]
	if !ok {
		if _, bad := c.badFlags[pr.flag.name]; bad {
			return "", nil
		}
		return "", &ParseError{Source: fs.source, Line: pr.flag.line, Column: pr.flag.column,
			Path: pr.flag.path, Err: ErrUnknownReference,
			Msg: fmt.Sprintf("unknown flag %q%s", pr.flag.name, c.didYouMean(pr.flag.name, false))}
	}
	i := target.variantIndex(pr.variant.name)
	if i < 0 {
		return "", &ParseError{Source: fs.source, Line: pr.variant.line, Column: pr.variant.column,
			Path: pr.variant.path, Err: ErrUnknownReference,
			Msg: fmt.Sprintf("flag %q has no variant named %q (variants: %s)%s", pr.flag.name, pr.variant.name,
				variantNames(target), suggest.DidYouMean(pr.variant.name, target.variantList()))}
	}
	return target.variants[i].name, nil
}

// checkRequires walks the prerequisites once, depth first, and records
// cycles and chains longer than maxRequiresDepth on the flags that take
// part. Each flag is visited once, whatever the shape of the graph: the
// longest chain below a flag is remembered (chainNext), not walked again.
func (c *compiler) checkRequires() {
	const (
		visiting = 1
		done     = 2
	)
	state := make(map[string]uint8, len(c.flagSpecs))
	chainLen := make(map[string]int, len(c.flagSpecs)) // flags on the longest chain from a flag, itself included
	chainNext := make(map[string]string, len(c.flagSpecs))
	var stack []string
	var visit func(key string)
	visit = func(key string) {
		switch state[key] {
		case done:
			return
		case visiting:
			cycle := append(slices.Clone(stack[slices.Index(stack, key):]), key)
			for i := 0; i+1 < len(cycle); i++ {
				// Each flag of the cycle reports it, written from itself.
				from := c.flagSpecs[cycle[i]]
				rotated := append(slices.Clone(cycle[i:len(cycle)-1]), cycle[:i+1]...)
				for _, pr := range from.requires {
					if pr.flag.name == cycle[i+1] {
						c.addRequiresProblem(from, pr.flag, ErrCycle, "prerequisites form a cycle: "+strings.Join(rotated, " -> "))
					}
				}
			}
			return
		}
		fs, ok := c.flagSpecs[key]
		if !ok {
			state[key] = done
			return
		}
		state[key] = visiting
		stack = append(stack, key)
		chainLen[key] = 1
		for _, pr := range fs.requires {
			visit(pr.flag.name)
			if state[pr.flag.name] == done && chainLen[pr.flag.name]+1 > chainLen[key] {
				chainLen[key], chainNext[key] = chainLen[pr.flag.name]+1, pr.flag.name
			}
		}
		stack = stack[:len(stack)-1]
		state[key] = done
	}
	for _, k := range sortedKeys(c.flagSpecs) {
		visit(k)
	}
	for _, k := range sortedKeys(c.flagSpecs) {
		if chainLen[k] <= maxRequiresDepth+1 {
			continue
		}
		chain := []string{k}
		for len(chain) <= maxRequiresDepth {
			chain = append(chain, chainNext[chain[len(chain)-1]])
		}
		root := c.flagSpecs[k]
		c.addRequiresProblem(root, root.requires[0].flag, ErrInvalid,
			fmt.Sprintf("prerequisites nest deeper than %d: %s", maxRequiresDepth, strings.Join(chain, " -> ")))
	}
}

func (c *compiler) addRequiresProblem(fs *flagSpec, r ref, class error, msg string) {
	for _, e := range c.requiresProblems[fs.key] {
		if e.Msg == msg {
			return
		}
	}
	c.requiresProblems[fs.key] = append(c.requiresProblems[fs.key], &ParseError{
		Source: fs.source, Line: r.line, Column: r.column, Path: r.path, Msg: msg, Err: class})
}

// packKeys returns copies of keys laid out one after another in a single
// allocation. The flags map and the rules' default salts use them: a
// lookup compares the caller's key with the map's key bytes and bucketing
// hashes the salt, and when a service evaluates many different flags,
// dense keys cost far fewer cache misses than keys scattered over the heap
// where the parser left them.
func packKeys(keys []string) []string {
	n := 0
	for _, k := range keys {
		n += len(k)
	}
	var b strings.Builder
	b.Grow(n)
	for _, k := range keys {
		b.WriteString(k)
	}
	all := b.String()
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i], all = all[:len(k)], all[len(k):]
	}
	return out
}

// packedSalt returns salt, in the memory of key, the flag's packed key,
// when the two are equal (the default salt): bucketing then hashes bytes
// that the flags map has just compared, already in the cache.
func packedSalt(salt, key string) string {
	if salt == key {
		return key
	}
	return salt
}

// compileFlag turns a flag's definition into its evaluable form; key is
// fs.key, packed (see packKeys).
func (c *compiler) compileFlag(fs *flagSpec, key string) (*compiledFlag, []*ParseError) {
	var probs []*ParseError
	f := &compiledFlag{
		key:         key,
		kind:        fs.kind,
		variants:    fs.variants,
		enabled:     fs.enabled,
		source:      fs.source,
		description: fs.description,
		metadata:    fs.metadata,
		zone:        fs.zone,
		fp:          fs.fp,
	}
	if fs.def >= 0 {
		f.def = &f.variants[fs.def]
	}
	if fs.off >= 0 {
		f.off = &f.variants[fs.off]
	}
	for _, pr := range fs.requires {
		name, e := c.prereqRef(fs, pr)
		switch {
		case e != nil:
			probs = append(probs, e)
		case name == "":
			// An invalid prerequisite is not met; evaluation says so.
			f.requires = append(f.requires, prereq{key: pr.flag.name, variant: pr.variant.name})
		default:
			f.requires = append(f.requires, prereq{key: pr.flag.name, variant: name})
		}
	}
	timed := false
	f.rules = make([]rule, 0, len(fs.rules))
	for i := range fs.rules {
		rs := &fs.rules[i]
		r := rule{
			salt:     packedSalt(fs.effectiveSalt(rs), key),
			by:       fs.effectiveBy(rs),
			percent:  100000,
			timed:    rs.hasFrom || rs.hasUntil,
			bucketed: rs.hasPercent || len(rs.split) > 0,
			ramped:   len(rs.ramp) > 0,
			splits:   len(rs.split) > 0,
			more: &ruleMore{
				name:     rs.name,
				from:     rs.from,
				until:    rs.until,
				hasFrom:  rs.hasFrom,
				hasUntil: rs.hasUntil,
				ramp:     rs.ramp,
				bounds:   rs.bounds,
				cohorts:  refNames(rs.cohorts),
			},
		}
		if r.more.name == "" {
			r.more.name = "rules[" + strconv.Itoa(i) + "]"
		}
		if rs.hasPercent && len(rs.ramp) == 0 {
			r.percent = rs.percent
		}
		if rs.serve >= 0 {
			r.serve = &f.variants[rs.serve]
		}
		for _, vi := range rs.split {
			r.more.split = append(r.more.split, &f.variants[vi])
		}
		var cohorts []*cohort
		for _, cr := range rs.cohorts {
			co, err := c.cohortRef(fs.source, cr)
			if err != nil {
				probs = append(probs, err)
				continue
			}
			cohorts = append(cohorts, co)
		}
		when, err := compileWhen(fs.source, rs.when)
		if err != nil {
			probs = append(probs, err)
		}
		r.test = ruleTest(cohorts, when)
		timed = timed || rs.timed()
		f.rules = append(f.rules, r)
	}
	f.static = len(f.rules) == 0 && len(f.requires) == 0 && !timed
	return f, probs
}

// compileWhen compiles the blocks of a when: into the anyOf that
// evaluation walks. The parser has checked every condition with the same
// code (checkCondition), so compiling one fails only if the two disagree;
// the problem is then reported at the condition, not lost.
func compileWhen(source string, blocks []blockSpec) (anyOf, *ParseError) {
	compiled := make([]block, len(blocks))
	for i, bs := range blocks {
		b := make(block, 0, len(bs))
		for _, cs := range bs {
			cond, err := compileCondition(cs.attr, cs.op, cs.arg, cs.ignoreCase)
			if err != nil {
				return nil, &ParseError{Source: source, Line: cs.line, Column: cs.column, Path: cs.path,
					Err: ErrInvalid, Msg: err.Error()}
			}
			b = append(b, cond)
		}
		compiled[i] = b
	}
	return flatten(compiled), nil
}

// refNames returns the names of refs; nil for none.
func refNames(refs []ref) []string {
	if len(refs) == 0 {
		return nil
	}
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.name
	}
	return names
}

// ruleTest is the test of a rule with the given cohorts and when: nil for
// everyone, the cohort itself for a rule that names one cohort and nothing
// else, or else a cohort without a key that narrows them.
func ruleTest(cohorts []*cohort, when anyOf) *cohort {
	switch {
	case len(cohorts) == 0 && len(when) == 0:
		return nil
	case len(cohorts) == 1 && len(when) == 0:
		return cohorts[0]
	}
	return newCohort("", cohorts, when, -1)
}

// applyOverrides applies every layer's overrides: section (the last layer
// wins per key) to copies of the flags they name, and returns the problems
// of those it cannot apply.
func (s *snapshot) applyOverrides(layers []*docSpec) []*ParseError {
	last := map[string]overrideSpec{}
	var order []string
	for _, d := range layers {
		if d == nil {
			continue
		}
		for _, o := range d.overrides {
			if _, seen := last[o.norm]; !seen {
				order = append(order, o.norm)
			}
			last[o.norm] = o
		}
	}
	if len(order) == 0 {
		return nil
	}
	sort.Strings(order)
	byNorm := map[string][]string{}
	for k := range s.flags {
		n := suggest.OverrideKey(k)
		byNorm[n] = append(byNorm[n], k)
	}
	var problems []*ParseError
	for _, norm := range order {
		o := last[norm]
		bad := func(class error, format string, args ...any) {
			problems = append(problems, &ParseError{Source: o.source, Line: o.line, Column: o.column, Path: o.path,
				Err: class, Msg: fmt.Sprintf(format, args...)})
		}
		keys := byNorm[norm]
		switch len(keys) {
		case 0:
			bad(ErrUnknownReference, "no flag is named %q (overrides name flags by key, upper-cased, with - and . as _)%s",
				o.key, nearestByNorm(norm, byNorm))
			continue
		case 1:
		default:
			sort.Strings(keys)
			bad(ErrInvalid, "%q names more than one flag: %s", o.key, strings.Join(keys, ", "))
			continue
		}
		f := s.flags[keys[0]]
		if f.err != nil {
			bad(ErrInvalid, "flag %q is invalid, so it cannot be overridden", f.key)
			continue
		}
		v, err := overrideVariant(f, o.node)
		if err != nil {
			bad(ErrInvalid, "flag %q: %v", f.key, err)
			continue
		}
		copied := *f
		copied.override, copied.ovSource = v, o.source
		s.flags[f.key] = &copied
		s.overrides = append(s.overrides, Override{Flag: f.key, Variant: v.name, Value: v.value, Source: o.source})
	}
	return problems
}

// nearestByNorm is the "did you mean" tail for an override key whose
// normalized form norm names no flag: the flag whose normalized key is
// nearest, compared as overrides compare keys.
func nearestByNorm(norm string, byNorm map[string][]string) string {
	near := suggest.Nearest(norm, sortedKeys(byNorm))
	if near == "" || len(byNorm[near]) != 1 {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", byNorm[near][0])
}

// overrideVariant finds the variant an override serves: the one it names
// or the one whose value it writes, a literal of the flag's type (1000 for
// variant high: 1000; {"size": 2} for an object variant equal to it). It
// never makes a value the flag does not define: anything else is refused,
// listing the valid values, as flagkittest.Override refuses it.
func overrideVariant(f *compiledFlag, o overrideValue) (*variant, error) {
	if o.raw == nil {
		if i := variantIndex(f.variants, f.kind, o.text); i >= 0 {
			return &f.variants[i], nil
		}
	}
	var match func(v *variant) bool
	switch f.kind {
	case kindString:
		if o.raw == nil {
			match = func(v *variant) bool { return v.s == o.text }
		}
	case kindNumber:
		if num, err := parseNumber(o.text); o.raw == nil && err == nil {
			match = func(v *variant) bool { return v.f == num }
		}
	case kindObject:
		raw := o.raw
		if raw == nil {
			raw = []byte(o.text)
		}
		var want any
		if json.Unmarshal(raw, &want) == nil {
			match = func(v *variant) bool {
				var have any
				return json.Unmarshal(v.raw, &have) == nil && reflect.DeepEqual(have, want)
			}
		}
	}
	for i := range f.variants {
		if match != nil && match(&f.variants[i]) {
			return &f.variants[i], nil
		}
	}
	written := strconv.Quote(o.text)
	if o.raw != nil {
		written = string(o.raw)
	}
	names := make([]string, len(f.variants))
	for i := range f.variants {
		names[i] = f.variants[i].name
	}
	hint := ""
	if o.raw == nil {
		hint = suggest.DidYouMean(o.text, names)
	}
	return nil, fmt.Errorf("%s is neither a variant of this %s flag nor a variant's value (valid: %s)%s",
		written, f.kind, validValues(f), hint)
}

// validValues lists what an override of f may write: each variant's name,
// with its value where that differs (objects by name only).
func validValues(f *compiledFlag) string {
	var b strings.Builder
	for i := range f.variants {
		v := &f.variants[i]
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.name)
		switch f.kind {
		case kindBool:
			fmt.Fprintf(&b, " (%t)", v.b)
		case kindString:
			if v.s != v.name {
				fmt.Fprintf(&b, " (%q)", v.s)
			}
		case kindNumber:
			fmt.Fprintf(&b, " (%v)", v.value)
		}
	}
	return b.String()
}

// fingerprint gives every flag a hash of everything that decides its
// answers: its definition and layer, the cohorts and prerequisites it uses,
// and its override. A reload compares them to tell which flags changed.
func (s *snapshot) fingerprint(cohorts map[string]*cohortSpec) {
	memo := make(map[string]uint64, len(s.flags))
	cohortFPs := map[*cohort]uint64{}
	var fp func(key string, depth int) uint64
	fp = func(key string, depth int) uint64 {
		if v, ok := memo[key]; ok {
			return v
		}
		f := s.flags[key]
		if f == nil {
			return 0
		}
		h := fnv64(14695981039346656037) // FNV-1a offset basis
		h.string(f.source)
		if f.err != nil {
			h.string(f.err.Error())
		}
		if f.fp != 0 {
			h.uint(f.fp)
		}
		if f.override != nil {
			h.string(f.ovSource)
			h.string(fmt.Sprintf("%s=%v%s", f.override.name, f.override.value, f.override.raw))
		}
		for _, r := range f.rules {
			if r.test != nil {
				h.uint(cohortFP(r.test, cohorts, cohortFPs))
			}
			// The instants, which the document's timezone moves without
			// changing the flag's text.
			m := r.more
			h.uint(uint64(m.from))
			h.uint(uint64(m.until))
			for _, p := range m.ramp {
				h.uint(uint64(p.at))
			}
		}
		memo[key] = 0 // cycles are invalid flags; guard anyway
		if depth < maxRequiresDepth {
			for _, pr := range f.requires {
				h.uint(fp(pr.key, depth+1))
			}
		}
		memo[key] = uint64(h)
		return uint64(h)
	}
	s.fps = make(map[string]uint64, len(s.flags))
	for k := range s.flags {
		s.fps[k] = fp(k, 0)
	}
}

// cohortFP is a hash of a cohort's definition and those it narrows,
// computed once per cohort (memo), so that shared ancestors cost nothing
// more.
func cohortFP(co *cohort, specs map[string]*cohortSpec, memo map[*cohort]uint64) uint64 {
	if v, ok := memo[co]; ok {
		return v
	}
	h := fnv64(14695981039346656037)
	if cs, ok := specs[co.key]; ok {
		h.uint(cs.fp)
	}
	for _, p := range co.parents {
		h.uint(cohortFP(p, specs, memo))
	}
	memo[co] = uint64(h)
	return uint64(h)
}

// schedule lists the moments when flags change by themselves.
func (s *snapshot) schedule() {
	for _, k := range s.keys {
		f := s.flags[k]
		if f.err != nil || !f.enabled || f.override != nil {
			continue
		}
		for _, r := range f.rules {
			m := r.more
			if m.hasFrom {
				s.transitions = append(s.transitions, transition{m.from, k})
			}
			if m.hasUntil {
				s.transitions = append(s.transitions, transition{m.until, k})
			}
			if len(m.ramp) > 0 {
				s.transitions = append(s.transitions, transition{m.ramp[0].at, k})
				s.transitions = append(s.transitions, transition{m.ramp[len(m.ramp)-1].at, k})
			}
		}
	}
	sort.SliceStable(s.transitions, func(i, j int) bool { return s.transitions[i].at < s.transitions[j].at })
}
