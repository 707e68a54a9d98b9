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

	"github.com/flagkit/flagkit"
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
func startHTTP(t *testing.T, ctx context.Context, s flagkit.Source) *httpRun {
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
func startHTTPVerdict(t *testing.T, ctx context.Context, s flagkit.Source, verdict func([]byte) error) *httpRun {
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

// errorEvent returns the event of an error of the source, which does not
// name the source: the client does.
func errorEvent(msg string) string { return "err:" + msg }

// backupEvent returns the event of the backup doc delivered at start with
// the error that made the source fall back.
func backupEvent(doc, msg string) string { return "doc:" + doc + "+" + errorEvent(msg) }

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
		// Passwords that hold a delimiter: the URL does not parse, and the
		// name still has no credentials.
		{"https://svc:s3cr/t+tok==@host/flags.yaml", "http:https://host/flags.yaml"},
		{"https://svc:s3cr?t@host/flags.yaml", "http:https://host/flags.yaml"},
		{"https://svc:s3cr#t@host/flags.yaml?env=a@b", "http:https://host/flags.yaml?env=a@b"},
		{"https://svc:a/b/c@host:8443/flags.yaml", "http:https://host:8443/flags.yaml"},
		{"svc:s3cr/t@host/flags.yaml", "http:host/flags.yaml"},
		// '@' after a host and port is a path's or a query's.
		{"https://flags.example.com:8443/users/@alice/f.yaml", "http:https://flags.example.com:8443/users/@alice/f.yaml"},
		{"https://[::1]:8443/users/@alice/f.yaml", "http:https://[::1]:8443/users/@alice/f.yaml"},
		{"https://flags.example.com#a@b", "http:https://flags.example.com#a@b"},
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
	const (
		max = time.Duration(math.MaxInt64)
		s   = time.Second
	)
	tests := []struct {
		name                 string
		interval, maxBackoff time.Duration
		failures             int
		retryAfter           time.Duration
		r                    float64
		want                 time.Duration
	}{
		{"no failure", 30 * s, 300 * s, 0, 0, 0.5, 30 * s},
		{"no failure, least jitter", 30 * s, 300 * s, 0, 0, 0, 27 * s},
		{"no failure, most jitter", 30 * s, 300 * s, 0, 0, 1, 33 * s},
		{"1 failure: the interval at least", 30 * s, 300 * s, 1, 0, 0, 30 * s},
		{"1 failure: up to twice the interval", 30 * s, 300 * s, 1, 0, 1, 60 * s},
		{"2 failures: up to 4 intervals", 30 * s, 300 * s, 2, 0, 1, 120 * s},
		{"2 failures, middle", 30 * s, 300 * s, 2, 0, 0.5, 75 * s},
		{"3 failures: up to 8 intervals", 30 * s, 300 * s, 3, 0, 1, 240 * s},
		{"4 failures: capped", 30 * s, 300 * s, 4, 0, 1, 300 * s},
		{"1000 failures: capped", 30 * s, 300 * s, 1000, 0, 1, 300 * s},
		{"1000 failures: still the interval at least", 30 * s, 300 * s, 1000, 0, 0, 30 * s},
		{"cap under the interval: the interval", 30 * s, 5 * s, 3, 0, 1, 30 * s},
		{"Retry-After over the backoff", 10 * s, 300 * s, 1, 120 * s, 0.5, 120 * s},
		{"Retry-After under the backoff", 10 * s, 300 * s, 3, 5 * s, 0.5, 45 * s},
		{"Retry-After over the cap: the cap", 10 * s, 300 * s, 1, time.Hour, 0, 300 * s},
		{"Retry-After without a failure: ignored", 10 * s, 300 * s, 0, 120 * s, 0.5, 10 * s},
		{"huge interval: no overflow", max, 300 * s, 0, 0, 1, max},
		{"huge interval, failures: no overflow", max, max, 1000, 0, 1, max},
		{"huge max backoff: no overflow", 30 * s, max, 1000, 0, 1, max},
		{"huge Retry-After: no overflow", 30 * s, max, 1, max, 0, max},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := httpDelay(tt.interval, tt.maxBackoff, tt.failures, tt.retryAfter, tt.r)
			if got != tt.want {
				t.Errorf("httpDelay(%v, %v, %d, %v, %v) = %v; want %v", tt.interval, tt.maxBackoff, tt.failures, tt.retryAfter, tt.r, got, tt.want)
			}
		})
	}
}

func TestHTTPFirstDelay(t *testing.T) {
	tests := []struct {
		interval time.Duration
		r        float64
		want     time.Duration
	}{
		{30 * time.Second, 0, 30 * time.Second},
		{30 * time.Second, 0.5, 15 * time.Second},
		{30 * time.Second, 0.75, 7500 * time.Millisecond},
		{time.Nanosecond, 0.99, time.Nanosecond}, // never zero
		{math.MaxInt64, 0, math.MaxInt64},
	}
	for _, tt := range tests {
		if got := httpFirstDelay(tt.interval, tt.r); got != tt.want {
			t.Errorf("httpFirstDelay(%v, %v) = %v; want %v", tt.interval, tt.r, got, tt.want)
		}
	}
}

func TestHTTPRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 10, 21, 7, 28, 0, 0, time.UTC)
	date := func(t time.Time) string { return t.Format(http.TimeFormat) }
	tests := []struct {
		name string
		kv   []string
		want time.Duration
	}{
		{"none", nil, 0},
		{"seconds", []string{"Retry-After", "120"}, 120 * time.Second},
		{"seconds with spaces", []string{"Retry-After", " 7 "}, 7 * time.Second},
		{"zero", []string{"Retry-After", "0"}, 0},
		{"negative", []string{"Retry-After", "-5"}, 0},
		{"garbage", []string{"Retry-After", "soon"}, 0},
		{"HTTP date, from now", []string{"Retry-After", date(now.Add(90 * time.Second))}, 90 * time.Second},
		{"HTTP date, from the response's Date", []string{"Retry-After", date(now.Add(90 * time.Second)), "Date", date(now.Add(30 * time.Second))}, 60 * time.Second},
		{"HTTP date in the past", []string{"Retry-After", date(now.Add(-time.Hour))}, 0},
		{"huge", []string{"Retry-After", "99999999999999999"}, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := make(http.Header)
			for i := 0; i+1 < len(tt.kv); i += 2 {
				h.Set(tt.kv[i], tt.kv[i+1])
			}
			if got := httpRetryAfter(h, now); got != tt.want {
				t.Errorf("httpRetryAfter(%v) = %v; want %v", h, got, tt.want)
			}
		})
	}
}

func TestHTTPFirstDelivery(t *testing.T) {
	srv := newHTTPServer(t, serve(httpDocA))
	r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client())))
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
	r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Interval(time.Millisecond)))
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
			r := startHTTP(t, context.Background(), HTTP(url, HTTPClient(srv.Client())))
			ev := r.wait(1)
			r.stopAndCheck(errorEvent(tt.want))
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
			r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Timeout(50*time.Millisecond)))
			ev := r.wait(1)
			r.stopAndCheck(errorEvent("request timed out after 50ms (context deadline exceeded)"))
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
		r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client())))
		ev := r.wait(1)
		r.stopAndCheck(errorEvent("reading body: unexpected EOF"))
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
		r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client)))
		ev := r.wait(1)
		r.stopAndCheck(errorEvent("reading body: got 10 bytes, Content-Length is 100: unexpected EOF"))
		if !errors.Is(ev[0].err, io.ErrUnexpectedEOF) {
			t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF) = false; want true", ev[0].err)
		}
	})
}

func TestHTTPErrorKey(t *testing.T) {
	reset := errors.New("connection reset by peer")
	opErr := func(local, remote int) error {
		return fmt.Errorf("reading body: %w", &net.OpError{
			Op: "read", Net: "tcp",
			Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: local},
			Addr:   &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: remote},
			Err:    reset,
		})
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
			r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), MaxSize(limit)))
			ev := r.wait(1)
			r.stopAndCheck(errorEvent(tt.want))
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
			r := startHTTP(t, context.Background(), HTTP(url, HTTPClient(client), MaxSize(limit)))
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
			r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup)))
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
		r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client())))
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
		r := startHTTPVerdict(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup)), func(doc []byte) error {
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
		r := startHTTPVerdict(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client())), func([]byte) error { return nil })
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
	r := startHTTP(t, context.Background(), HTTP(srv.URL+"/old.yaml", HTTPClient(srv.Client())))
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
		src  flagkit.Source
	}{
		{"status", HTTP(withUser("/flags.yaml"), HTTPClient(srv.Client()), Header("Authorization", "Bearer "+token))},
		{"timeout", HTTP(withUser("/slow"), HTTPClient(srv.Client()), Header("Authorization", "Bearer "+token), Timeout(20*time.Millisecond))},
		{"connection refused", HTTP(strings.Replace(closed.URL, "://", "://"+user+":"+password+"@", 1), Header("X-Token", token))},
		{"invalid header value", HTTP(withUser("/flags.yaml"), HTTPClient(srv.Client()), Header("X-Token", token+"\n"))},
		{"redirect to a refused port", HTTP(withUser("/redirect"), HTTPClient(&http.Client{Transport: fakehttp.Transport(func(r *http.Request) (*http.Response, error) {
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
	src := HTTP(srv.URL, HTTPClient(srv.Client()),
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
		{"", "invalid URL: want an absolute http or https URL"},
		{"flags.example.com/flags.yaml", "invalid URL: want an absolute http or https URL"},
		{"ftp://flags.example.com/flags.yaml", "invalid URL: want an absolute http or https URL"},
		{"https:///flags.yaml", "invalid URL: want an absolute http or https URL"},
		{"https://alice:pa55@flags.example.com/%zz", `invalid URL: invalid URL escape "%zz"`},
		{"https://svc:s3cr/t+tok==@flags.example.com/flags.yaml", "invalid URL: " + errUserinfo.Error()},
		{"https://svc:s3cr?t@flags.example.com/flags.yaml", "invalid URL: " + errUserinfo.Error()},
		{"https://svc:s3cr#t@flags.example.com/flags.yaml", "invalid URL: " + errUserinfo.Error()},
		{"https://svc:s3cr/t@flags.example.com/%zz", `invalid URL: invalid URL escape "%zz"`},
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
		r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup)))
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
		r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup)))
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
		if prefix := "dial tcp "; !strings.HasPrefix(ev[0].err.Error(), prefix) {
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
		r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup)))
		r.wait(2)
		r.stopAndCheck("doc:<html>Sign in</html>", "doc:"+httpDocB+"+err:flagkit: top level is not a mapping")
		checkHTTPBackup(t, backup, httpDocB)
	})
	t.Run("used when the client's check rejects the document", func(t *testing.T) {
		srv := newHTTPServer(t, serve(httpDocA))
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		r := startHTTPVerdict(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup)), func(doc []byte) error {
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
		r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup)))
		r.wait(1)
		r.stopAndCheck(backupEvent("flags: [unclosed", "unexpected status 502 Bad Gateway"))
	})
	t.Run("missing backup", func(t *testing.T) {
		srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
		})
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup)))
		r.wait(1)
		r.stopAndCheck(errorEvent("unexpected status 502 Bad Gateway"))
	})
	t.Run("unwritable backup does not hide the document", func(t *testing.T) {
		srv := newHTTPServer(t, serve(httpDocA))
		backup := filepath.Join(t.TempDir(), "missing-dir", "flags.yaml.bak")
		r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup)))
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

// httpGaps returns the waits between consecutive times.
func httpGaps(times []time.Time) []time.Duration {
	var gaps []time.Duration
	for i := 1; i < len(times); i++ {
		gaps = append(gaps, times[i].Sub(times[i-1]))
	}
	return gaps
}

// TestHTTPBackoff checks the waits between attempts (see HTTP): the first
// poll after a good start within the interval; retries never sooner than
// the interval, growing from it up to the cap; a refused document is no
// failure; the first success returns to the interval.
func TestHTTPBackoff(t *testing.T) {
	const I = 10 * time.Second
	boom := errors.New("boom")
	type bound struct{ lo, hi time.Duration } // the wait before the request
	tests := []struct {
		name  string
		steps []httpStep
		want  []bound
	}{
		{
			name: "failures from the start",
			steps: []httpStep{
				{err: boom}, {err: boom}, {err: boom}, {err: boom}, {err: boom}, {err: boom},
				{code: 200, body: httpDocA},
			},
			// After k failures: [I, min(80s, 2ᵏ I)]; then I ± 10%.
			want: []bound{{I, 2 * I}, {I, 4 * I}, {I, 8 * I}, {I, 8 * I}, {I, 8 * I}, {I, 8 * I}, {9 * I / 10, 11 * I / 10}, {9 * I / 10, 11 * I / 10}},
		},
		{
			name: "failures after a good start",
			steps: []httpStep{
				{code: 200, body: httpDocA}, {code: 503}, {code: 503}, {code: 200, body: httpDocA},
			},
			want: []bound{{1, I}, {I, 2 * I}, {I, 4 * I}, {9 * I / 10, 11 * I / 10}},
		},
		{
			name: "a failure after a recovery backs off from the start again",
			steps: []httpStep{
				{err: boom}, {err: boom}, {err: boom}, {code: 200, body: httpDocA},
				{err: boom}, {err: boom}, {code: 200, body: httpDocA},
			},
			want: []bound{{I, 2 * I}, {I, 4 * I}, {I, 8 * I}, {9 * I / 10, 11 * I / 10}, {I, 2 * I}, {I, 4 * I}, {9 * I / 10, 11 * I / 10}},
		},
		{
			name: "a refused document is no failure",
			steps: []httpStep{
				{code: 200, body: httpDocA}, {code: 200, body: "garbage"}, {code: 200, body: "garbage 2"},
				{code: 200, body: httpDocB},
			},
			want: []bound{{1, I}, {9 * I / 10, 11 * I / 10}, {9 * I / 10, 11 * I / 10}, {9 * I / 10, 11 * I / 10}},
		},
		{
			name:  "a refused first document is no failure",
			steps: []httpStep{{code: 200, body: "garbage"}, {code: 200, body: httpDocA}},
			want:  []bound{{1, I}, {9 * I / 10, 11 * I / 10}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client, requests := httpScript(tt.steps...)
				r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client), Interval(I), MaxBackoff(8*I)))
				time.Sleep(40 * I)
				synctest.Wait()
				r.stop()
				_, times := requests()
				gaps := httpGaps(times)
				if len(gaps) < len(tt.want) {
					t.Fatalf("got %d requests in %v; want at least %d", len(times), 40*I, len(tt.want)+1)
				}
				for i, w := range tt.want {
					if gaps[i] < w.lo || gaps[i] > w.hi {
						t.Errorf("wait before request %d = %v; want within [%v, %v]", i+2, gaps[i], w.lo, w.hi)
					}
				}
			})
		})
	}
}

// TestHTTPRetryAfter checks that a Retry-After on an error response is
// honoured, up to MaxBackoff, in seconds and as an HTTP date.
func TestHTTPRetryAfter(t *testing.T) {
	const I = 10 * time.Second
	tests := []struct {
		name       string
		maxBackoff time.Duration
		kv         func(now time.Time) []string
		want       time.Duration
	}{
		{"seconds", 5 * time.Minute, func(time.Time) []string { return []string{"Retry-After", "120"} }, 120 * time.Second},
		{"HTTP date", 5 * time.Minute, func(now time.Time) []string {
			return []string{"Retry-After", now.Add(95 * time.Second).UTC().Format(http.TimeFormat), "Date", now.UTC().Format(http.TimeFormat)}
		}, 95 * time.Second},
		{"over the cap", 3 * time.Minute, func(time.Time) []string { return []string{"Retry-After", "3600"} }, 3 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var (
					mu    sync.Mutex
					times []time.Time
				)
				client := fakehttp.Client(func(r *http.Request) (*http.Response, error) {
					mu.Lock()
					defer mu.Unlock()
					times = append(times, time.Now())
					if len(times) == 2 {
						return fakehttp.Response(r, http.StatusServiceUnavailable, "", tt.kv(time.Now())...), nil
					}
					return fakehttp.Response(r, 200, httpDocA, "ETag", `"a"`), nil
				})
				r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client), Interval(I), MaxBackoff(tt.maxBackoff)))
				time.Sleep(tt.want + 2*I)
				synctest.Wait()
				r.stop()
				mu.Lock()
				defer mu.Unlock()
				if len(times) < 3 {
					t.Fatalf("got %d requests; want at least 3", len(times))
				}
				// Whole seconds: an HTTP date has no fraction.
				if got := times[2].Sub(times[1]).Truncate(time.Second); got != tt.want {
					t.Errorf("wait after the 503 = %v; want %v", got, tt.want)
				}
			})
		})
	}
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
		r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client), Interval(time.Second), MaxBackoff(time.Second)))
		time.Sleep(time.Minute)
		synctest.Wait()
		r.stopAndCheck(
			errorEvent("unexpected status 500 Internal Server Error"),
			errorEvent("boom"),
			"doc:"+httpDocA,
			errorEvent("unexpected status 500 Internal Server Error"),
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
			r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client), Interval(time.Second)))
			time.Sleep(time.Minute)
			synctest.Wait()
			r.stopAndCheck("doc:"+httpDocA, errorEvent("unexpected status 503 Service Unavailable"), "doc:"+httpDocA)
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
			r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client)))
			synctest.Wait()
			r.stopAndCheck(errorEvent("unexpected status 304 Not Modified"))
		})
	})
	t.Run("validators of a refused document are kept", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			client, requests := httpScript(
				httpStep{code: 200, body: httpDocA, kv: []string{"ETag", `"a"`}},
				httpStep{code: 200, body: "garbage", kv: []string{"ETag", `"bad"`}},
				httpStep{code: 200, body: httpDocB, kv: []string{"ETag", `"b"`}},
			)
			r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client), Interval(time.Second)))
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

// TestHTTPBackupStaleUntilServed checks that a source started from its
// backup stays stale until the server delivers a document: its requests
// carry no validators, so a 304 confirms nothing and is an error.
func TestHTTPBackupStaleUntilServed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		client, requests := httpScript(
			httpStep{code: 500},                 // start: the backup with the error
			httpStep{code: 304},                 // to a request without validators
			httpStep{code: 200, body: httpDocB}, // the server's document: the same bytes
			httpStep{code: 304},                 // without validators again: an error again
		)
		r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client), Backup(backup), Interval(time.Second), MaxBackoff(time.Second)))
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		r.stopAndCheck(
			backupEvent(httpDocB, "unexpected status 500 Internal Server Error"),
			errorEvent("unexpected status 304 Not Modified"),
			"doc:"+httpDocB, // the recovery
			errorEvent("unexpected status 304 Not Modified"),
		)
		reqs, _ := requests()
		for i, req := range reqs {
			if v := req.Header.Get("If-None-Match") + req.Header.Get("If-Modified-Since"); v != "" {
				t.Errorf("request %d carries validators %q; want none (the server sent none)", i+1, v)
			}
		}
	})
}

// TestHTTPRefusedNotDownloadedAgain publishes a document that the client
// refuses between two good ones, on a server that sends an ETag, a
// Last-Modified, both or neither: with validators the refused bytes are
// downloaded once and not delivered again; without, they are downloaded on
// every poll but still not delivered again.
func TestHTTPRefusedNotDownloadedAgain(t *testing.T) {
	const bad = "<html>Sign in</html>"
	for _, tt := range []struct {
		name           string
		etag, modified bool
		once           bool // the refused document downloaded once
	}{
		{"ETag", true, false, true},
		{"Last-Modified", false, true, true},
		{"both", true, true, true},
		{"neither", false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu       sync.Mutex
				doc      = httpDocA
				version  = 1
				badBody  int // 200 responses that carried the refused document
				afterBad int // requests since the refused document was first served
			)
			publish := func(d string) {
				mu.Lock()
				defer mu.Unlock()
				doc, version = d, version+1
			}
			srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				d, v := doc, version
				if d == bad {
					afterBad++
				}
				mu.Unlock()
				if tt.etag {
					w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, v))
				}
				var modified time.Time
				if tt.modified {
					modified = time.Date(2026, 1, 1, 0, v, 0, 0, time.UTC)
				}
				cw := &countingWriter{ResponseWriter: w}
				http.ServeContent(cw, r, "flags.yaml", modified, strings.NewReader(d))
				if d == bad && cw.code == http.StatusOK {
					mu.Lock()
					badBody++
					mu.Unlock()
				}
			})
			r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Interval(time.Millisecond)))
			r.wait(1)
			publish(bad)
			r.wait(2)
			for {
				mu.Lock()
				n := afterBad
				mu.Unlock()
				if n >= 6 {
					break
				}
				srv.waitRequests(len(srv.requests()) + 1)
			}
			publish(httpDocB)
			r.wait(3)
			r.stopAndCheck("doc:"+httpDocA, "doc:"+bad, "doc:"+httpDocB)
			mu.Lock()
			defer mu.Unlock()
			if tt.once && badBody != 1 {
				t.Errorf("the refused document was downloaded %d times in %d requests; want once", badBody, afterBad)
			}
			if !tt.once && badBody < 6 {
				t.Errorf("the refused document was downloaded %d times in %d requests; want every time (no validators)", badBody, afterBad)
			}
		})
	}
}

// countingWriter records the status code written.
type countingWriter struct {
	http.ResponseWriter
	code int
}

func (w *countingWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
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
		r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client), Backup(backup), Interval(time.Second)))
		time.Sleep(time.Minute)
		synctest.Wait()
		r.stopAndCheck(
			backupEvent(httpDocB, "unexpected status 500 Internal Server Error"),
			errorEvent("boom"),
			"doc:"+httpDocA,
			errorEvent("unexpected status 500 Internal Server Error"),
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
		r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client), Backup(backup), Interval(time.Second)))
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
			r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Timeout(time.Hour)))
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
			r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client), Interval(time.Second), Timeout(time.Hour)))
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
			r := startHTTP(t, context.Background(), HTTP(httpFakeURL, HTTPClient(client)))
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
// HTTPClient option) closes its idle keep-alive connection when it returns, so
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
	r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Interval(time.Millisecond)))
	r.wait(2)
	r.stopAndCheck(errorEvent("unexpected status 503 Service Unavailable"), "doc:"+httpDocA)
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
		src := HTTP(srv.URL, HTTPClient(srv.Client()), Interval(5*time.Millisecond))
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
		src := HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup), Interval(5*time.Millisecond))
		if err := sourcetest.TestSource(src, &sourcetest.Options{Timeout: httpGuard, Verdict: mappingVerdict}); err != nil {
			t.Error(err)
		}
	})
	t.Run("first document refused, no backup", func(t *testing.T) {
		srv := newHTTPServer(t, serve("<html>Sign in</html>"))
		src := HTTP(srv.URL, HTTPClient(srv.Client()), Interval(5*time.Millisecond))
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
