package main

import (
	"io"

	"github.com/flagkit/flagkit/internal/releaseplan"
)

// writeSVG writes the picture of plan p (flagkit plan -svg), drawn by
// package releaseplan as flaghttp's debug page draws it, and returns the
// exit status.
func writeSVG(stdout, stderr io.Writer, p *releaseplan.Plan) int {
	if _, err := stdout.Write(p.SVG()); err != nil {
		return failure(stderr, "plan", err)
	}
	return exitOK
}
