package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
)

const (
	goodDoc = "flags:\n  new-checkout: {enabled: true}\n"
	badDoc  = "flags:\n  new-checkout: {enabled: maybe}\n  dark-mode:\n    rules:\n      - cohort: nope\n        serve: on\n"
)

// seed makes the test key; keygen is given it as its randomness.
var seed = bytes.Repeat([]byte{7}, ed25519.SeedSize)

// result is what one run of the command did.
type result struct {
	status         int
	stdout, stderr string
}

// runCmd runs the command line with stdin.
func runCmd(stdin string, args ...string) result {
	var stdout, stderr bytes.Buffer
	status := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return result{status, stdout.String(), stderr.String()}
}

// check compares r with want; an expected output that ends with "..." is
// a prefix.
func (r result) check(t *testing.T, args []string, want result) {
	t.Helper()
	match := func(got, want string) bool {
		if p, ok := strings.CutSuffix(want, "..."); ok {
			return strings.HasPrefix(got, p)
		}
		return got == want
	}
	if r.status != want.status || !match(r.stdout, want.stdout) || !match(r.stderr, want.stderr) {
		t.Errorf("flagkit %q = status %d, stdout %q, stderr %q; want status %d, stdout %q, stderr %q",
			args, r.status, r.stdout, r.stderr, want.status, want.stdout, want.stderr)
	}
}

// writeFile writes a file in dir and returns its path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testKey returns the key made from seed, its PEM file in dir, and its
// public key in base64.
func testKey(t *testing.T, dir string) (ed25519.PrivateKey, string, string) {
	t.Helper()
	key := ed25519.NewKeyFromSeed(seed)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, dir, "key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	return key, path, base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
}

func sigOf(key ed25519.PrivateKey, doc string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(doc))) + "\n"
}

func TestRun(t *testing.T) {
	tests := []struct {
		args []string
		want result
	}{
		{nil, result{exitUsage, "", usage}},
		{[]string{"frobnicate"}, result{exitUsage, "", "flagkit: unknown command \"frobnicate\"\n" + usage}},
		{[]string{"help"}, result{exitOK, usage, ""}},
		{[]string{"-h"}, result{exitOK, usage, ""}},
		{[]string{"validate", "-h"}, result{exitOK, "", "usage: flagkit validate FILE...\n"}},
		{[]string{"validate", "-x"}, result{exitUsage, "", "flag provided but not defined: -x\nusage: flagkit validate FILE...\n"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			runCmd("", tt.args...).check(t, tt.args, tt.want)
		})
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", goodDoc)
	bad := writeFile(t, dir, "bad.yaml", badDoc)
	syntax := writeFile(t, dir, "syntax.yaml", "flags: [")
	alias := writeFile(t, dir, "alias.yaml", "a: &x 1\nb: *x\n")
	big := writeFile(t, dir, "big.yaml", strings.Repeat(" ", 8<<20+1))
	onePass := writeFile(t, dir, "onepass.yaml", "cohorts:\n  staff: {when: {email: {ends_with: x}}}\nflags:\n  a:\n    rules: [{cohort: staf, percent: 140, serve: yes}]\n")
	missing := filepath.Join(dir, "missing.yaml")
	tests := []struct {
		name string
		args []string
		want result
	}{
		{"good", []string{"validate", good}, result{exitOK, "", ""}},
		{"problems", []string{"validate", good, bad}, result{exitFailure,
			bad + ":2:27: flags.new-checkout.enabled: expected true or false, found \"maybe\"\n" +
				bad + ":5:17: flags.dark-mode.rules[0].cohort: unknown cohort \"nope\"\n", ""}},
		{"every problem at once, references included", []string{"validate", onePass}, result{exitFailure,
			onePass + ":5:22: flags.a.rules[0].cohort: unknown cohort \"staf\"; did you mean \"staff\"?\n" +
				onePass + ":5:37: flags.a.rules[0].percent: 140 is outside 0..100\n" +
				onePass + ":5:49: flags.a.rules[0].serve: no variant named \"yes\" (variants: on, off)\n", ""}},
		{"syntax error, no path", []string{"validate", syntax}, result{exitFailure, syntax + ":1:1: did not find expected node content\n", ""}},
		{"alias", []string{"validate", alias}, result{exitFailure, alias + ":1:4: a: anchors and aliases are not allowed (define a cohort to reuse conditions)\n", ""}},
		{"limit plus one byte", []string{"validate", big}, result{exitFailure, "", "flagkit validate: " + big + ": 8388609 bytes, over the limit of 8388608 bytes\n"}},
		{"missing file, others still checked", []string{"validate", missing, bad}, result{exitFailure,
			bad + ":2:27: ...", "flagkit validate: open " + missing + ": no such file or directory\n"}},
		{"no files", []string{"validate"}, result{exitUsage, "", "flagkit validate: no files\nusage: flagkit validate FILE...\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runCmd("", tt.args...).check(t, tt.args, tt.want)
		})
	}
}

func TestKeygen(t *testing.T) {
	want := ed25519.NewKeyFromSeed(seed)
	wantPub := base64.StdEncoding.EncodeToString(want.Public().(ed25519.PublicKey))

	t.Run("writes the key pair", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "key.pem")
		var stdout, stderr bytes.Buffer
		args := []string{"-out", out}
		status := runKeygen(args, bytes.NewReader(seed), &stdout, &stderr)
		result{status, stdout.String(), stderr.String()}.check(t, args, result{exitOK, wantPub + "\n", ""})
		key, err := parsePrivateKey([]byte(readString(t, out)))
		if err != nil || !key.Equal(want) {
			t.Errorf("parsePrivateKey(key file) = %v; want the key from the seed", err)
		}
		if runtime.GOOS != "windows" {
			if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("Stat(key file) = %v, %v; want mode 0600", fi.Mode(), err)
			}
		}
	})
	t.Run("random keys differ", func(t *testing.T) {
		dir := t.TempDir()
		a := runCmd("", "keygen", "-out", filepath.Join(dir, "a.pem"))
		b := runCmd("", "keygen", "-out", filepath.Join(dir, "b.pem"))
		if a.status != exitOK || b.status != exitOK || a.stdout == b.stdout {
			t.Errorf("two keygens = %+v, %+v; want two different public keys", a, b)
		}
		if _, err := source.ParsePublicKey(a.stdout); err != nil {
			t.Errorf("source.ParsePublicKey(keygen output) = %v; want nil", err)
		}
	})
	t.Run("never replaces a file", func(t *testing.T) {
		out := writeFile(t, t.TempDir(), "key.pem", "precious")
		args := []string{"keygen", "-out", out}
		runCmd("", args...).check(t, args, result{exitFailure, "", "flagkit keygen: open " + out + ": file exists\n"})
		if got := readString(t, out); got != "precious" {
			t.Errorf("key file = %q after keygen; want it unchanged", got)
		}
	})
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no -out", []string{"keygen"}, "flagkit keygen: -out is required\nusage: flagkit keygen -out PRIVATE-KEY-FILE\n..."},
		{"extra arguments", []string{"keygen", "-out", "k.pem", "x"}, "flagkit keygen: unexpected arguments\n..."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runCmd("", tt.args...).check(t, tt.args, result{exitUsage, "", tt.want})
		})
	}
}

func TestSign(t *testing.T) {
	dir := t.TempDir()
	key, keyFile, _ := testKey(t, dir)
	a := writeFile(t, dir, "a.yaml", goodDoc)
	b := writeFile(t, dir, "b.yaml", badDoc)

	t.Run("signs each file", func(t *testing.T) {
		args := []string{"sign", "-key", keyFile, a, b}
		runCmd("", args...).check(t, args, result{exitOK, "", ""})
		for path, doc := range map[string]string{a: goodDoc, b: badDoc} {
			if got, want := readString(t, path+".sig"), sigOf(key, doc); got != want {
				t.Errorf("%s.sig = %q; want %q", path, got, want)
			}
			if runtime.GOOS != "windows" {
				if fi, err := os.Stat(path + ".sig"); err != nil || fi.Mode().Perm() != 0o644 {
					t.Errorf("Stat(%s.sig) = %v, %v; want mode 0644", path, fi.Mode(), err)
				}
			}
		}
	})
	t.Run("key from standard input", func(t *testing.T) {
		c := writeFile(t, t.TempDir(), "c.yaml", goodDoc+"# c\n")
		args := []string{"sign", "-key", "-", c}
		runCmd(readString(t, keyFile), args...).check(t, args, result{exitOK, "", ""})
		if got, want := readString(t, c+".sig"), sigOf(key, goodDoc+"# c\n"); got != want {
			t.Errorf("%s.sig = %q; want %q", c, got, want)
		}
	})

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecFile := writeFile(t, dir, "ec.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})))
	seedB64 := base64.StdEncoding.EncodeToString(seed)
	rawFile := writeFile(t, dir, "raw.key", seedB64)
	garbled := writeFile(t, dir, "garbled.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: seed})))
	missing := filepath.Join(dir, "missing.yaml")
	for _, tt := range []struct {
		name string
		args []string
		want result
	}{
		{"not PEM", []string{"sign", "-key", rawFile, a}, result{exitFailure, "", "flagkit sign: private key is not a PEM \"PRIVATE KEY\" block (PKCS #8, as flagkit keygen writes it)\n"}},
		{"not PKCS #8", []string{"sign", "-key", garbled, a}, result{exitFailure, "", "flagkit sign: private key is not valid PKCS #8\n"}},
		{"not Ed25519", []string{"sign", "-key", ecFile, a}, result{exitFailure, "", "flagkit sign: private key is *ecdsa.PrivateKey; want an Ed25519 key\n"}},
		{"missing key file", []string{"sign", "-key", missing, a}, result{exitFailure, "", "flagkit sign: reading the private key: open " + missing + ": no such file or directory\n"}},
		{"missing document, others signed", []string{"sign", "-key", keyFile, missing, a}, result{exitFailure, "", "flagkit sign: open " + missing + ": no such file or directory\n"}},
		{"no -key", []string{"sign", a}, result{exitUsage, "", "flagkit sign: -key is required\n..."}},
		{"no files", []string{"sign", "-key", keyFile}, result{exitUsage, "", "flagkit sign: no files\n..."}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd("", tt.args...)
			r.check(t, tt.args, tt.want)
			if strings.Contains(r.stderr, seedB64) || strings.Contains(r.stderr, "BEGIN") {
				t.Errorf("stderr %q contains key material", r.stderr)
			}
		})
	}
	if _, err := os.Stat(missing + ".sig"); !os.IsNotExist(err) {
		t.Errorf("Stat(missing.yaml.sig) = %v; want not exist", err)
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	key, _, pub := testKey(t, dir)
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize))
	otherPub := base64.StdEncoding.EncodeToString(other.Public().(ed25519.PublicKey))
	good := writeFile(t, dir, "good.yaml", goodDoc)
	writeFile(t, dir, "good.yaml.sig", sigOf(key, goodDoc))
	tampered := writeFile(t, dir, "tampered.yaml", goodDoc+"# tampered\n")
	writeFile(t, dir, "tampered.yaml.sig", sigOf(key, goodDoc))
	unsigned := writeFile(t, dir, "unsigned.yaml", goodDoc)
	malformed := writeFile(t, dir, "malformed.yaml", goodDoc)
	writeFile(t, dir, "malformed.yaml.sig", "not a signature\n")
	huge := writeFile(t, dir, "huge.yaml", goodDoc)
	writeFile(t, dir, "huge.yaml.sig", strings.Repeat(" ", 2000)+sigOf(key, goodDoc))

	for _, tt := range []struct {
		name string
		args []string
		want result
	}{
		{"good", []string{"verify", "-pub", pub, good}, result{exitOK, "", ""}},
		{"tampered", []string{"verify", "-pub", pub, tampered}, result{exitFailure, "", "flagkit verify: " + tampered + ": signature " + tampered + ".sig does not match the document\n"}},
		{"wrong key", []string{"verify", "-pub", otherPub, good}, result{exitFailure, "", "flagkit verify: " + good + ": signature " + good + ".sig does not match the document\n"}},
		{"no signature", []string{"verify", "-pub", pub, unsigned, good}, result{exitFailure, "", "flagkit verify: open " + unsigned + ".sig: no such file or directory\n"}},
		{"malformed", []string{"verify", "-pub", pub, malformed}, result{exitFailure, "", "flagkit verify: " + malformed + ": signature " + malformed + ".sig is not the base64 of a 64-byte Ed25519 signature\n"}},
		{"signature too large", []string{"verify", "-pub", pub, huge}, result{exitFailure, "", "flagkit verify: " + huge + ".sig: 2089 bytes, over the limit of 1024 bytes\n"}},
		{"bad public key", []string{"verify", "-pub", "c2hvcnQ=", good}, result{exitUsage, "", "flagkit verify: source: public key is 5 bytes; want 32\n..."}},
		{"no -pub", []string{"verify", good}, result{exitUsage, "", "flagkit verify: -pub is required\n..."}},
		{"no files", []string{"verify", "-pub", pub}, result{exitUsage, "", "flagkit verify: no files\n..."}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runCmd("", tt.args...).check(t, tt.args, tt.want)
		})
	}
}

// TestUnboundedFiles checks that every command that reads a document or a
// signature refuses, without blocking or reading it, a file whose size
// cannot be bounded, and a document one byte over the limit.
func TestUnboundedFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero or FIFOs")
	}
	dir := t.TempDir()
	key, keyFile, pub := testKey(t, dir)
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := writeFile(t, dir, "big.yaml", strings.Repeat("#", flagkit.DefaultMaxDocumentSize+1))
	writeFile(t, dir, "big.yaml.sig", sigOf(key, readString(t, big)))
	good := writeFile(t, dir, "good.yaml", goodDoc)
	sigFIFO := good + ".sig"
	if err := syscall.Mkfifo(sigFIFO, 0o644); err != nil {
		t.Fatal(err)
	}
	const zero = "/dev/zero"
	tooBig := big + ": 8388609 bytes, over the limit of 8388608 bytes\n"
	for _, tt := range []struct {
		name string
		args []string
		want result
	}{
		{"validate /dev/zero", []string{"validate", zero}, result{exitFailure, "", "flagkit validate: /dev/zero: is a character device, not a regular file\n"}},
		{"validate FIFO", []string{"validate", fifo}, result{exitFailure, "", "flagkit validate: " + fifo + ": is a named pipe (FIFO), not a regular file\n"}},
		{"validate limit+1", []string{"validate", big}, result{exitFailure, "", "flagkit validate: " + tooBig}},
		{"sign /dev/zero", []string{"sign", "-key", keyFile, zero}, result{exitFailure, "", "flagkit sign: /dev/zero: is a character device, not a regular file\n"}},
		{"sign FIFO", []string{"sign", "-key", keyFile, fifo}, result{exitFailure, "", "flagkit sign: " + fifo + ": is a named pipe (FIFO), not a regular file\n"}},
		{"sign limit+1", []string{"sign", "-key", keyFile, big}, result{exitFailure, "", "flagkit sign: " + tooBig}},
		{"verify /dev/zero", []string{"verify", "-pub", pub, zero}, result{exitFailure, "", "flagkit verify: /dev/zero: is a character device, not a regular file\n"}},
		{"verify FIFO", []string{"verify", "-pub", pub, fifo}, result{exitFailure, "", "flagkit verify: " + fifo + ": is a named pipe (FIFO), not a regular file\n"}},
		{"verify limit+1", []string{"verify", "-pub", pub, big}, result{exitFailure, "", "flagkit verify: " + tooBig}},
		{"verify signature FIFO", []string{"verify", "-pub", pub, good}, result{exitFailure, "", "flagkit verify: " + sigFIFO + ": is a named pipe (FIFO), not a regular file\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan result, 1)
			go func() { done <- runCmd("", tt.args...) }()
			select {
			case r := <-done:
				r.check(t, tt.args, tt.want)
			case <-time.After(20 * time.Second):
				t.Fatalf("flagkit %q still running after 20s", tt.args)
			}
		})
	}
	if _, err := os.Stat(fifo + ".sig"); !os.IsNotExist(err) {
		t.Errorf("Stat(%s.sig) = %v; want no signature written", fifo, err)
	}
}

// TestEndToEnd runs the CI steps of a flag repository (keygen, validate,
// sign) and checks that source.HTTP with source.Verify accepts the result.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pem")
	doc := writeFile(t, dir, "flags.yaml", goodDoc)
	kg := runCmd("", "keygen", "-out", keyFile)
	if kg.status != exitOK {
		t.Fatalf("keygen = %+v; want status 0", kg)
	}
	for _, args := range [][]string{{"validate", doc}, {"sign", "-key", keyFile, doc}, {"verify", "-pub", strings.TrimSpace(kg.stdout), doc}} {
		runCmd("", args...).check(t, args, result{exitOK, "", ""})
	}

	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	pub, err := source.ParsePublicKey(kg.stdout)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []byte
	err = source.HTTP(srv.URL+"/flags.yaml", source.HTTPClient(srv.Client()), source.Verify(pub)).Run(ctx, func(d []byte, err error) error {
		if err != nil {
			t.Errorf("update(nil, %v); want the signed document", err)
		}
		got = d
		cancel()
		return nil
	})
	if err != nil || string(got) != goodDoc {
		t.Errorf("Run() = %v, delivered %q; want nil, %q", err, got, goodDoc)
	}
}
