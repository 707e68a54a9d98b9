package flaghttp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flaghttp"
	"github.com/flagkit/flagkit/source"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const appDoc = `
flags:
  new-checkout:
    default: off
    rules:
      - name: staff
        when: {email: {ends_with: "@example.com"}}
        serve: on
      - name: office
        when: {ip: {in_cidr: ["192.0.2.0/24"]}}
        serve: on
  theme:
    variants: {classic: classic, dark: dark}
    default: classic
    rules:
      - name: launch
        from: 2030-01-01T00:00:00Z
        serve: dark
  limit:
    variants: {low: 10, high: 1000.5}
    default: low
    rules:
      - name: acme
        when: {tenant: {eq: acme}}
        serve: high
  banner:
    variants: {none: {}, sale: {text: "Sale!", percent: 20}}
    default: sale
`

// newClient returns a client over the given documents, in layers, whose
// clock reads *now; it is closed when the test ends.
func newClient(t *testing.T, now *atomic.Int64, docs ...string) *flagkit.Client {
	t.Helper()
	opts := []flagkit.Option{flagkit.WithClock(func() time.Time { return time.UnixMilli(now.Load()) })}
	for i, d := range docs {
		opts = append(opts, flagkit.WithSource(source.Bytes([]string{"base", "ops"}[i], []byte(d))))
	}
	c, err := flagkit.New(context.Background(), opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

func at(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

// subject is the test's SubjectFunc: the user from a header (a test
// stands in for authentication), the tenant, and the peer's address.
func subject(r *http.Request) flagkit.Subject {
	s := flagkit.Subject{Key: r.Header.Get("X-User"), Attrs: flagkit.Attrs{}}
	if s.Key != "" {
		s.Attrs["email"] = s.Key
	}
	if t := r.Header.Get("X-Tenant"); t != "" {
		s.Attrs["tenant"] = t
	}
	if ip := flaghttp.RemoteIP(r); ip.IsValid() {
		s.Attrs["ip"] = ip
	}
	return s
}

func TestMiddleware(t *testing.T) {
	var now atomic.Int64
	now.Store(at("2029-12-31T23:59:59Z"))
	c := newClient(t, &now, appDoc)

	type answers struct {
		checkout bool
		theme    string
		limit    int64
		limitF   float64
		banner   string
		rule     string
		subject  string
	}
	var got answers
	h := flaghttp.Middleware(c, subject)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		got.checkout = flaghttp.Bool(ctx, "new-checkout", false)
		got.theme = flaghttp.String(ctx, "theme", "none")
		// The launch happens during the request: the request keeps the
		// clock reading it started with.
		now.Store(at("2030-01-01T00:00:00Z"))
		if again := flaghttp.String(ctx, "theme", "none"); again != got.theme {
			t.Errorf("String(%q) changed within a request: %q, then %q", "theme", got.theme, again)
		}
		got.limit = flaghttp.Int(ctx, "limit", -1)
		got.limitF = flaghttp.Float(ctx, "limit", -1)
		var b struct{ Text string }
		flaghttp.Object(ctx, "banner", &b)
		got.banner = b.Text
		got.rule = flaghttp.Evaluate(ctx, "new-checkout").Rule
		s, _ := flaghttp.SubjectFrom(ctx)
		got.subject = s.Key
	}))

	tests := []struct {
		name   string
		remote string
		header map[string]string
		start  string
		want   answers
	}{
		{
			name:   "anonymous",
			remote: "203.0.113.9:5000",
			start:  "2029-12-31T23:59:59Z",
			want:   answers{checkout: false, theme: "classic", limit: 10, limitF: 10, banner: "Sale!"},
		},
		{
			name:   "staff of acme after the launch",
			remote: "203.0.113.9:5000",
			header: map[string]string{"X-User": "ann@example.com", "X-Tenant": "acme"},
			start:  "2030-01-01T00:00:00Z",
			want:   answers{checkout: true, theme: "dark", limit: -1, limitF: 1000.5, banner: "Sale!", rule: "staff", subject: "ann@example.com"},
		},
		{
			name:   "in the office",
			remote: "192.0.2.7:5000",
			start:  "2029-12-31T23:59:59Z",
			want:   answers{checkout: true, theme: "classic", limit: 10, limitF: 10, banner: "Sale!", rule: "office"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now.Store(at(tt.start))
			got = answers{}
			r := httptest.NewRequest("GET", "/checkout", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Errorf("answers = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestMiddlewareNil(t *testing.T) {
	var seen flagkit.Subject
	var checkout bool
	h := flaghttp.Middleware(nil, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = flaghttp.SubjectFrom(r.Context())
		checkout = flaghttp.Bool(r.Context(), "new-checkout", true)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if seen.Key != "" || seen.Attrs != nil {
		t.Errorf("subject with a nil SubjectFunc = %+v; want the empty subject", seen)
	}
	if !checkout {
		t.Errorf("Bool(%q) with a nil client = false; want the fallback true", "new-checkout")
	}
}

func TestNoContext(t *testing.T) {
	ctx := context.Background()
	if got := flaghttp.Bool(ctx, "x", true); got != true {
		t.Errorf("Bool(%q) = %v; want true", "x", got)
	}
	if got := flaghttp.String(ctx, "x", "fb"); got != "fb" {
		t.Errorf("String(%q) = %q; want %q", "x", got, "fb")
	}
	if got := flaghttp.Int(ctx, "x", 7); got != 7 {
		t.Errorf("Int(%q) = %d; want 7", "x", got)
	}
	if got := flaghttp.Float(ctx, "x", 1.5); got != 1.5 {
		t.Errorf("Float(%q) = %v; want 1.5", "x", got)
	}
	dst := "kept"
	if ok := flaghttp.Object(ctx, "x", &dst); ok || dst != "kept" {
		t.Errorf("Object(%q) = %v, dst %q; want false, %q", "x", ok, dst, "kept")
	}
	d := flaghttp.Evaluate(ctx, "x")
	if !errors.Is(d.Err, flaghttp.ErrNoContext) || d.Reason != flagkit.ReasonError {
		t.Errorf("Evaluate(%q) = %+v; want reason ERROR and ErrNoContext", "x", d)
	}
	if _, ok := flaghttp.SubjectFrom(ctx); ok {
		t.Errorf("SubjectFrom(empty context) ok = true; want false")
	}
	if _, ok := flaghttp.ViewFrom(ctx); ok {
		t.Errorf("ViewFrom(empty context) ok = true; want false")
	}
}

func TestNewContext(t *testing.T) {
	var now atomic.Int64
	now.Store(at("2030-06-01T00:00:00Z"))
	c := newClient(t, &now, appDoc)
	v := c.View()
	s := flagkit.Subject{Key: "k", Attrs: flagkit.Attrs{"tenant": "acme"}}
	ctx := flaghttp.NewContext(context.Background(), v, s)
	if got := flaghttp.Float(ctx, "limit", -1); got != 1000.5 {
		t.Errorf("Float(%q) = %v; want 1000.5", "limit", got)
	}
	gotV, ok := flaghttp.ViewFrom(ctx)
	if !ok || !gotV.Time().Equal(v.Time()) {
		t.Errorf("ViewFrom = %v, %v; want the view at %v, true", gotV.Time(), ok, v.Time())
	}
	gotS, ok := flaghttp.SubjectFrom(ctx)
	if !ok || gotS.Key != "k" {
		t.Errorf("SubjectFrom = %+v, %v; want key %q, true", gotS, ok, "k")
	}
}

func TestRemoteIP(t *testing.T) {
	tests := []struct {
		remote string
		want   netip.Addr
	}{
		{"192.0.2.1:1234", netip.MustParseAddr("192.0.2.1")},
		{"[::ffff:192.0.2.1]:80", netip.MustParseAddr("192.0.2.1")},
		{"[2001:db8::1]:443", netip.MustParseAddr("2001:db8::1")},
		{"[fe80::1%eth0]:443", netip.MustParseAddr("fe80::1%eth0")},
		{"@", netip.Addr{}},
		{"", netip.Addr{}},
		{"192.0.2.1", netip.Addr{}},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if got := flaghttp.RemoteIP(r); got != tt.want {
			t.Errorf("RemoteIP(RemoteAddr %q) = %v; want %v", tt.remote, got, tt.want)
		}
	}
}

// BenchmarkMiddleware measures what the middleware adds to a request, with
// one flag read, against the same read from the client directly.
func BenchmarkMiddleware(b *testing.B) {
	c, err := flagkit.New(context.Background(), flagkit.WithSource(source.Bytes("base", []byte(appDoc))))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	s := flagkit.Subject{Key: "ann@example.com", Attrs: flagkit.Attrs{"email": "ann@example.com"}}
	subject := func(*http.Request) flagkit.Subject { return s }
	r := httptest.NewRequest("GET", "/checkout", nil)
	w := httptest.NewRecorder()

	b.Run("client", func(b *testing.B) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.Bool(r.Context(), "new-checkout", s, false)
		})
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})
	b.Run("middleware", func(b *testing.B) {
		h := flaghttp.Middleware(c, subject)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			flaghttp.Bool(r.Context(), "new-checkout", false)
		}))
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})
}
