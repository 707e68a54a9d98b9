package flagkit

import (
	"errors"
	"strings"
	"testing"
)

// TestSyntaxErrorPositions checks the positions of the YAML library's
// errors: it numbers its parser's lines from 0, leaves out line 1 and gives
// no position for invalid text.
func TestSyntaxErrorPositions(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		line, col int
		class     error
	}{
		{"parser error", "flags:\n  f: {default: on}\n  g: {rules: [1, 2}\n", 3, 1, ErrSyntax},
		{"parser error in block", "flags:\n  f:\n    default: on\n   bad: 1\n", 2, 1, ErrSyntax},
		{"one-line JSON", `{"flags": {"f": {"default": "on" "x"}}}`, 1, 33, ErrSyntax},
		{"scanner error", "x: 1\na: @x", 2, 1, ErrSyntax},
		{"control character", "flags: {f: {description: \"a\x7fb\"}}", 1, 28, ErrSyntax},
		{"invalid UTF-8", "flags:\n  f: {description: \"é\xff\"}", 2, 22, ErrSyntax},
		{"flow nesting over the parser's limit", strings.Repeat("[", 10001), 1, 1, ErrTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate("x", []byte(tt.doc))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate(%q) = %v; want a *ParseError", tt.doc, err)
			}
			if pe.Line != tt.line || pe.Column != tt.col || !errors.Is(pe, tt.class) {
				t.Errorf("Validate(%q) = %d:%d %v (%v); want %d:%d %v", tt.doc, pe.Line, pe.Column, pe.Err, pe.Msg, tt.line, tt.col, tt.class)
			}
		})
	}
}
