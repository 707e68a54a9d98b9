package basic

import (
	"context"

	fk "github.com/flagkit/flagkit" // an import alias

	"example.com/svc/keys"
)

// C is a type alias.
type C = fk.Client

// Service embeds a client.
type Service struct{ *fk.Client }

func getters(ctx context.Context, c *fk.Client, s fk.Subject) {
	c.Bool(ctx, "new-checkout", s, false)
	c.Bool(ctx, "new-chekout", s, false)   // want `flag "new-chekout" is not defined in the flag documents; did you mean "new-checkout"\?`
	c.Bool(ctx, "NEW_CHECKOUT", s, false)  // want `flag "NEW_CHECKOUT" is not defined in the flag documents; did you mean "new-checkout"\?`
	c.Bool(ctx, "payments-v3", s, false)   // want `flag "payments-v3" is not defined in the flag documents$`
	c.Int(ctx, "new-checkout", s, 0)       // want `Client.Int reads type number, but flag "new-checkout" has type boolean: the call always serves the fallback`
	c.Bool(ctx, "checkout-theme", s, true) // want `Client.Bool reads type boolean, but flag "checkout-theme" has type string`
	c.String(ctx, "checkout-theme", s, "classic")
	c.String(ctx, "checkout-theme", s, "clasic") // want `note: the fallback "clasic" of Client.String is no value of flag "checkout-theme" \(classic: "classic", dark: "dark", neon: "neon"\)`
	c.Int(ctx, "rate-limit", s, 100)
	c.Int(ctx, "rate-limit", s, 500) // want `note: the fallback 500 of Client.Int is no value of flag "rate-limit"`
	c.Float(ctx, "rate-limit", s, 100.0)
	c.Float(ctx, "discount", s, 0.15)
	c.Int(ctx, "discount", s, 0) // want `Client.Int reads whole numbers, but flag "discount" has the value 0.15: Int serves the fallback for it \(use Float\)`
	var dst map[string]any
	c.Object(ctx, "layout", s, &dst)
	c.Object(ctx, "rate-limit", s, &dst) // want `Client.Object reads type object, but flag "rate-limit" has type number`
	c.Evaluate(ctx, "rate-limit", s)
	c.Evaluate(ctx, "rate-limits", s) // want `flag "rate-limits" is not defined in the flag documents; did you mean "rate-limit"\?`
	c.Bool(ctx, "search.v2", s, false)
}

func view(ctx context.Context, c *C, s fk.Subject) {
	v := c.View()
	v.Bool(ctx, "new-checkout", s, false)
	v.String(ctx, "checkout-themes", s, "classic") // want `flag "checkout-themes" is not defined`
	(&v).Int(ctx, "rate-limit", s, 7)              // want `note: the fallback 7 of View.Int`
}

func constants(ctx context.Context, c *fk.Client, s fk.Subject) {
	const local = "rate-limit"
	c.Int(ctx, local, s, 100)
	c.Bool(ctx, keys.NewCheckout, s, false)
	c.String(ctx, keys.Theme, s, "dark")
	c.Bool(ctx, keys.Typo, s, false) // want `flag "new-chekout" is not defined in the flag documents; did you mean "new-checkout"\?`
}

func dynamic(ctx context.Context, c *fk.Client, s fk.Subject, name string) {
	c.Bool(ctx, name, s, false)            // want `info: the flag key of this Client.Bool call is not a constant, so flagcheck cannot check it`
	c.Bool(ctx, "feature-"+name, s, false) // want `info: the flag key of this Client.Bool call is not a constant`
}

func methodValues(ctx context.Context, c *fk.Client, svc Service, s fk.Subject) {
	get := c.Bool
	get(ctx, "new-checkout", s, false)
	get(ctx, "new-chekout", s, false) // want `flag "new-chekout" is not defined`
	str := (*fk.Client).String
	str(c, ctx, "checkout-theme", s, "neon")
	str(c, ctx, "checkout-theme", s, "pink") // want `note: the fallback "pink" of Client.String`
	(*C).Int(c, ctx, "rate-limt", s, 100)    // want `flag "rate-limt" is not defined in the flag documents; did you mean "rate-limit"\?`
	svc.Bool(ctx, "new-checkout", s, false)
	svc.Bool(ctx, "new_checkout", s, false) // want `did you mean "new-checkout"\?`
	byView := c.View().String
	byView(ctx, "checkout-theme", s, "dark")
	byView(ctx, "theme", s, "dark") // want `flag "theme" is not defined in the flag documents$`

	// A variable that is assigned something else too is not followed.
	reassigned := c.Bool
	reassigned = func(context.Context, string, fk.Subject, bool) bool { return false }
	reassigned(ctx, "not-a-flag", s, false)
}

var pkgGetter = (*fk.Client).Float

func packageLevel(ctx context.Context, c *fk.Client, s fk.Subject) {
	pkgGetter(c, ctx, "discount", s, 0.15)
	pkgGetter(c, ctx, "discounts", s, 0) // want `flag "discounts" is not defined in the flag documents; did you mean "discount"\?`
}
