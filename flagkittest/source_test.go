package flagkittest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
	"github.com/flagkit/flagkit/source/sourcetest"
)

// TestSourceContract checks Source with the conformance check for sources:
// serving its first document, following a Push, and answering a refused
// first document.
func TestSourceContract(t *testing.T) {
	refuse := func(bad string) func([]byte) error {
		return func(doc []byte) error {
			if string(doc) == bad {
				return errors.New("refused")
			}
			return nil
		}
	}
	tests := []struct {
		name string
		doc  string
		push string
		opts *sourcetest.Options
	}{
		{name: "first document", doc: "flags: {a: {default: on}}"},
		{name: "push", doc: "flags: {a: {default: on}}", push: "flags: {a: {default: off}}"},
		{name: "push refused", doc: "flags: {a: {default: on}}", push: "flags: {a: {default: [}}",
			opts: &sourcetest.Options{Verdict: refuse("flags: {a: {default: [}}")}},
		{name: "first refused", doc: "flags: {a: {default: [}}",
			opts: &sourcetest.Options{Verdict: refuse("flags: {a: {default: [}}")}},
		{name: "empty", doc: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := flagkittest.NewSource("memory", []byte(tt.doc))
			opts := tt.opts
			if opts == nil {
				opts = &sourcetest.Options{}
			}
			if tt.push != "" {
				opts.Change = func() error {
					src.Push([]byte(tt.push))
					return nil
				}
			}
			if err := sourcetest.TestSource(src, opts); err != nil {
				t.Errorf("sourcetest.TestSource(NewSource(%q, %q)):\n%v", "memory", tt.doc, err)
			}
		})
	}
}

// recorder is the update of a client, recording each call and answering
// with verdict.
type recorder struct {
	mu      sync.Mutex
	calls   []string
	verdict func(doc []byte) error
}

func (r *recorder) update(doc []byte, err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case doc == nil:
		r.calls = append(r.calls, fmt.Sprintf("fail %v", err))
		return nil
	case err != nil:
		r.calls = append(r.calls, fmt.Sprintf("fallback %q %v", doc, err))
	default:
		r.calls = append(r.calls, fmt.Sprintf("doc %q", doc))
	}
	if r.verdict != nil {
		return r.verdict(doc)
	}
	return nil
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// run runs src with r until the test ends, and waits for the first call.
func run(t *testing.T, src *flagkittest.Source, r *recorder) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan struct{})
	done := make(chan error, 1)
	var once sync.Once
	go func() {
		done <- src.Run(ctx, func(doc []byte, err error) error {
			defer once.Do(func() { close(first) })
			return r.update(doc, err)
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
	})
	<-first
}

// TestSourceDelivers checks what reaches update for a sequence of Push and
// Fail calls, and what they return: only changes are delivered, and a
// repeat returns the verdict of the delivery it repeats.
func TestSourceDelivers(t *testing.T) {
	errBad := errors.New("bad document")
	verdict := func(doc []byte) error {
		if bytes.Contains(doc, []byte("bad")) {
			return errBad
		}
		return nil
	}
	type step struct {
		push string // a document, unless fail is set
		fail string
		want error // Push's result
	}
	tests := []struct {
		name  string
		first string
		steps []step
		calls []string
	}{
		{
			name:  "changes",
			first: "a",
			steps: []step{{push: "b"}, {fail: "down"}, {push: "c"}},
			calls: []string{`doc "a"`, `doc "b"`, "fail down", `doc "c"`},
		},
		{
			name:  "repeats are not delivered",
			first: "a",
			steps: []step{{push: "a"}, {push: "b"}, {push: "b"}, {fail: "down"}, {fail: "down"}, {push: "b"}},
			calls: []string{`doc "a"`, `doc "b"`, "fail down", `doc "b"`},
		},
		{
			name:  "a refused repeat returns its verdict",
			first: "a",
			steps: []step{{push: "bad", want: errBad}, {push: "bad", want: errBad}, {push: "a"}},
			calls: []string{`doc "a"`, `doc "bad"`, `doc "a"`},
		},
		{
			name:  "a refused first document is answered",
			first: "bad",
			steps: []step{{fail: "bad document"}, {push: "bad", want: errBad}},
			calls: []string{`doc "bad"`, "fail bad document", `doc "bad"`},
		},
		{
			name:  "an empty document",
			first: "a",
			steps: []step{{push: ""}},
			calls: []string{`doc "a"`, `doc ""`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := flagkittest.NewSource("memory", []byte(tt.first))
			r := &recorder{verdict: verdict}
			run(t, src, r)
			for _, s := range tt.steps {
				if s.fail != "" {
					src.Fail(errors.New(s.fail))
					continue
				}
				if err := src.Push([]byte(s.push)); !errors.Is(err, s.want) {
					t.Errorf("Push(%q) = %v; want %v", s.push, err, s.want)
				}
			}
			if got := r.got(); !slices.Equal(got, tt.calls) {
				t.Errorf("calls to update = %q; want %q", got, tt.calls)
			}
		})
	}
}

// TestSourceCopies checks that Push and NewSource copy the document, and
// that an empty one is delivered as a non-nil slice.
func TestSourceCopies(t *testing.T) {
	first := []byte("a")
	src := flagkittest.NewSource("memory", first)
	var docs [][]byte
	var mu sync.Mutex
	r := &recorder{verdict: func(doc []byte) error {
		mu.Lock()
		defer mu.Unlock()
		docs = append(docs, doc)
		return nil
	}}
	run(t, src, r)
	first[0] = 'x'
	doc := []byte("b")
	if err := src.Push(doc); err != nil {
		t.Fatalf("Push(%q) = %v; want nil", doc, err)
	}
	doc[0] = 'y'
	if err := src.Push(nil); err != nil {
		t.Fatalf("Push(nil) = %v; want nil", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"a", "b", ""}
	if len(docs) != len(want) {
		t.Fatalf("update called with %d documents; want %d", len(docs), len(want))
	}
	for i, d := range docs {
		if d == nil || string(d) != want[i] {
			t.Errorf("document %d = %q (nil: %v); want %q, not nil", i, d, d == nil, want[i])
		}
	}
}

// TestSourceAfterRun checks that Push and Fail return at once after Run
// returned, and that a second Run fails.
func TestSourceAfterRun(t *testing.T) {
	src := flagkittest.NewSource("memory", []byte("a"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		done <- src.Run(ctx, func([]byte, error) error { close(started); return nil })
	}()
	<-started
	var failed error
	if err := src.Run(context.Background(), func(_ []byte, err error) error { failed = err; return nil }); err == nil || failed == nil {
		t.Errorf("second Run = %v, reporting %v; want an error, reported", err, failed)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
	returned := make(chan error, 1)
	go func() {
		src.Fail(errors.New("down"))
		returned <- src.Push([]byte("b"))
	}()
	select {
	case err := <-returned:
		if err != nil {
			t.Errorf("Push after Run returned = %v; want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Push after Run returned did not return")
	}
}

// TestSourceClient checks Source with a client: Push returns the client's
// verdict once the client serves the new document, and Fail shows the
// source stale.
func TestSourceClient(t *testing.T) {
	src := flagkittest.NewSource("flags.yaml", []byte("flags: {a: {default: on}}"))
	c, err := flagkit.New(t.Context(), flagkit.WithSource(src))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	ctx := t.Context()
	steps := []struct {
		doc     string // pushed unless fail is set
		fail    error
		refused bool
		want    bool
		stale   bool
	}{
		{doc: "flags: {a: {default: off}}", want: false},
		{doc: "flags: {a: {default: [}}", refused: true, want: false, stale: true},
		{fail: errors.New("down"), want: false, stale: true},
		{doc: "flags: {a: {default: on}}", want: true},
	}
	for i, s := range steps {
		if s.fail != nil {
			src.Fail(s.fail)
		} else if err := src.Push([]byte(s.doc)); (err != nil) != s.refused {
			t.Errorf("step %d: Push(%q) = %v; want refused %v", i, s.doc, err, s.refused)
		} else if s.refused {
			var pe *flagkit.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("step %d: Push(%q) = %v; want a *flagkit.ParseError", i, s.doc, err)
			}
		}
		if got := c.Bool(ctx, "a", flagkit.Subject{}, !s.want); got != s.want {
			t.Errorf("step %d: Bool(%q) = %v; want %v", i, "a", got, s.want)
		}
		if got := c.Status().Sources[0].Stale; got != s.stale {
			t.Errorf("step %d: Status().Sources[0].Stale = %v; want %v", i, got, s.stale)
		}
	}
}

// A test pushes new documents to a client through a Source and checks, at
// once, what the client serves and what it thinks of each document.
func ExampleSource() {
	src := flagkittest.NewSource("flags.yaml", []byte("flags: {new-checkout: {default: off}}"))
	c, err := flagkit.New(context.Background(), flagkit.WithSource(src))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx, user := context.Background(), flagkit.Subject{Key: "user-42"}
	fmt.Println(c.Bool(ctx, "new-checkout", user, false))

	// Push returns once the client serves the new document.
	if err := src.Push([]byte("flags: {new-checkout: {default: on}}")); err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Bool(ctx, "new-checkout", user, false))

	// A document the client refuses: the previous one stays in force.
	err = src.Push([]byte("flags: {new-checkout: {default: [}}"))
	fmt.Println(err != nil, c.Bool(ctx, "new-checkout", user, false))

	// A failed load: the source is stale, its last document still in force.
	src.Fail(errors.New("flag server unreachable"))
	fmt.Println(c.Status().Sources[0].Stale, c.Bool(ctx, "new-checkout", user, false))
	// Output:
	// false
	// true
	// true true
	// true true
}
