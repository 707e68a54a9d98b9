package flagkit_test

// The performance suite of the issue "Performance: benchmark suite and
// targets". docs/performance.md has the targets, the commands,
// the machine and the results. Every document is generated here; nothing
// large is committed.
//
// Names:
//   - Benchmark...NoAlloc: the evaluation hot paths; TestNoAllocBenchmarks
//     runs them and fails unless they report 0 allocs/op (noalloc_test.go
//     also asserts every getter's allocations with testing.AllocsPerRun).
//   - BenchmarkFloor and BenchmarkFloorView: a hand-written floor (an atomic
//     load, a map lookup, the compares, a clock reading for a timed flag and
//     one murmur3 hash) in the same harness, over the same data in the same
//     order, to show how close the library is to the least work the problem
//     needs; TestFloorAgrees and TestFloorAgreesOnEveryPair check that it
//     gives the library's answers. docs/performance.md compares them.
//   - BenchmarkParallelNoAlloc: b.RunParallel; run with -cpu 1,2 for scaling.
//   - BenchmarkLoad, BenchmarkRetainedHeap, BenchmarkReloadLatency: loading
//     and compiling, memory kept per flag, and evaluation latency while the
//     document is reloaded.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/bits"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/murmur3"
	"go.yaml.in/yaml/v3"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
	"github.com/flagkit/flagkit/source"
)

// benchCountries are the subjects' countries; benchNordics, the first five,
// are the countries of the single-flag benchmarks' cohort.
var benchCountries = [...]string{
	"NO", "SE", "DK", "FI", "IS", "DE", "FR", "NL", "BE", "AT",
	"CH", "IT", "ES", "PT", "PL", "CZ", "GB", "IE", "US", "CA",
}

var benchPlans = [...]string{"free", "pro", "enterprise"}

// benchSubjectCount is how many prepared subjects the benchmarks cycle over.
const benchSubjectCount = 10000

// benchSubjects returns n subjects with keys user-0..user-(n-1) and three
// attributes each: country, plan and email.
func benchSubjects(n int) []flagkit.Subject {
	out := make([]flagkit.Subject, n)
	for i := range out {
		key := fmt.Sprintf("user-%d", i)
		out[i] = flagkit.Subject{Key: key, Attrs: flagkit.Attrs{
			"country": benchCountries[i%len(benchCountries)],
			"plan":    benchPlans[i/len(benchCountries)%len(benchPlans)],
			"email":   key + "@example.com",
		}}
	}
	return out
}

// benchCohortCountries returns the five countries of generated cohort i.
func benchCohortCountries(i int) []string {
	out := make([]string, 5)
	for j := range out {
		out[j] = benchCountries[(i+j)%len(benchCountries)]
	}
	return out
}

// benchCohorts is the number of cohorts in a generated document.
const benchCohorts = 100

// benchFlagKey is the key of the i-th generated flag.
func benchFlagKey(i int) string { return fmt.Sprintf("f%05d", i) }

// benchDoc generates a document of n flags in YAML (block style, as people
// write it) or JSON. It has benchCohorts cohorts, each
// {country: {in: [5 countries]}, plan: {eq: pro|enterprise}}, and flag i is
//
//	default: off
//	rules:
//	  - {name: cohort, cohort: c<i mod 100>, serve: on}
//	  - {name: rollout, percent: <pct>, serve: on}
//
// pct is the rollout percentage (the benchmarks use 10; reloads alternate
// 10 and 11 so that every flag changes).
func benchDoc(n int, asJSON bool, pct int) []byte {
	var b strings.Builder
	b.Grow(n * 200)
	if asJSON {
		b.WriteString("{\n  \"version\": 1,\n  \"cohorts\": {\n")
		for i := 0; i < benchCohorts; i++ {
			cs := benchCohortCountries(i)
			fmt.Fprintf(&b, "    \"c%02d\": {\"when\": {\"country\": {\"in\": [\"%s\"]}, \"plan\": {\"eq\": \"%s\"}}}",
				i, strings.Join(cs, `", "`), benchPlans[1+i%2])
			if i < benchCohorts-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("  },\n  \"flags\": {\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "    %q: {\n      \"default\": \"off\",\n      \"rules\": [\n"+
				"        {\"name\": \"cohort\", \"cohort\": \"c%02d\", \"serve\": \"on\"},\n"+
				"        {\"name\": \"rollout\", \"percent\": %d, \"serve\": \"on\"}\n      ]\n    }",
				benchFlagKey(i), i%benchCohorts, pct)
			if i < n-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("  }\n}\n")
		return []byte(b.String())
	}
	b.WriteString("version: 1\ncohorts:\n")
	for i := 0; i < benchCohorts; i++ {
		cs := benchCohortCountries(i)
		fmt.Fprintf(&b, "  c%02d:\n    when:\n      country: {in: [\"%s\"]}\n      plan: {eq: %s}\n",
			i, strings.Join(cs, `", "`), benchPlans[1+i%2])
	}
	b.WriteString("flags:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  %s:\n    default: off\n    rules:\n"+
			"      - name: cohort\n        cohort: c%02d\n        serve: on\n"+
			"      - name: rollout\n        percent: %d\n        serve: on\n",
			benchFlagKey(i), i%benchCohorts, pct)
	}
	return []byte(b.String())
}

// benchSmallDoc is the document of the single-flag benchmarks. now places
// window-ramp's window and ramp around the present: the window opened a day
// ago and closes in a day; the ramp goes from 0 % thirty days ago to 100 %
// in thirty days.
func benchSmallDoc(now time.Time) []byte {
	at := func(d time.Duration) string { return now.Add(d).UTC().Format(time.RFC3339) }
	return []byte(fmt.Sprintf(`
cohorts:
  nordic-pro:
    when:
      country: {in: ["NO", "SE", "DK", "FI", "IS"]}
      plan: {eq: pro}
flags:
  static:
    default: on
  rollout-25:
    default: off
    rules:
      - name: quarter
        percent: 25
        serve: on
  cohort-rollout:
    default: off
    rules:
      - name: nordic pro
        cohort: nordic-pro
        serve: on
      - name: ten percent
        percent: 10
        serve: on
  window-ramp:
    default: off
    rules:
      - name: launch
        from: %s
        until: %s
        percent:
          - {at: %s, value: 0}
          - {at: %s, value: 100}
        serve: on
`, at(-24*time.Hour), at(24*time.Hour), at(-30*24*time.Hour), at(30*24*time.Hour)))
}

// benchClient builds a client over one document held in memory, strictly,
// and closes it when the benchmark ends.
func benchClient(tb testing.TB, doc []byte, opts ...flagkit.Option) *flagkit.Client {
	tb.Helper()
	opts = append([]flagkit.Option{flagkit.WithSource(source.Bytes("bench.yaml", doc)), flagkit.WithStrict()}, opts...)
	c, err := flagkit.New(context.Background(), opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// benchSink keeps results alive so that the compiler cannot drop the calls.
type benchSink struct{ n int }

func (s *benchSink) add(b bool) {
	if b {
		s.n++
	}
}

// benchCase is one hot-path scenario: a flag (or, with keys, a different
// flag on each operation) evaluated for the prepared subjects in turn.
type benchCase struct {
	name   string
	target string // the target, for the docs
	key    string
	keys   []string    // if set, keys[i·stride.flags mod len(keys)] replaces key
	stride benchStride // the order of keys and subjects
	client func(tb testing.TB) *flagkit.Client
}

// benchStride is the order in which a benchmark visits its flags and
// subjects: operation i evaluates keys[i·flags mod len(keys)] for
// subjects[i·subjects mod len(subjects)]. A zero field is a stride of 1:
// flags and subjects in the order they were made.
type benchStride struct{ flags, subjects int }

// steps returns the strides, 1 for a zero field.
func (st benchStride) steps() (flags, subjects int) {
	return max(st.flags, 1), max(st.subjects, 1)
}

// benchScattered is the order of the cache-missing case: a different flag
// and a different subject on each operation, as a service with many flags
// and many users sees them, with neither in an order the cache can exploit.
//
//   - 619 is coprime with 1,000 (2³·5³) and 6,181 (7·883) with 10,000
//     (2⁴·5⁴), so each operation still visits every flag once per 1,000
//     operations and every subject once per 10,000: the same working set
//     and the same reuse distances as the in-order case, only the order
//     differs.
//   - Both are near n/φ (618.0 and 6,180.3), the golden-ratio strides:
//     consecutive operations land far apart in index, and so in memory
//     (flags, subjects and their Attrs maps are allocated in index order),
//     and indexes close to each other are visited at times far apart. So
//     neither a neighbour on the same cache line nor a hardware prefetcher
//     (which follows strides within a 4 KiB page) brings in the next one.
//   - The strides are not equal modulo 20 (the number of countries; a
//     flag's cohort is its index mod 100): with equal strides every
//     subject would be in every flag's countries. Here a subject is in the
//     flag's countries 30 % of the time and in its cohort 10 % (uniformly
//     random pairs: 25 % and 8.3 %); in the in-order case it is always in
//     the countries and in the cohort a third of the time.
var benchScattered = benchStride{flags: 619, subjects: 6181}

func benchCases() []benchCase {
	small := func(tb testing.TB) *flagkit.Client { return benchClient(tb, benchSmallDoc(time.Now())) }
	fixed := time.Now()
	smallFixed := func(tb testing.TB) *flagkit.Client {
		return benchClient(tb, benchSmallDoc(fixed), flagkit.WithClock(func() time.Time { return fixed }))
	}
	big := func(tb testing.TB) *flagkit.Client { return benchClient(tb, benchDoc(1000, false, 10)) }
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = benchFlagKey(i)
	}
	return []benchCase{
		{name: "Static", target: "25 ns", key: "static", client: small},
		{name: "Rollout25", target: "50 ns", key: "rollout-25", client: small},
		{name: "CohortRollout10", target: "80 ns", key: "cohort-rollout", client: small},
		{name: "CohortRollout10x1000Flags", target: "120 ns", keys: keys, client: big},
		{name: "CohortRollout10x1000FlagsScattered", keys: keys, stride: benchScattered, client: big},
		{name: "WindowRamp", target: "100 ns", key: "window-ramp", client: small},
		{name: "WindowRampFixedClock", key: "window-ramp", client: smallFixed},
	}
}

// BenchmarkEvalNoAlloc measures Client.Bool on each hot path, cycling over
// 10,000 prepared subjects.
func BenchmarkEvalNoAlloc(b *testing.B) {
	subjects := benchSubjects(benchSubjectCount)
	for _, bc := range benchCases() {
		b.Run(bc.name, evalBench(bc, subjects))
	}
}

// evalBench is the body of one BenchmarkEvalNoAlloc case.
func evalBench(bc benchCase, subjects []flagkit.Subject) func(b *testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		c := bc.client(b)
		keys := bc.keys
		if keys == nil {
			keys = []string{bc.key}
		}
		fs, ss := bc.stride.steps()
		var sink benchSink
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sink.add(c.Bool(ctx, keys[i*fs%len(keys)], subjects[i*ss%len(subjects)], false))
		}
		b.StopTimer()
		if sink.n < 0 {
			b.Fatal("unreachable")
		}
	}
}

// BenchmarkViewNoAlloc measures one View per operation followed by one Bool,
// the per-request pattern.
func BenchmarkViewNoAlloc(b *testing.B) {
	subjects := benchSubjects(benchSubjectCount)
	for _, key := range viewBenchKeys {
		b.Run(key, viewBench(key, subjects))
	}
}

var viewBenchKeys = []string{"static", "cohort-rollout", "window-ramp"}

// viewBench is the body of one BenchmarkViewNoAlloc case.
func viewBench(key string, subjects []flagkit.Subject) func(b *testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		c := benchClient(b, benchSmallDoc(time.Now()))
		var sink benchSink
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sink.add(c.View().Bool(ctx, key, subjects[i%len(subjects)], false))
		}
	}
}

// TestNoAllocBenchmarks runs the bodies of BenchmarkEvalNoAlloc and
// BenchmarkViewNoAlloc for a fixed 5,000 operations each and fails unless
// they report 0 allocs/op and 0 B/op, so that CI checks the benchmarks
// themselves, not only the allocation tests of noalloc_test.go.
func TestNoAllocBenchmarks(t *testing.T) {
	// testing.Benchmark runs for -test.benchtime; a fixed count keeps this
	// test short. The flag is restored for any benchmarks that follow.
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	if err := bt.Value.Set("5000x"); err != nil {
		t.Fatalf("setting test.benchtime: %v", err)
	}
	defer bt.Value.Set(old)

	subjects := benchSubjects(benchSubjectCount)
	type run struct {
		name  string
		bench func(b *testing.B)
	}
	var runs []run
	for _, bc := range benchCases() {
		runs = append(runs, run{"EvalNoAlloc/" + bc.name, evalBench(bc, subjects)})
	}
	for _, key := range viewBenchKeys {
		runs = append(runs, run{"ViewNoAlloc/" + key, viewBench(key, subjects)})
	}
	for _, r := range runs {
		res := testing.Benchmark(r.bench)
		if res.N == 0 {
			t.Errorf("Benchmark%s did not run", r.name)
			continue
		}
		if res.AllocsPerOp() != 0 || res.AllocedBytesPerOp() != 0 {
			t.Errorf("Benchmark%s: %d allocs/op, %d B/op; want 0 and 0", r.name, res.AllocsPerOp(), res.AllocedBytesPerOp())
		}
	}
}

// BenchmarkParallelNoAlloc is BenchmarkEvalNoAlloc with b.RunParallel; run it
// with -cpu 1,2 to see how evaluation scales across cores.
func BenchmarkParallelNoAlloc(b *testing.B) {
	ctx := context.Background()
	subjects := benchSubjects(benchSubjectCount)
	for _, bc := range benchCases() {
		b.Run(bc.name, func(b *testing.B) {
			c := bc.client(b)
			keys := bc.keys
			if keys == nil {
				keys = []string{bc.key}
			}
			fs, ss := bc.stride.steps()
			var total atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var sink benchSink
				i := 0
				for pb.Next() {
					sink.add(c.Bool(ctx, keys[i*fs%len(keys)], subjects[i*ss%len(subjects)], false))
					i++
				}
				total.Add(int64(sink.n))
			})
		})
	}
}

// floorFlag is the hand-written floor's flag: the least a cohort rule, a
// percentage, a release window with a linear ramp, and a default need.
//
// The names of the attributes a cohort reads are data, as they are for the
// library, which reads them from the document: a floor that looked up the
// literals "country" and "plan" would be faster than any evaluator can be,
// since the map then finds its key by pointer equality (the subjects' maps
// hold the same literals), skipping the comparison of bytes that a name
// read from a document needs.
type floorFlag struct {
	enabled   bool
	country   string // the attribute names, as read from a document
	plan      string
	countries []string // nil: no cohort rule
	planIs    string
	percent   uint32 // thousandths; 100000 for a static flag
	salt      string
	// timed: the rollout applies from from until until (Unix ms), and its
	// percentage ramps linearly from 0 at rampFrom to 100 % at rampTo.
	timed            bool
	from, until      int64
	rampFrom, rampTo int64
}

type floorSnapshot struct{ flags map[string]*floorFlag }

// floorClient does, by hand, what the library does for these flags: an
// atomic load, a map lookup, the compares, a clock reading for a timed
// flag, and one murmur3 hash.
type floorClient struct {
	snap atomic.Pointer[floorSnapshot]
	now  func() int64 // Unix ms
}

func (c *floorClient) bool(key string, s *flagkit.Subject) bool {
	return c.snap.Load().bool(key, s, c.now, 0)
}

// floorView is the floor's View: a snapshot and an instant, read once.
type floorView struct {
	snap *floorSnapshot
	ms   int64
}

func (c *floorClient) view() floorView { return floorView{c.snap.Load(), c.now()} }

func (v floorView) bool(key string, s *flagkit.Subject) bool { return v.snap.bool(key, s, nil, v.ms) }

// bool evaluates flag key for s at the instant now returns, read only for
// a timed flag, or at ms when now is nil.
func (fs *floorSnapshot) bool(key string, s *flagkit.Subject, now func() int64, ms int64) bool {
	f := fs.flags[key]
	if f == nil || !f.enabled {
		return false
	}
	if f.countries != nil {
		country, _ := s.Attrs[f.country].(string)
		for _, x := range f.countries {
			if x == country {
				if plan, _ := s.Attrs[f.plan].(string); plan == f.planIs {
					return true
				}
				break
			}
		}
	}
	percent := f.percent
	if f.timed {
		if now != nil {
			ms = now()
		}
		switch {
		case ms < f.from || ms >= f.until:
			return false
		case ms < f.rampFrom:
			percent = 0
		case ms >= f.rampTo:
			percent = 100000
		default:
			percent = uint32(100000 * (ms - f.rampFrom) / (f.rampTo - f.rampFrom))
		}
	}
	if percent >= 100000 {
		return true
	}
	var buf [128]byte
	n := copy(buf[:], f.salt)
	n += copy(buf[n:], s.Key)
	return uint32(uint64(murmur3.Sum32(buf[:n]))*100000>>32) < percent
}

// newFloorClient returns the floor of the flags of benchSmallDoc(base) and
// benchDoc(1000, false, 10), reading the time from now.
func newFloorClient(base time.Time, now func() int64) *floorClient {
	nordics := benchCohortCountries(0)
	ms := func(d time.Duration) int64 { return base.Add(d).Truncate(time.Second).UnixMilli() }
	day := 24 * time.Hour
	country, plan := attrName("country"), attrName("plan")
	flags := map[string]*floorFlag{
		"static":     {enabled: true, percent: 100000},
		"rollout-25": {enabled: true, percent: 25000, salt: "rollout-25"},
		"cohort-rollout": {enabled: true, country: country, plan: plan, countries: nordics, planIs: "pro",
			percent: 10000, salt: "cohort-rollout"},
		"window-ramp": {enabled: true, salt: "window-ramp", timed: true, from: ms(-day), until: ms(day),
			rampFrom: ms(-30 * day), rampTo: ms(30 * day)},
	}
	for i := 0; i < 1000; i++ {
		k := benchFlagKey(i)
		flags[k] = &floorFlag{enabled: true, country: country, plan: plan,
			countries: benchCohortCountries(i % benchCohorts), planIs: benchPlans[1+i%benchCohorts%2],
			percent: 10000, salt: k}
	}
	c := &floorClient{now: now}
	c.snap.Store(&floorSnapshot{flags: flags})
	return c
}

// attrName returns a copy of name in memory of its own, as a document's
// parser returns an attribute's name.
func attrName(name string) string { return strings.Clone(name) }

// floorWallClock is the floor of the default clock: one reading of the
// monotonic clock added to a wall-clock anchor.
func floorWallClock() func() int64 {
	anchor := time.Now()
	ns := anchor.UnixNano()
	return func() int64 { return (ns + int64(time.Since(anchor))) / int64(time.Millisecond) }
}

// floorFixedClock is the floor of an injected clock: calling it.
func floorFixedClock(clock func() time.Time) func() int64 {
	return func() int64 { return clock().UnixMilli() }
}

// TestFloorAgrees checks that the floor computes what the library does, so
// that comparing their speed is fair.
func TestFloorAgrees(t *testing.T) {
	ctx := context.Background()
	subjects := benchSubjects(2000)
	// A fixed clock, so that both see the same point of window-ramp's ramp
	// (halfway).
	fixed := time.Now()
	clock := func() time.Time { return fixed }
	lib := benchClient(t, benchSmallDoc(fixed), flagkit.WithClock(clock))
	lib1000 := benchClient(t, benchDoc(1000, false, 10))
	floor := newFloorClient(fixed, floorFixedClock(clock))
	tests := []struct {
		key  string
		c    *flagkit.Client
		view bool // through a View, made for each evaluation
		want int  // how many of the subjects get true
	}{
		{"static", lib, false, 2000},
		{"rollout-25", lib, false, -1},
		{"cohort-rollout", lib, false, -1},
		{"window-ramp", lib, false, -1},
		{benchFlagKey(7), lib1000, false, -1},
		{benchFlagKey(998), lib1000, false, -1},
		{"static", lib, true, 2000},
		{"cohort-rollout", lib, true, -1},
		{"window-ramp", lib, true, -1},
	}
	for _, tt := range tests {
		name := tt.key
		if tt.view {
			name += "/view"
		}
		t.Run(name, func(t *testing.T) {
			on := 0
			for i := range subjects {
				s := &subjects[i]
				var got, want bool
				if tt.view {
					got, want = floor.view().bool(tt.key, s), tt.c.View().Bool(ctx, tt.key, *s, false)
				} else {
					got, want = floor.bool(tt.key, s), tt.c.Bool(ctx, tt.key, *s, false)
				}
				if got != want {
					t.Fatalf("floor(%q, %q) = %v; the library says %v", tt.key, s.Key, got, want)
				}
				if got {
					on++
				}
			}
			if tt.want >= 0 && on != tt.want {
				t.Errorf("Bool(%q) is true for %d subjects; want %d", tt.key, on, tt.want)
			}
			if on == 0 || on == len(subjects) && tt.want < 0 {
				t.Errorf("Bool(%q) is true for %d of %d subjects; want a mix", tt.key, on, len(subjects))
			}
		})
	}
}

// TestFloorAgreesOnEveryPair checks the floor against the library on all
// the data of the 1,000-flag benchmarks, every flag for every subject
// (10 million pairs, about a second), so that the floor cannot be fast by
// answering something else for the pairs a benchmark happens to visit.
// Under the race detector, which makes it fifteen times slower, it checks
// every tenth flag. It also checks that the scattered order takes every
// path: a cohort match, a rollout hit, and the default.
func TestFloorAgreesOnEveryPair(t *testing.T) {
	ctx := context.Background()
	subjects := benchSubjects(benchSubjectCount)
	lib := benchClient(t, benchDoc(1000, false, 10))
	floor := newFloorClient(time.Now(), floorWallClock())
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = benchFlagKey(i)
	}
	step := 1
	if flagkit.RaceEnabled {
		step = 10
	}
	// Flags are checked by two goroutines; both clients are safe for
	// concurrent use.
	var wg sync.WaitGroup
	var on [2]int
	for w := range 2 {
		wg.Go(func() {
			for f := w * step; f < len(keys); f += 2 * step {
				key := keys[f]
				for i := range subjects {
					s := &subjects[i]
					got, want := floor.bool(key, s), lib.Bool(ctx, key, *s, false)
					if got != want {
						t.Errorf("floor(%q, %q) = %v; the library says %v", key, s.Key, got, want)
						return
					}
					if got {
						on[w]++
					}
				}
			}
		})
	}
	wg.Wait()
	if n, pairs := on[0]+on[1], len(keys)/step*len(subjects); n == 0 || n == pairs {
		t.Errorf("Bool is true for %d of %d pairs; want a mix", n, pairs)
	}

	fs, ss := benchScattered.steps()
	reasons := map[flagkit.Reason]int{}
	for i := range benchSubjectCount {
		d := lib.Evaluate(ctx, keys[i*fs%len(keys)], subjects[i*ss%len(subjects)])
		reasons[d.Reason]++
	}
	for _, r := range []flagkit.Reason{flagkit.ReasonTargetingMatch, flagkit.ReasonSplit, flagkit.ReasonDefault} {
		if reasons[r] == 0 {
			t.Errorf("the scattered order's first %d evaluations gave reasons %v; want %s among them", benchSubjectCount, reasons, r)
		}
	}
}

// BenchmarkFloor runs the hand-written floor over the same flags and
// subjects as BenchmarkEvalNoAlloc, in the same order, with the floor of
// the same clock.
func BenchmarkFloor(b *testing.B) {
	subjects := benchSubjects(benchSubjectCount)
	c := newFloorClient(time.Now(), floorWallClock())
	fixed := time.Now()
	cFixed := newFloorClient(fixed, floorFixedClock(func() time.Time { return fixed }))
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = benchFlagKey(i)
	}
	for _, bc := range []struct {
		name   string
		c      *floorClient
		keys   []string
		stride benchStride
	}{
		{"Static", c, []string{"static"}, benchStride{}},
		{"Rollout25", c, []string{"rollout-25"}, benchStride{}},
		{"CohortRollout10", c, []string{"cohort-rollout"}, benchStride{}},
		{"CohortRollout10x1000Flags", c, keys, benchStride{}},
		{"CohortRollout10x1000FlagsScattered", c, keys, benchScattered},
		{"WindowRamp", c, []string{"window-ramp"}, benchStride{}},
		{"WindowRampFixedClock", cFixed, []string{"window-ramp"}, benchStride{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			fs, ss := bc.stride.steps()
			var sink benchSink
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sink.add(bc.c.bool(bc.keys[i*fs%len(bc.keys)], &subjects[i*ss%len(subjects)]))
			}
		})
	}
}

// BenchmarkFloorView is the floor of BenchmarkViewNoAlloc: a snapshot and
// a clock reading per operation, then one flag.
func BenchmarkFloorView(b *testing.B) {
	subjects := benchSubjects(benchSubjectCount)
	c := newFloorClient(time.Now(), floorWallClock())
	for _, key := range viewBenchKeys {
		b.Run(key, func(b *testing.B) {
			var sink benchSink
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sink.add(c.view().bool(key, &subjects[i%len(subjects)]))
			}
		})
	}
}

// BenchmarkLoad measures loading and compiling 10,000 generated flags, in
// YAML and in JSON, in steps:
//   - yaml.Node: go.yaml.in/yaml/v3 decoding the document into a yaml.Node
//     alone: for YAML, the parser's own share (flagkit reads YAML so); for
//     JSON, what the YAML parser would cost (flagkit reads JSON with
//     encoding/json instead);
//   - json.Valid: encoding/json checking the JSON document, the first step
//     of flagkit's JSON path (which then walks the valid bytes into nodes);
//   - encoding-json: encoding/json decoding the JSON document into an any,
//     for scale;
//   - Validate: flagkit.Validate, i.e. parse, validate and compile;
//   - New: a client built over source.Bytes, then closed: all of the above
//     plus the client's start-up (what a service pays at start).
func BenchmarkLoad(b *testing.B) {
	const n = 10000
	for _, format := range []struct {
		name   string
		asJSON bool
	}{{"YAML", false}, {"JSON", true}} {
		doc := benchDoc(n, format.asJSON, 10)
		b.Run(format.name+"/yaml.Node", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var node yaml.Node
				if err := yaml.Unmarshal(doc, &node); err != nil {
					b.Fatal(err)
				}
			}
		})
		if format.asJSON {
			b.Run(format.name+"/json.Valid", func(b *testing.B) {
				b.SetBytes(int64(len(doc)))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if !json.Valid(doc) {
						b.Fatal("invalid JSON")
					}
				}
			})
			b.Run(format.name+"/encoding-json", func(b *testing.B) {
				b.SetBytes(int64(len(doc)))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					var v any
					if err := json.Unmarshal(doc, &v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(format.name+"/Validate", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := flagkit.Validate("bench", doc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(format.name+"/New", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c, err := flagkit.New(context.Background(), flagkit.WithSource(source.Bytes("bench", doc)), flagkit.WithStrict())
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/load")
		})
	}
}

// BenchmarkRetainedHeap measures the heap a client keeps for its flags: the
// live heap (after a full GC) with the client alive, less the live heap
// before New, per flag. The source, which holds its own copy of the
// document, is made before the first reading, so it is not counted.
func BenchmarkRetainedHeap(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("flags=%d", n), func(b *testing.B) {
			doc := benchDoc(n, false, 10)
			var total float64
			for i := 0; i < b.N; i++ {
				src := source.Bytes("bench", doc)
				before := benchLiveHeap()
				c, err := flagkit.New(context.Background(), flagkit.WithSource(src), flagkit.WithStrict())
				if err != nil {
					b.Fatal(err)
				}
				after := benchLiveHeap()
				total += float64(after) - float64(before)
				runtime.KeepAlive(c)
				if err := c.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(total/float64(b.N)/float64(n), "B/flag")
		})
	}
}

// benchLiveHeap returns the bytes of live heap objects after a full GC.
func benchLiveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// benchLatencies is a histogram of durations: bucket (e, m) holds durations
// in [2^e·(4+m)/4, 2^e·(5+m)/4), a precision of 25 %.
type benchLatencies struct {
	counts [64 * 4]uint64
	max    time.Duration
	n      uint64
}

func (h *benchLatencies) add(d time.Duration) {
	if d > h.max {
		h.max = d
	}
	h.n++
	u := uint64(max(d, 1))
	e := bits.Len64(u) - 1
	m := 0
	if e >= 2 {
		m = int(u>>(e-2)) & 3
	}
	h.counts[e*4+m]++
}

// quantile returns the upper bound of the bucket holding quantile q.
func (h *benchLatencies) quantile(q float64) time.Duration {
	want := uint64(q * float64(h.n))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > want {
			e, m := i/4, i%4
			return time.Duration((uint64(1) << e) * uint64(5+m) / 4)
		}
	}
	return h.max
}

// BenchmarkReloadLatency measures evaluation latency seen by a reader
// goroutine that evaluates flags of a 1,000-flag client without pause, one
// timed evaluation at a time (each timing includes two readings of the
// monotonic clock, about 30 ns each here), while the benchmark's goroutine
// does, once per op:
//   - Idle: nothing but wait for the reader to do 20,000 evaluations;
//   - Validate: the work of a reload without the swap (flagkit.Validate of
//     the 1,000-flag document), so CPU and GC are shared as in a reload;
//   - Reload: a real reload through a Source, alternating two documents
//     that differ in every flag.
//
// It reports the worst single evaluation (max-ns), the 99.99th percentile
// (p99.99-ns, within 25 %) and the median (p50-ns); it asserts nothing.
func BenchmarkReloadLatency(b *testing.B) {
	const n = 1000
	docs := [2][]byte{benchDoc(n, false, 10), benchDoc(n, false, 11)}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = benchFlagKey(i)
	}
	subjects := benchSubjects(benchSubjectCount)
	for _, mode := range []string{"Idle", "Validate", "Reload"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			src := flagkittest.NewSource("push", docs[0])
			c, err := flagkit.New(ctx, flagkit.WithSource(src), flagkit.WithStrict())
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				if err := c.Close(); err != nil {
					b.Errorf("Close: %v", err)
				}
			}()
			var (
				stop  atomic.Bool
				evals atomic.Int64
				hist  benchLatencies
				wg    sync.WaitGroup
			)
			runtime.GC()
			b.ResetTimer()
			wg.Add(1)
			go func() {
				defer wg.Done()
				var sink benchSink
				// time.Since reads only the monotonic clock, half the
				// cost of time.Now.
				base := time.Now()
				for i := 0; !stop.Load(); i++ {
					t0 := time.Since(base)
					sink.add(c.Bool(ctx, keys[i%n], subjects[i%len(subjects)], false))
					hist.add(time.Since(base) - t0)
					evals.Add(1)
				}
			}()
			for i := 0; i < b.N; i++ {
				switch mode {
				case "Idle":
					for target := int64(i+1) * 20000; evals.Load() < target; {
						runtime.Gosched()
					}
				case "Validate":
					if err := flagkit.Validate("bench", docs[(i+1)%2]); err != nil {
						b.Fatal(err)
					}
				case "Reload":
					src.Push(docs[(i+1)%2])
				}
			}
			stop.Store(true)
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(hist.max.Nanoseconds()), "max-ns")
			b.ReportMetric(float64(hist.quantile(0.9999).Nanoseconds()), "p99.99-ns")
			b.ReportMetric(float64(hist.quantile(0.5).Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(hist.n)/float64(b.N), "evals/op")
		})
	}
}
