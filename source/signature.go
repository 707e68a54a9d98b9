package source

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/flagkit/flagkit/internal/atomicfile"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// signatureSuffix is appended to the document's URL path and to the backup
// file's path to find the document's signature.
const signatureSuffix = ".sig"

// maxSignatureSize is the size limit of a signature file: the base64 of a
// 64-byte signature is 88 bytes, and the rest leaves room for whitespace.
const maxSignatureSize = 1 << 10

// Errors of signature verification that the source of [HTTP] wraps.
var (
	errSigMismatch  = errors.New("does not match the document")
	errSigMalformed = fmt.Errorf("is not the base64 of a %d-byte Ed25519 signature", ed25519.SignatureSize)
)

// sigConfig holds the settings of [Verify] and [SignatureURL]. Its zero
// value means no verification.
type sigConfig struct {
	verify bool                // Verify was given
	keys   []ed25519.PublicKey // our own copies; checked by Run
	url    string              // "": the document's URL with ".sig" appended to its path
}

// Verify makes [HTTP] refuse a document unless it carries a valid Ed25519
// signature under one of keys, so that a compromised or spoofed static
// host, object store or CDN cannot serve flags that the holder of the
// private key did not sign.
//
// The signature is published next to the document: by default at the
// document's URL with ".sig" appended to its path (the query is kept), or at
// the URL set by [SignatureURL]. It holds the standard base64 encoding of
// the 64-byte signature of the exact bytes of the document; whitespace
// around it is ignored. The flagkit command writes it: flagkit sign.
//
// After each fetch of a changed document (not a 304 Not Modified, nor a
// body equal to the last good document, whose signature was verified),
// HTTP fetches the signature with the same client, headers and [Timeout]
// (a timeout of its own), reading at most 1 KiB, and verifies it before
// the document is checked or parsed. A signature that cannot be fetched,
// is malformed, or does not match the document makes the attempt fail as
// any other failure: the error is reported to update, the client keeps its
// last good document, the backup is not written, and the source retries
// with backoff. A document updated on the server before its signature fails
// until both are updated.
//
// With [Backup], the signature is kept next to the backup file, at its path
// with ".sig" appended, and both files are verified when the backup is read
// at start; a backup without a valid signature is not used.
//
// Usually there is one key. Several keys allow a rotation without a gap:
// give the services the old and the new key, sign with the new key, then
// remove the old one, which also makes every document signed with it
// unacceptable. A later Verify replaces the keys of an earlier one.
//
// Each key must be an Ed25519 public key ([ed25519.PublicKeySize] bytes;
// see [ParsePublicKey]), and there must be at least one; otherwise Run
// reports the misconfiguration and returns an error, rather than run
// unverified.
func Verify(keys ...ed25519.PublicKey) HTTPOption {
	own := make([]ed25519.PublicKey, len(keys))
	for i, k := range keys {
		own[i] = bytes.Clone(k)
	}
	return httpOption(func(c *httpConfig) {
		c.sig.verify = true
		c.sig.keys = own
	})
}

// SignatureURL sets the URL (http or https) that [Verify] fetches the
// document's signature from, for a host that cannot publish it at the
// document's URL with ".sig" appended, such as an object store with
// pre-signed URLs. Credentials in its userinfo never appear in errors. An
// empty url keeps the default. Without [Verify], Run reports the
// misconfiguration and returns an error.
func SignatureURL(url string) HTTPOption {
	return httpOption(func(c *httpConfig) {
		if url != "" {
			c.sig.url = url
		}
	})
}

// ParsePublicKey decodes an Ed25519 public key from the standard base64
// encoding of its 32 bytes, as flagkit keygen prints it. Whitespace around
// the encoding is ignored. The error never quotes s, in case it holds a
// private key by mistake.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("source: public key is not valid base64")
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("source: public key is %d bytes; want %d", len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// parseSignature decodes the content of a signature file.
func parseSignature(data []byte) ([]byte, error) {
	data = bytes.TrimSpace(data)
	sig := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(sig, data)
	if err != nil || n != ed25519.SignatureSize {
		return nil, errSigMalformed
	}
	return sig[:n], nil
}

// formatSignature returns the content of a signature file for sig.
func formatSignature(sig []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(sig) + "\n")
}

// checkSignatureConfig reports a misconfiguration of [Verify] or
// [SignatureURL].
func (s *httpSource) checkSignatureConfig() error {
	sc := &s.cfg.sig
	switch {
	case !sc.verify && sc.url != "":
		return s.errorf("signature URL set without a public key to verify it (source.Verify)")
	case !sc.verify:
		return nil
	case len(sc.keys) == 0:
		return s.errorf("no public key to verify signatures (source.Verify)")
	}
	for i, k := range sc.keys {
		if len(k) == ed25519.PublicKeySize {
			continue
		}
		if len(sc.keys) == 1 {
			return s.errorf("public key to verify signatures is %d bytes; want %d", len(k), ed25519.PublicKeySize)
		}
		return s.errorf("public key %d of %d to verify signatures is %d bytes; want %d", i+1, len(sc.keys), len(k), ed25519.PublicKeySize)
	}
	if sc.url == "" {
		return nil
	}
	switch err := fetchable(sc.url); {
	case errors.Is(err, errNotFetchable):
		return s.errorf("invalid signature URL %s: %w", httpRedactSafe(sc.url), err)
	case err != nil:
		return s.errorf("invalid signature URL %s: %w", httpRedactSafe(sc.url), err)
	}
	return nil
}

// signatureURL returns the URL of the document's signature, userinfo
// included, and the same without it, for errors. The document's URL has
// been checked.
func (s *httpSource) signatureURL() (raw, safe string) {
	if s.cfg.sig.url != "" {
		return s.cfg.sig.url, httpRedactSafe(s.cfg.sig.url)
	}
	u, err := url.Parse(s.url)
	if err != nil { // cannot happen: checkURL parsed it
		return s.url, s.safe
	}
	u.Path += signatureSuffix
	if u.RawPath != "" {
		u.RawPath += signatureSuffix
	}
	raw = u.String()
	return raw, httpRedactSafe(raw)
}

// valid reports whether sig is the signature of doc under one of the keys.
func (sc *sigConfig) valid(doc, sig []byte) bool {
	for _, k := range sc.keys {
		if ed25519.Verify(k, doc, sig) {
			return true
		}
	}
	return false
}

// verify fetches the signature of doc and checks it, when [Verify] is
// given. It returns the signature, or nil without verification.
func (p *httpPoller) verify(ctx context.Context, doc []byte) ([]byte, error) {
	sc := &p.src.cfg.sig
	if !sc.verify {
		return nil, nil
	}
	if p.last != nil && bytes.Equal(doc, p.last) {
		return p.sig, nil // verified when it became last
	}
	raw, safe := p.src.signatureURL()
	data, err := p.fetchSignature(ctx, raw, safe)
	if err != nil {
		return nil, err
	}
	sig, err := parseSignature(data)
	if err != nil {
		return nil, p.src.errorf("signature %s %w", safe, err)
	}
	if !sc.valid(doc, sig) {
		return nil, p.src.errorf("signature %s %w", safe, errSigMismatch)
	}
	return sig, nil
}

// fetchSignature fetches the signature file at rawURL with the headers,
// timeout and client of the document's requests.
func (p *httpPoller) fetchSignature(ctx context.Context, rawURL, safe string) ([]byte, error) {
	cfg := &p.src.cfg
	timeout := cfg.timeout
	if timeout <= 0 {
		timeout = httpDefaultTimeout
	}
	reqCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(err error) error {
		if reqCtx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return p.src.errorf("signature %s: request timed out after %v (%w)", safe, timeout, context.DeadlineExceeded)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL may hold userinfo
		}
		return p.src.errorf("signature %s: %w", safe, err)
	}

	req, err := newGet(reqCtx, rawURL, cfg.header)
	if err != nil {
		return nil, fail(err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		status := strings.TrimSpace(fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
		return nil, p.src.errorf("signature %s: %w %s", safe, errHTTPStatus, status)
	}
	if resp.ContentLength > maxSignatureSize {
		return nil, p.src.errorf("signature %s: Content-Length %d is over the limit of %d bytes", safe, resp.ContentLength, maxSignatureSize)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSignatureSize+1))
	switch {
	case err != nil:
		return nil, fail(fmt.Errorf("reading body: %w", err))
	case len(data) > maxSignatureSize:
		return nil, p.src.errorf("signature %s: over the limit of %d bytes", safe, maxSignatureSize)
	case resp.ContentLength >= 0 && int64(len(data)) != resp.ContentLength:
		return nil, p.src.errorf("signature %s: reading body: got %d bytes, Content-Length is %d: %w", safe, len(data), resp.ContentLength, io.ErrUnexpectedEOF)
	}
	return data, nil
}

// verifyBackup checks the signature file next to the backup file at path,
// which holds doc, when [Verify] is given. It returns the signature, or nil
// without verification.
func (p *httpPoller) verifyBackup(path string, doc []byte) ([]byte, error) {
	sc := &p.src.cfg.sig
	if !sc.verify {
		return nil, nil
	}
	sigPath := path + signatureSuffix
	data, err := readLimited(sigPath, maxSignatureSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Not fs.ErrNotExist: a backup without its signature is not a
		// missing backup, it is one that cannot be trusted.
		return nil, fmt.Errorf("backup %s: signature %s is missing", path, sigPath)
	case err != nil:
		return nil, fmt.Errorf("backup %s: signature: %w", path, err)
	}
	sig, err := parseSignature(data)
	if err != nil {
		return nil, fmt.Errorf("backup %s: signature %s %w", path, sigPath, err)
	}
	if !sc.valid(doc, sig) {
		return nil, fmt.Errorf("backup %s: signature %s %w", path, sigPath, errSigMismatch)
	}
	return sig, nil
}

// readLimited reads the file at path, failing if it holds more than limit
// bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: over the limit of %d bytes", path, limit)
	}
	return data, nil
}

// writeBackup replaces the backup file at path with doc and, when sig is
// not nil, the signature file next to it with sig. Each file is replaced
// atomically; both are written and synced before either is renamed, the
// signature first, so that a crash between the two renames leaves a
// document and a signature that do not match: a backup that is refused at
// the next start, never one that is trusted wrongly.
func writeBackup(path string, doc, sig []byte) (err error) {
	if sig == nil {
		return atomicfile.Write(path, doc, 0o600)
	}
	sigPath := path + signatureSuffix
	sigTmp, err := writeTemp(sigPath, formatSignature(sig))
	if err != nil {
		return err
	}
	docTmp, err := writeTemp(path, doc)
	if err != nil {
		os.Remove(sigTmp)
		return err
	}
	if err := os.Rename(sigTmp, sigPath); err != nil {
		os.Remove(sigTmp)
		os.Remove(docTmp)
		return err
	}
	if err := os.Rename(docTmp, path); err != nil {
		os.Remove(docTmp)
		return err
	}
	if d, derr := os.Open(filepath.Dir(path)); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// writeTemp writes data to a new temporary file, mode 0o600, next to path,
// syncs and closes it, and returns its name.
func writeTemp(path string, data []byte) (name string, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return "", err
	}
	if err = f.Sync(); err != nil {
		return "", err
	}
	if err = f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}
