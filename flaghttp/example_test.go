package flaghttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flaghttp"
	"github.com/flagkit/flagkit/source"
)

const exampleFlags = `
cohorts:
  staff:
    when: {email: {ends_with: "@example.com"}}
flags:
  new-checkout:
    default: off
    rules:
      - name: staff
        cohort: staff
        serve: on
      - name: office network
        when: {ip: {in_cidr: ["10.0.0.0/8"]}}
        serve: on
  greeting:
    variants: {en: Hello, nb: Hei}
    default: en
    rules:
      - name: norwegian
        when: {lang: {in: [nb, nn, "no"]}}
        serve: nb
`

// user is what an authentication middleware established for a request.
type user struct {
	ID    string
	Email string
	Plan  string
}

type userKey struct{}

// authenticate stands in for real authentication: it trusts a header,
// which a real service must never do.
func authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get("X-Demo-User"); id != "" {
			u := user{ID: id, Email: id + "@example.com", Plan: "pro"}
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		}
		next.ServeHTTP(w, r)
	})
}

// subjectOf is a SubjectFunc: the user that authentication established,
// the tenant the request is for, the preferred language and the peer's
// address.
func subjectOf(r *http.Request) flagkit.Subject {
	attrs := flagkit.Attrs{}
	var key string
	if u, ok := r.Context().Value(userKey{}).(user); ok {
		key = u.ID // stable, so a user keeps their variant as a rollout grows
		attrs["email"] = u.Email
		attrs["plan"] = u.Plan
	} else if c, err := r.Cookie("session"); err == nil {
		key = c.Value // anonymous, but stable for the session
	}
	if t := r.Header.Get("X-Tenant"); t != "" {
		// Check that the user belongs to the tenant before trusting it.
		attrs["tenant"] = t
	}
	if lang := primaryLanguage(r.Header.Get("Accept-Language")); lang != "" {
		attrs["lang"] = lang
	}
	if ip := flaghttp.RemoteIP(r); ip.IsValid() {
		attrs["ip"] = ip // a netip.Addr, matched by in_cidr
	}
	return flagkit.Subject{Key: key, Attrs: attrs}
}

// primaryLanguage returns the primary subtag of the first language in an
// Accept-Language header: "nb" for "nb-NO,nb;q=0.9,en;q=0.8".
func primaryLanguage(h string) string {
	first, _, _ := strings.Cut(h, ",")
	tag, _, _ := strings.Cut(first, ";")
	lang, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	return strings.ToLower(lang)
}

func ExampleMiddleware() {
	ctx := context.Background()
	c, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("example", []byte(exampleFlags))))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	checkout := func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		page := "classic checkout"
		if flaghttp.Bool(ctx, "new-checkout", false) {
			page = "one-page checkout"
		}
		fmt.Fprintf(w, "%s! %s", flaghttp.String(ctx, "greeting", "Hello"), page)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/checkout", checkout)
	// Authentication runs first, so that the subject can use the user.
	handler := authenticate(flaghttp.Middleware(c, subjectOf)(mux))

	for _, req := range []struct{ user, lang, ip string }{
		{"", "en-GB,en", "203.0.113.5:40000"},
		{"ann", "nb-NO,nb;q=0.9", "203.0.113.5:40000"},
		{"", "", "10.1.2.3:40000"},
	} {
		r := httptest.NewRequest("GET", "/checkout", nil)
		r.RemoteAddr = req.ip
		r.Header.Set("X-Demo-User", req.user)
		r.Header.Set("Accept-Language", req.lang)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Println(w.Body)
	}
	// Output:
	// Hello! classic checkout
	// Hei! one-page checkout
	// Hello! one-page checkout
}

func ExampleDebug() {
	ctx := context.Background()
	c, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("example", []byte(exampleFlags))))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	// Serve the page on a port that only operators can reach, as with
	// net/http/pprof:
	//
	//	internal := http.NewServeMux()
	//	internal.Handle("/debug/flags", flaghttp.Debug(c))
	//	go http.ListenAndServe("localhost:6060", internal)
	h := flaghttp.Debug(c)

	r := httptest.NewRequest("GET", "/debug/flags", nil)
	r.Header.Set("Accept", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	// The JSON has the fields time, ready, sources, problems, overrides,
	// flags and transitions. The flags are sorted by key:
	var report struct{ Flags []json.RawMessage }
	if err := json.Unmarshal(w.Body.Bytes(), &report); err != nil {
		fmt.Println(err)
		return
	}
	var flag bytes.Buffer
	json.Compact(&flag, report.Flags[0])
	fmt.Println(flag.String())
	// Output:
	// 200 application/json
	// {"key":"greeting","type":"string","enabled":true,"variants":["en","nb"],"default":"en","rules":["norwegian"],"source":"example"}
}

func ExampleNewContext() {
	ctx := context.Background()
	c, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("example", []byte(exampleFlags))))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	// A queue consumer, say, handles a job for one user.
	job := flagkit.Subject{Key: "ann", Attrs: flagkit.Attrs{"email": "ann@example.com"}}
	jobCtx := flaghttp.NewContext(ctx, c.View(), job)
	fmt.Println(flaghttp.Bool(jobCtx, "new-checkout", false))
	// Output:
	// true
}
