package flagkittest

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/testhook"
)

// Strict makes every evaluation by c of a flag that c does not define fail
// the test, until the test ends, with a message naming the flag, the
// subject, the nearest defined flag, and the function, file and line that
// called the getter: a typo in a flag key in the code under test otherwise
// passes silently, serving the fallback. Use it with a client loaded from
// the service's real flag file ([FromFile]). Flags overridden with
// [AllowUnknown] are exempt. Each unknown flag is reported once.
//
// Strict watches every evaluation of c from any goroutine, including those
// of other tests that share c. The failure is reported to tb's test as
// tb.Errorf would (so the code under test goes on), at a line of the test:
// when the evaluation ran on a goroutine whose stack passes through the
// function that called Strict (or one of that function's callers), at the
// line where that function was, for example the test's call of the handler
// that asked for the flag; otherwise, as for an evaluation on a server's
// goroutine, at the line that called Strict.
func Strict(tb testing.TB, c *flagkit.Client) {
	tb.Helper()
	if c == nil {
		tb.Fatalf("flagkittest.Strict: nil client")
		return
	}
	setup := setupStack()
	var (
		mu   sync.Mutex
		done bool
		seen = map[string]bool{}
	)
	remove := testhook.RegistryOf(c).Observe(func(e testhook.Eval) {
		if e.Known || e.Overridden {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if done || seen[e.Flag] {
			return
		}
		seen[e.Flag] = true
		at, by := setup.locate()
		// tb.Errorf would print this line (observe.go) as the position, as
		// the observer runs inside the client: Output writes the message as
		// Errorf does, at the test's position.
		fmt.Fprintf(tb.Output(), "%s: flagkittest.Strict: flag %q (subject %q), evaluated by %s, is not defined by the client%s\n",
			at, e.Flag, e.SubjectKey, by, didYouMean(e.Flag, c))
		tb.Fail()
	})
	tb.Cleanup(func() {
		remove()
		mu.Lock()
		done = true
		mu.Unlock()
	})
}

// A setup is the stack of the test code that called Strict: the function
// that called it, and that function's callers up to the testing package.
type setup struct {
	at    string          // file:line of the call of Strict
	funcs map[string]bool // the functions on that stack
}

// setupStack records the stack of Strict's caller. Only Strict calls it.
func setupStack() setup {
	pc := make([]uintptr, 64)
	frames := runtime.CallersFrames(pc[:runtime.Callers(3, pc)]) // skip Callers, setupStack, Strict
	s := setup{at: "???:1", funcs: map[string]bool{}}
	for first := true; ; first = false {
		f, more := frames.Next()
		if f.Function == "" || strings.HasPrefix(f.Function, "testing.") || strings.HasPrefix(f.Function, "runtime.") {
			break
		}
		if first {
			s.at = position(f)
		}
		s.funcs[f.Function] = true
		if !more {
			break
		}
	}
	return s
}

// locate reads the stack of the evaluation it is called from (through the
// client's observer). It returns the position to report the failure at, and
// the function, file and line of the code that called the getter: the
// first frame outside packages flagkit, flagkittest and internal/...
func (s setup) locate() (at, by string) {
	pc := make([]uintptr, 64)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	at, by = s.at, "code"
	getter := true // looking for the getter's caller
	for {
		f, more := frames.Next()
		if getter && !inFlagkit(f.Function) {
			by = shortFunc(f.Function) + " at " + position(f)
			getter = false
		}
		if !getter && s.funcs[f.Function] {
			return position(f), by
		}
		if !more {
			return at, by
		}
	}
}

// inFlagkit reports whether fn is a function of package flagkit,
// flagkittest or a package under internal/.
func inFlagkit(fn string) bool {
	return strings.HasPrefix(fn, "github.com/flagkit/flagkit.") ||
		strings.HasPrefix(fn, "github.com/flagkit/flagkit/internal/") ||
		strings.HasPrefix(fn, "github.com/flagkit/flagkit/flagkittest.")
}

// shortFunc is fn without its package path: pkg.Func, pkg.(*T).Method.
func shortFunc(fn string) string {
	return fn[strings.LastIndex(fn, "/")+1:]
}

// position is the frame's file base name and line, as the testing package
// prints them.
func position(f runtime.Frame) string {
	return filepath.Base(f.File) + ":" + strconv.Itoa(f.Line)
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
	remove := testhook.RegistryOf(c).Observe(func(e testhook.Eval) {
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
