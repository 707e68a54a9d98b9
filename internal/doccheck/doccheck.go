// Package doccheck carries what the client knows to the sources that flagkit
// ships: its document check, so that a source which keeps a backup copy
// (source.HTTP) can tell a usable document from one the client would refuse,
// and the deadline of its start, so that such a source falls back in time.
//
// The client stores the check in the context it passes to Source.Run; a source
// written by a third party never needs it.
package doccheck

import (
	"context"
	"time"
)

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

type deadlineKey struct{}

// WithStartDeadline returns a copy of ctx that carries the instant when the
// client stops waiting for a source's first document, so that a source with
// a fallback (source.HTTP's backup file) can use it in time.
func WithStartDeadline(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, deadlineKey{}, t)
}

// StartDeadline returns the instant carried by ctx, if any.
func StartDeadline(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(deadlineKey{}).(time.Time)
	return t, ok
}
