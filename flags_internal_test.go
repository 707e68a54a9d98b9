package flagkit

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Columns in a long one-line JSON document are counted on from the
// previous token; an error at its end must still be placed exactly.
func TestJSONColumnsOnOneLine(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"flags": {`)
	for i := 0; i < 2000; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"f` + strings.Repeat("é", i%3) + `x": {"default": "on"}`)
	}
	b.WriteString(`}, "bogus": 1}`)
	doc := b.String()
	err := Validate("one-line.json", []byte(doc))
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Validate = %v; want a *ParseError", err)
	}
	want := 1 + len([]rune(doc[:strings.Index(doc, `"bogus"`)]))
	if pe.Line != 1 || pe.Column != want || pe.Path != "bogus" {
		t.Errorf("error at %d:%d %s; want 1:%d bogus", pe.Line, pe.Column, pe.Path, want)
	}
}

func TestPackKeys(t *testing.T) {
	tests := [][]string{nil, {""}, {"a"}, {"new-checkout", "", "dark-mode", "x"}}
	for _, keys := range tests {
		got := packKeys(keys)
		if !slices.Equal(got, keys) {
			t.Errorf("packKeys(%q) = %q; want the same keys", keys, got)
		}
	}
}
