package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
)

// lockedBuffer is a log destination that the client's goroutines and the
// test may use at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// writeFile replaces the file at path with data atomically, as
// docs/sources.md tells writers to: a temporary file in the same directory, then
// a rename.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond every 10 ms until it holds, and fails the test with
// cond's description of what it saw if it does not within 5 s of start
// (the moment of what).
func eventually(t *testing.T, start time.Time, what string, cond func() (bool, string)) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, got := cond()
		if ok {
			return
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("5s after %s: %s", what, got)
		}
		<-tick.C
	}
}

// shippedFlags returns the example's flags.yaml.
func shippedFlags(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("flags.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// start runs the service over a copy of flags.yaml and returns it with
// the path of the copy; both are cleaned up when the test ends.
func start(t *testing.T, cfg config) (*service, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flags.yaml")
	writeFile(t, path, shippedFlags(t))
	cfg.FlagsPath = path
	if cfg.Environ == nil {
		cfg.Environ = func() []string { return nil }
	}
	if cfg.LaunchAt.IsZero() {
		cfg.LaunchAt = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := newService(ctx, cfg)
	if err != nil {
		t.Fatalf("newService: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if p := s.client.Status().Problems; len(p) != 0 {
		t.Fatalf("flags.yaml has problems: %v", p)
	}
	return s, path
}

// getCheckout gets /checkout from url with the given headers.
func getCheckout(t *testing.T, client *http.Client, url string, header map[string]string) string {
	t.Helper()
	req, err := http.NewRequest("GET", url+"/checkout", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /checkout: %s: %s", resp.Status, b)
	}
	return string(b)
}

func TestCheckout(t *testing.T) {
	s, path := start(t, config{})
	srv := httptest.NewServer(s.handler)
	defer srv.Close()

	tests := []struct {
		name   string
		header map[string]string
		want   string
	}{
		{
			name: "anonymous",
			want: "checkout: classic\ntheme: classic\nbanner: none\n" + `why: new-checkout=off reason=DEFAULT rule="" source=file:` + path + "\n",
		},
		{
			name:   "staff speaking Norwegian",
			header: map[string]string{"X-User": "Ann@Example.com", "Accept-Language": "nb-NO,nb;q=0.9,en;q=0.8"},
			want:   "checkout: one-page\ntheme: dark\nbanner: none\n" + `why: new-checkout=on reason=TARGETING_MATCH rule="staff first" source=file:` + path + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := getCheckout(t, srv.Client(), srv.URL, tt.header)
			if got != tt.want {
				t.Errorf("GET /checkout = %q; want %q", got, tt.want)
			}
		})
	}
}

// TestLiveEdit edits the flag file while the service runs and waits for
// the answer to change.
func TestLiveEdit(t *testing.T) {
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	s, path := start(t, config{Poll: 10 * time.Millisecond, Logger: logger})
	srv := httptest.NewServer(s.handler)
	defer srv.Close()

	// Requests come from 127.0.0.1, outside the office network.
	if got := getCheckout(t, srv.Client(), srv.URL, nil); !strings.HasPrefix(got, "checkout: classic\n") {
		t.Fatalf("before the edit: GET /checkout = %q; want the classic checkout", got)
	}
	edited := strings.Replace(shippedFlags(t), `in_cidr: ["10.0.0.0/8"]`, `in_cidr: ["10.0.0.0/8", "127.0.0.0/8"]`, 1)
	if edited == shippedFlags(t) {
		t.Fatal("flags.yaml no longer has the office network rule")
	}
	writeFile(t, path, edited)

	want := "checkout: one-page\ntheme: classic\nbanner: none\n" + `why: new-checkout=on reason=TARGETING_MATCH rule="office network"`
	edit := time.Now()
	eventually(t, edit, "the edit", func() (bool, string) {
		got := getCheckout(t, srv.Client(), srv.URL, nil)
		return strings.HasPrefix(got, want), fmt.Sprintf("GET /checkout = %q; want it to start with %q", got, want)
	})
	// The service's OnChange callback logged the change (checkout-theme
	// changes with new-checkout, which it requires). The callback runs on
	// the client's goroutine, so wait for it too.
	eventually(t, edit, "the edit", logged(&logs, `msg="service: flags changed" flags="[checkout-theme new-checkout]"`))
}

// logged returns a condition for eventually: the log holds want.
func logged(logs *lockedBuffer, want string) func() (bool, string) {
	return func() (bool, string) {
		return strings.Contains(logs.String(), want), fmt.Sprintf("%q was not logged; log:\n%s", want, logs.String())
	}
}

// TestSourceFailureLogged breaks the flag file and repairs it: the
// service's OnStatus callback logs the stale source, then its recovery,
// while /checkout keeps answering from the last good flags.
func TestSourceFailureLogged(t *testing.T) {
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	s, path := start(t, config{Poll: 10 * time.Millisecond, Logger: logger})
	srv := httptest.NewServer(s.handler)
	defer srv.Close()
	before := getCheckout(t, srv.Client(), srv.URL, nil)

	writeFile(t, path, "flags: [not, a, mapping\n")
	eventually(t, time.Now(), "breaking the file", logged(&logs, `msg="service: flags stale, serving the last good ones" source=file:`))
	if got := getCheckout(t, srv.Client(), srv.URL, nil); got != before {
		t.Errorf("while the file is broken: GET /checkout = %q; want the last good answer %q", got, before)
	}
	writeFile(t, path, shippedFlags(t))
	eventually(t, time.Now(), "repairing the file", logged(&logs, `msg="service: flag sources healthy" problems=0`))
}

// TestScheduledLaunch moves the service's clock past the generated launch.
func TestScheduledLaunch(t *testing.T) {
	t0 := time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(t0.UnixMilli())
	clock := func() time.Time { return time.UnixMilli(now.Load()) }
	s, path := start(t, config{Clock: clock, LaunchAt: t0.Add(time.Minute)})
	srv := httptest.NewServer(s.handler)
	defer srv.Close()

	want := []flagkit.Transition{{Flag: "launch-banner", At: t0.Add(time.Minute)}}
	got := s.client.Transitions(t0)
	if len(got) != 1 || got[0].Flag != want[0].Flag || !got[0].At.Equal(want[0].At) {
		t.Errorf("Transitions(%v) = %v; want %v", t0, got, want)
	}

	// The debug page lists it too.
	resp, err := srv.Client().Get(srv.URL + "/debug/flags?format=json")
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Sources []struct {
			Name string `json:"name"`
		} `json:"sources"`
		Transitions []struct {
			Flag string    `json:"flag"`
			At   time.Time `json:"at"`
		} `json:"transitions"`
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("/debug/flags?format=json: %v", err)
	}
	if len(page.Transitions) != 1 || page.Transitions[0].Flag != "launch-banner" || !page.Transitions[0].At.Equal(t0.Add(time.Minute)) {
		t.Errorf("/debug/flags transitions = %+v; want launch-banner at %v", page.Transitions, t0.Add(time.Minute))
	}
	var names []string
	for _, src := range page.Sources {
		names = append(names, src.Name)
	}
	if got, want := strings.Join(names, " "), "generated:launch file:"+path+" env:FEATURE_"; got != want {
		t.Errorf("/debug/flags sources = %s; want %s", got, want)
	}

	steps := []struct {
		at   time.Time
		want string
	}{
		{t0, "banner: none\n"},
		{t0.Add(time.Minute - time.Millisecond), "banner: none\n"},
		{t0.Add(time.Minute), "banner: Launch day: free shipping!\n"},
	}
	for _, st := range steps {
		now.Store(st.at.UnixMilli())
		if got := getCheckout(t, srv.Client(), srv.URL, nil); !strings.Contains(got, st.want) {
			t.Errorf("at %v: GET /checkout = %q; want it to contain %q", st.at, got, st.want)
		}
	}
}

// TestLayers serves a document over HTTP and sets an environment
// override, each over the file.
func TestLayers(t *testing.T) {
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "flags:\n  checkout-theme:\n    variants: {classic: classic, dark: dark}\n    default: dark\n")
	}))
	defer remote.Close()
	s, _ := start(t, config{
		URL:     remote.URL + "/flags.yaml",
		Environ: func() []string { return []string{"FEATURE_NEW_CHECKOUT=on"} },
	})
	srv := httptest.NewServer(s.handler)
	defer srv.Close()

	want := "checkout: one-page\ntheme: dark\nbanner: none\n" + `why: new-checkout=on reason=STATIC rule="" source=env:FEATURE_` + "\n"
	if got := getCheckout(t, srv.Client(), srv.URL, nil); got != want {
		t.Errorf("GET /checkout = %q; want %q", got, want)
	}
	if got := s.counter.Count("new-checkout", "on"); got != 1 {
		t.Errorf("counter: Count(%q, %q) = %d; want 1", "new-checkout", "on", got)
	}
}

func TestPrimaryLanguage(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", ""},
		{"nb-NO,nb;q=0.9,en;q=0.8", "nb"},
		{" EN-gb ; q=1", "en"},
		{"*", "*"},
	}
	for _, tt := range tests {
		if got := primaryLanguage(tt.header); got != tt.want {
			t.Errorf("primaryLanguage(%q) = %q; want %q", tt.header, got, tt.want)
		}
	}
}
