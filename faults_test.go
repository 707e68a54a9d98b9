package flagkit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagkittest"
	"github.com/flagkit/flagkit/internal/fakehttp"
	"github.com/flagkit/flagkit/source"
	"go.uber.org/goleak"
)

// Fault and load tests of a whole client: a flag server that is down, slow
// or serves garbage, a flag file that disappears, and many readers during
// many reloads. Tests that need time run in a synctest bubble with a fake
// RoundTripper; tests with real sockets or files run outside bubbles and
// wait on conditions with a deadline.

const faultURL = "https://flags.example.com/flags.yaml"

// faultDoc returns a document whose five flags f0..f4 all serve v.
func faultDoc(v int) string {
	var b strings.Builder
	b.WriteString("flags:\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&b, "  f%d: {variants: {v: %d}, default: v}\n", i, v)
	}
	return b.String()
}

// faultRefused is the error of a dial to a port nobody listens on.
func faultRefused() error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// faultSlowError is err with a message that takes, to format, until the
// synctest bubble is otherwise idle or release is closed. A source that
// formats its error between delivering its backup and reporting the error
// (two calls of update) thus reports it only after the test has read the
// client's status; one that delivers both in one call, before New returns,
// is held up only until the bubble is idle (a nanosecond of fake time).
// In synctest bubbles only.
type faultSlowError struct {
	err     error
	release <-chan struct{}
}

func (e faultSlowError) Error() string {
	idle := time.NewTimer(time.Nanosecond) // fires once every goroutine waits
	defer idle.Stop()
	select {
	case <-e.release:
	case <-idle.C:
	}
	return e.err.Error()
}

func (e faultSlowError) Unwrap() error { return e.err }

// faultLog is a slog handler that keeps each record's message and error,
// and calls onRecord (if set) for each record, on the logging goroutine.
type faultLog struct {
	mu       sync.Mutex
	records  []string
	onRecord func(msg string)
}

func (h *faultLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *faultLog) Handle(_ context.Context, r slog.Record) error {
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			msg += ": " + a.Value.String()
		}
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, msg)
	fn := h.onRecord
	h.mu.Unlock()
	if fn != nil {
		fn(msg)
	}
	return nil
}
func (h *faultLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *faultLog) WithGroup(string) slog.Handler      { return h }

func (h *faultLog) setOnRecord(fn func(msg string)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.onRecord = fn
}

// count returns the number of records whose message starts with prefix.
func (h *faultLog) count(prefix string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, r := range h.records {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func (h *faultLog) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.records)
}

const (
	faultLoadFailed = "flagkit: load failed; keeping the last good flags"
	faultFellBack   = "flagkit: load failed; using the source's fallback document"
)

// faultWithin runs fn on a new goroutine and reports an error on t unless
// fn returns within 5 seconds; it returns how long fn took. It never blocks
// for longer, so it may be called while the client holds a lock. Outside
// synctest bubbles only.
func faultWithin(t *testing.T, what string, fn func()) time.Duration {
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(5 * time.Second):
		t.Errorf("%s did not return within 5s", what)
		return -1
	}
}

// faultWaitFor polls cond every 2ms until it holds, failing t after 5
// seconds, and returns how long it took. Outside synctest bubbles only.
func faultWaitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

// faultStatus returns the status of the client's only source.
func faultStatus(t *testing.T, c *flagkit.Client) flagkit.SourceStatus {
	t.Helper()
	st := c.Status()
	if len(st.Sources) != 1 {
		t.Fatalf("Status().Sources = %+v; want 1 source", st.Sources)
	}
	return st.Sources[0]
}

// faultView checks that f0..f4 agree in one view and returns their value.
func faultView(t *testing.T, c *flagkit.Client) int64 {
	t.Helper()
	v := c.View()
	first := v.Int(ctx, "f0", bob, -1)
	for i := 1; i < 5; i++ {
		if got := v.Int(ctx, fmt.Sprintf("f%d", i), bob, -1); got != first {
			t.Errorf("View: Int(f0) = %d but Int(f%d) = %d; want equal", first, i, got)
		}
	}
	return first
}

// 1. The server is down when the process starts: the client starts from
// the backup file, reports the source stale, and picks up the live
// document once the server is back.
func TestFaultServerDownAtStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		backup := filepath.Join(t.TempDir(), "flags.backup.yaml")
		if err := os.WriteFile(backup, []byte(faultDoc(1)), 0o600); err != nil {
			t.Fatal(err)
		}
		var down atomic.Bool
		down.Store(true)
		var requests atomic.Int32
		statusRead := make(chan struct{})
		client := fakehttp.Client(func(r *http.Request) (*http.Response, error) {
			requests.Add(1)
			if down.Load() {
				return nil, faultSlowError{err: faultRefused(), release: statusRead}
			}
			return fakehttp.Response(r, 200, faultDoc(2), "ETag", `"2"`), nil
		})
		src := source.HTTP(faultURL, source.HTTPClient(client), source.Interval(10*time.Second), source.Backup(backup))
		logs := &faultLog{}
		started := time.Now()
		c, err := flagkit.New(context.Background(), flagkit.WithSource(src), flagkit.WithLogger(slog.New(logs)))
		if err != nil {
			t.Fatalf("New with a backup while the server is down: %v", err)
		}
		closeAtEnd(t, c)
		// The source delivers the backup together with the error that made
		// it fall back, and New returns after that one call: the status is
		// stale, and the failure logged, at once, without waiting. (Were
		// the error to come in a second call, faultSlowError would hold it
		// back until this point.)
		st := c.Status()
		nLogged := logs.count(faultFellBack)
		close(statusRead)
		if !st.Ready {
			t.Error("Status().Ready = false; want true")
		}
		if len(st.Sources) != 1 {
			t.Fatalf("Status().Sources = %+v; want 1 source", st.Sources)
		}
		ss := st.Sources[0]
		if ss.Name != "http:"+faultURL {
			t.Errorf("Status().Sources[0].Name = %q; want %q", ss.Name, "http:"+faultURL)
		}
		if !ss.Stale {
			t.Error("Status().Sources[0].Stale with the server down = false; want true")
		}
		if !errors.Is(ss.LastError, syscall.ECONNREFUSED) {
			t.Errorf("Status().Sources[0].LastError = %v; want errors.Is ECONNREFUSED", ss.LastError)
		}
		if ss.LastLoad.IsZero() {
			t.Error("Status().Sources[0].LastLoad is zero; want the backup's load")
		}
		if got := faultView(t, c); got != 1 {
			t.Errorf("Int(f0) = %d; want 1 (from the backup)", got)
		}
		d := c.Evaluate(ctx, "f0", bob)
		if d.Source != "http:"+faultURL || d.Err != nil {
			t.Errorf("Evaluate(%q) from %q, err %v; want from %q, no error", "f0", d.Source, d.Err, "http:"+faultURL)
		}
		if nLogged != 1 {
			t.Errorf("%d %q records when New returned; want 1; logs: %q", nLogged, faultFellBack, logs.all())
		}
		synctest.Wait() // nothing more comes before the next attempt
		if n := logs.count(faultFellBack); n != 1 {
			t.Errorf("%d %q records; want 1; logs: %q", n, faultFellBack, logs.all())
		}
		if n := requests.Load(); n != 1 {
			t.Errorf("%d requests before the next attempt; want 1", n)
		}

		// The server comes up: the next attempt, between one and two
		// intervals after the failure (never sooner), gets the live document.
		down.Store(false)
		for requests.Load() < 2 && time.Since(started) < time.Minute {
			time.Sleep(100 * time.Millisecond)
		}
		synctest.Wait()
		if n := requests.Load(); n != 2 {
			t.Errorf("%d requests; want 2", n)
		}
		if d := time.Since(started); d < 10*time.Second || d > 20*time.Second+100*time.Millisecond {
			t.Errorf("second request %v after the first; want within [10s, 20s]", d)
		}
		if got := faultView(t, c); got != 2 {
			t.Errorf("Int(f0) = %d; want 2 (live)", got)
		}
		ss = faultStatus(t, c)
		if ss.Stale || ss.LastError != nil {
			t.Errorf("after the server came back: Stale, LastError = %v, %v; want false, nil", ss.Stale, ss.LastError)
		}
		got, err := os.ReadFile(backup)
		if err != nil {
			t.Fatalf("ReadFile: %v", err)
		}
		if string(got) != faultDoc(2) {
			t.Errorf("backup = %q; want %q (the live document)", got, faultDoc(2))
		}
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}

// 2. The server goes down after a good start: the last good flags stay,
// the source is stale with its error, the error is logged once, attempts
// back off from the interval (10s) with jitter up to MaxBackoff (40s), and
// evaluations answer throughout; the first success, at most MaxBackoff
// after the server returns, brings the source back.
func TestFaultServerDownLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu    sync.Mutex
			times []time.Time
			down  bool
		)
		client := fakehttp.Client(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			defer mu.Unlock()
			times = append(times, time.Now())
			if down {
				return nil, faultRefused()
			}
			return fakehttp.Response(r, 200, faultDoc(1), "ETag", `"1"`), nil
		})
		setDown := func(b bool) {
			mu.Lock()
			defer mu.Unlock()
			down = b
		}
		logs := &faultLog{}
		src := source.HTTP(faultURL, source.HTTPClient(client), source.Interval(10*time.Second), source.MaxBackoff(40*time.Second))
		c, err := flagkit.New(context.Background(), flagkit.WithSource(src), flagkit.WithLogger(slog.New(logs)))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		closeAtEnd(t, c)
		start := time.Now()
		firstLoad := faultStatus(t, c).LastLoad
		setDown(true)

		// Evaluate every second for four minutes while the server is down.
		for i := 0; i < 240; i++ {
			time.Sleep(time.Second)
			if got := faultView(t, c); got != 1 {
				t.Fatalf("at %v: Int(f0) = %d; want 1 (last good)", time.Since(start), got)
			}
		}
		synctest.Wait()
		ss := faultStatus(t, c)
		if !ss.Stale {
			t.Error("Stale while the server is down = false; want true")
		}
		if !errors.Is(ss.LastError, syscall.ECONNREFUSED) {
			t.Errorf("LastError = %v; want errors.Is ECONNREFUSED", ss.LastError)
		}
		if !ss.LastLoad.Equal(firstLoad) {
			t.Errorf("LastLoad = %v; want %v (the good start)", ss.LastLoad, firstLoad)
		}
		if n := logs.count(faultLoadFailed); n != 1 {
			t.Errorf("the outage is logged %d times; want once: %q", n, logs.all())
		}

		mu.Lock()
		got := slices.Clone(times)
		mu.Unlock()
		// Request 0 at start, 1 within the interval (the first poll, spread
		// over it; the first failure), then after k failures between the
		// interval and min(40s, 2ᵏ × 10s).
		type bound struct{ lo, hi time.Duration }
		const I = 10 * time.Second
		want := []bound{{1, I}, {I, 2 * I}, {I, 4 * I}, {I, 4 * I}, {I, 4 * I}, {I, 4 * I}}
		if len(got) <= len(want) {
			t.Fatalf("%d requests in four minutes: %v; want more than %d", len(got), got, len(want))
		}
		for i, w := range want {
			gap := got[i+1].Sub(got[i])
			if gap < w.lo || gap > w.hi {
				t.Errorf("wait before request %d = %v; want within [%v, %v]", i+1, gap, w.lo, w.hi)
			}
		}

		// Recovery: the same document again, delivered to clear the error.
		setDown(false)
		time.Sleep(40 * time.Second)
		synctest.Wait()
		ss = faultStatus(t, c)
		if ss.Stale || ss.LastError != nil {
			t.Errorf("after recovery: Stale, LastError = %v, %v; want false, nil", ss.Stale, ss.LastError)
		}
		if !ss.LastLoad.After(firstLoad) {
			t.Errorf("after recovery: LastLoad = %v; want after %v", ss.LastLoad, firstLoad)
		}
		if got := faultView(t, c); got != 1 {
			t.Errorf("after recovery: Int(f0) = %d; want 1", got)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}

// 3. The server answers 200 with garbage after a good document: the last
// good flags stay, the source is stale, the problem is logged once however
// many polls return it, and an evaluation made while the client is
// applying the failure (from the log handler, under the client's lock)
// returns at once. Then a good document clears the error.
func TestFaultGarbageAfterGood(t *testing.T) {
	tests := []struct {
		name  string
		code  int
		body  string
		clen  int64 // Content-Length to announce; 0: the body's
		want  error // what Status().Sources[0].LastError must match; nil: any error
		words string
	}{
		{name: "syntax", code: 200, body: "flags: {f0: {default: [", want: flagkit.ErrSyntax},
		{name: "not a mapping", code: 200, body: "- a\n- b\n", words: "mapping"},
		{name: "binary", code: 200, body: "\x00\xff\xfe\x01garbage\x00", words: ":1:1: document contains a NUL byte"},
		{name: "html page", code: 200, body: "<html><body>Gateway timeout</body></html>", words: `:1:1: expected a mapping, found "<html><body>Gateway timeout</body></html>"`},
		{name: "truncated body", code: 200, body: faultDoc(9)[:30], clen: int64(len(faultDoc(9))), want: io.ErrUnexpectedEOF},
		{name: "server error", code: 500, body: "oops", words: "500 Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				n       atomic.Int32
				healthy atomic.Bool
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := n.Add(1)
				if i == 1 || healthy.Load() {
					io.WriteString(w, faultDoc(int(i)))
					return
				}
				if tt.clen > 0 {
					// Announce more than is sent: the client sees a short body.
					w.Header().Set("Content-Length", fmt.Sprint(tt.clen))
				}
				w.WriteHeader(tt.code)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			logs := &faultLog{}
			src := source.HTTP(srv.URL, source.HTTPClient(srv.Client()), source.Interval(5*time.Millisecond), source.MaxBackoff(5*time.Millisecond))
			c, err := flagkit.New(ctx, flagkit.WithSource(src), flagkit.WithLogger(slog.New(logs)))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			closeAtEnd(t, c)
			var evals atomic.Int32
			logs.setOnRecord(func(msg string) {
				if !strings.HasPrefix(msg, faultLoadFailed) {
					return
				}
				faultWithin(t, "an evaluation from the log handler", func() {
					if got := c.Int(ctx, "f0", bob, -1); got != 1 {
						t.Errorf("Int(f0) from the log handler = %d; want 1", got)
					}
					c.View().All(ctx, bob)
				})
				evals.Add(1)
			})

			faultWaitFor(t, "12 bad answers", func() bool { return n.Load() >= 13 })
			ss := faultStatus(t, c)
			if !ss.Stale {
				t.Error("Stale after garbage = false; want true")
			}
			if ss.LastError == nil {
				t.Fatal("LastError after garbage = nil; want an error")
			}
			if tt.want != nil && !errors.Is(ss.LastError, tt.want) {
				t.Errorf("LastError = %v; want errors.Is %v", ss.LastError, tt.want)
			}
			if !strings.Contains(ss.LastError.Error(), tt.words) {
				t.Errorf("LastError = %v; want it to contain %q", ss.LastError, tt.words)
			}
			if got := faultView(t, c); got != 1 {
				t.Errorf("Int(f0) = %d; want 1 (the last good document stays)", got)
			}
			if got := logs.count(faultLoadFailed); got != 1 {
				t.Errorf("logged %d times over %d polls; want once: %q", got, n.Load(), logs.all())
			}
			if got := evals.Load(); got < 1 {
				t.Errorf("%d evaluations from the log handler; want at least 1", got)
			}

			logs.setOnRecord(nil)
			healthy.Store(true)
			faultWaitFor(t, "recovery", func() bool { return !faultStatus(t, c).Stale })
			if err := faultStatus(t, c).LastError; err != nil {
				t.Errorf("LastError after recovery = %v; want nil", err)
			}
			if got := faultView(t, c); got <= 13 {
				t.Errorf("Int(f0) after recovery = %d; want more than 13 (a live document)", got)
			}
			if err := c.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		})
	}
}

// 4. Every poll returns a new document: every change is applied in
// order, OnChange fires once for each (in a bubble nothing is merged,
// since each callback returns before the next poll), and the number of
// goroutines does not grow.
func TestFaultNewDocumentEveryPoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		client := fakehttp.Client(func(r *http.Request) (*http.Response, error) {
			i := n.Add(1)
			return fakehttp.Response(r, 200, faultDoc(int(i)), "ETag", fmt.Sprintf(`"%d"`, i)), nil
		})
		src := source.HTTP(faultURL, source.HTTPClient(client), source.Interval(time.Second))
		c, err := flagkit.New(context.Background(), flagkit.WithSource(src))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		closeAtEnd(t, c)
		var (
			mu   sync.Mutex
			seen []int64
		)
		c.OnChange(func(ch flagkit.Change) {
			if !slices.Equal(ch.Flags, []string{"f0", "f1", "f2", "f3", "f4"}) || ch.Source != "http:"+faultURL {
				t.Errorf("Change = %+v; want flags f0..f4 from http:%s", ch, faultURL)
			}
			v := c.Int(ctx, "f0", bob, -1)
			mu.Lock()
			seen = append(seen, v)
			mu.Unlock()
		})
		const polls = 200
		var goroutines int
		for i := 2; i <= polls; i++ {
			for n.Load() < int32(i) {
				time.Sleep(100 * time.Millisecond)
			}
			synctest.Wait()
			if got := faultView(t, c); got != int64(i) {
				t.Fatalf("after poll %d: Int(f0) = %d; want %d", i, got, i)
			}
			if i == 10 {
				goroutines = runtime.NumGoroutine()
			}
		}
		after := runtime.NumGoroutine()
		if after > goroutines {
			t.Errorf("%d goroutines after %d polls; want at most %d, as after 10", after, polls, goroutines)
		}
		mu.Lock()
		want := make([]int64, 0, polls-1)
		for i := 2; i <= polls; i++ {
			want = append(want, int64(i))
		}
		if !reflect.DeepEqual(seen, want) {
			t.Errorf("values seen by OnChange = %v; want %v (once per document, in order)", seen, want)
		}
		mu.Unlock()
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}

// 5a. A server that never answers: New waits one source.Timeout at most,
// then starts from the backup or fails. With a deadline on New's ctx, the
// first request may use only half the time left, so that New still starts
// from the backup before the deadline (or fails for want of one); Close
// returns at once while a request hangs.
func TestFaultHangingServerAtStart(t *testing.T) {
	const timeout = 2 * time.Second
	tests := []struct {
		name         string
		backup       bool
		newWait      time.Duration // ctx of New; 0: none
		wantErr      string        // "": New succeeds
		firstTimeout time.Duration // timeout of the first request
		elapsed      time.Duration // fake time New takes
	}{
		{name: "with backup", backup: true, firstTimeout: timeout, elapsed: timeout},
		{name: "without backup", wantErr: "no usable document: request timed out after 2s", firstTimeout: timeout, elapsed: timeout},
		{name: "ctx shorter than timeout, backup", backup: true, newWait: time.Second, firstTimeout: 500 * time.Millisecond, elapsed: 500 * time.Millisecond},
		{name: "ctx shorter than timeout, no backup", newWait: time.Second, wantErr: "no usable document: request timed out after 500ms", firstTimeout: 500 * time.Millisecond, elapsed: 500 * time.Millisecond},
		{name: "ctx over twice the timeout", backup: true, newWait: 10 * time.Second, firstTimeout: timeout, elapsed: timeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var (
					inFlight atomic.Int32
					mu       sync.Mutex
					timeouts []time.Duration // of each request, from its start
				)
				client := fakehttp.Client(func(r *http.Request) (*http.Response, error) {
					inFlight.Add(1)
					defer inFlight.Add(-1)
					dl, ok := r.Context().Deadline()
					mu.Lock()
					if ok {
						timeouts = append(timeouts, time.Until(dl))
					} else {
						timeouts = append(timeouts, -1)
					}
					mu.Unlock()
					<-r.Context().Done()
					return nil, r.Context().Err()
				})
				requestTimeouts := func() []time.Duration {
					mu.Lock()
					defer mu.Unlock()
					return slices.Clone(timeouts)
				}
				opts := []source.HTTPOption{source.HTTPClient(client), source.Timeout(timeout), source.Interval(10 * time.Second)}
				if tt.backup {
					backup := filepath.Join(t.TempDir(), "backup.yaml")
					if err := os.WriteFile(backup, []byte(faultDoc(7)), 0o600); err != nil {
						t.Fatal(err)
					}
					opts = append(opts, source.Backup(backup))
				}
				newCtx := context.Background()
				if tt.newWait > 0 {
					var cancel context.CancelFunc
					newCtx, cancel = context.WithTimeout(newCtx, tt.newWait)
					defer cancel()
				}
				start := time.Now()
				c, err := flagkit.New(newCtx, flagkit.WithSource(source.HTTP(faultURL, opts...)))
				if elapsed := time.Since(start); elapsed != tt.elapsed {
					t.Errorf("New took %v; want %v", elapsed, tt.elapsed)
				}
				wantFirst := fmt.Sprintf("request timed out after %v (context deadline exceeded)", tt.firstTimeout)
				if tt.wantErr != "" {
					if err == nil {
						if err := c.Close(); err != nil {
							t.Errorf("Close: %v", err)
						}
						t.Fatalf("New() = _, nil; want an error containing %q", tt.wantErr)
					}
					if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), tt.wantErr) {
						t.Errorf("New() = _, %v; want errors.Is context.DeadlineExceeded, containing %q", err, tt.wantErr)
					}
					synctest.Wait()
					if n := inFlight.Load(); n != 0 {
						t.Errorf("%d requests left hanging after New failed; want 0", n)
					}
					if got, want := requestTimeouts(), []time.Duration{tt.firstTimeout}; !reflect.DeepEqual(got, want) {
						t.Errorf("request timeouts = %v; want %v", got, want)
					}
					return
				}
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				closeAtEnd(t, c)
				// The backup came with the error: no waiting.
				ss := faultStatus(t, c)
				if !ss.Stale {
					t.Error("Stale = false; want true")
				}
				if err := ss.LastError; !errors.Is(err, context.DeadlineExceeded) || err.Error() != wantFirst {
					t.Errorf("LastError = %v; want %q, errors.Is context.DeadlineExceeded", err, wantFirst)
				}
				if got := faultView(t, c); got != 7 {
					t.Errorf("Int(f0) = %d; want 7 (flags from the backup)", got)
				}

				// The next attempt comes one to two intervals later (never
				// sooner) and hangs for the whole timeout: only the first
				// request is cut short.
				for inFlight.Load() == 0 && time.Since(start) < time.Minute {
					time.Sleep(100 * time.Millisecond)
				}
				synctest.Wait()
				if d := time.Since(start) - tt.elapsed; d < 10*time.Second || d > 20*time.Second+100*time.Millisecond {
					t.Errorf("second request %v after the first failed; want within [10s, 20s]", d)
				}
				if n := inFlight.Load(); n != 1 {
					t.Fatalf("%d requests in flight; want 1", n)
				}
				if got, want := requestTimeouts(), []time.Duration{tt.firstTimeout, timeout}; !reflect.DeepEqual(got, want) {
					t.Errorf("request timeouts = %v; want %v", got, want)
				}
				if got := faultView(t, c); got != 7 {
					t.Errorf("Int(f0) during a hanging request = %d; want 7", got)
				}
				start = time.Now()
				if err := c.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				if d := time.Since(start); d != 0 {
					t.Errorf("Close while a request hangs took %v; want 0", d)
				}
				synctest.Wait()
				if n := inFlight.Load(); n != 0 {
					t.Errorf("%d requests in flight after Close; want 0", n)
				}
			})
		})
	}
}

// 5b. With real sockets: while a poll hangs on a server that does not
// answer, evaluations, views and Status return at once, and Close returns
// promptly, cancelling the request.
func TestFaultHangingPoll(t *testing.T) {
	var (
		n       atomic.Int32
		entered = make(chan struct{})
		once    sync.Once
		release = make(chan struct{})
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			io.WriteString(w, faultDoc(1))
			return
		}
		once.Do(func() { close(entered) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	src := source.HTTP(srv.URL, source.HTTPClient(srv.Client()), source.Interval(10*time.Millisecond), source.Timeout(time.Minute))
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)

	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("no second request within 5s")
	}
	d := faultWithin(t, "evaluations during a hanging poll", func() {
		if got := faultView(t, c); got != 1 {
			t.Errorf("Int(f0) = %d; want 1", got)
		}
		if got := c.Bool(ctx, "missing", bob, true); !got {
			t.Errorf("Bool(%q) = %v; want %v", "missing", got, true)
		}
	})
	t.Logf("evaluations during a hanging poll took %v", d)
	faultWithin(t, "Status during a hanging poll", func() {
		if faultStatus(t, c).Stale {
			t.Error("Stale during a hanging poll = true; want false (a request in flight is not a failure yet)")
		}
	})
	d = faultWithin(t, "Close during a hanging poll", func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	t.Logf("Close during a hanging poll took %v", d)
	if got := n.Load(); got != 2 {
		t.Errorf("%d requests; want 2", got)
	}
}

// 5c. With real sockets: a server that sends the headers and part of the
// body, then stalls. source.Timeout covers the body too, so New returns
// after the timeout with the backup, and the source is stale.
func TestFaultStalledBody(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc := faultDoc(2)
		w.Header().Set("Content-Length", fmt.Sprint(len(doc)))
		io.WriteString(w, doc[:len(doc)/2])
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	backup := filepath.Join(t.TempDir(), "backup.yaml")
	if err := os.WriteFile(backup, []byte(faultDoc(1)), 0o600); err != nil {
		t.Fatal(err)
	}
	src := source.HTTP(srv.URL, source.HTTPClient(srv.Client()), source.Timeout(50*time.Millisecond), source.Backup(backup))
	var (
		c   *flagkit.Client
		err error
	)
	d := faultWithin(t, "New with a stalled body", func() { c, err = flagkit.New(ctx, flagkit.WithSource(src)) })
	t.Logf("New with a stalled body took %v (source.Timeout 50ms)", d)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	// The error comes just after the backup that ended New.
	faultWaitFor(t, "stale", func() bool { return faultStatus(t, c).Stale })
	ss := faultStatus(t, c)
	if !errors.Is(ss.LastError, context.DeadlineExceeded) {
		t.Errorf("LastError = %v; want errors.Is context.DeadlineExceeded", ss.LastError)
	}
	if got := faultView(t, c); got != 1 {
		t.Errorf("Int(f0) = %d; want 1 (flags from the backup)", got)
	}
	d = faultWithin(t, "Close", func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	t.Logf("Close took %v", d)
}

// 6. Memory stays flat over 10,000 polls alternating 200 (a new small
// document each time) and 304.
func TestFaultMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 polls")
	}
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		client := fakehttp.Client(func(r *http.Request) (*http.Response, error) {
			i := n.Add(1)
			if i%2 == 0 {
				if r.Header.Get("If-None-Match") != fmt.Sprintf(`"%d"`, i-1) {
					t.Errorf("request %d: If-None-Match = %q; want %q", i, r.Header.Get("If-None-Match"), fmt.Sprintf(`"%d"`, i-1))
				}
				return fakehttp.Response(r, http.StatusNotModified, ""), nil
			}
			doc := fmt.Sprintf("flags: {f0: {variants: {v: %d}, default: v}}\n", i)
			return fakehttp.Response(r, 200, doc, "ETag", fmt.Sprintf(`"%d"`, i)), nil
		})
		src := source.HTTP(faultURL, source.HTTPClient(client), source.Interval(time.Second))
		c, err := flagkit.New(context.Background(), flagkit.WithSource(src))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		closeAtEnd(t, c)
		var changes atomic.Int32
		c.OnChange(func(flagkit.Change) { changes.Add(1) })

		pollTo := func(k int32) {
			for n.Load() < k {
				time.Sleep(10 * time.Second)
			}
			synctest.Wait()
		}
		heap := func() uint64 {
			runtime.GC()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			return ms.HeapAlloc
		}
		pollTo(1000)
		at1k, polls1k := heap(), n.Load()
		pollTo(10000)
		at10k, polls10k := heap(), n.Load()
		growth := int64(at10k) - int64(at1k)
		t.Logf("HeapAlloc after %d polls: %d B; after %d polls: %d B; growth %d B", polls1k, at1k, polls10k, at10k, growth)
		if growth >= 1<<20 {
			t.Errorf("heap grew by %d B from poll %d to poll %d; want < 1 MiB", growth, polls1k, polls10k)
		}
		last := polls10k
		if last%2 == 0 {
			last--
		}
		if got := c.Int(ctx, "f0", bob, -1); got != int64(last) {
			t.Errorf("Int(f0) = %d; want %d (the last document)", got, last)
		}
		if got, want := changes.Load(), (last-1)/2; got != want {
			t.Errorf("%d changes; want %d (one per new document)", got, want)
		}
		if faultStatus(t, c).Stale {
			t.Error("Stale = true; want false")
		}
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}

// faultWriteFile replaces the file at path atomically.
func faultWriteFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// 7. A flag file that disappears, becomes unreadable, is replaced by a
// directory, and comes back: the flags stay and the source is stale while
// it is broken, and fresh once it is back, even with the same content.
func TestFaultFileSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.yaml")
	faultWriteFile(t, path, faultDoc(1))
	src := source.File(path, source.Interval(10*time.Millisecond), source.Debounce(20*time.Millisecond))
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	if got := faultView(t, c); got != 1 {
		t.Fatalf("Int(f0) = %d; want 1", got)
	}

	stale := func(match func(error) bool) func() bool {
		return func() bool {
			ss := faultStatus(t, c)
			return ss.Stale && match(ss.LastError)
		}
	}
	fresh := func(v int64) func() bool {
		return func() bool {
			ss := faultStatus(t, c)
			return !ss.Stale && ss.LastError == nil && c.Int(ctx, "f0", bob, -1) == v
		}
	}
	is := func(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

	// Disappears, then comes back with the same content.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	faultWaitFor(t, "stale after remove", stale(is(fs.ErrNotExist)))
	if got := faultView(t, c); got != 1 {
		t.Errorf("Int(f0) = %d; want 1 (flags stay while the file is missing)", got)
	}
	faultWriteFile(t, path, faultDoc(1))
	faultWaitFor(t, "fresh after restore with the same content", fresh(1))

	// Unreadable.
	if os.Geteuid() == 0 {
		t.Log("running as root: skipping the unreadable file")
	} else {
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		faultWaitFor(t, "stale when unreadable", stale(is(fs.ErrPermission)))
		if got := faultView(t, c); got != 1 {
			t.Errorf("Int(f0) = %d; want 1 (flags stay while the file is unreadable)", got)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		faultWriteFile(t, path, faultDoc(2))
		faultWaitFor(t, "fresh after chmod", fresh(2))
	}
	want := c.Int(ctx, "f0", bob, -1)

	// Replaced by a directory.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	faultWaitFor(t, "stale when a directory", stale(func(err error) bool {
		return err != nil && strings.Contains(err.Error(), "is a directory")
	}))
	if name := faultStatus(t, c).Name; !strings.Contains(name, path) {
		t.Errorf("Status().Sources[0].Name = %q; want it to contain %q", name, path)
	}
	if got := faultView(t, c); got != want {
		t.Errorf("Int(f0) = %d; want %d (flags stay while the path is a directory)", got, want)
	}

	// Restored with a new document.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	faultWriteFile(t, path, faultDoc(3))
	faultWaitFor(t, "fresh after the directory", fresh(3))
	if got := faultView(t, c); got != 3 {
		t.Errorf("Int(f0) = %d; want 3", got)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// 8. Load: four readers per core read five flags through views while a
// source reloads 1,000 valid documents, interleaved with invalid ones of
// three kinds. Every view is consistent, values never go back, each reload
// is visible as soon as it is applied, the last valid document wins, and
// nothing leaks.
func TestLoadReloads(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	src := flagkittest.NewSource("push.yaml", []byte(faultDoc(0)))
	c, err := flagkit.New(ctx, flagkit.WithSource(src))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)

	const reloads = 1000
	readers := 4 * runtime.GOMAXPROCS(0)
	stop := startViewReaders(t, c, readers)
	invalid := 0
	for i := 1; i <= reloads; i++ {
		src.Push([]byte(faultDoc(i)))
		if got := c.Int(ctx, "f4", bob, -1); got != int64(i) {
			t.Fatalf("right after reload %d: Int(f4) = %d; want %d", i, got, i)
		}
		switch i % 4 {
		case 1:
			src.Push([]byte("flags: {f0: {default: [")) // a syntax error: the whole document is refused
			invalid++
		case 2:
			src.Push([]byte("- not\n- a mapping\n"))
			invalid++
		case 3:
			src.Fail(errors.New("connection reset"))
			invalid++
		}
		if got := c.Int(ctx, "f4", bob, -1); got != int64(i) {
			t.Fatalf("after an invalid reload: Int(f4) = %d; want %d", got, i)
		}
	}
	reads := stop()
	if got := faultView(t, c); got != reloads {
		t.Errorf("Int(f0) = %d; want %d (the last valid document wins)", got, reloads)
	}
	if faultStatus(t, c).Stale {
		t.Error("Stale = true; want false (the last reload is valid)")
	}
	t.Logf("%d readers: %d consistent views during %d valid and %d invalid reloads", readers, reads, reloads, invalid)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// 9. A client with a file, an HTTP server, the environment and bytes, and
// an OnChange subscriber that has run, leaves no goroutine after Close.
func TestFaultNoLeak(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			io.WriteString(w, "flags: {h: {default: off}}\n")
			return
		}
		io.WriteString(w, "flags: {h: {default: on}}\n")
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "flags.yaml")
	faultWriteFile(t, path, "flags: {file: {default: on}}\n")

	c, err := flagkit.New(ctx,
		flagkit.WithSource(source.Bytes("base.yaml", []byte("flags: {b: {default: on}}\n"))),
		flagkit.WithSource(source.File(path, source.Interval(10*time.Millisecond), source.Debounce(10*time.Millisecond))),
		flagkit.WithSource(source.HTTP(srv.URL, source.HTTPClient(srv.Client()), source.Interval(10*time.Millisecond))),
		flagkit.WithSource(source.Env("FEATURE_", source.Environ(func() []string { return []string{"FEATURE_B=off"} }))),
	)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	changed := make(chan flagkit.Change, 10)
	c.OnChange(func(ch flagkit.Change) {
		select {
		case changed <- ch:
		default:
		}
	})
	select {
	case ch := <-changed:
		if want := []string{"h"}; !reflect.DeepEqual(ch.Flags, want) {
			t.Errorf("Change.Flags = %q; want %q", ch.Flags, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no change within 5s")
	}
	for _, key := range []string{"h", "file"} {
		if got := c.Bool(ctx, key, bob, false); !got {
			t.Errorf("Bool(%q) = %v; want true", key, got)
		}
	}
	if got := c.Bool(ctx, "b", bob, true); got {
		t.Errorf("Bool(%q) = %v; want false (the env override)", "b", got)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	srv.Close() // closes the idle connections of srv.Client()
}

// 10. The end-to-end latency of a file change at the default settings,
// from the rename to the first evaluation that sees it.
func TestFaultFileLatency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.yaml")
	faultWriteFile(t, path, faultDoc(1))
	c, err := flagkit.New(ctx, flagkit.WithSource(source.File(path)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	closeAtEnd(t, c)
	if got := faultView(t, c); got != 1 {
		t.Fatalf("Int(f0) = %d; want 1", got)
	}

	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(faultDoc(2)), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	for c.Int(ctx, "f0", bob, -1) != 2 {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the change was not seen within 5s")
		}
		time.Sleep(time.Millisecond)
	}
	latency := time.Since(start)
	t.Logf("file change seen after %v (default interval 250ms, debounce 200ms)", latency)
	if got := faultView(t, c); got != 2 {
		t.Errorf("Int(f0) = %d; want 2", got)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}
