// Package gen has generated code and code written by hand.
package gen

import (
	"context"

	"github.com/flagkit/flagkit"
)

func handWritten(ctx context.Context, c *flagkit.Client, s flagkit.Subject) bool {
	return c.Bool(ctx, "search-v1", s, false) // want `flag "search-v1" is not defined in the flag documents; did you mean "search.v2"\?$`
}
