// Package helpers calls flaghttp and flagkittest.
package helpers

import (
	"context"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flaghttp"
	. "github.com/flagkit/flagkit/flaghttp" // a dot import
	"github.com/flagkit/flagkit/flagkittest"
)

func handler(ctx context.Context) {
	flaghttp.Bool(ctx, "new-checkout", false)
	flaghttp.Bool(ctx, "new-chekout", false) // want `flag "new-chekout" is not defined`
	flaghttp.String(ctx, "checkout-theme", "dark")
	flaghttp.String(ctx, "checkout-theme", "") // want `note: the fallback "" of flaghttp.String`
	flaghttp.Int(ctx, "checkout-theme", 0)     // want `flaghttp.Int reads type number, but flag "checkout-theme" has type string`
	flaghttp.Float(ctx, "discount", 0)
	flaghttp.Evaluate(ctx, "layout")
	Evaluate(ctx, "layouts") // want `flag "layouts" is not defined in the flag documents; did you mean "layout"\?`
	var v []int
	flaghttp.Object(ctx, "layout", &v)
}

func tests(t *testing.T, c *flagkit.Client, ctx context.Context) {
	flagkittest.Override(t, c, map[string]any{
		"new-checkout":  true,
		"checkout-thme": "dark", // want `flag "checkout-thme" is not defined in the flag documents; did you mean "checkout-theme"\?`
		"rate-limit":    flagkittest.Literal(5),
	})
	values := map[string]any{"new-checkout": false}
	flagkittest.Override(t, c, values)                                   // want `info: the flags of this flagkittest.Override call are not a map literal`
	ctx = flagkittest.Context(t, ctx, c, map[string]any{"ratelimit": 1}) // want `flag "ratelimit" is not defined in the flag documents; did you mean "rate-limit"\?`
	flagkittest.EachVariant(t, c, "checkout-theme", func(t *testing.T, variant string) {})
	flagkittest.EachVariant(t, c, "theme-checkout", func(t *testing.T, variant string) {}) // want `flag "theme-checkout" is not defined`
	rec := flagkittest.Record(t, c)
	rec.Count("new-checkout")
	rec.Count("new-chckout") // want `did you mean "new-checkout"\?`
	_ = ctx
}
