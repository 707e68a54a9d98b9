package flagkittest

import (
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/testhook"
)

// Strict makes every evaluation by c of a flag that c does not define fail
// the test, until the test ends, with a message naming the function that
// called the getter, the flag, the subject and the nearest defined flag: a typo in a flag key in the code
// under test otherwise passes silently, serving the fallback. Use it with
// a client loaded from the service's real flag file ([FromFile]). Flags
// overridden with [AllowUnknown] are exempt. Each unknown flag is reported
// once.
//
// Strict watches every evaluation of c from any goroutine, including those
// of other tests that share c; the failure is reported to tb's test, with
// tb.Errorf (so the code under test goes on).
func Strict(tb testing.TB, c *flagkit.Client) {
	tb.Helper()
	if c == nil {
		tb.Fatalf("flagkittest.Strict: nil client")
		return
	}
	var (
		mu   sync.Mutex
		done bool
		seen = map[string]bool{}
	)
	remove := c.TestRegistry(testhook.Token{}).Observe(func(e testhook.Eval) {
		if e.Known || e.Overridden {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if done || seen[e.Flag] {
			return
		}
		seen[e.Flag] = true
		tb.Errorf("flagkittest.Strict: %s evaluated flag %q (subject %q), which the client does not define%s", caller(), e.Flag, e.SubjectKey, suggest(e.Flag, c))
	})
	tb.Cleanup(func() {
		remove()
		mu.Lock()
		done = true
		mu.Unlock()
	})
}

// caller names the function that called a getter of the client: the first
// on the stack outside packages flagkit, flagkittest and internal/...
func caller() string {
	pc := make([]uintptr, 32)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	for {
		f, more := frames.Next()
		fn := f.Function
		if !strings.HasPrefix(fn, "github.com/flagkit/flagkit.") &&
			!strings.HasPrefix(fn, "github.com/flagkit/flagkit/internal/") &&
			!strings.HasPrefix(fn, "github.com/flagkit/flagkit/flagkittest.") {
			return fn[strings.LastIndex(fn, "/")+1:]
		}
		if !more {
			return "code"
		}
	}
}

// A Recorder records which flags a client evaluated during a test; see
// [Record]. It is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	count map[string]int
}

// Record starts recording the flags that c evaluates, from any goroutine,
// until the test ends. The recording includes evaluations by other tests
// that share c while it runs; to isolate a test, give it its own client.
func Record(tb testing.TB, c *flagkit.Client) *Recorder {
	tb.Helper()
	r := &Recorder{count: map[string]int{}}
	if c == nil {
		tb.Fatalf("flagkittest.Record: nil client")
		return r
	}
	remove := c.TestRegistry(testhook.Token{}).Observe(func(e testhook.Eval) {
		r.mu.Lock()
		r.count[e.Flag]++
		r.mu.Unlock()
	})
	tb.Cleanup(remove)
	return r
}

// Flags returns the keys of the flags evaluated so far, sorted, each once.
// A flag evaluated through another (a prerequisite) is not included.
func (r *Recorder) Flags() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.count))
	for k := range r.count {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Count returns how many times flag was evaluated so far.
func (r *Recorder) Count(flag string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[flag]
}
