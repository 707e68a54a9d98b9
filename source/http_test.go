package source

import (
	"go.yaml.in/yaml/v3"

	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit/internal/fakehttp"
	"github.com/flagkit/flagkit/source/sourcetest"
	"go.uber.org/goleak"
)

const (
	httpDocA = "flags:\n  new-checkout: {enabled: true}\n"
	httpDocB = "flags:\n  new-checkout: {enabled: false}\n"
	// httpGuard bounds every wait for something the source should do; the
	// tests never sleep for a fixed real time.
	httpGuard = 10 * time.Second
)

// httpEvent is one call of update, written as "doc:<document>",
// "err:<message>", or for a fallback document delivered with its error
// "doc:<document>+err:<message>", so that sequences compare exactly.
type httpEvent struct {
	doc []byte
	err error
}

func (e httpEvent) String() string {
	switch {
	case e.doc != nil && e.err != nil:
		return "doc:" + string(e.doc) + "+err:" + e.err.Error()
	case e.err != nil:
		return "err:" + e.err.Error()
	}
	return "doc:" + string(e.doc)
}

// httpRun is one call of Run on its own goroutine, recording every call of
// update and checking the contract of each.
type httpRun struct {
	t        *testing.T
	cancel   context.CancelFunc
	result   chan error
	stopOnce sync.Once

	busy     atomic.Bool
	returned atomic.Bool
	mu       sync.Mutex
	events   []httpEvent
	notify   chan struct{}
	verdict  func(doc []byte) error // what update returns for a document
}

// startHTTP calls s.Run(ctx, ...) on a new goroutine, with an update that
// refuses a document as a client refuses one whose top level is not a
// mapping. Cleanup stops it.
func startHTTP(t *testing.T, ctx context.Context, s *HTTPPoller) *httpRun {
	t.Helper()
	return startHTTPVerdict(t, ctx, s, mappingVerdict)
}

// mappingVerdict refuses a document that is not YAML or JSON whose top
// level is a mapping, as a client does (with other words).
func mappingVerdict(doc []byte) error {
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		return fmt.Errorf("flagkit: %w", err)
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
		return errors.New("flagkit: top level is not a mapping")
	}
	return nil
}

// startHTTPVerdict is startHTTP with update's verdict on documents.
func startHTTPVerdict(t *testing.T, ctx context.Context, s *HTTPPoller, verdict func([]byte) error) *httpRun {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	r := &httpRun{t: t, cancel: cancel, result: make(chan error, 1), notify: make(chan struct{}, 1), verdict: verdict}
	go func() {
		err := s.Run(ctx, r.update)
		r.returned.Store(true)
		r.result <- err
	}()
	t.Cleanup(r.stop)
	return r
}

func (r *httpRun) update(doc []byte, err error) error {
	if !r.busy.CompareAndSwap(false, true) {
		r.t.Errorf("update(%q, %v) called during another call", doc, err)
	}
	defer r.busy.Store(false)
	if r.returned.Load() {
		r.t.Errorf("update(%q, %v) called after Run returned", doc, err)
	}
	r.mu.Lock()
	first := len(r.events) == 0
	r.events = append(r.events, httpEvent{doc, err})
	r.mu.Unlock()
	switch {
	case doc == nil && err == nil:
		r.t.Errorf("update(nil, nil); want a document or an error")
	case doc != nil && err != nil && !first && !r.refusedFirst():
		// Only the backup comes with an error, and only at start.
		r.t.Errorf("update(%q, %v) after the first call; want a document or an error, not both", doc, err)
	}
	select {
	case r.notify <- struct{}{}:
	default:
	}
	if doc != nil && r.verdict != nil {
		return r.verdict(doc)
	}
	return nil
}

// refusedFirst reports whether the call being made answers the refusal of
// the first document, the one call after the start that may carry both a
// document (the backup) and an error.
func (r *httpRun) refusedFirst() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events) == 2 && r.events[0].doc != nil && r.events[0].err == nil &&
		r.verdict != nil && r.verdict(r.events[0].doc) != nil
}

// stop cancels Run's context and checks that Run returns nil promptly.
func (r *httpRun) stop() {
	r.t.Helper()
	r.stopOnce.Do(func() {
		r.cancel()
		select {
		case err := <-r.result:
			if err != nil {
				r.t.Errorf("Run() = %v after cancel; want nil", err)
			}
		case <-time.After(httpGuard):
			r.t.Fatalf("Run did not return within %v of cancel", httpGuard)
		}
	})
}

// snapshot returns the events so far.
func (r *httpRun) snapshot() []httpEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// wait returns the events once there are at least n.
func (r *httpRun) wait(n int) []httpEvent {
	r.t.Helper()
	timeout := time.After(httpGuard)
	for {
		if ev := r.snapshot(); len(ev) >= n {
			return ev
		}
		select {
		case <-r.notify:
		case <-timeout:
			r.t.Fatalf("got %d calls of update within %v; want %d: %v", len(r.snapshot()), httpGuard, n, r.snapshot())
		}
	}
}

// stopAndCheck stops Run and checks that update was called exactly with
// want, in order.
func (r *httpRun) stopAndCheck(want ...string) []httpEvent {
	r.t.Helper()
	r.stop()
	ev := r.snapshot()
	got := make([]string, len(ev))
	for i, e := range ev {
		got[i] = e.String()
	}
	if !slices.Equal(got, want) {
		r.t.Errorf("update calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	return ev
}

// httpServer is an httptest.Server that records the requests it gets and
// answers the n-th (from 1) with handle(s, n, w, r).
type httpServer struct {
	*httptest.Server
	t       *testing.T
	mu      sync.Mutex
	reqs    []*http.Request // with cloned headers, bodies unread
	notify  chan struct{}
	release chan struct{} // closed when the test ends, to unblock handlers
}

type httpHandler func(s *httpServer, n int, w http.ResponseWriter, r *http.Request)

func newHTTPServer(t *testing.T, handle httpHandler) *httpServer {
	t.Helper()
	s := &httpServer{t: t, notify: make(chan struct{}, 1), release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(context.Background()))
		n := len(s.reqs)
		s.mu.Unlock()
		select {
		case s.notify <- struct{}{}:
		default:
		}
		handle(s, n, w, r)
	}))
	t.Cleanup(s.Close)
	t.Cleanup(func() { close(s.release) }) // runs before Close
	return s
}

// block waits until the client goes away or the test ends.
func (s *httpServer) block(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.release:
	}
}

// requests returns the requests so far.
func (s *httpServer) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// waitRequests returns the requests once there are at least n.
func (s *httpServer) waitRequests(n int) []*http.Request {
	s.t.Helper()
	timeout := time.After(httpGuard)
	for {
		if reqs := s.requests(); len(reqs) >= n {
			return reqs
		}
		select {
		case <-s.notify:
		case <-timeout:
			s.t.Fatalf("server got %d requests within %v; want %d", len(s.requests()), httpGuard, n)
		}
	}
}

// serve returns a handler that serves doc to every request.
func serve(doc string) httpHandler {
	return func(_ *httpServer, _ int, w http.ResponseWriter, _ *http.Request) { io.WriteString(w, doc) }
}

// errorEvent returns the event of an error of the source at url.
func errorEvent(url, msg string) string { return "err:source: http " + url + ": " + msg }

// backupEvent returns the event of the backup doc delivered at start with
// the error of the source at url that made it fall back.
func backupEvent(doc, url, msg string) string { return "doc:" + doc + "+" + errorEvent(url, msg) }

func TestHTTPName(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://flags.example.com/flags.yaml", "http:https://flags.example.com/flags.yaml"},
		{"https://alice:pa55word@flags.example.com/f.yaml?env=prod", "http:https://flags.example.com/f.yaml?env=prod"},
		{"https://alice@flags.example.com/f.yaml", "http:https://flags.example.com/f.yaml"},
		{"https://alice:p@ss@flags.example.com:8443/f.yaml#x", "http:https://flags.example.com:8443/f.yaml#x"},
		{"http://alice:pa%zz@flags.example.com/f.yaml", "http:http://flags.example.com/f.yaml"},
		{"https://flags.example.com/users/@alice/f.yaml", "http:https://flags.example.com/users/@alice/f.yaml"},
		{"https://flags.example.com?owner=a@b", "http:https://flags.example.com?owner=a@b"},
		{"flags.example.com/f.yaml", "http:flags.example.com/f.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if got := HTTP(tt.url).Name(); got != tt.want {
				t.Errorf("HTTP(%q).Name() = %q; want %q", tt.url, got, tt.want)
			}
		})
	}
}

func TestHTTPDelay(t *testing.T) {
	const max = time.Duration(math.MaxInt64)
	tests := []struct {
		name                 string
		interval, maxBackoff time.Duration
		failures             int
		r                    float64
		want                 time.Duration
	}{
		{"no failure", 30 * time.Second, 5 * time.Minute, 0, 0.5, 30 * time.Second},
		{"no failure, least jitter", 30 * time.Second, 5 * time.Minute, 0, 0, 27 * time.Second},
		{"no failure, most jitter", 30 * time.Second, 5 * time.Minute, 0, 1, 33 * time.Second},
		{"1 failure", 30 * time.Second, 5 * time.Minute, 1, 0.5, time.Second},
		{"2 failures", 30 * time.Second, 5 * time.Minute, 2, 0.5, 2 * time.Second},
		{"3 failures", 30 * time.Second, 5 * time.Minute, 3, 0.5, 4 * time.Second},
		{"9 failures", 30 * time.Second, 5 * time.Minute, 9, 0.5, 256 * time.Second},
		{"10 failures: capped", 30 * time.Second, 5 * time.Minute, 10, 0.5, 5 * time.Minute},
		{"1000 failures: capped", 30 * time.Second, 5 * time.Minute, 1000, 0.5, 5 * time.Minute},
		{"capped, least jitter", 30 * time.Second, 5 * time.Minute, 1000, 0, 270 * time.Second},
		{"capped, most jitter", 30 * time.Second, 5 * time.Minute, 1000, 1, 330 * time.Second},
		{"short interval: first retry after it", 200 * time.Millisecond, 5 * time.Minute, 1, 0.5, 200 * time.Millisecond},
		{"short interval: then doubled", 200 * time.Millisecond, 5 * time.Minute, 3, 0.5, 800 * time.Millisecond},
		{"max backoff under 1s", 30 * time.Second, 500 * time.Millisecond, 1, 0.5, 500 * time.Millisecond},
		{"max backoff under 1s, 3 failures", 30 * time.Second, 500 * time.Millisecond, 3, 0.5, 500 * time.Millisecond},
		{"max backoff not a power of 2", 30 * time.Second, 3 * time.Second, 3, 0.5, 3 * time.Second},
		{"huge interval: no overflow", max, 5 * time.Minute, 0, 1, max},
		{"huge max backoff: no overflow", 30 * time.Second, max, 1000, 1, max},
		{"huge max backoff, middle jitter", 30 * time.Second, max, 1000, 0.5, max},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := httpDelay(tt.interval, tt.maxBackoff, tt.failures, tt.r)
			if got != tt.want {
				t.Errorf("httpDelay(%v, %v, %d, %v) = %v; want %v", tt.interval, tt.maxBackoff, tt.failures, tt.r, got, tt.want)
			}
		})
	}
}

func TestHTTPFirstDelivery(t *testing.T) {
	srv := newHTTPServer(t, serve(httpDocA))
	r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", Client(srv.Client())))
	r.wait(1)
	r.stopAndCheck("doc:" + httpDocA)
	req := srv.requests()[0]
	if req.Method != http.MethodGet || req.URL.Path != "/flags.yaml" {
		t.Errorf("request = %s %s; want GET /flags.yaml", req.Method, req.URL.Path)
	}
	for _, h := range []string{"If-None-Match", "If-Modified-Since"} {
		if v := req.Header.Get(h); v != "" {
			t.Errorf("first request has %s: %q; want none", h, v)
		}
	}
}

func TestHTTPConditional(t *testing.T) {
	const (
		etag         = `"v1"`
		lastModified = "Wed, 21 Oct 2026 07:28:00 GMT"
	)
	srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastModified)
		io.WriteString(w, httpDocA)
	})
	r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Interval(time.Millisecond)))
	// The third request shows that the source has handled the 304 of the second.
	reqs := srv.waitRequests(3)
	r.stopAndCheck("doc:" + httpDocA)
	for i, req := range reqs[1:3] {
		if got := req.Header.Get("If-None-Match"); got != etag {
			t.Errorf("request %d: If-None-Match = %q; want %q", i+2, got, etag)
		}
		if got := req.Header.Get("If-Modified-Since"); got != lastModified {
			t.Errorf("request %d: If-Modified-Since = %q; want %q", i+2, got, lastModified)
		}
	}
}

func TestHTTPStatusErrors(t *testing.T) {
	for _, tt := range []struct {
		code int
		want string
	}{
		{http.StatusNotFound, "unexpected status 404 Not Found"},
		{http.StatusInternalServerError, "unexpected status 500 Internal Server Error"},
		{http.StatusForbidden, "unexpected status 403 Forbidden"},
		{599, "unexpected status 599"},
	} {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.code)
				io.WriteString(w, httpDocA)
			})
			url := srv.URL + "/flags.yaml"
			r := startHTTP(t, context.Background(), HTTP(url, Client(srv.Client())))
			ev := r.wait(1)
			r.stopAndCheck(errorEvent(url, tt.want))
			if !errors.Is(ev[0].err, errHTTPStatus) {
				t.Errorf("errors.Is(%v, errHTTPStatus) = false; want true", ev[0].err)
			}
		})
	}
}

func TestHTTPTimeout(t *testing.T) {
	for _, tt := range []struct {
		name   string
		handle httpHandler
	}{
		{"no response", func(s *httpServer, _ int, _ http.ResponseWriter, r *http.Request) { s.block(r) }},
		{"stalled body", func(s *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(httpDocA)))
			io.WriteString(w, httpDocA[:10])
			http.NewResponseController(w).Flush()
			s.block(r)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newHTTPServer(t, tt.handle)
			r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Timeout(50*time.Millisecond)))
			ev := r.wait(1)
			r.stopAndCheck(errorEvent(srv.URL, "request timed out after 50ms (context deadline exceeded)"))
			if !errors.Is(ev[0].err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false; want true", ev[0].err)
			}
		})
	}
}

func TestHTTPTruncatedBody(t *testing.T) {
	t.Run("connection closed", func(t *testing.T) {
		srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "flags: {}\n") // 10 bytes
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("Hijack: %v", err)
				return
			}
			conn.Close()
		})
		r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client())))
		ev := r.wait(1)
		r.stopAndCheck(errorEvent(srv.URL, "reading body: unexpected EOF"))
		if !errors.Is(ev[0].err, io.ErrUnexpectedEOF) {
			t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF) = false; want true", ev[0].err)
		}
	})
	t.Run("body shorter than Content-Length", func(t *testing.T) {
		// A transport that, unlike net/http's, does not check the length.
		client := &http.Client{Transport: fakehttp.Transport(func(r *http.Request) (*http.Response, error) {
			resp := fakehttp.Response(r, http.StatusOK, "flags: {}\n")
			resp.ContentLength = 100
			return resp, nil
		})}
		r := startHTTP(t, context.Background(), HTTP(httpFakeURL, Client(client)))
		ev := r.wait(1)
		r.stopAndCheck(errorEvent(httpFakeURL, "reading body: got 10 bytes, Content-Length is 100: unexpected EOF"))
		if !errors.Is(ev[0].err, io.ErrUnexpectedEOF) {
			t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF) = false; want true", ev[0].err)
		}
	})
}

func TestHTTPErrorKey(t *testing.T) {
	reset := errors.New("connection reset by peer")
	opErr := func(local, remote int) error {
		return &httpError{url: "http://x/f", err: &net.OpError{
			Op: "read", Net: "tcp",
			Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: local},
			Addr:   &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: remote},
			Err:    reset,
		}}
	}
	a, b, c := opErr(50001, 80), opErr(50002, 80), opErr(50001, 81)
	if ka, kb := httpErrorKey(a), httpErrorKey(b); ka != kb {
		t.Errorf("httpErrorKey(%q) = %q, httpErrorKey(%q) = %q; want equal: only the local port differs", a, ka, b, kb)
	}
	if ka, kc := httpErrorKey(a), httpErrorKey(c); ka == kc {
		t.Errorf("httpErrorKey(%q) = httpErrorKey(%q) = %q; want different: the server differs", a, c, ka)
	}
	if e := errors.New("boom"); httpErrorKey(e) != "boom" {
		t.Errorf("httpErrorKey(%q) = %q; want %q", e, httpErrorKey(e), "boom")
	}
}

// httpFakeBody is a body of endless bytes that counts what is read.
type httpFakeBody struct{ read atomic.Int64 }

func (b *httpFakeBody) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	b.read.Add(int64(len(p)))
	return len(p), nil
}

func (b *httpFakeBody) Close() error { return nil }

func TestHTTPTooLarge(t *testing.T) {
	const limit = 16
	big := "flags: {a: " + strings.Repeat("x", 40) + "}\n"
	for _, tt := range []struct {
		name  string
		flush bool
		want  string
	}{
		{"with Content-Length", false, fmt.Sprintf("document too large: Content-Length %d is over the limit of 16 bytes", len(big))},
		{"chunked", true, "document too large: over the limit of 16 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, _ *http.Request) {
				if tt.flush {
					http.NewResponseController(w).Flush() // no Content-Length
				}
				io.WriteString(w, big)
			})
			r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), MaxSize(limit)))
			ev := r.wait(1)
			r.stopAndCheck(errorEvent(srv.URL, tt.want))
			if !errors.Is(ev[0].err, errHTTPTooLarge) {
				t.Errorf("errors.Is(%v, errHTTPTooLarge) = false; want true", ev[0].err)
			}
		})
	}
	for _, tt := range []struct {
		name          string
		contentLength int64
		wantRead      int64
	}{
		{"Content-Length over the limit: not read", 1 << 40, 0},
		{"no Content-Length: read up to the limit+1", -1, limit + 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := &httpFakeBody{}
			client := &http.Client{Transport: fakehttp.Transport(func(r *http.Request) (*http.Response, error) {
				resp := fakehttp.Response(r, http.StatusOK, "")
				resp.Body, resp.ContentLength = body, tt.contentLength
				return resp, nil
			})}
			const url = "https://flags.example.com/flags.yaml"
			r := startHTTP(t, context.Background(), HTTP(url, Client(client), MaxSize(limit)))
			ev := r.wait(1)
			r.stop()
			if !errors.Is(ev[0].err, errHTTPTooLarge) {
				t.Errorf("update(%q, %v); want an error matching errHTTPTooLarge", ev[0].doc, ev[0].err)
			}
			if got := body.read.Load(); got != tt.wantRead {
				t.Errorf("read %d bytes of the body; want %d", got, tt.wantRead)
			}
		})
	}
}

// TestHTTPRefusedDocument checks that the source does not judge documents:
// it delivers whatever the server sends, and answers the client's refusal
// of the first one with the verdict (there is no backup to fall back on),
// without writing the refused document to the backup.
func TestHTTPRefusedDocument(t *testing.T) {
	for _, tt := range []struct{ name, body string }{
		{"syntax error", "flags: [unclosed\n"},
		{"list", "- a\n- b\n"},
		{"scalar", "just some text\n"},
		{"JSON array", `["a"]`},
		{"empty", ""},
		{"null", "null\n"},
		{"HTML", "<html><body>Sign in</body></html>\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newHTTPServer(t, serve(tt.body))
			backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
			r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Backup(backup)))
			r.wait(2)
			r.stopAndCheck("doc:"+tt.body, "err:"+mappingVerdict([]byte(tt.body)).Error())
			if _, err := os.Stat(backup); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Stat(backup) = %v; want ErrNotExist: a refused document must not be written", err)
			}
		})
	}
	t.Run("JSON object is accepted", func(t *testing.T) {
		const doc = `{"flags": {"new-checkout": {"enabled": true}}}`
		srv := newHTTPServer(t, serve(doc))
		r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client())))
		r.wait(1)
		r.stopAndCheck("doc:" + doc)
	})
}

// The client's verdict decides what is kept: a refused first document is
// answered with the refusal (no backup to fall back on) and never written to
// the backup; the source does not parse documents itself.
func TestHTTPVerdict(t *testing.T) {
	errRejected := errors.New("flagkit: rejected")
	t.Run("refused", func(t *testing.T) {
		srv := newHTTPServer(t, serve(httpDocA))
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		var judged []string
		r := startHTTPVerdict(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Backup(backup)), func(doc []byte) error {
			judged = append(judged, string(doc))
			return errRejected
		})
		ev := r.wait(2)
		r.stopAndCheck("doc:"+httpDocA, "err:flagkit: rejected")
		if !errors.Is(ev[1].err, errRejected) {
			t.Errorf("errors.Is(%v, errRejected) = false; want true", ev[1].err)
		}
		if !slices.Equal(judged, []string{httpDocA}) {
			t.Errorf("verdicts asked for %q; want %q", judged, []string{httpDocA})
		}
		if _, err := os.Stat(backup); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Stat(backup) = %v; want ErrNotExist", err)
		}
	})
	t.Run("the source does not judge", func(t *testing.T) {
		const doc = "- not a mapping\n"
		srv := newHTTPServer(t, serve(doc))
		r := startHTTPVerdict(t, context.Background(), HTTP(srv.URL, Client(srv.Client())), func([]byte) error { return nil })
		r.wait(1)
		r.stopAndCheck("doc:" + doc)
	})
}

func TestHTTPRedirect(t *testing.T) {
	srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old.yaml" {
			http.Redirect(w, r, "/flags.yaml", http.StatusFound)
			return
		}
		io.WriteString(w, httpDocA)
	})
	r := startHTTP(t, context.Background(), HTTP(srv.URL+"/old.yaml", Client(srv.Client())))
	r.wait(1)
	r.stopAndCheck("doc:" + httpDocA)
	var paths []string
	for _, req := range srv.requests() {
		paths = append(paths, req.URL.Path)
	}
	if want := []string{"/old.yaml", "/flags.yaml"}; !slices.Equal(paths, want) {
		t.Errorf("requested paths %q; want %q", paths, want)
	}
}

func TestHTTPSecrets(t *testing.T) {
	const (
		user     = "alice-user"
		password = "pa55word"
		token    = "s3cret-token"
	)
	secrets := []string{user, password, token}
	srv := newHTTPServer(t, func(s *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			s.block(r)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "denied: "+token) // even a server that echoes a secret in its body
	})
	withUser := func(path string) string {
		return strings.Replace(srv.URL, "://", "://"+user+":"+password+"@", 1) + path
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for _, tt := range []struct {
		name string
		src  *HTTPPoller
	}{
		{"status", HTTP(withUser("/flags.yaml"), Client(srv.Client()), Header("Authorization", "Bearer "+token))},
		{"timeout", HTTP(withUser("/slow"), Client(srv.Client()), Header("Authorization", "Bearer "+token), Timeout(20*time.Millisecond))},
		{"connection refused", HTTP(strings.Replace(closed.URL, "://", "://"+user+":"+password+"@", 1), Header("X-Token", token))},
		{"invalid header value", HTTP(withUser("/flags.yaml"), Client(srv.Client()), Header("X-Token", token+"\n"))},
		{"redirect to a refused port", HTTP(withUser("/redirect"), Client(&http.Client{Transport: fakehttp.Transport(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path == "/redirect" {
				return fakehttp.Response(r, http.StatusFound, "", "Location", closed.URL+"/flags.yaml?token="+token), nil
			}
			return http.DefaultTransport.RoundTrip(r)
		})}), Header("X-Token", token))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := startHTTP(t, context.Background(), tt.src)
			ev := r.wait(1)
			r.stop()
			for _, s := range secrets {
				if strings.Contains(tt.src.Name(), s) {
					t.Errorf("Name() = %q; contains secret %q", tt.src.Name(), s)
				}
			}
			for _, e := range ev {
				if e.err == nil {
					t.Errorf("update(%q, nil); want an error", e.doc)
					continue
				}
				for _, s := range secrets {
					if strings.Contains(e.err.Error(), s) {
						t.Errorf("error %q contains secret %q", e.err, s)
					}
				}
				t.Logf("error: %v", e.err)
			}
		})
	}
	req := srv.requests()[0]
	if got := req.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("server got Authorization %q; want %q", got, "Bearer "+token)
	}
}

func TestHTTPHeader(t *testing.T) {
	srv := newHTTPServer(t, serve(httpDocA))
	src := HTTP(srv.URL, Client(srv.Client()),
		Header("X-Api-Key", "first"),
		Header("x-api-key", "second"), // replaces the first
		Header("X-Team", "checkout"),
		Header("Host", "flags.internal"))
	r := startHTTP(t, context.Background(), src)
	r.wait(1)
	r.stop()
	req := srv.requests()[0]
	if got := req.Header.Values("X-Api-Key"); !slices.Equal(got, []string{"second"}) {
		t.Errorf("X-Api-Key = %q; want [second]", got)
	}
	if got := req.Header.Get("X-Team"); got != "checkout" {
		t.Errorf("X-Team = %q; want checkout", got)
	}
	if req.Host != "flags.internal" {
		t.Errorf("Host = %q; want flags.internal", req.Host)
	}
}

func TestHTTPMisconfigured(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"", "source: http : invalid URL: want an absolute http or https URL"},
		{"flags.example.com/flags.yaml", "source: http flags.example.com/flags.yaml: invalid URL: want an absolute http or https URL"},
		{"ftp://flags.example.com/flags.yaml", "source: http ftp://flags.example.com/flags.yaml: invalid URL: want an absolute http or https URL"},
		{"https:///flags.yaml", "source: http https:///flags.yaml: invalid URL: want an absolute http or https URL"},
		{"https://alice:pa55@flags.example.com/%zz", `source: http https://flags.example.com/%zz: invalid URL: invalid URL escape "%zz"`},
	} {
		t.Run(tt.url, func(t *testing.T) {
			var got []error
			err := HTTP(tt.url).Run(context.Background(), func(doc []byte, err error) error {
				if doc != nil {
					t.Errorf("update(%q, %v); want no document", doc, err)
				}
				got = append(got, err)
				return nil
			})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Run() = %v; want %s", err, tt.want)
			}
			if len(got) != 1 || got[0] != err {
				t.Errorf("update got %v; want the error Run returned, once: %v", got, err)
			}
		})
	}
	t.Run("nil update", func(t *testing.T) {
		if err := HTTP("https://flags.example.com/").Run(context.Background(), nil); err == nil {
			t.Error("Run(ctx, nil) = nil; want an error")
		}
	})
	t.Run("cancelled before start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := HTTP("https://flags.example.com/").Run(ctx, func(doc []byte, err error) error {
			t.Errorf("update(%q, %v) called with a cancelled context", doc, err)
			return nil
		})
		if err != nil {
			t.Errorf("Run() = %v; want nil", err)
		}
	})
}

func writeHTTPBackup(t *testing.T, path, doc string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
}

func checkHTTPBackup(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading backup: %v", err)
	}
	if string(got) != want {
		t.Errorf("backup = %q; want %q", got, want)
	}
}

func TestHTTPBackup(t *testing.T) {
	t.Run("written after a good fetch", func(t *testing.T) {
		srv := newHTTPServer(t, serve(httpDocA))
		dir := t.TempDir()
		backup := filepath.Join(dir, "flags.yaml.bak")
		r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Backup(backup)))
		r.wait(1)
		r.stopAndCheck("doc:" + httpDocA)
		checkHTTPBackup(t, backup, httpDocA)
		if runtime.GOOS != "windows" {
			if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("Stat(backup) = %v, %v; want mode 0600", fi.Mode(), err)
			}
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("backup directory holds %d files; want 1 (no temporary file left)", len(entries))
		}
	})
	t.Run("replaces an old backup", func(t *testing.T) {
		srv := newHTTPServer(t, serve(httpDocA))
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Backup(backup)))
		r.wait(1)
		r.stopAndCheck("doc:" + httpDocA)
		checkHTTPBackup(t, backup, httpDocA)
	})
	t.Run("used when the server is down", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		r := startHTTP(t, context.Background(), HTTP(closed.URL, Backup(backup)))
		ev := r.wait(1)
		r.stop()
		if len(ev) != 1 || string(ev[0].doc) != httpDocB || ev[0].err == nil {
			t.Fatalf("update calls %v; want one: the backup with the error", ev)
		}
		if prefix := "source: http " + closed.URL + ": "; !strings.HasPrefix(ev[0].err.Error(), prefix) {
			t.Errorf("error %q; want prefix %q", ev[0].err, prefix)
		}
		if op := (*net.OpError)(nil); !errors.As(ev[0].err, &op) || op.Op != "dial" {
			t.Errorf("error %q; want a dial error (*net.OpError)", ev[0].err)
		}
		checkHTTPBackup(t, backup, httpDocB)
	})
	t.Run("used when the server serves garbage", func(t *testing.T) {
		srv := newHTTPServer(t, serve("<html>Sign in</html>"))
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Backup(backup)))
		r.wait(2)
		r.stopAndCheck("doc:<html>Sign in</html>", "doc:"+httpDocB+"+err:flagkit: top level is not a mapping")
		checkHTTPBackup(t, backup, httpDocB)
	})
	t.Run("used when the client's check rejects the document", func(t *testing.T) {
		srv := newHTTPServer(t, serve(httpDocA))
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		r := startHTTPVerdict(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Backup(backup)), func(doc []byte) error {
			if string(doc) == httpDocA {
				return errors.New("flagkit: rejected")
			}
			return nil
		})
		r.wait(2)
		r.stopAndCheck("doc:"+httpDocA, "doc:"+httpDocB+"+err:flagkit: rejected")
		checkHTTPBackup(t, backup, httpDocB)
	})
	t.Run("delivered, and the client's verdict decides", func(t *testing.T) {
		// The source does not judge its backup either: the client refuses
		// it (it holds only documents the client accepted, unless someone
		// edited it), and then has no document from this source.
		srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
		})
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, "flags: [unclosed")
		r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Backup(backup)))
		r.wait(1)
		r.stopAndCheck(backupEvent("flags: [unclosed", srv.URL, "unexpected status 502 Bad Gateway"))
	})
	t.Run("missing backup", func(t *testing.T) {
		srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
		})
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Backup(backup)))
		r.wait(1)
		r.stopAndCheck(errorEvent(srv.URL, "unexpected status 502 Bad Gateway"))
	})
	t.Run("unwritable backup does not hide the document", func(t *testing.T) {
		srv := newHTTPServer(t, serve(httpDocA))
		backup := filepath.Join(t.TempDir(), "missing-dir", "flags.yaml.bak")
		r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Backup(backup)))
		r.wait(1)
		r.stopAndCheck("doc:" + httpDocA)
	})
}

// httpStep is the fake server's answer to one request in a synctest
// bubble: a status with a body and headers, or a transport error.
type httpStep struct {
	code int
	body string
	kv   []string
	err  error
}

// httpScript returns a client whose n-th request (from 1) gets steps[n-1],
// or the last step once they run out, and a function that returns the
// requests so far with the times they were made.
func httpScript(steps ...httpStep) (*http.Client, func() ([]*http.Request, []time.Time)) {
	var (
		mu    sync.Mutex
		reqs  []*http.Request
		times []time.Time
	)
	client := &http.Client{Transport: fakehttp.Transport(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		reqs = append(reqs, r)
		times = append(times, time.Now())
		st := steps[min(len(reqs), len(steps))-1]
		mu.Unlock()
		if st.err != nil {
			return nil, st.err
		}
		return fakehttp.Response(r, st.code, st.body, st.kv...), nil
	})}
	return client, func() ([]*http.Request, []time.Time) {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(reqs), slices.Clone(times)
	}
}

const httpFakeURL = "https://flags.example.com/flags.yaml"

func TestHTTPBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		client, requests := httpScript(
			httpStep{err: boom}, httpStep{err: boom}, httpStep{err: boom},
			httpStep{err: boom}, httpStep{err: boom}, httpStep{err: boom},
			httpStep{code: 200, body: httpDocA},
		)
		r := startHTTP(t, context.Background(), HTTP(httpFakeURL, Client(client), Interval(10*time.Second), MaxBackoff(8*time.Second)))
		time.Sleep(80 * time.Second)
		synctest.Wait()
		r.stopAndCheck(errorEvent(httpFakeURL, "boom"), "doc:"+httpDocA)

		// Six failures, then successes.
		want := []time.Duration{1, 2, 4, 8, 8, 8, 10, 10}
		_, times := requests()
		if len(times) < len(want)+1 {
			t.Fatalf("got %d requests in 80s; want at least %d", len(times), len(want)+1)
		}
		for i, w := range want {
			w *= time.Second
			gap := times[i+1].Sub(times[i])
			if lo, hi := w-w/10, w+w/10; gap < lo || gap > hi {
				t.Errorf("wait before request %d = %v; want %v ±10%%", i+2, gap, w)
			}
		}
	})
}

func TestHTTPErrorsReportedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("boom")
		client, requests := httpScript(
			httpStep{code: 500}, httpStep{code: 500}, httpStep{code: 500}, // reported once
			httpStep{err: boom}, httpStep{err: boom}, // another error: reported once
			httpStep{code: 200, body: httpDocA}, // recovery
			httpStep{code: 200, body: httpDocA}, // same content: not delivered
			httpStep{code: 500},                 // reported again after the recovery
			httpStep{code: 200, body: httpDocA}, // same content, but after an error: delivered
			httpStep{code: 200, body: httpDocB}, // a change
		)
		r := startHTTP(t, context.Background(), HTTP(httpFakeURL, Client(client), Interval(time.Second), MaxBackoff(time.Second)))
		time.Sleep(time.Minute)
		synctest.Wait()
		r.stopAndCheck(
			errorEvent(httpFakeURL, "unexpected status 500 Internal Server Error"),
			errorEvent(httpFakeURL, "boom"),
			"doc:"+httpDocA,
			errorEvent(httpFakeURL, "unexpected status 500 Internal Server Error"),
			"doc:"+httpDocA,
			"doc:"+httpDocB,
		)
		if reqs, _ := requests(); len(reqs) < 11 {
			t.Errorf("got %d requests; want at least 11", len(reqs))
		}
	})
}

func TestHTTPNotModified(t *testing.T) {
	t.Run("after a document", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			client, requests := httpScript(
				httpStep{code: 200, body: httpDocA, kv: []string{"ETag", `"a"`}},
				httpStep{code: 304},
				httpStep{code: 503},
				httpStep{code: 304}, // recovery: the document again
				httpStep{code: 304},
			)
			r := startHTTP(t, context.Background(), HTTP(httpFakeURL, Client(client), Interval(time.Second)))
			time.Sleep(time.Minute)
			synctest.Wait()
			r.stopAndCheck("doc:"+httpDocA, errorEvent(httpFakeURL, "unexpected status 503 Service Unavailable"), "doc:"+httpDocA)
			reqs, _ := requests()
			for i, req := range reqs[1:] {
				if got := req.Header.Get("If-None-Match"); got != `"a"` {
					t.Errorf("request %d: If-None-Match = %q; want %q", i+2, got, `"a"`)
				}
			}
		})
	})
	t.Run("without a document", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			client, _ := httpScript(httpStep{code: 304})
			r := startHTTP(t, context.Background(), HTTP(httpFakeURL, Client(client)))
			synctest.Wait()
			r.stopAndCheck(errorEvent(httpFakeURL, "unexpected status 304 Not Modified"))
		})
	})
	t.Run("validators of a refused document are kept", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			client, requests := httpScript(
				httpStep{code: 200, body: httpDocA, kv: []string{"ETag", `"a"`}},
				httpStep{code: 200, body: "garbage", kv: []string{"ETag", `"bad"`}},
				httpStep{code: 200, body: httpDocB, kv: []string{"ETag", `"b"`}},
			)
			r := startHTTP(t, context.Background(), HTTP(httpFakeURL, Client(client), Interval(time.Second)))
			time.Sleep(10 * time.Second)
			synctest.Wait()
			r.stopAndCheck("doc:"+httpDocA, "doc:garbage", "doc:"+httpDocB)
			reqs, _ := requests()
			var got []string
			for _, req := range reqs[:4] {
				got = append(got, req.Header.Get("If-None-Match"))
			}
			// The refused document is not downloaded again until it changes.
			if want := []string{"", `"a"`, `"bad"`, `"b"`}; !slices.Equal(got, want) {
				t.Errorf("If-None-Match of the requests = %q; want %q", got, want)
			}
		})
	})
}

func TestHTTPBackupOnlyAtStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		client, _ := httpScript(
			httpStep{code: 500},                 // start: the backup with the error
			httpStep{err: errors.New("boom")},   // later: the error only
			httpStep{code: 200, body: httpDocA}, // written to the backup
			httpStep{code: 500},                 // the error only
		)
		r := startHTTP(t, context.Background(), HTTP(httpFakeURL, Client(client), Backup(backup), Interval(time.Second)))
		time.Sleep(time.Minute)
		synctest.Wait()
		r.stopAndCheck(
			backupEvent(httpDocB, httpFakeURL, "unexpected status 500 Internal Server Error"),
			errorEvent(httpFakeURL, "boom"),
			"doc:"+httpDocA,
			errorEvent(httpFakeURL, "unexpected status 500 Internal Server Error"),
		)
		checkHTTPBackup(t, backup, httpDocA)
	})
}

func TestHTTPBackupRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "later")
		backup := filepath.Join(dir, "flags.yaml.bak")
		client, requests := httpScript(
			httpStep{code: 200, body: httpDocA, kv: []string{"ETag", `"a"`}},
			httpStep{code: 304},
		)
		r := startHTTP(t, context.Background(), HTTP(httpFakeURL, Client(client), Backup(backup), Interval(time.Second)))
		synctest.Wait()
		if _, err := os.Stat(backup); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("Stat(backup) = %v; want ErrNotExist", err)
		}
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second) // one more poll: a 304
		synctest.Wait()
		r.stopAndCheck("doc:" + httpDocA)
		checkHTTPBackup(t, backup, httpDocA)
		if reqs, _ := requests(); len(reqs) < 2 {
			t.Errorf("got %d requests; want at least 2", len(reqs))
		}
	})
}

func TestHTTPCancel(t *testing.T) {
	t.Run("during the first request", func(t *testing.T) {
		ignore := goleak.IgnoreCurrent()
		func() {
			srv := newHTTPServer(t, func(s *httpServer, _ int, _ http.ResponseWriter, r *http.Request) { s.block(r) })
			r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Timeout(time.Hour)))
			srv.waitRequests(1)
			r.stopAndCheck() // Run returns, without calling update
			srv.Close()
		}()
		goleak.VerifyNone(t, ignore)
	})
	t.Run("during a later request", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			client := &http.Client{Transport: fakehttp.Transport(func(r *http.Request) (*http.Response, error) {
				if r.Header.Get("If-None-Match") == "" {
					return fakehttp.Response(r, 200, httpDocA, "ETag", `"a"`), nil
				}
				<-r.Context().Done()
				return nil, r.Context().Err()
			})}
			r := startHTTP(t, context.Background(), HTTP(httpFakeURL, Client(client), Interval(time.Second), Timeout(time.Hour)))
			time.Sleep(2 * time.Second) // the second request hangs
			synctest.Wait()
			start := time.Now()
			r.stopAndCheck("doc:" + httpDocA)
			if d := time.Since(start); d != 0 {
				t.Errorf("Run returned %v after cancel; want at once", d)
			}
		})
	})
	t.Run("while waiting", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			client, _ := httpScript(httpStep{code: 200, body: httpDocA})
			r := startHTTP(t, context.Background(), HTTP(httpFakeURL, Client(client)))
			synctest.Wait()
			start := time.Now()
			r.stopAndCheck("doc:" + httpDocA)
			if d := time.Since(start); d != 0 {
				t.Errorf("Run returned %v after cancel; want at once", d)
			}
		})
	})
}

// TestHTTPDefaultClientNoLeak checks that Run with its default client (no
// Client option) closes its idle keep-alive connection when it returns, so
// that no goroutine of its transport is left behind while the server, still
// up, would keep the connection open.
func TestHTTPDefaultClientNoLeak(t *testing.T) {
	idle := make(chan struct{}, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, httpDocA)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateIdle {
			select {
			case idle <- struct{}{}:
			default:
			}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close) // after the check: the server keeps its side open
	ignore := goleak.IgnoreCurrent()
	r := startHTTP(t, context.Background(), HTTP(srv.URL))
	r.wait(1)
	select {
	case <-idle: // the connection was kept alive after the response
	case <-time.After(httpGuard):
		t.Fatalf("the server's connection did not become idle within %v; want keep-alive", httpGuard)
	}
	r.stopAndCheck("doc:" + httpDocA) // cancels, and waits for Run to return
	goleak.VerifyNone(t, ignore)
}

// TestHTTPRecovers runs against a real server that fails, then serves.
func TestHTTPRecovers(t *testing.T) {
	srv := newHTTPServer(t, func(_ *httpServer, n int, w http.ResponseWriter, _ *http.Request) {
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, httpDocA)
	})
	r := startHTTP(t, context.Background(), HTTP(srv.URL, Client(srv.Client()), Interval(time.Millisecond)))
	r.wait(2)
	r.stopAndCheck(errorEvent(srv.URL, "unexpected status 503 Service Unavailable"), "doc:"+httpDocA)
}

func TestHTTPConformance(t *testing.T) {
	t.Run("server that changes", func(t *testing.T) {
		var changed atomic.Bool
		srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
			doc, etag := httpDocA, `"a"`
			if changed.Load() {
				doc, etag = httpDocB, `"b"`
			}
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			io.WriteString(w, doc)
		})
		src := HTTP(srv.URL, Client(srv.Client()), Interval(5*time.Millisecond))
		err := sourcetest.TestSource(src, &sourcetest.Options{
			Timeout: httpGuard,
			Change:  func() error { changed.Store(true); return nil },
		})
		if err != nil {
			t.Error(err)
		}
	})
	t.Run("first document refused, backup", func(t *testing.T) {
		srv := newHTTPServer(t, serve("<html>Sign in</html>"))
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		src := HTTP(srv.URL, Client(srv.Client()), Backup(backup), Interval(5*time.Millisecond))
		if err := sourcetest.TestSource(src, &sourcetest.Options{Timeout: httpGuard, Verdict: mappingVerdict}); err != nil {
			t.Error(err)
		}
	})
	t.Run("first document refused, no backup", func(t *testing.T) {
		srv := newHTTPServer(t, serve("<html>Sign in</html>"))
		src := HTTP(srv.URL, Client(srv.Client()), Interval(5*time.Millisecond))
		if err := sourcetest.TestSource(src, &sourcetest.Options{Timeout: httpGuard, Verdict: mappingVerdict}); err != nil {
			t.Error(err)
		}
	})
	t.Run("server down, backup", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		src := HTTP(closed.URL, Backup(backup), Interval(5*time.Millisecond))
		if err := sourcetest.TestSource(src, &sourcetest.Options{Timeout: httpGuard}); err != nil {
			t.Error(err)
		}
	})
}
