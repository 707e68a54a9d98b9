package sourcetest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
	"github.com/flagkit/flagkit/source/sourcetest"
)

// fake is a source whose Run is a function.
type fake struct {
	name string
	run  func(ctx context.Context, update func([]byte, error) error) error
}

func (f *fake) Name() string { return f.name }

func (f *fake) Run(ctx context.Context, update func([]byte, error) error) error {
	return f.run(ctx, update)
}

// renamed is a source whose Name changes after the first call.
type renamed struct{ calls atomic.Int32 }

func (r *renamed) Name() string {
	if r.calls.Add(1) == 1 {
		return "a"
	}
	return "b"
}

func (r *renamed) Run(ctx context.Context, update func([]byte, error) error) error {
	update([]byte("{}"), nil)
	<-ctx.Done()
	return nil
}

// deliver returns a Run that calls update with each doc in turn (an error
// when a doc is nil) and then waits for ctx.
func deliver(docs ...string) func(context.Context, func([]byte, error) error) error {
	return func(ctx context.Context, update func([]byte, error) error) error {
		for _, d := range docs {
			update([]byte(d), nil)
		}
		<-ctx.Done()
		return nil
	}
}

// problems returns the problems listed in an error of TestSource.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []string{"not a list: " + err.Error()}
	}
	var msgs []string
	for _, e := range j.Unwrap() {
		msgs = append(msgs, e.Error())
	}
	return msgs
}

// refuseAll is a verdict that refuses every document, as a client refuses
// one that does not parse.
func refuseAll([]byte) error { return errors.New("refused") }

func TestTestSource(t *testing.T) {
	// release lets Run of "ignores cancel" return once TestSource gave up.
	type testCase struct {
		name    string
		src     func(release <-chan struct{}) flagkit.Source
		options *sourcetest.Options
		want    []string
	}
	tests := []testCase{
		{
			name: "Bytes",
			src: func(<-chan struct{}) flagkit.Source {
				return source.Bytes("embedded:flags.yaml", []byte("flags: {}\n"))
			},
		},
		{
			name: "Env",
			src: func(<-chan struct{}) flagkit.Source {
				return source.Env("FEATURE_", source.Environ(func() []string { return []string{"FEATURE_X=on"} }))
			},
		},
		{
			name: "Env with a conflict reports an error",
			src: func(<-chan struct{}) flagkit.Source {
				return source.Env("FEATURE_", source.Environ(func() []string { return []string{"FEATURE_x=on", "FEATURE_X=on"} }))
			},
		},
		{
			name: "error then document then error",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "flaky", run: func(ctx context.Context, update func([]byte, error) error) error {
					update(nil, errors.New("down"))
					update([]byte("{}"), nil)
					update(nil, errors.New("down"))
					update([]byte("{}"), nil) // recovered: same document is fine
					<-ctx.Done()
					return nil
				}}
			},
		},
		{
			name: "empty name",
			src: func(<-chan struct{}) flagkit.Source {
				return source.Bytes("", []byte("{}"))
			},
			want: []string{"Name returned an empty string"},
		},
		{
			name: "name changes",
			src:  func(<-chan struct{}) flagkit.Source { return &renamed{} },
			want: []string{`Name changed while Run runs: "a", then "b"`},
		},
		{
			name: "never calls update",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "mute", run: func(ctx context.Context, update func([]byte, error) error) error {
					<-ctx.Done()
					return nil
				}}
			},
			want: []string{"update was not called within 10s of Run starting"},
		},
		{
			name: "custom timeout",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "mute", run: func(ctx context.Context, update func([]byte, error) error) error {
					<-ctx.Done()
					return nil
				}}
			},
			options: &sourcetest.Options{Timeout: time.Minute},
			want:    []string{"update was not called within 1m0s of Run starting"},
		},
		{
			name: "neither document nor error",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "nil", run: func(ctx context.Context, update func([]byte, error) error) error {
					update(nil, nil)
					<-ctx.Done()
					return nil
				}}
			},
			want: []string{"update(nil, nil): a call carries a document or an error"},
		},
		{
			name: "fallback document with its error",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "fallback", run: func(ctx context.Context, update func([]byte, error) error) error {
					update([]byte("{}"), errors.New("server down; serving the backup"))
					<-ctx.Done()
					return nil
				}}
			},
			want: nil,
		},
		{
			name: "same document twice",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "again", run: deliver("{}", "{}", "{}")}
			},
			want: []string{"update delivered the same document twice in a row (2 bytes)"},
		},
		{
			name: "same error twice",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "again", run: func(ctx context.Context, update func([]byte, error) error) error {
					update(nil, errors.New("down"))
					update(nil, errors.New("down"))
					<-ctx.Done()
					return nil
				}}
			},
			want: []string{"update reported the same error twice in a row: down"},
		},
		{
			name: "concurrent calls",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "racy", run: func(ctx context.Context, update func([]byte, error) error) error {
					var wg sync.WaitGroup
					for i := range 2 {
						wg.Go(func() { update([]byte{'0' + byte(i)}, nil) })
					}
					wg.Wait()
					<-ctx.Done()
					return nil
				}}
			},
			want: []string{"update was called concurrently"},
		},
		{
			name: "call after return",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "late", run: func(ctx context.Context, update func([]byte, error) error) error {
					update([]byte("a"), nil)
					<-ctx.Done()
					go func() {
						time.Sleep(time.Millisecond)
						update([]byte("b"), nil)
					}()
					return nil
				}}
			},
			want: []string{"update was called after Run returned"},
		},
		{
			name: "ignores cancel",
			src: func(release <-chan struct{}) flagkit.Source {
				return &fake{name: "stuck", run: func(ctx context.Context, update func([]byte, error) error) error {
					update([]byte("{}"), nil)
					<-release
					return nil
				}}
			},
			want: []string{"Run did not return within 10s of its context being cancelled"},
		},
		{
			name: "returns early",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "quitter", run: func(ctx context.Context, update func([]byte, error) error) error {
					update([]byte("{}"), nil)
					return nil
				}}
			},
			want: []string{"Run returned nil before its context was cancelled"},
		},
		{
			name: "cannot run",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "broken", run: func(ctx context.Context, update func([]byte, error) error) error {
					return errors.New("misconfigured")
				}}
			},
			want: []string{
				"Run returned before its context was cancelled: misconfigured",
				"Run returned without calling update",
			},
		},
		{
			name: "Env with an empty prefix",
			src: func(<-chan struct{}) flagkit.Source {
				return source.Env("", source.Environ(func() []string { return nil }))
			},
			want: []string{`Run returned before its context was cancelled: source: env: empty prefix: Env needs one such as "FEATURE_", or every variable (PATH, HOME, ...) would become an override`},
		},
		{
			name: "Bytes answers the refusal of its document",
			src: func(<-chan struct{}) flagkit.Source {
				return source.Bytes("embedded:flags.yaml", []byte("flags: [\n"))
			},
			options: &sourcetest.Options{Verdict: refuseAll},
		},
		{
			name: "a source that drops the verdict",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "ignores verdicts", run: func(ctx context.Context, update func([]byte, error) error) error {
					update([]byte("{}"), nil) // the verdict is dropped: New would wait forever
					<-ctx.Done()
					return nil
				}}
			},
			options: &sourcetest.Options{Verdict: refuseAll},
			want:    []string{"Run did not answer the refusal of its first document within 10s (a client's New waits for the answer)"},
		},
		{
			name: "cancelled error after cancel",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "canceller", run: func(ctx context.Context, update func([]byte, error) error) error {
					update([]byte("{}"), nil)
					<-ctx.Done()
					return fmt.Errorf("stopping: %w", ctx.Err())
				}}
			},
			want: []string{"Run returned an error after its context was cancelled: stopping: context canceled; want nil"},
		},
		{
			name: "wrong error after cancel",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "grumpy", run: func(ctx context.Context, update func([]byte, error) error) error {
					update([]byte("{}"), nil)
					<-ctx.Done()
					return errors.New("stopped")
				}}
			},
			want: []string{"Run returned an error after its context was cancelled: stopped; want nil"},
		},
		{
			name: "panics",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "panicky", run: func(ctx context.Context, update func([]byte, error) error) error {
					panic("boom")
				}}
			},
			want: []string{"Run panicked: boom", "Run returned without calling update"},
		},
		{
			name: "modifies a delivered document",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "scribbler", run: func(ctx context.Context, update func([]byte, error) error) error {
					doc := []byte("{}")
					update(doc, nil)
					doc[0] = 'x'
					<-ctx.Done()
					return nil
				}}
			},
			want: []string{"the document of call 1 to update was modified after the call"},
		},
		{
			name: "reuses its buffer",
			src: func(<-chan struct{}) flagkit.Source {
				return &fake{name: "recycler", run: func(ctx context.Context, update func([]byte, error) error) error {
					buf := []byte("a")
					update(buf, nil)
					buf[0] = 'b'
					update(buf, nil)
					<-ctx.Done()
					return nil
				}}
			},
			want: []string{"the document of call 1 to update was modified after the call"},
		},
		{
			name: "several problems",
			src: func(release <-chan struct{}) flagkit.Source {
				return &fake{name: "", run: func(ctx context.Context, update func([]byte, error) error) error {
					update(nil, nil)
					<-release
					return nil
				}}
			},
			want: []string{
				"Name returned an empty string",
				"update(nil, nil): a call carries a document or an error",
				"Run did not return within 10s of its context being cancelled",
			},
		},
	}

	// Sources that follow a change, or not.
	changes := func(follow bool, changeErr error) testCase {
		var ch chan []byte // made in the bubble, so that waiting on it is durable
		return testCase{
			src: func(<-chan struct{}) flagkit.Source {
				ch = make(chan []byte, 1)
				return &fake{name: "changing", run: func(ctx context.Context, update func([]byte, error) error) error {
					update([]byte("v1"), nil)
					for {
						select {
						case <-ctx.Done():
							return nil
						case doc := <-ch:
							if follow {
								update(doc, nil)
							}
						}
					}
				}}
			},
			options: &sourcetest.Options{Change: func() error {
				if changeErr != nil {
					return changeErr
				}
				ch <- []byte("v2")
				return nil
			}},
		}
	}
	tc := changes(true, nil)
	tc.name = "follows a change"
	tests = append(tests, tc)
	tc = changes(false, nil)
	tc.name, tc.want = "ignores a change", []string{"update delivered no new document within 10s of Change"}
	tests = append(tests, tc)
	tc = changes(true, errors.New("disk full"))
	tc.name, tc.want = "change fails", []string{"Change: disk full"}
	tests = append(tests, tc)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				defer close(release)
				err := sourcetest.TestSource(tt.src(release), tt.options)
				if got := problems(err); !slices.Equal(got, tt.want) {
					t.Errorf("TestSource found %q; want %q", got, tt.want)
				}
			})
		})
	}
}

func TestTestSourceMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &fake{name: "broken", run: func(ctx context.Context, update func([]byte, error) error) error {
			update(nil, nil)
			return nil
		}}
		err := sourcetest.TestSource(src, nil)
		want := `sourcetest: source "broken" broke the contract:
	update(nil, nil): a call carries a document or an error
	Run returned nil before its context was cancelled`
		if err == nil || err.Error() != want {
			t.Errorf("TestSource(broken) = %v; want %s", err, want)
		}
	})
}

// TestTestSourceRealTime checks sources in this module outside a bubble.
func TestTestSourceRealTime(t *testing.T) {
	t.Parallel()
	for _, src := range []flagkit.Source{
		source.Bytes("embedded:flags.yaml", []byte("flags: {}\n")),
		source.Env("FEATURE_", source.Environ(func() []string { return []string{"FEATURE_X=on"} })),
	} {
		if err := sourcetest.TestSource(src, nil); err != nil {
			t.Errorf("TestSource(%s) = %v; want nil", src.Name(), err)
		}
	}
}

func ExampleTestSource() {
	src := source.Bytes("embedded:flags.yaml", []byte("flags: {}\n"))
	if err := sourcetest.TestSource(src, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ok")
	// Output: ok
}
