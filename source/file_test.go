package source

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source/sourcetest"
	"go.uber.org/goleak"
)

// waitTimeout bounds every wait for something the source should do; tests
// never sleep for a fixed time.
const waitTimeout = 5 * time.Second

// testDebounce is the debounce of tests that run on a fakeClock, so only
// the test's calls to advance make it pass. It is less than half of
// fileRacyWindow.
const testDebounce = time.Second

const (
	docA     = "flags:\n  new-checkout: {rules: [{percent: 10, serve: on}]}\n"
	docB     = "flags:\n  new-checkout: {rules: [{percent: 100, serve: on}]}\n"
	docSameA = "flags:\n  new-checkout: {rules: [{percent: 90, serve: on}]}\n" // as long as docA
)

// fakeClock is the clock a file source measures its debounce with in tests;
// its poll ticker stays real.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type call struct {
	doc []byte
	err error
}

// runner runs a file source for the length of a test and checks the Source
// contract on every call of update.
type runner struct {
	t     *testing.T
	path  string
	calls chan call
	polls chan struct{}
}

// startFile runs src, made by File, until the test ends. When clk is not
// nil, src measures time with it.
func startFile(t *testing.T, src flagkit.Source, clk *fakeClock) *runner {
	t.Helper()
	s := src.(*fileSource)
	r := &runner{t: t, path: s.path, calls: make(chan call, 100), polls: make(chan struct{}, 1)}
	if clk != nil {
		s.cfg.now = clk.now
	}
	s.cfg.polled = func() {
		select {
		case r.polls <- struct{}{}:
		default:
		}
	}
	var (
		inUpdate, returned atomic.Bool
		mu                 sync.Mutex
		delivered          [][2][]byte // each doc and a copy made when delivered
	)
	update := func(doc []byte, err error) error {
		if returned.Load() {
			t.Errorf("update(%q, %v) called after Run returned", doc, err)
		}
		if !inUpdate.CompareAndSwap(false, true) {
			t.Errorf("update(%q, %v) called during another call", doc, err)
		}
		defer inUpdate.Store(false)
		if (doc == nil) == (err == nil) {
			t.Errorf("update(%q, %v); want a document or an error", doc, err)
		}
		mu.Lock()
		delivered = append(delivered, [2][]byte{doc, bytes.Clone(doc)})
		mu.Unlock()
		select {
		case r.calls <- call{doc, err}:
		default:
			t.Errorf("update(%q, %v): more than %d calls", doc, err, cap(r.calls))
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := s.Run(ctx, update)
		returned.Store(true)
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run() = %v after cancel; want nil", err)
			}
		case <-time.After(waitTimeout):
			t.Errorf("Run did not return within %v of cancel", waitTimeout)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, d := range delivered {
			if !bytes.Equal(d[0], d[1]) {
				t.Errorf("document %q was changed to %q after delivery", d[1], d[0])
			}
		}
	})
	return r
}

func (r *runner) next() call {
	r.t.Helper()
	select {
	case c := <-r.calls:
		return c
	case <-time.After(waitTimeout):
		r.t.Fatalf("no update within %v", waitTimeout)
		return call{}
	}
}

func (r *runner) nextDoc(want string) {
	r.t.Helper()
	c := r.next()
	if c.err != nil || string(c.doc) != want {
		r.t.Fatalf("update(%q, %v); want update(%q, nil)", c.doc, c.err, want)
	}
}

func (r *runner) nextErr(want error) {
	r.t.Helper()
	c := r.next()
	if c.doc != nil || !errors.Is(c.err, want) {
		r.t.Fatalf("update(%q, %v); want update(nil, error matching %v)", c.doc, c.err, want)
	}
	// The client names the source (its Name holds the path) beside the
	// error, so the error does not repeat it.
	if strings.Contains(c.err.Error(), r.path) || strings.Contains(c.err.Error(), "source:") {
		r.t.Errorf("error %q names the source or its path; the client names it", c.err)
	}
}

// quiet fails the test if update was called since the last check.
func (r *runner) quiet() {
	r.t.Helper()
	select {
	case c := <-r.calls:
		r.t.Fatalf("unexpected update(%q, %v)", c.doc, c.err)
	default:
	}
}

// waitPolls returns once the source has made n whole polls that began
// after waitPolls was called.
func (r *runner) waitPolls(n int) {
	r.t.Helper()
	select {
	case <-r.polls: // may be from a poll that began earlier
	default:
	}
	// The first poll to finish may have begun earlier; each later one began
	// after the one before it finished.
	for range n + 1 {
		select {
		case <-r.polls:
		case <-time.After(waitTimeout):
			r.t.Fatalf("no poll within %v", waitTimeout)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// renameInto writes content to path as writers should: to a temporary file
// in the same directory, renamed over path.
func renameInto(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	writeFile(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, oldname, newname string) {
	t.Helper()
	if err := os.Symlink(oldname, newname); err != nil {
		t.Skipf("symbolic links unavailable: %v", err)
	}
}

// configMap lays out dir as the kubelet does for a ConfigMap volume, with
// content as flags.yaml, and returns the path of flags.yaml.
func configMap(t *testing.T, dir, content string) string {
	t.Helper()
	const ts = "..2026_11_25_12_00_00.000000001"
	if err := os.Mkdir(filepath.Join(dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, ts, "flags.yaml"), content)
	symlink(t, ts, filepath.Join(dir, "..data"))
	symlink(t, filepath.Join("..data", "flags.yaml"), filepath.Join(dir, "flags.yaml"))
	return filepath.Join(dir, "flags.yaml")
}

// updateConfigMap changes the ConfigMap volume in dir as the kubelet does:
// a new timestamped directory, and the ..data link swapped by a rename.
func updateConfigMap(t *testing.T, dir, content string) {
	t.Helper()
	const ts = "..2026_11_25_12_05_00.000000002"
	if err := os.Mkdir(filepath.Join(dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, ts, "flags.yaml"), content)
	symlink(t, ts, filepath.Join(dir, "..data_tmp"))
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "..2026_11_25_12_00_00.000000001")); err != nil {
		t.Fatal(err)
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ path, want string }{
		{"flags.yaml", "file:flags.yaml"},
		{"/etc/flagkit/flags.json", "file:/etc/flagkit/flags.json"},
		{"", "file:"},
	}
	for _, tt := range tests {
		if got := File(tt.path).Name(); got != tt.want {
			t.Errorf("File(%q).Name() = %q; want %q", tt.path, got, tt.want)
		}
	}
}

// TestFileFirstRead checks that the first read is delivered at once: the
// interval is an hour, so no poll but the first can deliver.
func TestFileFirstRead(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, path string) // nil: nothing at path
		opts    []FileOption
		wantDoc string
		wantErr error
	}{
		{name: "yaml", setup: func(t *testing.T, p string) { writeFile(t, p, docA) }, wantDoc: docA},
		{name: "json", setup: func(t *testing.T, p string) { writeFile(t, p, `{"flags": {}}`) }, wantDoc: `{"flags": {}}`},
		{name: "empty", setup: func(t *testing.T, p string) { writeFile(t, p, "") }, wantDoc: ""},
		{
			name:    "at the size limit",
			setup:   func(t *testing.T, p string) { writeFile(t, p, docA) },
			opts:    []FileOption{MaxSize(int64(len(docA)))},
			wantDoc: docA,
		},
		{
			name:    "over the size limit",
			setup:   func(t *testing.T, p string) { writeFile(t, p, docA) },
			opts:    []FileOption{MaxSize(int64(len(docA) - 1))},
			wantErr: errFileTooLarge,
		},
		{name: "missing", wantErr: fs.ErrNotExist},
		{
			name: "directory",
			setup: func(t *testing.T, p string) {
				if err := os.Mkdir(p, 0o755); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: errFileIsDir,
		},
		{
			name: "symbolic link",
			setup: func(t *testing.T, p string) {
				writeFile(t, p+".target", docB)
				symlink(t, filepath.Base(p)+".target", p)
			},
			wantDoc: docB,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "flags.yaml")
			if tt.setup != nil {
				tt.setup(t, path)
			}
			r := startFile(t, File(path, append(tt.opts, Interval(time.Hour))...), nil)
			if tt.wantErr != nil {
				r.nextErr(tt.wantErr)
			} else {
				r.nextDoc(tt.wantDoc)
			}
		})
	}
}

func TestFileDeliversChanges(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string) (path string) // nil: docA in dir/flags.yaml
		change func(t *testing.T, dir, path string)
		want   string
	}{
		{
			name:   "rename over",
			change: func(t *testing.T, _, path string) { renameInto(t, path, docB) },
			want:   docB,
		},
		{
			name:   "rewrite in place",
			change: func(t *testing.T, _, path string) { writeFile(t, path, docB) },
			want:   docB,
		},
		{
			name: "delete and re-create",
			change: func(t *testing.T, _, path string) {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				writeFile(t, path, docB)
			},
			want: docB,
		},
		{
			// Same inode, size and modification time: only the content
			// tells, as after two writes within one tick of a coarse
			// file-system clock.
			name: "same size and time",
			change: func(t *testing.T, _, path string) {
				info, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.WriteAt([]byte(docSameA), 0); err != nil {
					t.Fatal(err)
				}
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
					t.Fatal(err)
				}
			},
			want: docSameA,
		},
		{
			name:   "ConfigMap ..data swap",
			setup:  func(t *testing.T, dir string) string { return configMap(t, dir, docA) },
			change: func(t *testing.T, dir, _ string) { updateConfigMap(t, dir, docB) },
			want:   docB,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "flags.yaml")
			if tt.setup != nil {
				path = tt.setup(t, dir)
			} else {
				writeFile(t, path, docA)
			}
			clk := newFakeClock()
			r := startFile(t, File(path, Interval(time.Millisecond), Debounce(testDebounce)), clk)
			r.nextDoc(docA)
			// The first state has lasted for the debounce, but less than
			// fileRacyWindow: a change under an unchanged stat must start
			// the debounce again.
			clk.advance(testDebounce)
			// A poll that read the clock before the advance could see the
			// change and date it too early: let such a poll finish first.
			r.waitPolls(1)

			tt.change(t, dir, path)
			r.waitPolls(2)
			r.quiet() // not before the debounce
			clk.advance(testDebounce)
			r.nextDoc(tt.want)
			r.waitPolls(2)
			r.quiet() // and only once
		})
	}
}

func TestFileUnchangedContentNotDelivered(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, path string)
	}{
		{
			name: "touch",
			change: func(t *testing.T, path string) {
				later := time.Now().Add(time.Hour)
				if err := os.Chtimes(path, later, later); err != nil {
					t.Fatal(err)
				}
			},
		},
		{name: "rewrite in place", change: func(t *testing.T, path string) { writeFile(t, path, docA) }},
		{name: "rename a copy over", change: func(t *testing.T, path string) { renameInto(t, path, docA) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "flags.yaml")
			writeFile(t, path, docA)
			clk := newFakeClock()
			r := startFile(t, File(path, Interval(time.Millisecond), Debounce(testDebounce)), clk)
			r.nextDoc(docA)

			tt.change(t, path)
			r.waitPolls(2)
			clk.advance(testDebounce + fileRacyWindow) // a changed document would be delivered now
			r.waitPolls(3)
			r.quiet()
		})
	}
}

// TestFileErrors breaks the file, expects one error report, repairs the
// file with its original content and expects that content again.
func TestFileErrors(t *testing.T) {
	tests := []struct {
		name    string
		opts    []FileOption
		breakIt func(t *testing.T, path string)
		repair  func(t *testing.T, r *runner, path string)
		wantErr error
	}{
		{
			name: "deleted",
			breakIt: func(t *testing.T, path string) {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			},
			repair:  func(t *testing.T, _ *runner, path string) { writeFile(t, path, docA) },
			wantErr: fs.ErrNotExist,
		},
		{
			name: "replaced by a directory",
			breakIt: func(t *testing.T, path string) {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
			},
			repair: func(t *testing.T, r *runner, path string) {
				// A directory cannot be renamed over, so the file is
				// missing for a while: a new error.
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				r.nextErr(fs.ErrNotExist)
				writeFile(t, path, docA)
			},
			wantErr: errFileIsDir,
		},
		{
			name: "unreadable",
			breakIt: func(t *testing.T, path string) {
				if runtime.GOOS == "windows" {
					t.Skip("permission bits do not stop reading on Windows")
				}
				if os.Geteuid() == 0 {
					t.Skip("root reads files whatever their permissions")
				}
				if err := os.Chmod(path, 0); err != nil {
					t.Fatal(err)
				}
			},
			repair: func(t *testing.T, _ *runner, path string) {
				if err := os.Chmod(path, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: fs.ErrPermission,
		},
		{
			name:    "too large",
			opts:    []FileOption{MaxSize(int64(len(docA)))},
			breakIt: func(t *testing.T, path string) { renameInto(t, path, docA+"#") },
			repair:  func(t *testing.T, _ *runner, path string) { renameInto(t, path, docA) },
			wantErr: errFileTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "flags.yaml")
			writeFile(t, path, docA)
			clk := newFakeClock()
			opts := append(tt.opts, Interval(time.Millisecond), Debounce(testDebounce))
			r := startFile(t, File(path, opts...), clk)
			r.nextDoc(docA)

			tt.breakIt(t, path)
			r.waitPolls(2)
			r.quiet() // not before the debounce
			clk.advance(testDebounce)
			r.nextErr(tt.wantErr)
			r.waitPolls(2)
			clk.advance(testDebounce)
			r.waitPolls(2)
			r.quiet() // reported once

			tt.repair(t, r, path)
			r.waitPolls(2)
			clk.advance(testDebounce)
			r.nextDoc(docA) // delivered again, although unchanged, to end the error
		})
	}
}

// TestFileErrorSequence checks that an error is reported again when it
// changes and after a recovery.
func TestFileErrorSequence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.yaml")
	writeFile(t, path, docA)
	clk := newFakeClock()
	r := startFile(t, File(path, Interval(time.Millisecond), Debounce(testDebounce)), clk)
	r.nextDoc(docA)

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	r.waitPolls(2)
	clk.advance(testDebounce)
	r.nextErr(fs.ErrNotExist)

	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	r.nextErr(errFileIsDir) // a different error: reported, already debounced

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	r.nextErr(fs.ErrNotExist) // changed again

	writeFile(t, path, docB)
	r.waitPolls(2)
	clk.advance(testDebounce)
	r.nextDoc(docB) // deletion then re-creation delivers the new content

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	r.waitPolls(2)
	clk.advance(testDebounce)
	r.nextErr(fs.ErrNotExist) // the same error as before, reported after the recovery
}

// TestFileHalfWritten simulates a writer that rewrites the file in place in
// two writes; the first leaves a valid YAML document, which must not be
// delivered because the second write comes within the debounce.
func TestFileHalfWritten(t *testing.T) {
	const (
		prefix = "flags:\n  new-checkout: {default: on}\n"
		full   = prefix + "  dark-mode: {default: off}\n"
	)
	path := filepath.Join(t.TempDir(), "flags.yaml")
	writeFile(t, path, docA)
	clk := newFakeClock()
	r := startFile(t, File(path, Interval(time.Millisecond), Debounce(testDebounce)), clk)
	r.nextDoc(docA)

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	if _, err := f.WriteString(prefix); err != nil {
		t.Fatal(err)
	}
	r.waitPolls(3) // the prefix has been read, twice
	clk.advance(testDebounce / 2)
	r.waitPolls(2)
	r.quiet()

	if _, err := f.WriteString(full[len(prefix):]); err != nil {
		t.Fatal(err)
	}
	r.waitPolls(2)
	clk.advance(testDebounce / 2) // the prefix would be due now, but it changed
	r.waitPolls(2)
	r.quiet()
	clk.advance(testDebounce / 2) // the full document has been stable for the debounce
	r.nextDoc(full)
}

func TestFileRunStopsOnCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	path := filepath.Join(t.TempDir(), "flags.yaml")
	writeFile(t, path, docA)

	var returned atomic.Bool
	calls := make(chan string, 100)
	update := func(doc []byte, err error) error {
		if returned.Load() {
			t.Errorf("update(%q, %v) called after Run returned", doc, err)
		}
		select {
		case calls <- string(doc):
		default:
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := File(path, Interval(time.Millisecond)).Run(ctx, update)
		returned.Store(true)
		done <- err
	}()
	select {
	case doc := <-calls:
		if doc != docA {
			t.Fatalf("update(%q, nil); want update(%q, nil)", doc, docA)
		}
	case <-time.After(waitTimeout):
		t.Fatalf("no update within %v", waitTimeout)
	}
	writeFile(t, path, docB) // a change in progress when Run is cancelled

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run() = %v after cancel; want nil", err)
		}
		t.Logf("Run returned %v after cancel", time.Since(start))
	case <-time.After(waitTimeout):
		t.Fatalf("Run did not return within %v of cancel", waitTimeout)
	}
}

func TestFileRunCancelledBeforeStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.yaml")
	writeFile(t, path, docA)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := File(path).Run(ctx, func(doc []byte, err error) error {
		t.Errorf("update(%q, %v) called with a cancelled context", doc, err)
		return nil
	})
	if err != nil {
		t.Errorf("Run() = %v; want nil", err)
	}
}

func TestFileRunMisconfigured(t *testing.T) {
	t.Run("empty path", func(t *testing.T) {
		var got []error
		err := File("").Run(context.Background(), func(doc []byte, err error) error {
			if doc != nil {
				t.Errorf("update(%q, %v); want no document", doc, err)
			}
			got = append(got, err)
			return nil
		})
		if err == nil {
			t.Fatal("Run() = nil; want an error")
		}
		if len(got) != 1 || got[0] != err {
			t.Errorf("update got %v; want the error Run returned, once: %v", got, err)
		}
	})
	t.Run("nil update", func(t *testing.T) {
		if err := File("flags.yaml").Run(context.Background(), nil); err == nil {
			t.Error("Run(ctx, nil) = nil; want an error")
		}
	})
}

// TestFileContract runs the package's conformance check on File, with a
// change made as writers should make it.
func TestFileContract(t *testing.T) {
	tests := []struct {
		name    string
		initial string // "": no file at the start
	}{
		{name: "file present", initial: docA},
		{name: "file created later", initial: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "flags.yaml")
			if tt.initial != "" {
				writeFile(t, path, tt.initial)
			}
			src := File(path, Interval(5*time.Millisecond), Debounce(10*time.Millisecond))
			err := sourcetest.TestSource(src, &sourcetest.Options{
				Timeout: waitTimeout,
				Change: func() error {
					if err := os.WriteFile(path+".tmp", []byte(docB), 0o644); err != nil {
						return err
					}
					return os.Rename(path+".tmp", path)
				},
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
}

// TestFileLatency measures, with the default settings and the real clock,
// how long a rename takes to be delivered.
func TestFileLatency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.yaml")
	writeFile(t, path, docA)
	r := startFile(t, File(path), nil)
	r.nextDoc(docA)
	for i, doc := range []string{docB, docA, docSameA} {
		tmp := path + ".tmp"
		writeFile(t, tmp, doc)
		start := time.Now()
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		r.nextDoc(doc)
		t.Logf("rename %d delivered after %v", i+1, time.Since(start))
	}
}
