package flaghttp

import (
	"context"
	"errors"
	"net/http"
	"net/netip"

	"github.com/flagkit/flagkit"
)

// ErrNoContext is the error that [Evaluate] reports when the context holds
// no flags: the request did not pass through [Middleware], or the context
// was not made by [NewContext].
var ErrNoContext = errors.New("flaghttp: no flags in context")

// A SubjectFunc returns the subject that flags are evaluated for during
// request r. It is called once per request, before the next handler, on
// the request's goroutine. It must not read the request's body.
type SubjectFunc func(r *http.Request) flagkit.Subject

// Middleware returns middleware that, for each request, calls subject to
// build the request's subject, takes a view of c's flags ([flagkit.Client.View])
// and passes both to the next handler in the request's context, where
// [Bool], [String], [Int], [Float], [Object] and [Evaluate] find them.
//
// The view is taken when the request arrives: a request that runs for a
// long time (a stream, a WebSocket) keeps seeing the flags as they were
// then. A nil subject function gives every request the empty subject, which
// is outside every percentage rollout. A nil c serves every fallback.
func Middleware(c *flagkit.Client, subject SubjectFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var s flagkit.Subject
			if subject != nil {
				s = subject(r)
			}
			var v flagkit.View
			if c != nil {
				v = c.View()
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), v, s)))
		})
	}
}

// scope is what a context carries: one view and one subject.
type scope struct {
	view    flagkit.View
	subject flagkit.Subject
}

type contextKey struct{}

// NewContext returns a copy of ctx that carries v and s, for the helpers
// of this package. [Middleware] calls it; call it yourself to use the
// helpers outside net/http, or in a test of a handler.
func NewContext(ctx context.Context, v flagkit.View, s flagkit.Subject) context.Context {
	return context.WithValue(ctx, contextKey{}, &scope{view: v, subject: s})
}

func from(ctx context.Context) *scope {
	sc, _ := ctx.Value(contextKey{}).(*scope)
	return sc
}

// SubjectFrom returns the subject stored in ctx by [Middleware] or
// [NewContext], and whether there was one.
func SubjectFrom(ctx context.Context) (flagkit.Subject, bool) {
	if sc := from(ctx); sc != nil {
		return sc.subject, true
	}
	return flagkit.Subject{}, false
}

// ViewFrom returns the view stored in ctx by [Middleware] or
// [NewContext], and whether there was one. Use it for what the helpers do
// not cover, such as [flagkit.View.All] to send a front end its flags.
func ViewFrom(ctx context.Context) (flagkit.View, bool) {
	if sc := from(ctx); sc != nil {
		return sc.view, true
	}
	return flagkit.View{}, false
}

// Bool returns the value of boolean flag key for the subject in ctx, from
// the view in ctx, as [flagkit.View.Bool] does; or fallback when ctx holds
// no flags.
func Bool(ctx context.Context, key string, fallback bool) bool {
	if sc := from(ctx); sc != nil {
		return sc.view.Bool(ctx, key, sc.subject, fallback)
	}
	return fallback
}

// String returns the value of string flag key for the subject in ctx (see
// [Bool]).
func String(ctx context.Context, key string, fallback string) string {
	if sc := from(ctx); sc != nil {
		return sc.view.String(ctx, key, sc.subject, fallback)
	}
	return fallback
}

// Int returns the value of number flag key for the subject in ctx (see
// [Bool] and [flagkit.View.Int]).
func Int(ctx context.Context, key string, fallback int64) int64 {
	if sc := from(ctx); sc != nil {
		return sc.view.Int(ctx, key, sc.subject, fallback)
	}
	return fallback
}

// Float returns the value of number flag key for the subject in ctx (see
// [Bool]).
func Float(ctx context.Context, key string, fallback float64) float64 {
	if sc := from(ctx); sc != nil {
		return sc.view.Float(ctx, key, sc.subject, fallback)
	}
	return fallback
}

// Object decodes the value of object flag key for the subject in ctx into
// dst, as [flagkit.View.Object] does, and reports whether it did; when ctx
// holds no flags it leaves dst as it was and reports false.
func Object(ctx context.Context, key string, dst any) bool {
	if sc := from(ctx); sc != nil {
		return sc.view.Object(ctx, key, sc.subject, dst)
	}
	return false
}

// Evaluate returns the full result of evaluating flag key for the subject
// in ctx, as [flagkit.View.Evaluate] does. When ctx holds no flags the
// result has reason [flagkit.ReasonError] and the error [ErrNoContext].
func Evaluate(ctx context.Context, key string) flagkit.Detail {
	if sc := from(ctx); sc != nil {
		return sc.view.Evaluate(ctx, key, sc.subject)
	}
	return flagkit.Detail{Reason: flagkit.ReasonError, Err: ErrNoContext}
}

// RemoteIP returns the IP address of the peer that sent r, from
// r.RemoteAddr, with an IPv4 address mapped into IPv6 unmapped, so that a
// condition such as {ip: {in_cidr: ["10.0.0.0/8"]}} matches it. It returns
// the zero Addr, which matches no condition but exists, when RemoteAddr is
// not an IP address and port (a Unix socket, say); check IsValid before
// setting it as an attribute.
//
// Behind a proxy or load balancer, the peer is the proxy. The client's
// address is then in a header such as X-Forwarded-For, which a client can
// forge; read it only when the proxy in front sets it, and take the
// address that the proxy added (the last one), not the first.
func RemoteIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
