// Package of evaluates flags through OpenFeature with flagkit's provider.
package of

import (
	"context"

	flagkitof "github.com/flagkit/flagkit/openfeature"
	"github.com/open-feature/go-sdk/openfeature"
)

func sdk(ctx context.Context, client *openfeature.Client, ic openfeature.IClient, ec openfeature.EvaluationContext) {
	client.Boolean(ctx, "new-checkout", false, ec)
	client.Boolean(ctx, "new-chekout", false, ec)         // want `flag "new-chekout" is not defined`
	client.BooleanValue(ctx, "checkout-theme", false, ec) // want `openfeature.Client.BooleanValue reads type boolean, but flag "checkout-theme" has type string`
	client.StringValueDetails(ctx, "checkout-theme", "neon", ec)
	client.StringValueDetails(ctx, "checkout-theme", "pink", ec) // want `note: the fallback "pink" of openfeature.Client.StringValueDetails`
	client.IntValue(ctx, "discount", 0, ec)                      // want `reads whole numbers, but flag "discount" has the value 0.15`
	client.Object(ctx, "layout", nil, ec)
	ic.Float(ctx, "rate-limit", 100, ec)
	ic.Float(ctx, "rate-limits", 100, ec) // want `flag "rate-limits" is not defined in the flag documents; did you mean "rate-limit"\?`
}

func provider(ctx context.Context, p *flagkitof.Provider) {
	p.BooleanEvaluation(ctx, "new-checkout", false, nil)
	p.IntEvaluation(ctx, "rate-limit", 1000, nil)
	p.StringEvaluation(ctx, "checkout_theme", "dark", nil) // want `did you mean "checkout-theme"\?`
}
