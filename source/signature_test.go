package source

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source/sourcetest"
)

// Test keys, from fixed seeds so that failures are reproducible.
var (
	sigKey   = ed25519.NewKeyFromSeed([]byte("flagkit-test-signing-key-seed-01"))
	otherKey = ed25519.NewKeyFromSeed([]byte("flagkit-test-signing-key-seed-02"))
	sigPub   = sigKey.Public().(ed25519.PublicKey)
)

// sign returns the content of a signature file for doc under key.
func sign(key ed25519.PrivateKey, doc string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(doc))) + "\n"
}

// signedServer serves a document at /flags.yaml and its signature at
// /flags.yaml.sig (404 when the signature is ""), both replaceable at once.
// With etags, the document has an ETag and If-None-Match gets a 304.
type signedServer struct {
	*httpServer
	mu       sync.Mutex
	doc, sig string
}

func newSignedServer(t *testing.T, doc, sig string, etags bool) *signedServer {
	t.Helper()
	ss := &signedServer{doc: doc, sig: sig}
	ss.httpServer = newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
		ss.mu.Lock()
		doc, sig := ss.doc, ss.sig
		ss.mu.Unlock()
		switch r.URL.Path {
		case "/flags.yaml":
			if etags {
				etag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(doc)))
				if r.Header.Get("If-None-Match") == etag {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("ETag", etag)
			}
			io.WriteString(w, doc)
		case "/flags.yaml.sig":
			if sig == "" {
				http.NotFound(w, r)
				return
			}
			io.WriteString(w, sig)
		default:
			http.NotFound(w, r)
		}
	})
	return ss
}

// set replaces the document and its signature.
func (ss *signedServer) set(doc, sig string) {
	ss.mu.Lock()
	ss.doc, ss.sig = doc, sig
	ss.mu.Unlock()
}

// paths returns the paths requested so far.
func (ss *signedServer) paths() []string {
	var paths []string
	for _, r := range ss.requests() {
		paths = append(paths, r.URL.Path)
	}
	return paths
}

func TestParsePublicKey(t *testing.T) {
	pub := base64.StdEncoding.EncodeToString(sigPub)
	priv := base64.StdEncoding.EncodeToString(sigKey)
	tests := []struct {
		name, in string
		want     ed25519.PublicKey
		wantErr  string
	}{
		{"key", pub, sigPub, ""},
		{"whitespace around", " \n" + pub + "\r\n\t", sigPub, ""},
		{"empty", "", nil, "source: public key is 0 bytes; want 32"},
		{"not base64", "not base64!", nil, "source: public key is not valid base64"},
		{"raw URL encoding", strings.TrimRight(base64.URLEncoding.EncodeToString(sigPub), "="), nil, "source: public key is not valid base64"},
		{"short", base64.StdEncoding.EncodeToString(sigPub[:31]), nil, "source: public key is 31 bytes; want 32"},
		{"private key by mistake", priv, nil, "source: public key is 64 bytes; want 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicKey(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParsePublicKey(%q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ParsePublicKey(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestHTTPVerify(t *testing.T) {
	const sigPath = "/flags.yaml.sig"
	tests := []struct {
		name     string
		doc, sig string
		want     func(url string) string // the only update call
		is       error                   // that its error matches; nil: none
	}{
		{"good", httpDocA, sign(sigKey, httpDocA),
			func(string) string { return "doc:" + httpDocA }, nil},
		{"whitespace around the signature", httpDocA, " \r\n\t" + strings.TrimSpace(sign(sigKey, httpDocA)) + "\n\n ",
			func(string) string { return "doc:" + httpDocA }, nil},
		{"missing signature", httpDocA, "",
			func(u string) string {
				return errorEvent("signature " + u + sigPath + ": unexpected status 404 Not Found")
			}, errHTTPStatus},
		{"wrong key", httpDocA, sign(otherKey, httpDocA),
			func(u string) string {
				return errorEvent("signature " + u + sigPath + " does not match the document")
			}, errSigMismatch},
		{"tampered document", httpDocA + "# tampered\n", sign(sigKey, httpDocA),
			func(u string) string {
				return errorEvent("signature " + u + sigPath + " does not match the document")
			}, errSigMismatch},
		{"signature of another document", httpDocA, sign(sigKey, httpDocB),
			func(u string) string {
				return errorEvent("signature " + u + sigPath + " does not match the document")
			}, errSigMismatch},
		{"unsigned garbage is refused before parsing", "flags: [unclosed", sign(sigKey, httpDocA),
			func(u string) string {
				return errorEvent("signature " + u + sigPath + " does not match the document")
			}, errSigMismatch},
		{"not base64", httpDocA, "not base64!\n",
			func(u string) string {
				return errorEvent("signature " + u + sigPath + " is not the base64 of a 64-byte Ed25519 signature")
			}, errSigMalformed},
		{"short signature", httpDocA, base64.StdEncoding.EncodeToString(ed25519.Sign(sigKey, []byte(httpDocA))[:63]),
			func(u string) string {
				return errorEvent("signature " + u + sigPath + " is not the base64 of a 64-byte Ed25519 signature")
			}, errSigMalformed},
		{"signature too large", httpDocA, strings.Repeat(" ", 1500-89) + sign(sigKey, httpDocA),
			func(u string) string {
				return errorEvent("signature " + u + sigPath + ": Content-Length 1500 is over the limit of 1024 bytes")
			}, nil},
		{"signature too large, chunked", httpDocA, strings.Repeat(" ", 4000) + sign(sigKey, httpDocA),
			func(u string) string {
				return errorEvent("signature " + u + sigPath + ": over the limit of 1024 bytes")
			}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newSignedServer(t, tt.doc, tt.sig, false)
			r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub)))
			ev := r.wait(1)
			r.stopAndCheck(tt.want(srv.URL))
			if tt.is != nil && !errors.Is(ev[0].err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false; want true", ev[0].err, tt.is)
			}
		})
	}
	// A signed document goes to the client, whose verdict decides; the
	// refusal of the first document is answered with the verdict.
	t.Run("signed but refused document", func(t *testing.T) {
		const doc = "flags: [unclosed"
		srv := newSignedServer(t, doc, sign(sigKey, doc), false)
		r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub)))
		r.wait(2)
		r.stopAndCheck("doc:"+doc, "err:"+mappingVerdict([]byte(doc)).Error())
	})
}

// TestHTTPVerifyRotation checks that with several keys a document signed
// with any of them is good.
func TestHTTPVerifyRotation(t *testing.T) {
	otherPub := otherKey.Public().(ed25519.PublicKey)
	thirdPub := ed25519.NewKeyFromSeed([]byte("flagkit-test-signing-key-seed-03")).Public().(ed25519.PublicKey)
	for _, tt := range []struct {
		name   string
		signer ed25519.PrivateKey
		keys   []ed25519.PublicKey
		good   bool
	}{
		{"old key", sigKey, []ed25519.PublicKey{sigPub, otherPub}, true},
		{"new key", otherKey, []ed25519.PublicKey{sigPub, otherPub}, true},
		{"old key removed", sigKey, []ed25519.PublicKey{otherPub, thirdPub}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newSignedServer(t, httpDocA, sign(tt.signer, httpDocA), false)
			r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(tt.keys...)))
			r.wait(1)
			want := "doc:" + httpDocA
			if !tt.good {
				want = errorEvent("signature " + srv.URL + "/flags.yaml.sig does not match the document")
			}
			r.stopAndCheck(want)
		})
	}
}

func TestHTTPVerifyRequest(t *testing.T) {
	t.Run("same headers, query kept", func(t *testing.T) {
		srv := newSignedServer(t, httpDocA, sign(sigKey, httpDocA), false)
		src := HTTP(srv.URL+"/flags.yaml?env=prod", HTTPClient(srv.Client()), Verify(sigPub),
			Header("Authorization", "Bearer t0ken"), Header("Host", "flags.internal"))
		r := startHTTP(t, context.Background(), src)
		r.wait(1)
		r.stopAndCheck("doc:" + httpDocA)
		reqs := srv.requests()
		if len(reqs) != 2 {
			t.Fatalf("server got %d requests; want 2", len(reqs))
		}
		sig := reqs[1]
		if got, want := sig.URL.String(), "/flags.yaml.sig?env=prod"; got != want {
			t.Errorf("signature request URL = %q; want %q", got, want)
		}
		if got := sig.Header.Get("Authorization"); got != "Bearer t0ken" {
			t.Errorf("signature request Authorization = %q; want %q", got, "Bearer t0ken")
		}
		if sig.Host != "flags.internal" {
			t.Errorf("signature request Host = %q; want flags.internal", sig.Host)
		}
		if got := sig.Header.Get("If-None-Match") + sig.Header.Get("If-Modified-Since"); got != "" {
			t.Errorf("signature request has conditional headers %q; want none", got)
		}
	})
	t.Run("escaped path", func(t *testing.T) {
		srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, ".sig") {
				io.WriteString(w, sign(sigKey, httpDocA))
				return
			}
			io.WriteString(w, httpDocA)
		})
		r := startHTTP(t, context.Background(), HTTP(srv.URL+"/a%2Fb/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub)))
		r.wait(1)
		r.stopAndCheck("doc:" + httpDocA)
		if got, want := srv.requests()[1].URL.RawPath, "/a%2Fb/flags.yaml.sig"; got != want {
			t.Errorf("signature request raw path = %q; want %q", got, want)
		}
	})
	t.Run("SignatureURL", func(t *testing.T) {
		srv := newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/signatures/flags":
				io.WriteString(w, sign(sigKey, httpDocA))
			case "/flags.yaml":
				io.WriteString(w, httpDocA)
			default:
				http.NotFound(w, r)
			}
		})
		r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()),
			Verify(sigPub), SignatureURL(srv.URL+"/signatures/flags?X-Sig=1")))
		r.wait(1)
		r.stopAndCheck("doc:" + httpDocA)
		if got, want := srv.requests()[1].URL.String(), "/signatures/flags?X-Sig=1"; got != want {
			t.Errorf("signature request URL = %q; want %q", got, want)
		}
	})
	t.Run("cancelled while fetching the signature", func(t *testing.T) {
		srv := newHTTPServer(t, func(s *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/flags.yaml.sig" {
				s.block(r)
				return
			}
			io.WriteString(w, httpDocA)
		})
		r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub)))
		srv.waitRequests(2)
		r.stopAndCheck() // no update: ctx was done before the first attempt completed
	})
	t.Run("signature request timeout", func(t *testing.T) {
		srv := newHTTPServer(t, func(s *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/flags.yaml.sig" {
				s.block(r)
				return
			}
			io.WriteString(w, httpDocA)
		})
		r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub), Timeout(20*time.Millisecond)))
		r.wait(1)
		r.stopAndCheck(errorEvent("signature " + srv.URL + "/flags.yaml.sig: request timed out after 20ms (context deadline exceeded)"))
	})
}

func TestHTTPVerifyMisconfigured(t *testing.T) {
	const u = "https://flags.example.com/flags.yaml"
	tests := []struct {
		name string
		opts []HTTPOption
		want string
	}{
		{"nil key", []HTTPOption{Verify(nil)}, "public key to verify signatures is 0 bytes; want 32"},
		{"private key", []HTTPOption{Verify(ed25519.PublicKey(sigKey))}, "public key to verify signatures is 64 bytes; want 32"},
		{"no key", []HTTPOption{Verify()}, "no public key to verify signatures (source.Verify)"},
		{"one bad key of two", []HTTPOption{Verify(sigPub, sigPub[:31])}, "public key 2 of 2 to verify signatures is 31 bytes; want 32"},
		{"SignatureURL without Verify", []HTTPOption{SignatureURL(u + ".sig")}, "signature URL set without a public key to verify it (source.Verify)"},
		{"relative SignatureURL", []HTTPOption{Verify(sigPub), SignatureURL("flags.yaml.sig")}, "invalid signature URL flags.yaml.sig: want an absolute http or https URL"},
		{"ftp SignatureURL", []HTTPOption{Verify(sigPub), SignatureURL("ftp://alice:pa55@flags.example.com/s")}, "invalid signature URL ftp://flags.example.com/s: want an absolute http or https URL"},
		{"bad escape in SignatureURL", []HTTPOption{Verify(sigPub), SignatureURL("https://alice:pa55@flags.example.com/%zz")}, `invalid signature URL https://flags.example.com/%zz: invalid URL escape "%zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []error
			err := HTTP(u, tt.opts...).Run(context.Background(), func(doc []byte, err error) error {
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
	t.Run("later Verify replaces the keys", func(t *testing.T) {
		srv := newSignedServer(t, httpDocA, sign(sigKey, httpDocA), false)
		src := HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub), Verify(otherKey.Public().(ed25519.PublicKey)))
		r := startHTTP(t, context.Background(), src)
		r.wait(1)
		r.stopAndCheck(errorEvent("signature " + srv.URL + "/flags.yaml.sig does not match the document"))
	})
	t.Run("key copied", func(t *testing.T) {
		key := slices.Clone(sigPub)
		opt := Verify(key)
		key[0] ^= 1
		srv := newSignedServer(t, httpDocA, sign(sigKey, httpDocA), false)
		r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), opt))
		r.wait(1)
		r.stopAndCheck("doc:" + httpDocA)
	})
}

// TestHTTPVerifyRace covers a document updated on the server before its
// signature: the mismatch is an error, the backup keeps the last good
// document, and the next poll after both are updated succeeds.
func TestHTTPVerifyRace(t *testing.T) {
	srv := newSignedServer(t, httpDocA, sign(sigKey, httpDocA), true)
	backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
	r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()),
		Verify(sigPub), Backup(backup), Interval(5*time.Millisecond), MaxBackoff(5*time.Millisecond)))
	r.wait(1)
	srv.waitRequests(3) // the document, its signature, then a poll: after the backup was written
	checkHTTPBackup(t, backup, httpDocA)
	checkHTTPBackup(t, backup+".sig", sign(sigKey, httpDocA))

	srv.set(httpDocB, sign(sigKey, httpDocA)) // document first
	ev := r.wait(2)
	if got, want := ev[1].String(), errorEvent("signature "+srv.URL+"/flags.yaml.sig does not match the document"); got != want {
		t.Fatalf("update call 2 = %s; want %s", got, want)
	}
	checkHTTPBackup(t, backup, httpDocA)
	checkHTTPBackup(t, backup+".sig", sign(sigKey, httpDocA))

	srv.set(httpDocB, sign(sigKey, httpDocB)) // then the signature
	r.wait(3)
	r.stopAndCheck("doc:"+httpDocA, ev[1].String(), "doc:"+httpDocB)
	checkHTTPBackup(t, backup, httpDocB)
	checkHTTPBackup(t, backup+".sig", sign(sigKey, httpDocB))
}

// TestHTTPVerifyNotModified checks that a 304 does not fetch the signature
// again.
func TestHTTPVerifyNotModified(t *testing.T) {
	srv := newSignedServer(t, httpDocA, sign(sigKey, httpDocA), true)
	r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub), Interval(5*time.Millisecond)))
	srv.waitRequests(5)
	r.stopAndCheck("doc:" + httpDocA)
	paths := srv.paths()
	want := []string{"/flags.yaml", "/flags.yaml.sig"}
	for range paths[2:] {
		want = append(want, "/flags.yaml")
	}
	if !slices.Equal(paths, want) {
		t.Errorf("requested paths %q; want %q", paths, want)
	}
	for i, req := range srv.requests()[2:] {
		if req.Header.Get("If-None-Match") == "" {
			t.Errorf("request %d has no If-None-Match; want a conditional request", i+3)
		}
	}
}

// TestHTTPVerifyUnchanged checks that a body equal to the last good
// document, from a server without validators, does not fetch the signature
// again, so that a signature published before its document goes unnoticed.
func TestHTTPVerifyUnchanged(t *testing.T) {
	srv := newSignedServer(t, httpDocA, sign(sigKey, httpDocA), false)
	r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub), Interval(5*time.Millisecond)))
	r.wait(1)
	srv.set(httpDocA, sign(sigKey, httpDocB)) // the signature first
	n := len(srv.waitRequests(5))
	srv.set(httpDocB, sign(sigKey, httpDocB)) // then the document
	r.wait(2)
	r.stopAndCheck("doc:"+httpDocA, "doc:"+httpDocB)
	paths := srv.paths()
	want := []string{"/flags.yaml", "/flags.yaml.sig"}
	for range paths[2:n] {
		want = append(want, "/flags.yaml")
	}
	if !slices.Equal(paths[:n], want) {
		t.Errorf("requested paths %q; want %q", paths[:n], want)
	}
}

func TestHTTPVerifyBackup(t *testing.T) {
	badGateway := func(t *testing.T) *httpServer {
		return newHTTPServer(t, func(_ *httpServer, _ int, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
		})
	}
	t.Run("written with its signature", func(t *testing.T) {
		srv := newSignedServer(t, httpDocA, " "+sign(sigKey, httpDocA)+" ", false)
		dir := t.TempDir()
		backup := filepath.Join(dir, "flags.yaml.bak")
		r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub), Backup(backup)))
		r.wait(1)
		r.stopAndCheck("doc:" + httpDocA)
		checkHTTPBackup(t, backup, httpDocA)
		checkHTTPBackup(t, backup+".sig", sign(sigKey, httpDocA)) // normalized
		if runtime.GOOS != "windows" {
			for _, p := range []string{backup, backup + ".sig"} {
				if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("Stat(%s) = %v, %v; want mode 0600", p, fi.Mode(), err)
				}
			}
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 2 {
			t.Errorf("backup directory holds %d files; want 2 (no temporary file left)", len(entries))
		}
	})
	t.Run("backup equal to the document", func(t *testing.T) {
		srv := newSignedServer(t, httpDocB, "", false) // no signature on the server
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		writeHTTPBackup(t, backup+".sig", sign(sigKey, httpDocB))
		r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub), Backup(backup), Interval(5*time.Millisecond)))
		r.wait(2)
		// The first fetch needs the signature; once the verified backup is
		// in force, the same bytes need none, and the source recovers.
		r.stopAndCheck(backupEvent(httpDocB, "signature "+srv.URL+"/flags.yaml.sig: unexpected status 404 Not Found"), "doc:"+httpDocB)
		if got := srv.paths(); len(got) < 3 || !slices.Equal(got[:3], []string{"/flags.yaml", "/flags.yaml.sig", "/flags.yaml"}) {
			t.Errorf("requested paths %q; want the document, its signature, then the document", got)
		}
	})
	t.Run("good backup used at start", func(t *testing.T) {
		srv := badGateway(t)
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		writeHTTPBackup(t, backup+".sig", sign(sigKey, httpDocB))
		r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Verify(sigPub), Backup(backup)))
		ev := r.wait(1)
		r.stopAndCheck(backupEvent(httpDocB, "unexpected status 502 Bad Gateway"))
		if !errors.Is(ev[0].err, errHTTPStatus) {
			t.Errorf("errors.Is(%v, errHTTPStatus) = false; want true", ev[0].err)
		}
	})
	for _, tt := range []struct {
		name, doc, sig string // sig "": no signature file
		want           string // after "backup not used: backup PATH: "
	}{
		{"tampered backup", httpDocB + "# tampered\n", sign(sigKey, httpDocB), "signature PATH.sig does not match the document"},
		{"backup signed with another key", httpDocB, sign(otherKey, httpDocB), "signature PATH.sig does not match the document"},
		{"backup without signature", httpDocB, "", "signature PATH.sig is missing"},
		{"malformed backup signature", httpDocB, "@@@", "signature PATH.sig is not the base64 of a 64-byte Ed25519 signature"},
		{"backup signature too large", httpDocB, strings.Repeat("A", 2000), "signature: PATH.sig: over the limit of 1024 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := badGateway(t)
			backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
			writeHTTPBackup(t, backup, tt.doc)
			if tt.sig != "" {
				writeHTTPBackup(t, backup+".sig", tt.sig)
			}
			r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Verify(sigPub), Backup(backup)))
			r.wait(1)
			want := "unexpected status 502 Bad Gateway (backup not used: backup " + backup + ": " + strings.ReplaceAll(tt.want, "PATH", backup) + ")"
			r.stopAndCheck(errorEvent(want))
			checkHTTPBackup(t, backup, tt.doc)
		})
	}
	t.Run("refused document does not replace the backup", func(t *testing.T) {
		srv := newSignedServer(t, httpDocA, sign(otherKey, httpDocA), false)
		backup := filepath.Join(t.TempDir(), "flags.yaml.bak")
		writeHTTPBackup(t, backup, httpDocB)
		writeHTTPBackup(t, backup+".sig", sign(sigKey, httpDocB))
		r := startHTTP(t, context.Background(), HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub), Backup(backup)))
		r.wait(1)
		r.stopAndCheck(backupEvent(httpDocB, "signature "+srv.URL+"/flags.yaml.sig does not match the document"))
		checkHTTPBackup(t, backup, httpDocB)
		checkHTTPBackup(t, backup+".sig", sign(sigKey, httpDocB))
	})
	t.Run("no signature file without Verify", func(t *testing.T) {
		srv := newHTTPServer(t, serve(httpDocA))
		dir := t.TempDir()
		backup := filepath.Join(dir, "flags.yaml.bak")
		r := startHTTP(t, context.Background(), HTTP(srv.URL, HTTPClient(srv.Client()), Backup(backup)))
		r.wait(1)
		r.stopAndCheck("doc:" + httpDocA)
		if _, err := os.Stat(backup + ".sig"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Stat(backup.sig) = %v; want not exist", err)
		}
	})
}

func TestWriteBackupFailure(t *testing.T) {
	dir := t.TempDir()
	backup := filepath.Join(dir, "flags.yaml.bak")
	writeHTTPBackup(t, backup, httpDocA)
	writeHTTPBackup(t, backup+".sig", sign(sigKey, httpDocA))
	// A directory in the way of the document's rename: the signature is
	// replaced, the document is not, and the pair does not verify.
	if err := os.Remove(backup); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(backup, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(backup, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeBackup(backup, []byte(httpDocB), ed25519.Sign(sigKey, []byte(httpDocB))); err == nil {
		t.Fatal("writeBackup over a non-empty directory = nil; want an error")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"flags.yaml.bak", "flags.yaml.bak.sig"}; !slices.Equal(names, want) {
		t.Errorf("directory holds %q; want %q (no temporary file left)", names, want)
	}
	checkHTTPBackup(t, backup+".sig", sign(sigKey, httpDocB))
}

func TestHTTPVerifySecrets(t *testing.T) {
	const (
		user     = "alice-user"
		password = "pa55word"
		token    = "s3cret-token"
	)
	secrets := []string{user, password, token}
	srv := newHTTPServer(t, func(s *httpServer, _ int, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flags.yaml":
			io.WriteString(w, httpDocA)
		case "/slow.sig":
			s.block(r)
		case "/bad.sig":
			io.WriteString(w, "bad "+token)
		case "/other.sig":
			io.WriteString(w, sign(otherKey, httpDocA))
		default:
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "denied: "+token)
		}
	})
	withUser := func(u string) string { return strings.Replace(u, "://", "://"+user+":"+password+"@", 1) }
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	doc := withUser(srv.URL + "/flags.yaml")
	auth := Header("Authorization", "Bearer "+token)
	for _, tt := range []struct {
		name string
		src  flagkit.Source
	}{
		{"signature status", HTTP(doc, HTTPClient(srv.Client()), auth, Verify(sigPub), SignatureURL(withUser(srv.URL+"/denied.sig")))},
		{"signature timeout", HTTP(doc, HTTPClient(srv.Client()), auth, Verify(sigPub), SignatureURL(withUser(srv.URL+"/slow.sig")), Timeout(20*time.Millisecond))},
		{"signature connection refused", HTTP(doc, HTTPClient(srv.Client()), auth, Verify(sigPub), SignatureURL(withUser(closed.URL+"/flags.yaml.sig")))},
		{"malformed signature", HTTP(doc, HTTPClient(srv.Client()), auth, Verify(sigPub), SignatureURL(withUser(srv.URL+"/bad.sig")))},
		{"mismatch", HTTP(doc, HTTPClient(srv.Client()), auth, Verify(sigPub), SignatureURL(withUser(srv.URL+"/other.sig")))},
		{"default signature URL", HTTP(doc, HTTPClient(srv.Client()), auth, Verify(sigPub))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := startHTTP(t, context.Background(), tt.src)
			ev := r.wait(1)
			r.stop()
			for _, e := range ev {
				if e.err == nil {
					t.Errorf("update(%q, nil); want an error", e.doc)
					continue
				}
				if !strings.Contains(e.err.Error(), "signature ") {
					t.Errorf("error %q; want an error about the signature", e.err)
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
	for _, req := range srv.requests() {
		if got := req.Header.Get("Authorization"); got != "Bearer "+token {
			t.Errorf("request %s got Authorization %q; want %q", req.URL.Path, got, "Bearer "+token)
		}
	}
}

func TestHTTPVerifyConformance(t *testing.T) {
	srv := newSignedServer(t, httpDocA, sign(sigKey, httpDocA), true)
	src := HTTP(srv.URL+"/flags.yaml", HTTPClient(srv.Client()), Verify(sigPub), Interval(5*time.Millisecond))
	err := sourcetest.TestSource(src, &sourcetest.Options{
		Timeout: httpGuard,
		Change:  func() error { srv.set(httpDocB, sign(sigKey, httpDocB)); return nil },
	})
	if err != nil {
		t.Error(err)
	}
}
