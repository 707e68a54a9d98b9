// Command flagkit checks, signs and verifies flagkit flag documents, for the
// CI of a flag repository and for the operators of a service that loads
// signed documents with source.Verify; and it checks a service's Go code
// against the flag documents.
//
// Usage:
//
//	flagkit validate FILE...
//	flagkit keygen -out PRIVATE-KEY-FILE
//	flagkit sign -key PRIVATE-KEY-FILE FILE...
//	flagkit verify -pub PUBLIC-KEY FILE...
//	flagkit vet -flags FILE[,FILE...] [-json] [-level error|note|info] PACKAGES...
//	flagkit stale -flags FILE[,FILE...] [-json] [-now TIME] PACKAGES...
//	flagkit plan [-json | -svg] [-now TIME] [-zone ZONE] [-n N | -subjects FILE] FILE...
//	flagkit diff [-json] [-exit-code] [-now TIME] [-n N | -subjects FILE] OLD[,OLD...] NEW[,NEW...]
//	flagkit eval [-key KEY] [-attr NAME=VALUE]... [-at TIME] [-tz ZONE] [-flag KEY]... [-explain] [-json] FILE...
//
// validate checks each document as a flagkit client would load it on its
// own and prints every problem as "FILE:LINE:COLUMN: PATH: MESSAGE".
//
// keygen makes a new Ed25519 key pair: it writes the private key to the
// file named by -out (PKCS #8, PEM; mode 0600; an existing file is never
// replaced) and prints the public key, in standard base64, to standard
// output. Give the public key to the services (source.ParsePublicKey) and
// keep the private key secret, for example as a CI secret.
//
// sign writes the detached signature of each FILE to FILE.sig: the standard
// base64 of the Ed25519 signature of the file's exact bytes, and a newline.
// -key - reads the private key from standard input. Publish FILE.sig next to
// FILE, and sign again after every change of FILE.
//
// verify checks FILE.sig against each FILE under the public key given in
// standard base64, as source.Verify does.
//
// vet loads the Go packages named by the patterns (as go build and go vet
// name them, from the current directory, with their tests) and runs the
// flagcheck analyzer (package github.com/flagkit/flagkit/flagcheck) over
// them against the flag documents given with -flags (repeated or
// comma-separated; later documents are later layers). It prints each
// finding as "FILE:LINE:COLUMN: MESSAGE", or with -json an object
// {"findings": [{"pos", "file", "line", "column", "level", "category",
// "message"}]}. Levels: error (a key that no document defines, with "did
// you mean"; a getter of the wrong type), note (a fallback that is no
// variant's value), info (a key that is not a constant); -level sets the
// least serious printed. vet exits with status 1 when it finds an error,
// and 0 when it finds only notes and information.
//
// stale lists the flags ready for removal: those that no code in the
// packages references, and those that serve one value to everyone from now
// on (see flagkit.Client.Settled): disabled, overridden in the documents,
// or settled by their own schedule (a launch done, a ramp at 100 %, a
// window closed for good), with the time of their last scheduled
// transition and how long ago it was. Each comes with every code reference
// to remove. Calls whose key is not a constant are listed too, since a
// flag may be read there. -json prints {"at", "flags": [{"key",
// "unreferenced", "settled", "why", "variant", "value", "since",
// "settled_for_seconds", "references": [{"pos", "call", "generated"}]}],
// "dynamic_keys": [...]}; -now judges at another instant. stale exits
// with status 0 whatever it lists.
//
// plan prints the release plan of the documents (layers, in order, as a
// client loads them): every scheduled transition in time order — a window
// opening or closing, each point of a ramp, a launch — with the share of
// subjects served each variant 1 ms before and at it, in the documents'
// zone (or -zone) and in UTC. Shares are exact where only percentages
// decide, computed from the thresholds over every bucket; where cohorts,
// conditions, by: attributes, prerequisites or percentages on different
// salts decide, they are estimated (marked ≈) by evaluating -n synthetic
// keys with no attributes (default 10000), or the subjects of -subjects,
// a JSON-lines file of {"key": "...", "attrs": {...}}; the output names
// those flags and why. A flag that requires another changes with it. -json
// prints {"now", "zone", "population", "sample", "flags": [{"key",
// "exact", "estimated", "state", "variants", "now", "windows", "launches",
// "ramps"}], "transitions": [{"at", "local", "past", "flag", "events":
// [{"kind", "rule", "percent", "point", "points"}], "exact", "before",
// "after"}]}. -svg writes a picture of the plan as SVG: a lane per flag
// with each variant's share over time, windows as bars, launches as
// markers and today as a red line. -now plans as of another instant.
//
// diff measures what an edit changes: OLD and NEW are each a document or
// several separated by commas (layers, in order). It lists the flags
// added and removed, and for each flag whose definition changed, or whose
// answers changed through a cohort or a prerequisite, how many subjects of
// the population (as for plan: -n synthetic keys, or -subjects) get
// another variant now and at each upcoming transition of either version,
// from which variant to which, and how many move between variants of a
// split (served by a split in both versions: consistent hashing keeps
// that at 0 when only a percentage rises, so a count above 0 is a
// reshuffle). -json prints {"old", "new", "now", "zone", "population",
// "sample", "added", "removed", "changed": [{"key", "definition_changed",
// "impact": [{"at", "local", "now", "changed", "changed_percent",
// "split_moves", "moves": [{"from", "to", "count"}]}]}], "unchanged",
// "reshuffle"}. diff exits with status 0 whatever it finds, unless
// -exit-code is given: then 0 when nothing changed, 3 when flags were
// added, removed or changed, and 4 when some subject moves between
// variants of a split; 1 and 2 keep their meaning (a failure, a usage
// error), so a CI step can tell an impact from a broken run.
// eval evaluates flags of documents for one subject at one instant, with
// -explain the whole path of each evaluation; eval.go describes its
// options, its output and its exit statuses (flagkit eval -h lists them).
//
// Every file these commands read as a document or a signature must be a
// regular file of at most flagkit.DefaultMaxDocumentSize bytes (8 MiB; a
// signature file: 1 KiB): at most that many bytes plus one are read, and
// anything whose size cannot be bounded in advance (a device such as
// /dev/zero, a FIFO, a socket) is refused without reading it, with an
// error naming the file. The private key file of sign is read up to
// 64 KiB and may be a pipe (sign -key <(command) or -key -).
//
// Each command prints nothing on success and exits with status 0. It exits
// with status 1 when a document has a problem or a signature does not
// verify, or on any other failure, and with status 2 on a usage error.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/atomicfile"
	"github.com/flagkit/flagkit/internal/docfile"
	"github.com/flagkit/flagkit/source"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // a problem, a bad signature, an I/O error
	exitUsage   = 2
)

const usage = `usage:
	flagkit validate FILE...
	flagkit keygen -out PRIVATE-KEY-FILE
	flagkit sign -key PRIVATE-KEY-FILE FILE...
	flagkit verify -pub PUBLIC-KEY FILE...
	flagkit vet -flags FILE[,FILE...] [-json] [-level error|note|info] PACKAGES...
	flagkit stale -flags FILE[,FILE...] [-json] [-now TIME] PACKAGES...
	flagkit plan [-json | -svg] [-now TIME] [-zone ZONE] [-n N | -subjects FILE] FILE...
	flagkit diff [-json] [-exit-code] [-now TIME] [-n N | -subjects FILE] OLD[,OLD...] NEW[,NEW...]
	flagkit eval [-key KEY] [-attr NAME=VALUE]... [-at TIME] [-tz ZONE] [-flag KEY]... [-explain] [-json] FILE...
`

// maxSignatureFile is the largest signature file verify reads, as
// source.Verify does.
const maxSignatureFile = 1 << 10

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs the command line args (without the program name) and returns
// the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "validate":
		return runValidate(args, stdout, stderr)
	case "keygen":
		return runKeygen(args, rand.Reader, stdout, stderr)
	case "sign":
		return runSign(args, stdin, stderr)
	case "verify":
		return runVerify(args, stderr)
	case "vet":
		return runVet(args, stdout, stderr)
	case "stale":
		return runStale(args, time.Now, stdout, stderr)
	case "plan":
		return runPlan(args, time.Now, stdout, stderr)
	case "diff":
		return runDiff(args, time.Now, stdout, stderr)
	case "eval":
		return runEval(args, time.Now, stdout, stderr) // see eval.go
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "flagkit: unknown command %q\n%s", cmd, usage)
		return exitUsage
	}
}

// newFlagSet returns a flag set for the command that prints its errors and
// usage to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("flagkit "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: flagkit %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and reports the exit status when the command must
// stop: after -h, or on a usage error.
func parseFlags(fs *flag.FlagSet, args []string) (status int, stop bool) {
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, true
	case err != nil:
		return exitUsage, true
	}
	return exitOK, false
}

// usageError prints msg and the command's usage, and returns exitUsage.
func usageError(fs *flag.FlagSet, stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "%s: %s\n", fs.Name(), msg)
	fs.Usage()
	return exitUsage
}

// runValidate implements flagkit validate.
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "FILE...", stderr)
	if status, stop := parseFlags(fs, args); stop {
		return status
	}
	if fs.NArg() == 0 {
		return usageError(fs, stderr, "no files")
	}
	status := exitOK
	for _, name := range fs.Args() {
		data, err := readDocument(name)
		if err != nil {
			fmt.Fprintf(stderr, "flagkit validate: %v\n", err)
			status = exitFailure
			continue
		}
		for _, p := range problems(flagkit.Validate(name, data)) {
			fmt.Fprintln(stdout, p)
			status = exitFailure
		}
	}
	return status
}

// problems returns the lines that describe err, one per problem.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range j.Unwrap() {
			lines = append(lines, problems(e)...)
		}
		return lines
	}
	var pe *flagkit.ParseError
	if !errors.As(err, &pe) {
		return []string{err.Error()}
	}
	var b bytes.Buffer
	b.WriteString(pe.Source)
	if pe.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", pe.Line, pe.Column)
	}
	b.WriteString(": ")
	if pe.Path != "" {
		b.WriteString(pe.Path + ": ")
	}
	b.WriteString(pe.Msg)
	return []string{b.String()}
}

// runKeygen implements flagkit keygen, drawing the key from random.
func runKeygen(args []string, random io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("keygen", "-out PRIVATE-KEY-FILE", stderr)
	out := fs.String("out", "", "write the private key to this `file` (created with mode 0600; must not exist)")
	if status, stop := parseFlags(fs, args); stop {
		return status
	}
	switch {
	case *out == "":
		return usageError(fs, stderr, "-out is required")
	case fs.NArg() > 0:
		return usageError(fs, stderr, "unexpected arguments")
	}
	pub, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		fmt.Fprintf(stderr, "flagkit keygen: generating a key: %v\n", err)
		return exitFailure
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		fmt.Fprintf(stderr, "flagkit keygen: %v\n", err)
		return exitFailure
	}
	if err := writeNewFile(*out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		fmt.Fprintf(stderr, "flagkit keygen: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(pub))
	return exitOK
}

// writeNewFile creates the file at path, which must not exist, with mode
// 0600 and data.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// runSign implements flagkit sign.
func runSign(args []string, stdin io.Reader, stderr io.Writer) int {
	fs := newFlagSet("sign", "-key PRIVATE-KEY-FILE FILE...", stderr)
	keyFile := fs.String("key", "", "read the private key (PKCS #8, PEM, as keygen writes it) from this `file`; - for standard input")
	if status, stop := parseFlags(fs, args); stop {
		return status
	}
	switch {
	case *keyFile == "":
		return usageError(fs, stderr, "-key is required")
	case fs.NArg() == 0:
		return usageError(fs, stderr, "no files")
	}
	var pemData []byte
	var err error
	if *keyFile == "-" {
		pemData, err = io.ReadAll(io.LimitReader(stdin, 64<<10))
	} else {
		pemData, err = readFile(*keyFile, 64<<10)
	}
	if err != nil {
		fmt.Fprintf(stderr, "flagkit sign: reading the private key: %v\n", err)
		return exitFailure
	}
	key, err := parsePrivateKey(pemData)
	if err != nil {
		fmt.Fprintf(stderr, "flagkit sign: %v\n", err)
		return exitFailure
	}
	status := exitOK
	for _, name := range fs.Args() {
		doc, err := readDocument(name)
		if err == nil {
			sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, doc)) + "\n"
			err = atomicfile.Write(name+".sig", []byte(sig), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "flagkit sign: %v\n", err)
			status = exitFailure
		}
	}
	return status
}

// parsePrivateKey decodes an Ed25519 private key in PKCS #8, PEM. Its
// errors never quote the key.
func parsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New(`private key is not a PEM "PRIVATE KEY" block (PKCS #8, as flagkit keygen writes it)`)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("private key is not valid PKCS #8")
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("private key is %T; want an Ed25519 key", k)
	}
	return key, nil
}

// runVerify implements flagkit verify.
func runVerify(args []string, stderr io.Writer) int {
	fs := newFlagSet("verify", "-pub PUBLIC-KEY FILE...", stderr)
	pubText := fs.String("pub", "", "the public `key`, in standard base64, as keygen prints it")
	if status, stop := parseFlags(fs, args); stop {
		return status
	}
	switch {
	case *pubText == "":
		return usageError(fs, stderr, "-pub is required")
	case fs.NArg() == 0:
		return usageError(fs, stderr, "no files")
	}
	pub, err := source.ParsePublicKey(*pubText)
	if err != nil {
		return usageError(fs, stderr, err.Error())
	}
	status := exitOK
	for _, name := range fs.Args() {
		if err := verifyFile(pub, name); err != nil {
			fmt.Fprintf(stderr, "flagkit verify: %v\n", err)
			status = exitFailure
		}
	}
	return status
}

// verifyFile checks the signature in name+".sig" of the file name.
func verifyFile(pub ed25519.PublicKey, name string) error {
	doc, err := readDocument(name)
	if err != nil {
		return err
	}
	sigName := name + ".sig"
	data, err := docfile.Read(sigName, maxSignatureFile)
	if err != nil {
		return err
	}
	data = bytes.TrimSpace(data)
	sig := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(sig, data)
	if err != nil || n != ed25519.SignatureSize {
		return fmt.Errorf("%s: signature %s is not the base64 of a %d-byte Ed25519 signature", name, sigName, ed25519.SignatureSize)
	}
	if !ed25519.Verify(pub, doc, sig[:n]) {
		return fmt.Errorf("%s: signature %s does not match the document", name, sigName)
	}
	return nil
}

// readDocument reads the flag document at path: a regular file of at most
// flagkit.DefaultMaxDocumentSize bytes.
func readDocument(path string) ([]byte, error) {
	return docfile.Read(path, flagkit.DefaultMaxDocumentSize)
}

// readFile reads at most limit bytes of the file at path, which may be a
// pipe (for the private key).
func readFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}
