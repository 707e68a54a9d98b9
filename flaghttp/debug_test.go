package flaghttp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flagkit/flagkit/flaghttp"
)

const debugBase = `flags:
  new-checkout:
    description: "One-page checkout <script>alert(1)</script>"
    metadata: {owner: payments}
    default: off
    rules:
      - name: staff
        when: {email: {ends_with: "@example.com"}}
        serve: on
      - when: {country: {eq: "NO"}}
        serve: on
  theme:
    variants: {classic: classic, dark: dark}
    default: classic
    off_variant: classic
    requires: {new-checkout: on}
    rules:
      - name: launch
        from: 2030-01-01T09:00:00Z
        until: 2030-02-01T00:00:00Z
        serve: dark
  broken:
    default: nope
`

const debugOps = `overrides:
  new-checkout: on
`

// get serves one request to h and returns the recorder.
func get(h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestDebugJSON(t *testing.T) {
	var now atomic.Int64
	now.Store(at("2029-12-31T09:00:00Z"))
	c := newClient(t, &now, debugBase, debugOps)
	h := flaghttp.Debug(c)

	for _, tt := range []struct {
		name   string
		target string
		header map[string]string
	}{
		{"query", "/debug/flags?format=json", nil},
		{"accept", "/debug/flags", map[string]string{"Accept": "text/plain;q=0.5, application/json"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := get(h, "GET", tt.target, tt.header)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d; want 200", w.Code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q; want application/json", ct)
			}
			var got map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("body is not JSON: %v\n%s", err, w.Body)
			}
			// Load times are the client's; check they are there, then drop them.
			for _, s := range got["sources"].([]any) {
				m := s.(map[string]any)
				if _, ok := m["last_load"].(string); !ok {
					t.Errorf("source %v has no last_load", m["name"])
				}
				delete(m, "last_load")
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(wantJSON), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				gotB, _ := json.MarshalIndent(got, "", "  ")
				t.Errorf("JSON = %s\nwant %s", gotB, wantJSON)
			}
		})
	}
}

const wantJSON = `{
  "time": "2029-12-31T09:00:00Z",
  "ready": true,
  "sources": [
    {"name": "base", "stale": false},
    {"name": "ops", "stale": false}
  ],
  "problems": [
    {"source": "base", "line": 23, "column": 14, "path": "flags.broken.default", "message": "no variant named \"nope\" (variants: on, off)"}
  ],
  "overrides": [
    {"flag": "new-checkout", "variant": "on", "value": true, "source": "ops"}
  ],
  "flags": [
    {"key": "broken", "enabled": false, "source": "base", "error": "flagkit: flag \"broken\" is invalid: base:23:14: flags.broken.default: no variant named \"nope\" (variants: on, off)"},
    {
      "key": "new-checkout",
      "description": "One-page checkout <script>alert(1)</script>",
      "type": "boolean",
      "enabled": true,
      "variants": ["on", "off"],
      "default": "off",
      "off_variant": "off",
      "rules": ["staff", "rules[1]"],
      "metadata": {"owner": "payments"},
      "source": "base",
      "override": {"flag": "new-checkout", "variant": "on", "value": true, "source": "ops"}
    },
    {
      "key": "theme",
      "type": "string",
      "enabled": true,
      "variants": ["classic", "dark"],
      "default": "classic",
      "off_variant": "classic",
      "rules": ["launch"],
      "requires": {"new-checkout": "on"},
      "source": "base"
    }
  ],
  "transitions": [
    {"flag": "theme", "at": "2030-01-01T09:00:00Z"},
    {"flag": "theme", "at": "2030-02-01T00:00:00Z"}
  ],
  "release_plan": {
    "population": "1000 synthetic keys with no attributes",
    "transitions": [
      {
        "at": "2030-01-01T09:00:00Z", "flag": "theme", "events": ["window \"launch\" opens"], "exact": false,
        "before": [{"variant": "classic", "percent": 100}, {"variant": "dark", "percent": 0}],
        "after": [{"variant": "classic", "percent": 0}, {"variant": "dark", "percent": 100}]
      },
      {
        "at": "2030-02-01T00:00:00Z", "flag": "theme", "events": ["window \"launch\" closes"], "exact": false,
        "before": [{"variant": "classic", "percent": 0}, {"variant": "dark", "percent": 100}],
        "after": [{"variant": "classic", "percent": 100}, {"variant": "dark", "percent": 0}]
      }
    ]
  }
}`

func TestDebugHTML(t *testing.T) {
	var now atomic.Int64
	now.Store(at("2029-12-31T09:00:00Z"))
	c := newClient(t, &now, debugBase, debugOps)
	h := flaghttp.Debug(c)

	for _, tt := range []struct {
		name   string
		target string
		header map[string]string
	}{
		{"default", "/debug/flags", nil},
		{"browser", "/debug/flags", map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}},
		{"forced", "/debug/flags?format=html", map[string]string{"Accept": "application/json"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := get(h, "GET", tt.target, tt.header)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d; want 200", w.Code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q; want text/html; charset=utf-8", ct)
			}
			body := w.Body.String()
			if strings.Contains(body, "<script") {
				t.Errorf("page contains an unescaped <script")
			}
			for _, want := range []string{
				"One-page checkout &lt;script&gt;alert(1)&lt;/script&gt;",
				`<code>base:23:14</code></td><td><code>flags.broken.default</code>`,
				`override: on from <code>ops</code>`,
				`<li>staff</li><li>rules[1]</li>`,
				`new-checkout: on<br>`,
				`<td>2030-01-01T09:00:00Z</td><td>in 24h0m0s</td>`,
				`<td>2030-02-01T00:00:00Z</td><td>in 759h0m0s</td>`,
				`<code>{&#34;owner&#34;:&#34;payments&#34;}</code>`,
				`<svg xmlns="http://www.w3.org/2000/svg" id="release-plan"`,
				`<g class="lane" data-flag="theme">`,
				`<g class="lane" data-flag="new-checkout">`,
				`fill="#6b7280">One-page checkout &lt;script&gt;alert(1…</text>`,
				`<td><a href="#flag-theme"><code>theme</code></a></td><td>window &#34;launch&#34; opens<br></td><td>classic: ≈100.0 % → ≈0.0 %<br>dark: ≈0.0 % → ≈100.0 %<br></td>`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if t.Failed() {
				t.Logf("page:\n%s", body)
			}
		})
	}
}

func TestDebugMethods(t *testing.T) {
	var now atomic.Int64
	now.Store(at("2029-12-31T09:00:00Z"))
	c := newClient(t, &now, debugBase)
	h := flaghttp.Debug(c)

	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		w := get(h, m, "/debug/flags", nil)
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: status = %d; want 405", m, w.Code)
		}
		if got := w.Header().Get("Allow"); got != "GET, HEAD" {
			t.Errorf("%s: Allow = %q; want %q", m, got, "GET, HEAD")
		}
	}

	full := get(h, "GET", "/debug/flags", nil)
	w := get(h, "HEAD", "/debug/flags", nil)
	if w.Code != http.StatusOK {
		t.Errorf("HEAD: status = %d; want 200", w.Code)
	}
	if w.Body.Len() != 0 {
		t.Errorf("HEAD: body has %d bytes; want none", w.Body.Len())
	}
	if got, want := w.Header().Get("Content-Length"), strconv.Itoa(full.Body.Len()); got != want {
		t.Errorf("HEAD: Content-Length = %s; want %s, the GET's", got, want)
	}
	for k, want := range map[string]string{
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := full.Header().Get(k); got != want {
			t.Errorf("GET: %s = %q; want %q", k, got, want)
		}
	}
}

func TestDebugClosed(t *testing.T) {
	var now atomic.Int64
	now.Store(at("2029-12-31T09:00:00Z"))
	c := newClient(t, &now, debugBase)
	c.Close()
	w := get(flaghttp.Debug(c), "GET", "/debug/flags?format=json", nil)
	var got struct {
		Ready bool
		Flags []any
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if got.Ready || len(got.Flags) != 0 {
		t.Errorf("after Close: ready %v, %d flags; want false, 0", got.Ready, len(got.Flags))
	}
	if w := get(flaghttp.Debug(nil), "GET", "/debug/flags", nil); w.Code != http.StatusOK {
		t.Errorf("Debug(nil): status = %d; want 200", w.Code)
	}
}
