package flagkit_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
	"github.com/flagkit/flagkit/source"
)

// levelLog records every log record as "LEVEL message".
type levelLog struct {
	mu   sync.Mutex
	recs []string
}

func (h *levelLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *levelLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Level.String()+" "+r.Message)
	return nil
}
func (h *levelLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *levelLog) WithGroup(string) slog.Handler      { return h }

// atLeast returns the records at WARN and above, or at INFO and above.
func (h *levelLog) atLeast(level slog.Level) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.recs {
		lv := r[:strings.IndexByte(r, ' ')]
		var l slog.Level
		_ = l.UnmarshalText([]byte(lv))
		if l >= level {
			out = append(out, r)
		}
	}
	return out
}

// A normal start of a correct configuration is quiet: layers that refer to
// each other's flags and cohorts are judged once every layer has arrived,
// so nothing but the overrides in force is logged at WARN or above.
func TestQuietStart(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "flags.yaml")
	if err := os.WriteFile(file, []byte("cohorts:\n  staff: {when: {email: {ends_with: \"@example.com\"}}}\nflags:\n  new-checkout: {default: on}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		sources []flagkit.Source
		want    []string
	}{
		{
			name: "file then env overriding a flag of the file",
			sources: []flagkit.Source{
				source.File(file),
				source.Env("FEATURE_", source.Environ(func() []string { return []string{"FEATURE_NEW_CHECKOUT=off"} })),
			},
			want: []string{"WARN flagkit: override in force"},
		},
		{
			name: "env first, then the file that defines the flag",
			sources: []flagkit.Source{
				source.Env("FEATURE_", source.Environ(func() []string { return []string{"FEATURE_NEW_CHECKOUT=off"} })),
				source.File(file),
			},
			// Overrides of any layer apply to the merged flags, so the env
			// layer's override is not judged before the file has arrived.
			want: []string{"WARN flagkit: override in force"},
		},
		{
			name: "a layer using a cohort of a later layer",
			sources: []flagkit.Source{
				source.Bytes("embedded:rules.yaml", []byte("flags:\n  beta: {default: off, rules: [{cohort: staff, serve: on}]}\n")),
				source.File(file),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &levelLog{}
			c, err := flagkit.New(context.Background(), append(withSources(tt.sources), flagkit.WithLogger(slog.New(h)))...)
			if err != nil {
				t.Fatal(err)
			}
			closeAtEnd(t, c)
			if got := h.atLeast(slog.LevelWarn); !equalStrings(got, tt.want) {
				t.Errorf("logged at WARN or above: %q; want %q", got, tt.want)
			}
			if p := c.Status().Problems; len(p) != 0 {
				t.Errorf("Status().Problems = %v; want none", p)
			}
		})
	}
}

func withSources(srcs []flagkit.Source) []flagkit.Option {
	var opts []flagkit.Option
	for _, s := range srcs {
		opts = append(opts, flagkit.WithSource(s))
	}
	return opts
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A real problem at start is told once, after every layer has arrived; a
// failure is told with what the client does about it, and a recovery is
// told too.
func TestProblemsToldOnceAndRecovery(t *testing.T) {
	h := &levelLog{}
	bad := flagkit.NewPushSource("push", "flags:\n  a: {default: on, rules: [{cohort: nobody, serve: on}]}\n")
	c, err := flagkit.New(context.Background(), flagkit.WithSource(bad), flagkit.WithLogger(slog.New(h)))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, c)
	want := []string{"ERROR flagkit: invalid reference isolated"}
	if got := h.atLeast(slog.LevelWarn); !equalStrings(got, want) {
		t.Fatalf("at start: %q; want %q", got, want)
	}
	bad.Fail(errors.New("down"))
	bad.Fail(errors.New("down")) // the same failure: not told again
	bad.Push("flags:\n  a: {default: on}\n")
	want = []string{
		"ERROR flagkit: invalid reference isolated",
		"ERROR flagkit: load failed; keeping the last good flags",
		"INFO flagkit: source recovered",
	}
	var got []string
	for _, r := range h.atLeast(slog.LevelInfo) {
		if !strings.HasPrefix(r, "INFO flagkit: flags changed") {
			got = append(got, r)
		}
	}
	if !equalStrings(got, want) {
		t.Errorf("logged: %q; want %q", got, want)
	}
}

// A source with no document at all is told so, not "keeping the last good
// flags".
func TestLoadFailedWithoutFlags(t *testing.T) {
	h := &levelLog{}
	good := flagkittest.NewSource("good", []byte("flags: {a: {default: on}}\n"))
	_, err := flagkit.New(context.Background(), flagkit.WithSource(good), flagkit.WithSource(errSourceNamed("down")), flagkit.WithLogger(slog.New(h)))
	if err == nil || !strings.Contains(err.Error(), "flagkit: source down: no usable document") {
		t.Fatalf("New = %v; want the source without a document named", err)
	}
	for _, r := range h.atLeast(slog.LevelWarn) {
		if strings.Contains(r, "keeping the last good flags") {
			t.Errorf("logged %q for a source that never had flags", r)
		}
	}
}

// errSourceNamed is a source that only fails.
type errSourceNamed string

func (s errSourceNamed) Name() string { return string(s) }
func (s errSourceNamed) Run(ctx context.Context, update func([]byte, error) error) error {
	update(nil, errors.New("unreachable"))
	<-ctx.Done()
	return nil
}

// Close may be called from a callback of OnChange or OnStatus: it returns,
// the client is closed, and later calls of Close return too.
func TestCloseFromCallback(t *testing.T) {
	for _, which := range []string{"OnChange", "OnStatus"} {
		t.Run(which, func(t *testing.T) {
			src := flagkittest.NewSource("push", []byte("flags: {a: {default: on}}\n"))
			c, err := flagkit.New(context.Background(), flagkit.WithSource(src))
			if err != nil {
				t.Fatal(err)
			}
			closed := make(chan error, 1)
			if which == "OnChange" {
				c.OnChange(func(flagkit.Change) { closed <- c.Close() })
				src.Push([]byte("flags: {a: {default: off}}\n"))
			} else {
				c.OnStatus(func(flagkit.Status) { closed <- c.Close() })
				src.Fail(errors.New("down"))
			}
			select {
			case err := <-closed:
				if err != nil {
					t.Errorf("Close from %s = %v; want nil", which, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("Close from %s did not return", which)
			}
			done := make(chan struct{})
			go func() { c.Close(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("a later Close did not return")
			}
			if err := c.Evaluate(context.Background(), "a", flagkit.Subject{}).Err; !errors.Is(err, flagkit.ErrClosed) {
				t.Errorf("Evaluate after Close: %v; want ErrClosed", err)
			}
		})
	}
}

// stuckSource delivers nothing and ignores its context until released,
// breaking the contract.
type stuckSource struct{ release chan struct{} }

func (stuckSource) Name() string { return "stuck" }
func (s stuckSource) Run(context.Context, func([]byte, error) error) error {
	<-s.release
	return nil
}

// New returns by its ctx deadline whatever a source does.
func TestNewReturnsByDeadline(t *testing.T) {
	src := stuckSource{release: make(chan struct{})}
	defer close(src.release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := flagkit.New(ctx, flagkit.WithSource(src))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("New = %v; want DeadlineExceeded", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("New did not return after its deadline")
	}
}

// Changing only a document's timezone moves its local times: OnChange
// reports the flags whose instants moved.
func TestChangeOfTimezone(t *testing.T) {
	const doc = "timezone: %s\nflags:\n  launch: {default: off, rules: [{from: 2027-01-10 09:00, serve: on}]}\n  static: {default: on}\n"
	src := flagkittest.NewSource("push", fmt.Appendf(nil, doc, "Europe/Oslo"))
	c, err := flagkit.New(context.Background(), flagkit.WithSource(src))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, c)
	changes := make(chan flagkit.Change, 1)
	c.OnChange(func(ch flagkit.Change) { changes <- ch })
	src.Push(fmt.Appendf(nil, doc, "America/New_York"))
	select {
	case ch := <-changes:
		if !equalStrings(ch.Flags, []string{"launch"}) {
			t.Errorf("Change.Flags = %q; want [launch]", ch.Flags)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no change reported for a new timezone")
	}
}
