// Package keys declares flag keys as constants, for other packages.
package keys

const (
	NewCheckout = "new-checkout"
	Theme       = "checkout-" + "theme" // any constant expression
	Typo        = "new-chekout"
)
