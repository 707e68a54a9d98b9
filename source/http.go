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
	"strconv"
	"strings"
	"time"

	"github.com/flagkit/flagkit"
)

// Defaults of [HTTP].
const (
	httpDefaultInterval = 30 * time.Second
	httpDefaultTimeout  = 10 * time.Second
	// httpBackoffIntervals is the default of [MaxBackoff], in intervals.
	httpBackoffIntervals = 10
)

// Errors that the source of [HTTP] wraps, besides those of net/http.
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
	maxBackoff time.Duration // 0: httpBackoffIntervals intervals
	sig        sigConfig     // Verify, SignatureURL; see signature.go
}

type httpOption func(*httpConfig)

func (o httpOption) applyHTTP(c *httpConfig) { o(c) }

// Header sets a header sent with every request of [HTTP], typically
// credentials: source.Header("Authorization", "Bearer "+token). A later
// Header with the same key replaces the earlier value; the key "Host" sets
// the request's Host. Header values never appear in the source's name or
// errors. A shared cache, such as a CDN, does not answer a request that
// carries Authorization from its cache unless the response says
// Cache-Control: public or s-maxage. On a redirect, net/http sends
// Authorization, Cookie and WWW-Authenticate on only to the same host or
// one of its subdomains, and every other header to any host.
func Header(key, value string) HTTPOption {
	return httpOption(func(c *httpConfig) {
		if c.header == nil {
			c.header = make(http.Header)
		}
		c.header.Set(key, value)
	})
}

// HTTPClient sets the [http.Client] that [HTTP] sends its requests with, for a
// custom transport, proxy or TLS configuration. The default is a client
// with its own clone of [http.DefaultTransport], whose idle connections are
// closed when Run returns, and that follows up to 10 redirects. A nil
// client keeps the default. The client's own Timeout, if any, applies in
// addition to [Timeout].
func HTTPClient(c *http.Client) HTTPOption {
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
// the document's signature is kept next to it, at path+".sig". The
// response's validators are not kept: a source started from its backup
// downloads the document once, at its first successful request, and is
// stale until then (a 304 to a request without validators confirms
// nothing). The default is no backup. An empty path keeps the default.
func Backup(path string) HTTPOption {
	return httpOption(func(c *httpConfig) {
		if path != "" {
			c.backup = path
		}
	})
}

// MaxBackoff sets the longest wait of [HTTP] between attempts after
// consecutive failures, and the longest Retry-After it honours: the worst
// delay between an origin's recovery and the source's next request. The
// default is ten intervals (5 minutes at the default [Interval]). A value of
// zero or less keeps the default; a value under the interval means no
// backoff: retries come at the interval.
func MaxBackoff(d time.Duration) HTTPOption {
	return httpOption(func(c *httpConfig) {
		if d > 0 {
			c.maxBackoff = d
		}
	})
}

// HTTP returns a source that fetches the YAML or JSON document at url (http
// or https) and polls it for changes, so that a static host, an object store
// or a CDN can serve flags to a whole fleet. This comment is the whole
// contract of the poller; I is the [Interval] (default 30 seconds) and C is
// [MaxBackoff] (default 10 I).
//
//   - Requests are conditional: the ETag and Last-Modified of the last
//     response that carried a document, accepted or refused by the client,
//     are sent back as If-None-Match and If-Modified-Since, and a 304 Not
//     Modified is a cheap "no change". A 304 to a request without
//     validators is an error (it confirms nothing), as is any status other
//     than 200 and 304. A source that started from its [Backup] has no
//     validators: it is stale until the server delivers a document.
//   - Each request is limited by [Timeout] (default 10 seconds) and the body
//     by [MaxSize]; a body that is too large or cut short is an error.
//   - The first request is made at once (the client's New waits for it).
//     After a successful start, the first poll comes at a uniformly random
//     time in (0, I], so that a fleet started together spreads its polls
//     over the interval at once; each later poll comes I ± 10% (uniform)
//     after the previous one.
//   - A document the client refuses is not a failure: polling goes on at
//     the interval, so the fix of a bad publish arrives within 1.1 I of its
//     publication. The refused document is not downloaded again while it is
//     published: its validators are sent, and a server that ignores them and
//     sends the same bytes does not make the source deliver them again.
//   - After k consecutive failures (errors, timeouts, statuses other than
//     200 and 304), the next attempt comes after I + u × (min(C, 2ᵏ I) − I),
//     u uniform in [0, 1) ("full jitter" above a floor of I): never sooner
//     than the interval, growing from it, spread so that clients that failed
//     together do not retry together, and at most max(C, I). A Retry-After
//     header on an error response (seconds or an HTTP date, measured from
//     the response's Date) is honoured up to C: the attempt comes no sooner
//     than it says. The first success returns to the interval.
//   - So the origin's recovery is seen within max(C, 1.1 I) plus one
//     request, and an origin that is down gets between N/C and N/I requests
//     per second from N clients (about 2N/(I+C) once they have backed off).
//   - [Header] adds headers, such as credentials; [HTTPClient] sets the
//     http.Client; [Backup] keeps a copy of the last accepted document on
//     disk; [Verify] refuses a document without a valid Ed25519 signature
//     published next to it.
//
// Credentials in url's userinfo (user:password@) are sent as net/http sends
// them (basic authentication) but never appear in the source's name or
// errors; prefer [Header], and do not put secrets in the query string,
// which does appear. A URL whose userinfo holds '/', '?' or '#' does not
// parse (percent-encode them: %2F, %3F, %23); Run reports it without the
// credentials.
//
// The source's Name is "http:" followed by the URL without its userinfo,
// such as "http:https://flags.example.com/flags.yaml". Its Run fetches the
// document and delivers it to update, then polls for changes by the rules
// above until ctx is done, and returns nil. Run does not parse documents:
// update's verdict decides. Only a document the client accepted becomes
// the source's last document and goes to the [Backup] file; a refused one
// is not delivered again until the server's copy changes. When the client
// refuses the first document, or the first request fails, Run answers with
// the backup and the error, update(backup, err), if the backup file
// exists, or else with the error alone. The backup is read at start only.
// Run returns an error only when it cannot run at all: when update is nil,
// when the URL is not an absolute http or https URL, or when [Verify] or
// [SignatureURL] is misconfigured (after reporting the error to update
// too). Run starts no goroutine besides those of the http.Client.
//
// The source is safe for concurrent use; each call of Run polls on its
// own.
func HTTP(url string, opts ...HTTPOption) flagkit.Source {
	s := &httpSource{url: url}
	var userinfo string
	s.safe, userinfo = httpRedact(url)
	s.secrets = httpSecrets(userinfo)
	for _, o := range opts {
		o.applyHTTP(&s.cfg)
	}
	if s.cfg.sig.url != "" {
		_, userinfo = httpRedact(s.cfg.sig.url)
		s.secrets = append(s.secrets, httpSecrets(userinfo)...)
	}
	return s
}

// httpSource is the source that [HTTP] returns.
type httpSource struct {
	url     string   // as given, secrets included
	safe    string   // url without userinfo
	secrets []string // the userinfo and its password, never shown
	cfg     httpConfig
}

func (s *httpSource) Name() string { return "http:" + s.safe }

func (s *httpSource) Run(ctx context.Context, update func(doc []byte, err error) error) error {
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
	timer := time.NewTimer(p.delay(p.failures == 0))
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
		timer.Reset(p.delay(false))
	}
}

// checkURL reports whether the source's URL can be fetched at all.
func (s *httpSource) checkURL() error {
	if err := fetchable(s.url); err != nil {
		return s.errorf("invalid URL: %w", err)
	}
	return s.checkSignatureConfig()
}

// errNotFetchable is fetchable's error for a URL that parses but is not an
// absolute http or https URL.
var errNotFetchable = errors.New("want an absolute http or https URL")

// errUserinfo is fetchable's error for a URL that parses only without its
// userinfo.
var errUserinfo = errors.New("its userinfo does not parse (percent-encode '/', '?', '#' and '@' in credentials: %2F, %3F, %23, %40)")

// fetchable checks that raw is an absolute http or https URL. Its errors
// never hold raw's userinfo (url.Parse's errors may quote part of it).
func fetchable(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		safe, userinfo := httpRedact(raw)
		if userinfo == "" {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return err
		}
		_, serr := url.Parse(safe)
		if serr == nil {
			return errUserinfo
		}
		var ue *url.Error
		if errors.As(serr, &ue) {
			serr = ue.Err // quotes safe, never the userinfo
		}
		return serr
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return errNotFetchable
	}
	return nil
}

// httpPoller is the state of one call of Run.
type httpPoller struct {
	src    *httpSource
	client *http.Client
	// startBy is when the client stops waiting for the first document; the
	// first request is cut short so that the backup can still be read.
	startBy time.Time
	update  func(doc []byte, err error) error

	last         []byte // the last document the client accepted, our own copy; nil: none
	etag         string // validators of the last response with a document, accepted or refused
	lastModified string
	sig          []byte        // with Verify, the signature of last
	pendingSig   []byte        // with Verify, the signature of the document fetched last
	refused      bool          // the client refused the document fetched last
	refusedSum   [32]byte      // its SHA-256, to know it when served without validators
	refusedErr   error         // the client's verdict on it
	lastErr      string        // key of the error reported since the last success; "": none
	failures     int           // consecutive failures
	retryAfter   time.Duration // the Retry-After of the last failed response; 0: none
	backupDirty  bool          // last is not yet in the backup file
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

// delay returns the wait before the next attempt; first is for the first
// poll after a successful start.
func (p *httpPoller) delay(first bool) time.Duration {
	interval, maxBackoff := p.src.cfg.intervals()
	if first {
		return httpFirstDelay(interval, rand.Float64())
	}
	return httpDelay(interval, maxBackoff, p.failures, p.retryAfter, rand.Float64())
}

// intervals returns the poll interval and the backoff cap, defaults applied.
func (c *httpConfig) intervals() (interval, maxBackoff time.Duration) {
	interval = c.poll.interval
	if interval <= 0 {
		interval = httpDefaultInterval
	}
	maxBackoff = c.maxBackoff
	if maxBackoff <= 0 {
		maxBackoff = httpSaturate(float64(interval) * httpBackoffIntervals)
	}
	return interval, maxBackoff
}

// httpFirstDelay returns the wait before the first poll after a successful
// start: interval × (1 − r), in (0, interval] for r in [0, 1).
func httpFirstDelay(interval time.Duration, r float64) time.Duration {
	return max(httpSaturate(float64(interval)*(1-r)), 1)
}

// httpDelay returns the wait before the next attempt after the given number
// of consecutive failures, with r in [0, 1) picking the jitter (see [HTTP]):
//
//   - no failure: interval × (0.9 + 0.2r);
//   - k failures: interval + r × (min(maxBackoff, 2ᵏ interval) − interval),
//     and no less than retryAfter capped at maxBackoff.
func httpDelay(interval, maxBackoff time.Duration, failures int, retryAfter time.Duration, r float64) time.Duration {
	if failures <= 0 {
		return httpSaturate(float64(interval) * (0.9 + 0.2*r))
	}
	top := float64(interval) * math.Exp2(float64(min(failures, 62)))
	top = min(top, float64(maxBackoff))
	d := float64(interval)
	if top > d {
		d += r * (top - d)
	}
	return max(httpSaturate(d), min(retryAfter, maxBackoff))
}

// httpSaturate converts d to a Duration, saturating at the largest one.
func httpSaturate(d float64) time.Duration {
	if d >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(d)
}

// httpRetryAfter returns the wait that resp's Retry-After asks for: a number
// of seconds, or an HTTP date measured from the response's Date (or now,
// without one). It returns 0 without a valid header.
func httpRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return httpSaturate(float64(secs) * float64(time.Second))
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		now = date
	}
	return max(at.Sub(now), 0)
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
	// The validators of the last response that carried a document: a 304
	// means the document last received, accepted or refused, is still the
	// one published.
	conditional := p.etag != "" || p.lastModified != ""
	if p.etag != "" {
		req.Header.Set("If-None-Match", p.etag)
	}
	if p.lastModified != "" {
		req.Header.Set("If-Modified-Since", p.lastModified)
	}
	p.retryAfter = 0

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
	case resp.StatusCode == http.StatusNotModified && conditional:
		return nil, nil
	case resp.StatusCode != http.StatusOK:
		p.retryAfter = httpRetryAfter(resp.Header, time.Now())
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

// Errors of an HTTP source do not name it: the client names the source
// (its Name) wherever it shows an error, in New's error, the log and the
// status, so that every message names the source once.

// wrap returns err as the source reports it: without the credentials of the
// URL's userinfo, even where an error of net/http quotes them.
func (s *httpSource) wrap(err error) error {
	msg := err.Error()
	scrubbed := msg
	for _, secret := range s.secrets {
		scrubbed = strings.ReplaceAll(scrubbed, secret, "REDACTED")
	}
	if scrubbed == msg {
		return err
	}
	return &redactedError{msg: scrubbed, err: err}
}

func (s *httpSource) errorf(format string, args ...any) error {
	return s.wrap(fmt.Errorf(format, args...))
}

// redactedError is an error whose message had credentials removed; it
// unwraps to the original, for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

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

// httpSecrets returns the texts that errors must not show for a userinfo:
// itself, its password, and their percent-decoded forms.
func httpSecrets(userinfo string) []string {
	if userinfo == "" {
		return nil
	}
	out := []string{userinfo}
	if _, pass, ok := strings.Cut(userinfo, ":"); ok && pass != "" {
		out = append(out, pass)
	}
	for _, v := range out[:len(out):len(out)] {
		if d, err := url.PathUnescape(v); err == nil && d != v {
			out = append(out, d)
		}
	}
	return out
}

// httpRedact returns rawURL without its userinfo, and the userinfo (""
// when there is none). It works on the text, so that it also redacts a URL
// that does not parse, such as one whose password holds '/', '?' or '#':
//
//   - the authority starts after "://" (or at the start, without one) and
//     normally ends at the first '/', '?' or '#'; an '@' in it ends the
//     userinfo (the last '@', since a password may hold one);
//   - without an '@' there, the text up to that first '/', '?' or '#' is a
//     host, unless it holds a ':' followed by anything but digits (a port):
//     then it is the start of a userinfo "user:pass" whose password holds
//     the delimiter, and the userinfo ends at the next '@'.
//
// So "https://svc:s3cr/t+tok==@host/f" loses "svc:s3cr/t+tok==" while
// "https://host:8443/users/@alice/f" keeps its '@'. A password that looks
// like a port up to its first '/' ("https://u:123/x@host") is not
// recognized: such a URL parses as host "u" on port 123.
func httpRedact(rawURL string) (safe, userinfo string) {
	start := 0
	if i := strings.Index(rawURL, "://"); i >= 0 {
		start = i + 3
	}
	rest := rawURL[start:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 && end < len(rest) && !httpHostLike(rest[:end]) {
		if j := strings.Index(rest[end:], "@"); j >= 0 {
			at = end + j
		}
	}
	if at < 0 {
		return rawURL, ""
	}
	return rawURL[:start] + rest[at+1:], rest[:at]
}

// httpHostLike reports whether s can be a host with an optional port: no
// ':' outside brackets, or one followed by digits only.
func httpHostLike(s string) bool {
	if i := strings.LastIndex(s, "]"); i >= 0 {
		s = s[i+1:]
	}
	i := strings.Index(s, ":")
	if i < 0 {
		return true
	}
	for _, c := range s[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// httpRedactSafe returns rawURL without its userinfo.
func httpRedactSafe(rawURL string) string {
	safe, _ := httpRedact(rawURL)
	return safe
}
