package flagkit_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/fakehttp"
	"github.com/flagkit/flagkit/source"
)

// httpAnswer is a fake server's answer to every request.
type httpAnswer struct {
	code int
	body string
}

// newHTTPClient starts a client with an HTTP source at rawURL whose
// requests get answer, logging to the returned buffer.
func newHTTPClient(t *testing.T, rawURL string, answer httpAnswer, opts ...source.HTTPOption) (*flagkit.Client, *bytes.Buffer, error) {
	t.Helper()
	var logs bytes.Buffer
	client := fakehttp.Client(func(r *http.Request) (*http.Response, error) {
		return fakehttp.Response(r, answer.code, answer.body), nil
	})
	opts = append([]source.HTTPOption{source.HTTPClient(client), source.Interval(time.Hour)}, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := flagkit.New(ctx, flagkit.WithSource(source.HTTP(rawURL, opts...)),
		flagkit.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if c != nil {
		closeAtEnd(t, c)
	}
	return c, &logs, err
}

// TestHTTPSourceErrorsNameSourceOnce checks New's error for each way an
// HTTP source can yield no usable document: each names the source once,
// by its Name, and reads without doubled prefixes.
func TestHTTPSourceErrorsNameSourceOnce(t *testing.T) {
	const u = "https://flags.example.com/flags.yaml"
	name := "http:" + u
	dir := t.TempDir()
	badBackup := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badBackup, []byte("flags: [unclosed"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		answer httpAnswer
		opts   []source.HTTPOption
		want   string
	}{
		{"server error", httpAnswer{503, ""}, nil,
			"flagkit: source " + name + ": no usable document: unexpected status 503 Service Unavailable"},
		{"refused document", httpAnswer{200, "<html>"}, nil,
			"flagkit: " + name + `:1:1: expected a mapping, found "<html>"`},
		{"server error, refused backup", httpAnswer{503, ""}, []source.HTTPOption{source.Backup(badBackup)},
			"flagkit: source " + name + ": no usable document: unexpected status 503 Service Unavailable; its fallback document was refused too: flagkit: " + name + ":1:1: did not find expected ',' or ']'"},
		{"refused document, refused backup", httpAnswer{200, "<html>"}, []source.HTTPOption{source.Backup(badBackup)},
			"flagkit: " + name + `:1:1: expected a mapping, found "<html>"; its fallback document was refused too: flagkit: ` + name + ":1:1: did not find expected ',' or ']'"},
		{"unreadable backup", httpAnswer{503, ""}, []source.HTTPOption{source.Backup(dir)},
			"flagkit: source " + name + ": no usable document: unexpected status 503 Service Unavailable (backup not used: read " + dir + ": is a directory)"},
		{"too large", httpAnswer{200, "flags: {}\n"}, []source.HTTPOption{source.MaxSize(4)},
			"flagkit: source " + name + ": no usable document: document too large: Content-Length 10 is over the limit of 4 bytes"},
		{"misconfigured", httpAnswer{200, ""}, []source.HTTPOption{source.SignatureURL(u + ".sig")},
			"flagkit: source " + name + ": no usable document: source stopped: signature URL set without a public key to verify it (source.Verify)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := newHTTPClient(t, u, tt.answer, tt.opts...)
			if err == nil {
				t.Fatalf("New() = _, nil; want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("New() error:\n%s\nwant:\n%s", err, tt.want)
			}
			if strings.Count(err.Error(), "source: http") > 0 || strings.Count(err.Error(), "flagkit: flagkit:") > 0 {
				t.Errorf("New() error %q has a doubled prefix", err)
			}
		})
	}
}

// TestHTTPSourceCredentialsNeverShown checks every place a URL surfaces
// through a client (Name, New's error, Status, Detail.Source, the log) for
// URLs whose credentials parse and URLs whose password holds a delimiter,
// which do not.
func TestHTTPSourceCredentialsNeverShown(t *testing.T) {
	const secret = "s3cr"
	tests := []struct {
		name   string
		url    string
		answer httpAnswer
		backup bool
		ok     bool // New succeeds
	}{
		{"'/' in the password", "https://svc:s3cr/t+tok==@host/flags.yaml", httpAnswer{200, "flags: {}\n"}, false, false},
		{"'?' in the password", "https://svc:s3cr?tok@host/flags.yaml", httpAnswer{200, "flags: {}\n"}, false, false},
		{"'#' in the password", "https://svc:s3cr#tok@host/flags.yaml", httpAnswer{200, "flags: {}\n"}, false, false},
		{"'@' in the password", "https://svc:s3cr@tok@host/flags.yaml", httpAnswer{503, ""}, true, true},
		{"encoded '/' in the password", "https://svc:s3cr%2Ft@host/flags.yaml", httpAnswer{503, ""}, true, true},
		{"refused document", "https://svc:s3cr@host/flags.yaml", httpAnswer{200, "- " + secret}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []source.HTTPOption
			if tt.backup {
				backup := filepath.Join(t.TempDir(), "flags.yaml")
				if err := os.WriteFile(backup, []byte("flags: {f: {default: on}}\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				opts = append(opts, source.Backup(backup))
			}
			if got := source.HTTP(tt.url).Name(); got != "http:https://host/flags.yaml" {
				t.Errorf("Name() = %q; want %q", got, "http:https://host/flags.yaml")
			}
			c, logs, err := newHTTPClient(t, tt.url, tt.answer, opts...)
			if (err == nil) != tt.ok {
				t.Fatalf("New() error = %v; want success %v", err, tt.ok)
			}
			var shown []string
			if err != nil {
				shown = append(shown, err.Error())
			}
			if c != nil {
				for _, s := range c.Status().Sources {
					shown = append(shown, s.Name)
					if s.LastError != nil {
						shown = append(shown, s.LastError.Error())
					}
				}
				shown = append(shown, c.Evaluate(context.Background(), "f", flagkit.Subject{Key: "k"}).Source)
				if err := c.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}
			shown = append(shown, logs.String())
			for _, s := range shown {
				// The document refused holds the word too: only the URL's
				// forms count.
				if strings.Contains(strings.ReplaceAll(s, "- "+secret, ""), secret) {
					t.Errorf("shown: %q; contains the password", s)
				}
			}
		})
	}
}
