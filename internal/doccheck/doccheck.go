// Package doccheck carries the client's document check to the sources that
// flagkit ships, so that a source which keeps a backup copy (source.HTTP) can
// tell a usable document from one the client would refuse.
//
// The client stores the check in the context it passes to Source.Run; a source
// written by a third party never needs it.
package doccheck

import "context"

type key struct{}

// With returns a copy of ctx that carries check.
func With(ctx context.Context, check func(doc []byte) error) context.Context {
	return context.WithValue(ctx, key{}, check)
}

// From returns the check carried by ctx, or nil when there is none.
func From(ctx context.Context) func(doc []byte) error {
	check, _ := ctx.Value(key{}).(func(doc []byte) error)
	return check
}
