// Package checkout is a tiny web service whose behaviour depends on feature
// flags. It exists to show how such a service is tested with
// github.com/flagkit/flagkit/flagkittest: read its _test.go files.
//
//	go test ./examples/testing/
package checkout

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
)

//go:embed flags.yaml
var flagsYAML []byte

// NewFlags returns the flag client the service runs with: the embedded
// flags.yaml, with overrides from the CHECKOUT_FEATURE_* variables of
// environ (os.Environ in production). The caller must Close it.
func NewFlags(ctx context.Context, environ func() []string, opts ...flagkit.Option) (*flagkit.Client, error) {
	return flagkit.New(ctx, append([]flagkit.Option{
		flagkit.WithSource(source.Bytes("embedded:flags.yaml", flagsYAML)),
		flagkit.WithSource(source.Env("CHECKOUT_FEATURE_", source.Environ(environ))),
	}, opts...)...)
}

// A Handler serves the checkout page of the user named by the request's
// X-User and X-Email headers, from the country in X-Country.
type Handler struct {
	flags *flagkit.Client
}

// NewHandler returns a handler that reads its flags from flags.
func NewHandler(flags *flagkit.Client) *Handler {
	return &Handler{flags: flags}
}

// ServeHTTP writes the checkout page as text: which checkout, its theme,
// and the shipping options.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context() // carries the request's trace span, and a test's overrides
	user := flagkit.Subject{
		Key:   r.Header.Get("X-User"),
		Attrs: flagkit.Attrs{"email": r.Header.Get("X-Email"), "country": r.Header.Get("X-Country")},
	}
	flags := h.flags.View() // one snapshot and one instant for the whole request

	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if flags.Bool(ctx, "new-checkout", user, false) {
		fmt.Fprintf(w, "one-page checkout, %s theme\n", flags.String(ctx, "checkout-theme", user, "classic"))
	} else {
		fmt.Fprintln(w, "classic checkout")
	}
	if flags.Bool(ctx, "express-shipping", user, false) {
		fmt.Fprintln(w, "shipping: standard, express")
	} else {
		fmt.Fprintln(w, "shipping: standard")
	}
}
