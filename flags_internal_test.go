package flagkit

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// coreNumberRE is YAML 1.2's core schema for decimal numbers, as a regular
// expression: the specification that isCoreNumber implements by hand.
var coreNumberRE = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

func TestIsCoreNumber(t *testing.T) {
	for _, s := range []string{
		"0", "42", "-7", "+7", "3.", "3.14", ".5", "-.5", "1e3", "1E-3", "2.5e+10", "007",
		"", "-", "+", ".", "e3", "1e", "1e+", "1.2.3", "2.10.1", "0x1F", ".inf", "NaN", "1_000", " 1", "1 ", "--1", "1e3.5",
	} {
		if got, want := isCoreNumber(s), coreNumberRE.MatchString(s); got != want {
			t.Errorf("isCoreNumber(%q) = %v; want %v", s, got, want)
		}
	}
}

func FuzzIsCoreNumber(f *testing.F) {
	for _, s := range []string{"1", "-2.5e3", ".5", "1.2.3", "e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isCoreNumber(s), coreNumberRE.MatchString(s); got != want {
			t.Errorf("isCoreNumber(%q) = %v; want %v", s, got, want)
		}
	})
}

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
