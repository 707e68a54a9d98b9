package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/flagkit/flagkit"
)

// Defaults of [HTTP].
const (
	httpDefaultInterval   = 30 * time.Second
	httpDefaultTimeout    = 10 * time.Second
	httpDefaultMaxBackoff = 5 * time.Minute
)

// Errors that [HTTPPoller.Run] wraps, besides those of net/http.
var (
	errHTTPStatus   = errors.New("unexpected status")
	errHTTPTooLarge = errors.New("document too large")
)

// httpConfig holds the settings of [HTTP]. Its zero value means defaults.
type httpConfig struct {
	poll       pollConfig
	client     *http.Client  // nil: a client with a clone of http.DefaultTransport
	header     http.Header   // sent with every request; nil: none
	timeout    time.Duration // 0: httpDefaultTimeout
	backup     string        // "": no backup file
	maxBackoff time.Duration // 0: httpDefaultMaxBackoff
	sig        sigConfig     // Verify, SignatureURL; see signature.go
}

type httpOption func(*httpConfig)

func (o httpOption) applyHTTP(c *httpConfig) { o(c) }

// Header sets a header sent with every request of [HTTP], typically
// credentials: source.Header("Authorization", "Bearer "+token). A later
// Header with the same key replaces the earlier value; the key "Host" sets
// the request's Host. Header values never appear in the source's name or
// errors. On a redirect, net/http sends Authorization, Cookie and
// WWW-Authenticate on only to the same host or one of its subdomains, and
// every other header to any host.
func Header(key, value string) HTTPOption {
	return httpOption(func(c *httpConfig) {
		if c.header == nil {
			c.header = make(http.Header)
		}
		c.header.Set(key, value)
	})
}

// Client sets the [http.Client] that [HTTP] sends its requests with, for a
// custom transport, proxy or TLS configuration. The default is a client
// with its own clone of [http.DefaultTransport], whose idle connections are
// closed when Run returns, and that follows up to 10 redirects. A nil
// client keeps the default. The client's own Timeout, if any, applies in
// addition to [Timeout].
func Client(c *http.Client) HTTPOption {
	return httpOption(func(cfg *httpConfig) {
		if c != nil {
			cfg.client = c
		}
	})
}

// Timeout sets how long one request of [HTTP] may take, from sending it to
// reading the last byte of the body, redirects included. The default is 10
// seconds. A value of zero or less keeps the default.
func Timeout(d time.Duration) HTTPOption {
	return httpOption(func(c *httpConfig) {
		if d > 0 {
			c.timeout = d
		}
	})
}

// Backup makes [HTTP] keep a copy of the last good document in the file at
// path, so that a process can start when the server cannot be reached. The
// file is replaced atomically (written to a temporary file in the same
// directory, synced, then renamed) with mode 0o600, and read only at start.
// The backup is best-effort: a failure to write it is not reported, and the
// write is tried again after the next successful request. With [Verify],
// the document's signature is kept next to it, at path+".sig". The default
// is no backup. An empty path keeps the default.
func Backup(path string) HTTPOption {
	return httpOption(func(c *httpConfig) {
		if path != "" {
			c.backup = path
		}
	})
}

// MaxBackoff sets the longest wait of [HTTP] between attempts after
// consecutive failures. The default is 5 minutes. A value of zero or less
// keeps the default.
func MaxBackoff(d time.Duration) HTTPOption {
	return httpOption(func(c *httpConfig) {
		if d > 0 {
			c.maxBackoff = d
		}
	})
}

// An HTTPPoller is a document fetched from a URL and polled for changes.
// Make one with [HTTP]. It is safe for concurrent use; each call of Run
// polls on its own.
type HTTPPoller struct {
	url  string // as given, secrets included
	safe string // url without userinfo
	cfg  httpConfig
}

// HTTP returns a source that fetches the YAML or JSON document at url (http
// or https) and polls it for changes, so that a static host, an object store
// or a CDN can serve flags to a whole fleet:
//
//   - Requests are conditional: the ETag and Last-Modified of the last good
//     document are sent back as If-None-Match and If-Modified-Since, and a
//     304 Not Modified is a cheap "no change". Any status other than 200 and
//     304 is an error.
//   - Polls are [Interval] apart (default 30 seconds), give or take 10% of
//     jitter so that a fleet does not poll in step.
//   - Each request is limited by [Timeout] (default 10 seconds) and the body
//     by [MaxSize]; a body that is too large or cut short is an error.
//   - After a failure, the next attempt comes after min(1s, interval), then
//     twice as long after each further consecutive failure, up to
//     [MaxBackoff] (default 5 minutes), with the same jitter; the first
//     success returns to the normal interval.
//   - [Header] adds headers, such as credentials; [Client] sets the
//     http.Client; [Backup] keeps a copy of the last good document on disk.
//   - [Verify] refuses a document without a valid Ed25519 signature
//     published next to it.
//
// Credentials in url's userinfo (user:password@) are sent as net/http sends
// them (basic authentication) but never appear in the source's name or
// errors; prefer [Header], and do not put secrets in the query string,
// which does appear.
func HTTP(url string, opts ...HTTPOption) *HTTPPoller {
	s := &HTTPPoller{url: url, safe: httpRedact(url)}
	for _, o := range opts {
		o.applyHTTP(&s.cfg)
	}
	return s
}

// Name returns "http:" followed by the URL without its userinfo, e.g.
// "http:https://flags.example.com/flags.yaml".
func (s *HTTPPoller) Name() string { return "http:" + s.safe }

// Run fetches the document and delivers it to update, then polls for
// changes until ctx is done, and returns nil. It implements flagkit's
// Source interface and keeps its contract (see [flagkit.Source]); the rules
// of polling are on [HTTP].
//
// Run does not parse documents: update's verdict decides. Only a document
// the client accepted becomes the source's last document and goes to the
// [Backup] file; a refused one is not delivered again until the server's
// copy changes. When the client refuses the first document, or the first
// request fails, Run answers with the backup and the error,
// update(backup, err), if the backup file exists, or else with the error
// alone. The backup is read at start only.
//
// Run returns an error only when it cannot run at all: when update is nil,
// when the URL is not an absolute http or https URL, or when [Verify] or
// [SignatureURL] is misconfigured (after reporting the error to update
// too). Run starts no goroutine besides those of the http.Client.
func (s *HTTPPoller) Run(ctx context.Context, update func(doc []byte, err error) error) error {
	if update == nil {
		return errors.New("source: http: nil update function")
	}
	if err := s.checkURL(); err != nil {
		if ctx.Err() == nil {
			update(nil, err)
		}
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	p := &httpPoller{src: s, update: update}
	p.client = s.cfg.client
	if p.client == nil {
		// A transport of its own, so that Close leaves no idle connection
		// (and its goroutines) behind.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		defer tr.CloseIdleConnections()
		p.client = &http.Client{Transport: tr}
	}
	if dl, ok := flagkit.StartDeadline(ctx); ok {
		p.startBy = dl
	}
	if !p.start(ctx) {
		return nil
	}
	timer := time.NewTimer(p.delay())
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		p.poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		timer.Reset(p.delay())
	}
}

// checkURL reports whether the source's URL can be fetched at all.
func (s *HTTPPoller) checkURL() error {
	if s == nil {
		return errors.New("source: http: nil *HTTPPoller")
	}
	if err := fetchable(s.url); err != nil {
		return s.errorf("invalid URL: %w", err)
	}
	return s.checkSignatureConfig()
}

// errNotFetchable is fetchable's error for a URL that parses but is not an
// absolute http or https URL.
var errNotFetchable = errors.New("want an absolute http or https URL")

// fetchable checks that raw is an absolute http or https URL. Its errors
// never hold raw's userinfo (url.Parse's *url.Error would).
func fetchable(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue.URL holds the userinfo
		}
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return errNotFetchable
	}
	return nil
}

// httpPoller is the state of one call of Run.
type httpPoller struct {
	src    *HTTPPoller
	client *http.Client
	// startBy is when the client stops waiting for the first document; the
	// first request is cut short so that the backup can still be read.
	startBy time.Time
	update  func(doc []byte, err error) error

	last         []byte // the last document delivered, our own copy; nil: none
	etag         string // validators of last, as the server sent them
	lastModified string
	sig          []byte   // with Verify, the signature of last
	pendingSig   []byte   // with Verify, the signature of the document fetched last
	refused      bool     // the client refused the document fetched last
	refusedSum   [32]byte // its SHA-256, to know it when served without validators
	refusedErr   error    // the client's verdict on it
	lastErr      string   // key of the error reported since the last success; "": none
	failures     int      // consecutive failures
	backupDirty  bool     // last is not yet in the backup file
}

// start makes the first attempt, falling back on the backup file. It
// reports false when ctx was done before the attempt completed.
//
// A first document that the client refused is answered, as [flagkit.Source]
// asks: with the backup and the verdict, or with the verdict alone. The
// answer is made here, not through report, which would drop it as already
// known (the verdict is the client's own error).
func (p *httpPoller) start(ctx context.Context) bool {
	doc, err := p.fetch(ctx)
	if err != nil && ctx.Err() != nil {
		return false
	}
	if err == nil {
		verdict := p.succeed(doc)
		if verdict == nil {
			return true
		}
		err = verdict // the client refused the document: fall back as for a failed request
	} else {
		p.failures = 1
	}
	var backup, sig []byte
	var berr error = fs.ErrNotExist
	if p.src.cfg.backup != "" {
		backup, sig, berr = p.readBackup()
	}
	switch {
	case berr == nil:
		// The backup, with the error that made it necessary: the client
		// starts from it and shows the source as stale. Only a backup the
		// client accepts becomes the last document.
		p.lastErr = httpErrorKey(err)
		if p.update(bytes.Clone(backup), err) == nil {
			p.last, p.sig = backup, sig
		}
	case errors.Is(berr, fs.ErrNotExist):
		p.lastErr = httpErrorKey(err)
		p.update(nil, err)
	default:
		p.lastErr = httpErrorKey(err)
		p.update(nil, fmt.Errorf("%w (backup not used: %w)", err, berr))
	}
	return true
}

// poll makes one attempt after the start.
func (p *httpPoller) poll(ctx context.Context) {
	doc, err := p.fetch(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		// Cancelled: not a failure of the source.
	case err != nil:
		p.failures++
		p.report(err, err)
	default:
		p.succeed(doc)
	}
}

// succeed handles a response that carried a document, or nil for 304 Not
// Modified, and returns the client's verdict on a document it delivered.
// Only a document the client accepted becomes the last one and goes to the
// backup file. A refused document is not delivered again while the server
// keeps it (a 304 to its validators, or the same bytes); its refusal is
// reported again only if another error was reported since.
func (p *httpPoller) succeed(doc []byte) error {
	p.failures = 0
	if p.refused && (doc == nil || sha256.Sum256(doc) == p.refusedSum) {
		p.report(p.refusedErr, p.refusedErr)
		return nil // the refused document is still the one published
	}
	recovered := p.lastErr != ""
	if doc == nil || p.last != nil && bytes.Equal(doc, p.last) {
		if !recovered {
			p.saveBackup()
			return nil
		}
		doc = bytes.Clone(p.last)
	}
	verdict := p.update(doc, nil)
	p.refused = verdict != nil
	if verdict != nil {
		p.refusedSum, p.refusedErr = sha256.Sum256(doc), verdict
		p.lastErr = httpErrorKey(verdict) // the client has it already
		return verdict
	}
	p.refusedErr = nil
	p.lastErr = ""
	if p.last == nil || !bytes.Equal(doc, p.last) {
		p.last = bytes.Clone(doc)
		p.sig = p.pendingSig
		p.backupDirty = true
	}
	p.saveBackup()
	return nil
}

// report delivers err unless an error with the same key is the last one
// reported.
func (p *httpPoller) report(err, keyErr error) {
	key := httpErrorKey(keyErr)
	if key == p.lastErr {
		return
	}
	p.lastErr = key
	p.update(nil, err)
}

// delay returns the wait before the next attempt.
func (p *httpPoller) delay() time.Duration {
	cfg := &p.src.cfg
	interval := cfg.poll.interval
	if interval <= 0 {
		interval = httpDefaultInterval
	}
	maxBackoff := cfg.maxBackoff
	if maxBackoff <= 0 {
		maxBackoff = httpDefaultMaxBackoff
	}
	return httpDelay(interval, maxBackoff, p.failures, rand.Float64())
}

// httpDelay returns the wait before the next attempt after the given number
// of consecutive failures: the interval when there are none, else
// min(1s, interval) doubled for each failure after the first, capped at
// maxBackoff. r, in [0, 1), picks the jitter: the result is the wait plus
// (0.2r - 0.1) times the wait, so within ±10% of it.
func httpDelay(interval, maxBackoff time.Duration, failures int, r float64) time.Duration {
	d := interval
	if failures > 0 {
		d = min(time.Second, interval, maxBackoff)
		for i := 1; i < failures && d < maxBackoff; i++ {
			if d > maxBackoff/2 {
				d = maxBackoff
				break
			}
			d *= 2
		}
		d = min(d, maxBackoff)
	}
	j := time.Duration(float64(d) * (0.2*r - 0.1)) // |j| <= d/10: no overflow
	if j > 0 && d > math.MaxInt64-j {
		return math.MaxInt64
	}
	return d + j
}

// fetch makes one request. It returns a good new document, or nil for 304
// Not Modified, and remembers the document's validators.
func (p *httpPoller) fetch(ctx context.Context) ([]byte, error) {
	cfg := &p.src.cfg
	timeout := cfg.timeout
	if timeout <= 0 {
		timeout = httpDefaultTimeout
	}
	if !p.startBy.IsZero() {
		// The first request may use half the time the client waits, so that
		// the backup is read before the client gives up.
		if half := time.Until(p.startBy) / 2; half < timeout {
			timeout = max(half, time.Millisecond)
		}
		p.startBy = time.Time{}
	}
	reqCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(err error) error {
		if reqCtx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return p.src.errorf("request timed out after %v (%w)", timeout, context.DeadlineExceeded)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL may hold userinfo
		}
		return p.src.wrap(err)
	}

	req, err := newGet(reqCtx, p.src.url, cfg.header)
	if err != nil {
		return nil, fail(err)
	}
	if p.last != nil {
		if p.etag != "" {
			req.Header.Set("If-None-Match", p.etag)
		}
		if p.lastModified != "" {
			req.Header.Set("If-Modified-Since", p.lastModified)
		}
	}

	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// Read a little of the body, so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && p.last != nil:
		return nil, nil
	case resp.StatusCode != http.StatusOK:
		status := strings.TrimSpace(fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
		return nil, p.src.errorf("%w %s", errHTTPStatus, status)
	}

	limit := cfg.poll.limit()
	if resp.ContentLength > limit {
		return nil, p.src.errorf("%w: Content-Length %d is over the limit of %d bytes", errHTTPTooLarge, resp.ContentLength, limit)
	}
	doc, err := io.ReadAll(io.LimitReader(resp.Body, httpOneMore(limit)))
	switch {
	case err != nil:
		return nil, fail(fmt.Errorf("reading body: %w", err))
	case int64(len(doc)) > limit:
		return nil, p.src.errorf("%w: over the limit of %d bytes", errHTTPTooLarge, limit)
	case resp.ContentLength >= 0 && int64(len(doc)) != resp.ContentLength:
		return nil, p.src.errorf("reading body: got %d bytes, Content-Length is %d: %w", len(doc), resp.ContentLength, io.ErrUnexpectedEOF)
	}
	sig, err := p.verify(ctx, doc) // before parsing: an unsigned document is never parsed
	if err != nil {
		return nil, err
	}
	// The validators of the last document received, accepted or refused:
	// the same refused bytes are not downloaded again.
	p.etag = resp.Header.Get("ETag")
	p.lastModified = resp.Header.Get("Last-Modified")
	p.pendingSig = sig
	return doc, nil
}

// readBackup returns the document in the backup file if it is good, and
// its signature with [Verify].
func (p *httpPoller) readBackup() ([]byte, []byte, error) {
	path := p.src.cfg.backup
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	limit := p.src.cfg.poll.limit()
	doc, err := io.ReadAll(io.LimitReader(f, httpOneMore(limit)))
	switch {
	case err != nil:
		return nil, nil, err
	case int64(len(doc)) > limit:
		return nil, nil, fmt.Errorf("backup %s: %w: over the limit of %d bytes", path, errHTTPTooLarge, limit)
	}
	sig, err := p.verifyBackup(path, doc)
	if err != nil {
		return nil, nil, err
	}
	return doc, sig, nil
}

// saveBackup writes the last document to the backup file if it is not there
// yet. A failure is left for the next call.
func (p *httpPoller) saveBackup() {
	if !p.backupDirty || p.src.cfg.backup == "" {
		return
	}
	if writeBackup(p.src.cfg.backup, p.last, p.sig) == nil {
		p.backupDirty = false
	}
}

// newGet builds a GET request for rawURL with a copy of header; a Host
// header sets the request's host instead (net/http ignores it in Header).
func newGet(ctx context.Context, rawURL string, header http.Header) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = append([]string(nil), v...)
	}
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
		req.Header.Del("Host")
	}
	return req, nil
}

// httpOneMore returns limit+1, so that reading that much tells whether there
// is more than limit, without overflowing.
func httpOneMore(limit int64) int64 {
	if limit == math.MaxInt64 {
		return limit
	}
	return limit + 1
}

// httpError is an error of an HTTP source, naming its URL without userinfo.
type httpError struct {
	url string
	err error
}

func (e *httpError) Error() string { return "source: http " + e.url + ": " + e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

func (s *HTTPPoller) wrap(err error) error { return &httpError{url: s.safe, err: err} }

func (s *HTTPPoller) errorf(format string, args ...any) error {
	return s.wrap(fmt.Errorf(format, args...))
}

// httpErrorKey returns what makes two errors "the same error" for
// reporting: the message, less the local address of a network error, which
// changes with every connection.
func httpErrorKey(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Source != nil {
		c := *op
		c.Source = nil
		return strings.Replace(err.Error(), op.Error(), c.Error(), 1)
	}
	return err.Error()
}

// httpRedact returns rawURL without its userinfo. It works on the text, so
// that it also redacts a URL that does not parse.
func httpRedact(rawURL string) string {
	i := strings.Index(rawURL, "://")
	if i < 0 {
		return rawURL
	}
	authority := rawURL[i+3:]
	if end := strings.IndexAny(authority, "/?#"); end >= 0 {
		authority = authority[:end]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return rawURL
	}
	return rawURL[:i+3] + rawURL[i+3+at+1:]
}
