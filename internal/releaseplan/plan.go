// Package releaseplan computes and draws the release plan of a set of
// flags: every scheduled transition (a window opening or closing, a ramp
// point, a launch) with the share of subjects served each variant before
// and after it, and a picture of the served shares over time. The command
// flagkit plan and flaghttp's debug page use it.
//
// Shares are exact where only percentages decide: a flag with no cohort,
// no condition, no prerequisite, and percentages and splits that all hash
// the subject's key under one salt. They are then computed from the
// thresholds over every bucket, as evaluation would decide them. Elsewhere
// they are estimated by evaluating the flag, through a [flagkit.View] at
// each instant, for a population: N synthetic keys with no attributes, or
// subjects given by the caller. A plan says which flags are estimated and
// why.
package releaseplan

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flagkit/flagkit"
)

// DefaultN is the number of synthetic keys of a population by default.
const DefaultN = 10000

// bucketCount is the number of buckets of the consistent hashing contract.
const bucketCount = 100000

// Fallback names the caller's fallback among the shares of a flag: what a
// subject gets when no rule matches and the flag has no default, or when
// a disabled flag has no off variant.
const Fallback = "(fallback)"

// Options configure a plan. The zero value plans as of the zero time; set
// Now.
type Options struct {
	// Now is the instant of "today" in the plan and its picture.
	Now time.Time
	// Zone is the time zone of the plan's local times. nil: the zone of the
	// document of the first flag (by key) with a scheduled rule, else UTC.
	Zone *time.Location
	// Subjects is the population for estimated shares; nil means N
	// synthetic keys with no attributes.
	Subjects []flagkit.Subject
	// N is the number of synthetic keys; 0 means DefaultN. Ignored when
	// Subjects is set.
	N int
	// Population describes Subjects, as in "250 subjects from
	// users.jsonl"; "" gives "N subjects".
	Population string
	// Upcoming keeps only the transitions after Now in Transitions (the
	// picture still shows the whole plan).
	Upcoming bool
}

// A Plan is the release plan of a set of flags.
type Plan struct {
	Now  time.Time      `json:"now"`
	Zone *time.Location `json:"-"`
	// Population says over which subjects estimated shares were counted.
	Population string `json:"population"`
	// Sample is the number of subjects of the population.
	Sample int `json:"sample"`
	// Start and End bound the picture: every transition and Now, with a
	// margin.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Flags []Flag    `json:"flags"`
	// Transitions are in time order, then by flag.
	Transitions []Transition `json:"transitions"`
}

// A Flag is one flag's lane of the plan.
type Flag struct {
	Key         string `json:"key"`
	Description string `json:"description,omitempty"`
	// Variants are the variants the shares name, in the flag's order;
	// Fallback last when some subject gets the caller's fallback.
	Variants []string `json:"variants"`
	// Exact reports whether the shares are exact; otherwise Estimated says
	// what they depend on, as "cohorts beta, staff; prerequisite x".
	Exact     bool   `json:"exact"`
	Estimated string `json:"estimated,omitempty"`
	// State is "disabled", "overridden", "invalid" or "".
	State    string   `json:"state,omitempty"`
	Windows  []Window `json:"windows,omitempty"`
	Launches []Window `json:"launches,omitempty"`
	Ramps    []Ramp   `json:"ramps,omitempty"`
	Curve    []Sample `json:"-"`
	Now      []Share  `json:"now"`
	offName  string   // the off variant of a boolean flag, drawn quieter
	info     flagkit.FlagInfo
	instants []time.Time
}

// A Window is a rule's release window; a launch is a window with no end
// for a rule that serves everyone.
type Window struct {
	Rule    string    `json:"rule"`
	Cohorts []string  `json:"cohorts,omitempty"`
	From    time.Time `json:"from,omitzero"`
	Until   time.Time `json:"until,omitzero"`
	Serve   string    `json:"serve,omitempty"`
}

// A Ramp is a rule's ramped percentage.
type Ramp struct {
	Rule   string  `json:"rule"`
	Serve  string  `json:"serve,omitempty"`
	Points []Point `json:"points"`
}

// A Point is a ramp point; Percent is in percent.
type Point struct {
	At      time.Time `json:"at"`
	Percent float64   `json:"percent"`
}

// A Sample is the shares of a flag's variants (in the order of
// Flag.Variants, in percent) at an instant.
type Sample struct {
	At     time.Time
	Shares []float64
}

// A Share is the percentage of subjects served a variant.
type Share struct {
	Variant string  `json:"variant"`
	Percent float64 `json:"percent"`
}

// A Transition is a moment when a flag's answers change by themselves.
type Transition struct {
	At   time.Time `json:"at"`
	Flag string    `json:"flag"`
	// Events are what happens then, in rule order.
	Events []Event `json:"events"`
	Exact  bool    `json:"exact"`
	// Before is the shares just before At (1 ms earlier); After at At.
	Before []Share `json:"before"`
	After  []Share `json:"after"`
}

// An Event is one scheduled change of a rule.
type Event struct {
	// Kind is "opens" or "closes" (a window), "launch" (a window without
	// an end for everyone), "ramp" (a ramp point) or "prerequisite" (a
	// transition of the flag named by Rule, which this flag requires).
	Kind string `json:"kind"`
	Rule string `json:"rule"`
	// Percent is the ramp's percentage at a ramp point.
	Percent *float64 `json:"percent,omitempty"`
	// Point and Points number a ramp point (1-based) among the ramp's.
	Point  int `json:"point,omitempty"`
	Points int `json:"points,omitempty"`
}

// String describes the event in words.
func (e Event) String() string {
	switch e.Kind {
	case "opens":
		return fmt.Sprintf("window %q opens", e.Rule)
	case "closes":
		return fmt.Sprintf("window %q closes", e.Rule)
	case "launch":
		return fmt.Sprintf("launch %q", e.Rule)
	case "ramp":
		return fmt.Sprintf("ramp %q point %d/%d: %s", e.Rule, e.Point, e.Points, FormatPercent(*e.Percent, true))
	case "prerequisite":
		return fmt.Sprintf("prerequisite %s changes", e.Rule)
	}
	return e.Kind + " " + e.Rule
}

// ViewFunc returns a view of the flags at the instant t.
type ViewFunc func(t time.Time) flagkit.View

// New computes the plan of flags (as Client.Flags returns them), whose
// views at any instant view returns.
func New(flags []flagkit.FlagInfo, view ViewFunc, opts Options) *Plan {
	p := &Plan{Now: opts.Now, Zone: opts.Zone, Flags: []Flag{}, Transitions: []Transition{}}
	subjects := opts.Subjects
	if subjects == nil {
		n := opts.N
		if n <= 0 {
			n = DefaultN
		}
		subjects = Synthetic(n)
		p.Population = fmt.Sprintf("%d synthetic keys with no attributes", n)
	} else {
		p.Population = opts.Population
		if p.Population == "" {
			p.Population = fmt.Sprintf("%d subjects", len(subjects))
		}
	}
	p.Sample = len(subjects)
	byKey := map[string]flagkit.FlagInfo{}
	for _, f := range flags {
		byKey[f.Key] = f
	}
	if p.Zone == nil {
		p.Zone = zoneOf(flags)
	}
	ev := evaluator{view: view, subjects: subjects, views: map[int64]flagkit.View{}}

	// Each flag's own events, by instant.
	own := map[string]map[int64][]Event{}
	for _, f := range flags {
		lane := newFlag(f)
		own[f.Key] = events(f)
		p.Flags = append(p.Flags, lane)
	}
	// A flag changes at its own instants and at its prerequisites'.
	var all []time.Time
	for i := range p.Flags {
		lane := &p.Flags[i]
		seen := map[string]bool{}
		var walk func(key string, depth int)
		walk = func(key string, depth int) {
			if seen[key] || depth > 16 {
				return
			}
			seen[key] = true
			for ms := range own[key] {
				lane.instants = append(lane.instants, time.UnixMilli(ms))
			}
			for pre := range byKey[key].Requires {
				walk(pre, depth+1)
			}
		}
		if lane.State == "" {
			walk(lane.Key, 0)
		}
		slices.SortFunc(lane.instants, func(a, b time.Time) int { return a.Compare(b) })
		lane.instants = slices.CompactFunc(lane.instants, func(a, b time.Time) bool { return a.Equal(b) })
		all = append(all, lane.instants...)
	}
	p.Start, p.End = span(all, p.Now)

	for i := range p.Flags {
		lane := &p.Flags[i]
		sh := func(t time.Time) []float64 { return ev.shares(lane, t) }
		// Transitions.
		for _, t := range lane.instants {
			if opts.Upcoming && !t.After(p.Now) {
				continue
			}
			tr := Transition{At: t, Flag: lane.Key, Exact: lane.Exact}
			tr.Events = own[lane.Key][t.UnixMilli()]
			if len(tr.Events) == 0 {
				for pre := range byKey[lane.Key].Requires {
					if len(own[pre][t.UnixMilli()]) > 0 || dependsAt(pre, t, own, byKey) {
						tr.Events = append(tr.Events, Event{Kind: "prerequisite", Rule: pre})
					}
				}
				slices.SortFunc(tr.Events, func(a, b Event) int { return strings.Compare(a.Rule, b.Rule) })
			}
			tr.Before = lane.sharesOf(sh(t.Add(-time.Millisecond)))
			tr.After = lane.sharesOf(sh(t))
			p.Transitions = append(p.Transitions, tr)
		}
		// The curve: both sides of every instant, and points inside ramps.
		var at []time.Time
		at = append(at, p.Start, p.Now, p.End)
		for j, t := range lane.instants {
			at = append(at, t.Add(-time.Millisecond), t)
			if j+1 < len(lane.instants) && lane.rampsBetween(t, lane.instants[j+1]) {
				next := lane.instants[j+1]
				for k := 1; k < 8; k++ {
					at = append(at, t.Add(next.Sub(t)*time.Duration(k)/8))
				}
			}
		}
		slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
		at = slices.CompactFunc(at, func(a, b time.Time) bool { return a.Equal(b) })
		for _, t := range at {
			if t.Before(p.Start) || t.After(p.End) {
				continue
			}
			lane.Curve = append(lane.Curve, Sample{At: t, Shares: sh(t)})
		}
		lane.Now = lane.sharesOf(sh(p.Now))
	}
	// Drop the fallback where no one ever gets it.
	for i := range p.Flags {
		p.Flags[i].trimFallback(p.Transitions)
	}
	sort.SliceStable(p.Transitions, func(i, j int) bool {
		a, b := p.Transitions[i], p.Transitions[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		return a.Flag < b.Flag
	})
	return p
}

// dependsAt reports whether flag key, or a flag it requires, has an event
// at t.
func dependsAt(key string, t time.Time, own map[string]map[int64][]Event, byKey map[string]flagkit.FlagInfo) bool {
	seen := map[string]bool{}
	var walk func(k string) bool
	walk = func(k string) bool {
		if seen[k] {
			return false
		}
		seen[k] = true
		if len(own[k][t.UnixMilli()]) > 0 {
			return true
		}
		for pre := range byKey[k].Requires {
			if walk(pre) {
				return true
			}
		}
		return false
	}
	return walk(key)
}

// Synthetic returns n synthetic subjects: keys "subject-0" to
// "subject-(n-1)", with no attributes.
func Synthetic(n int) []flagkit.Subject {
	out := make([]flagkit.Subject, n)
	for i := range out {
		out[i].Key = "subject-" + strconv.Itoa(i)
	}
	return out
}

// zoneOf returns the zone of the first scheduled rule's times, or UTC.
func zoneOf(flags []flagkit.FlagInfo) *time.Location {
	for _, f := range flags {
		for _, r := range f.RuleDetails {
			switch {
			case !r.From.IsZero():
				return r.From.Location()
			case !r.Until.IsZero():
				return r.Until.Location()
			case len(r.Ramp) > 0:
				return r.Ramp[0].At.Location()
			}
		}
	}
	return time.UTC
}

// span returns the picture's bounds: the instants and now, with a margin.
func span(instants []time.Time, now time.Time) (start, end time.Time) {
	start, end = now, now
	for _, t := range instants {
		if t.Before(start) {
			start = t
		}
		if t.After(end) {
			end = t
		}
	}
	pad := end.Sub(start) / 12
	if pad < 24*time.Hour {
		pad = 24 * time.Hour
	}
	return start.Add(-pad).Truncate(time.Hour), end.Add(pad).Truncate(time.Hour).Add(time.Hour)
}

// newFlag starts the lane of f: its variants, windows, launches and ramps,
// and whether its shares are exact.
func newFlag(f flagkit.FlagInfo) Flag {
	lane := Flag{Key: f.Key, Description: f.Description, info: f, Variants: append([]string{}, f.Variants...)}
	lane.Variants = append(lane.Variants, Fallback)
	if f.Type == "boolean" {
		lane.offName = f.OffVariant
	}
	switch {
	case f.Err != nil:
		lane.State, lane.Exact = "invalid", true
		return lane
	case !f.Enabled:
		lane.State, lane.Exact = "disabled", true
		return lane
	case f.Override != nil:
		lane.State, lane.Exact = "overridden", true
		if f.Override.Variant == "" {
			lane.Variants = append(lane.Variants[:len(lane.Variants)-1], "(override)", Fallback)
		}
		return lane
	}
	var why []string
	var cohorts, conds, bys []string
	salts := map[string]bool{}
	for _, r := range f.RuleDetails {
		if r.Conditional {
			if len(r.Cohorts) > 0 {
				cohorts = append(cohorts, r.Cohorts...)
			} else {
				conds = append(conds, strconv.Quote(r.Name))
			}
		}
		if r.Bucketed {
			salts[r.Salt] = true
			if r.By != "" {
				bys = append(bys, r.By)
			}
		}
		w := Window{Rule: r.Name, Cohorts: r.Cohorts, From: r.From, Until: r.Until, Serve: r.Serve}
		switch {
		case !r.From.IsZero() && r.Until.IsZero() && !r.Conditional && !r.Bucketed:
			lane.Launches = append(lane.Launches, w)
		case !r.From.IsZero() || !r.Until.IsZero():
			lane.Windows = append(lane.Windows, w)
		}
		if len(r.Ramp) > 0 {
			rp := Ramp{Rule: r.Name, Serve: r.Serve}
			for _, pt := range r.Ramp {
				rp.Points = append(rp.Points, Point{At: pt.At, Percent: float64(pt.Percent) / 1000})
			}
			lane.Ramps = append(lane.Ramps, rp)
		}
	}
	if len(cohorts) > 0 {
		why = append(why, plural("cohort", uniq(cohorts)))
	}
	if len(conds) > 0 {
		why = append(why, "conditions of "+plural("rule", conds))
	}
	if len(bys) > 0 {
		why = append(why, "buckets of "+plural("attribute", uniq(bys)))
	}
	if len(f.Requires) > 0 {
		var pre []string
		for k := range f.Requires {
			pre = append(pre, k)
		}
		why = append(why, plural("prerequisite", uniq(pre)))
	}
	if len(salts) > 1 {
		why = append(why, "percentages on different salts")
	}
	lane.Exact = len(why) == 0
	lane.Estimated = strings.Join(why, "; ")
	return lane
}

// plural returns "cohort a" or "cohorts a, b".
func plural(noun string, names []string) string {
	if len(names) > 1 {
		noun += "s"
	}
	return noun + " " + strings.Join(names, ", ")
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// events lists f's scheduled events by instant (Unix ms), as the client
// schedules them: none for a disabled, overridden or invalid flag.
func events(f flagkit.FlagInfo) map[int64][]Event {
	out := map[int64][]Event{}
	if f.Err != nil || !f.Enabled || f.Override != nil {
		return out
	}
	for _, r := range f.RuleDetails {
		if !r.From.IsZero() {
			kind := "opens"
			if r.Until.IsZero() && !r.Conditional && !r.Bucketed {
				kind = "launch"
			}
			out[r.From.UnixMilli()] = append(out[r.From.UnixMilli()], Event{Kind: kind, Rule: r.Name})
		}
		if !r.Until.IsZero() {
			out[r.Until.UnixMilli()] = append(out[r.Until.UnixMilli()], Event{Kind: "closes", Rule: r.Name})
		}
		for i, pt := range r.Ramp {
			pc := float64(pt.Percent) / 1000
			out[pt.At.UnixMilli()] = append(out[pt.At.UnixMilli()], Event{Kind: "ramp", Rule: r.Name, Percent: &pc, Point: i + 1, Points: len(r.Ramp)})
		}
	}
	return out
}

// rampsBetween reports whether one of the lane's ramps (or a
// prerequisite's, for an estimated lane) moves between a and b.
func (f *Flag) rampsBetween(a, b time.Time) bool {
	for _, r := range f.Ramps {
		if len(r.Points) > 1 && r.Points[0].At.Before(b) && r.Points[len(r.Points)-1].At.After(a) {
			return true
		}
	}
	return !f.Exact && len(f.info.Requires) > 0
}

// sharesOf pairs the lane's variants with shares.
func (f *Flag) sharesOf(pc []float64) []Share {
	out := make([]Share, 0, len(pc))
	for i, v := range pc {
		out = append(out, Share{Variant: f.Variants[i], Percent: v})
	}
	return out
}

// trimFallback drops the fallback from the lane, its samples and the
// transitions of its flag when no one ever gets it.
func (f *Flag) trimFallback(trs []Transition) {
	last := len(f.Variants) - 1
	if last < 0 || f.Variants[last] != Fallback {
		return
	}
	used := false
	for _, s := range f.Curve {
		used = used || s.Shares[last] > 0
	}
	for _, t := range trs {
		if t.Flag == f.Key {
			used = used || t.Before[last].Percent > 0 || t.After[last].Percent > 0
		}
	}
	used = used || f.Now[last].Percent > 0
	if used {
		return
	}
	f.Variants = f.Variants[:last]
	for i := range f.Curve {
		f.Curve[i].Shares = f.Curve[i].Shares[:last]
	}
	f.Now = f.Now[:last]
	for i := range trs {
		if trs[i].Flag == f.Key {
			trs[i].Before, trs[i].After = trs[i].Before[:last], trs[i].After[:last]
		}
	}
}

// evaluator computes shares, exactly or over the population.
type evaluator struct {
	view     ViewFunc
	subjects []flagkit.Subject
	views    map[int64]flagkit.View
}

// shares returns the percentage of subjects served each variant of the
// lane at t.
func (e *evaluator) shares(f *Flag, t time.Time) []float64 {
	if f.Exact {
		counts := exactCounts(f, t)
		out := make([]float64, len(counts))
		for i, c := range counts {
			out[i] = float64(c) / (bucketCount / 100)
		}
		return out
	}
	ms := t.UnixMilli()
	v, ok := e.views[ms]
	if !ok {
		v = e.view(t)
		e.views[ms] = v
	}
	counts := make([]int, len(f.Variants))
	ctx := context.Background()
	for _, s := range e.subjects {
		d := v.Evaluate(ctx, f.Key, s)
		counts[f.index(d.Variant)]++
	}
	out := make([]float64, len(counts))
	if len(e.subjects) > 0 {
		for i, c := range counts {
			out[i] = float64(c) * 100 / float64(len(e.subjects))
		}
	}
	return out
}

// index returns the index of variant among the lane's variants; the
// fallback for "" or an unknown name.
func (f *Flag) index(variant string) int {
	if variant != "" {
		if i := slices.Index(f.Variants, variant); i >= 0 {
			return i
		}
	}
	return len(f.Variants) - 1
}

// exactCounts returns, for the lane's variants, how many of the 100000
// buckets each is served at t; the flag must be Exact. A flag served by
// an override, or disabled, serves one variant to every bucket.
func exactCounts(f *Flag, t time.Time) []int {
	counts := make([]int, len(f.Variants))
	info := f.info
	switch f.State {
	case "invalid":
		counts[f.index("")] = bucketCount
		return counts
	case "disabled":
		counts[f.index(info.OffVariant)] = bucketCount
		return counts
	case "overridden":
		i := f.index(info.Override.Variant)
		if info.Override.Variant == "" {
			i = slices.Index(f.Variants, "(override)")
		}
		counts[i] = bucketCount
		return counts
	}
	type active struct {
		serve  int
		p      int32
		bucket bool
		split  []int   // variant indexes
		bounds []int32 // cumulative
	}
	var rules []active
	ms := t.UnixMilli()
	for _, r := range info.RuleDetails {
		if !r.From.IsZero() && ms < r.From.UnixMilli() || !r.Until.IsZero() && ms >= r.Until.UnixMilli() {
			continue
		}
		a := active{serve: f.index(r.Serve), p: r.PercentAt(t), bucket: r.Bucketed}
		sum := int32(0)
		for _, w := range r.Split {
			sum += w.Weight
			a.split = append(a.split, f.index(w.Variant))
			a.bounds = append(a.bounds, sum)
		}
		rules = append(rules, a)
		if !a.bucket {
			break // everyone who reaches it
		}
	}
	def := f.index(info.Default)
buckets:
	for b := range int32(bucketCount) {
		for _, r := range rules {
			switch {
			case !r.bucket:
				counts[r.serve]++
				continue buckets
			case r.split != nil:
				if i, ok := splitPick(r.bounds, b, r.p); ok {
					counts[r.split[i]]++
					continue buckets
				}
			case b < r.p:
				counts[r.serve]++
				continue buckets
			}
		}
		counts[def]++
	}
	return counts
}

// splitPick returns the variant of a split that serves bucket b at the
// percentage p: variant i owns [bounds[i-1], bounds[i]) and serves the
// first ⌊(bounds[i] − bounds[i-1]) × p / 100000⌋ buckets of it.
func splitPick(bounds []int32, b, p int32) (int, bool) {
	if p <= 0 {
		return 0, false
	}
	lo := int64(0)
	for i, bound := range bounds {
		hi := int64(bound)
		if int64(b) < hi {
			served := (hi - lo) * int64(p) / bucketCount
			return i, int64(b)-lo < served
		}
		lo = hi
	}
	return 0, false
}

// FormatPercent formats a share: to the thousandth when exact ("27.931 %",
// trailing zeros dropped), else to a tenth ("≈27.9 %").
func FormatPercent(pc float64, exact bool) string {
	if exact {
		s := strconv.FormatFloat(pc, 'f', 3, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		return s + " %"
	}
	return "≈" + strconv.FormatFloat(pc, 'f', 1, 64) + " %"
}

// Instants returns the instants at which flag key of flags changes by
// itself, in time order: its windows' bounds, each of its ramp points, its
// launches, and those of the flags it requires (transitively). A
// disabled, overridden or invalid flag has none of its own.
func Instants(flags []flagkit.FlagInfo, key string) []time.Time {
	byKey := map[string]flagkit.FlagInfo{}
	for _, f := range flags {
		byKey[f.Key] = f
	}
	var out []time.Time
	seen := map[string]bool{}
	var walk func(k string, depth int)
	walk = func(k string, depth int) {
		f, ok := byKey[k]
		if !ok || seen[k] || depth > 16 {
			return
		}
		seen[k] = true
		for ms := range events(f) {
			out = append(out, time.UnixMilli(ms))
		}
		if f.Err == nil && f.Enabled && f.Override == nil {
			for pre := range f.Requires {
				walk(pre, depth+1)
			}
		}
	}
	walk(key, 0)
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(out, func(a, b time.Time) bool { return a.Equal(b) })
}
