package flagkittest_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// fakeTB is a testing.TB that records failures instead of failing the real
// test, so that tests can check that a helper fails with the right message.
// Fatalf ends the goroutine, as the real one does; cleanups run when the
// body given to runFake returns.
type fakeTB struct {
	testing.TB // the real test, for everything not overridden
	name       string

	mu       sync.Mutex
	errors   []string
	failed   bool // by Fail, after writing to Output
	fatal    bool
	cleanups []func()
}

func (f *fakeTB) Helper()      {}
func (f *fakeTB) Name() string { return f.name }

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
	f.fatal = true
	f.mu.Unlock()
	runtime.Goexit()
}

// Output records each line written as a failure message; Strict writes
// its failures there, with their position, and then calls Fail.
func (f *fakeTB) Output() io.Writer { return fakeOutput{f} }

func (f *fakeTB) Fail() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
}

type fakeOutput struct{ f *fakeTB }

func (o fakeOutput) Write(p []byte) (int, error) {
	o.f.mu.Lock()
	defer o.f.mu.Unlock()
	o.f.errors = append(o.f.errors, strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

func (f *fakeTB) Context() context.Context { return f.TB.Context() }

// messages returns the failures reported so far.
func (f *fakeTB) messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errors...)
}

// cleanup runs the registered cleanups, last first.
func (f *fakeTB) cleanup() {
	f.mu.Lock()
	fns := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// startFake runs body with a fake test named name, on a goroutine of its
// own so that Fatalf can end it, and waits for it. The caller runs the
// fake's cleanups (f.cleanup) when the fake test should end.
func startFake(t *testing.T, name string, body func(tb *fakeTB)) *fakeTB {
	t.Helper()
	f := &fakeTB{TB: t, name: name}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(f)
	}()
	<-done
	t.Cleanup(f.cleanup) // in case the caller did not
	return f
}

// runFake is startFake followed by the fake's cleanups.
func runFake(t *testing.T, name string, body func(tb *fakeTB)) *fakeTB {
	t.Helper()
	f := startFake(t, name, body)
	f.cleanup()
	return f
}

// wantFatal checks that f failed fatally with one message containing every
// part of want.
func wantFatal(t *testing.T, f *fakeTB, want ...string) {
	t.Helper()
	msgs := f.messages()
	if !f.fatal || len(msgs) != 1 {
		t.Fatalf("fake test: fatal = %v, messages = %q; want one fatal message", f.fatal, msgs)
	}
	for _, w := range want {
		if !strings.Contains(msgs[0], w) {
			t.Errorf("failure message %q does not contain %q", msgs[0], w)
		}
	}
}

// wantPass checks that f reported no failure.
func wantPass(t *testing.T, f *fakeTB) {
	t.Helper()
	if msgs := f.messages(); len(msgs) != 0 || f.fatal {
		t.Fatalf("fake test failed: %q", msgs)
	}
}
