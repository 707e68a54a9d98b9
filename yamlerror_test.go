package flagkit

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestYAMLErrorWording pins the YAML library's error texts that
// readYAMLError reads: if the library rewords one, renumbers a line or
// gives an error a type, this fails, and readYAMLError must follow.
func TestYAMLErrorWording(t *testing.T) {
	tests := []struct {
		doc  string
		text string // the library's error, exactly
		want yamlError
	}{
		{"flags: [a, b", "yaml: line 1: did not find expected ',' or ']'", yamlError{yamlParser, 1, "did not find expected ',' or ']'"}},
		{"a: {b: [c, d}", "yaml: did not find expected ',' or ']'", yamlError{yamlParser, 0, "did not find expected ',' or ']'"}},
		{"flags: {a: b", "yaml: line 1: did not find expected ',' or '}'", yamlError{yamlParser, 1, "did not find expected ',' or '}'"}},
		{"- a\nb: c", "yaml: line 1: did not find expected '-' indicator", yamlError{yamlParser, 1, "did not find expected '-' indicator"}},
		{"%YAML 1.1\na", "yaml: line 1: did not find expected <document start>", yamlError{yamlParser, 1, "did not find expected <document start>"}},
		{"a: b\n- c", "yaml: line 1: did not find expected key", yamlError{yamlParser, 1, "did not find expected key"}},
		{"{a: [b, }", "yaml: did not find expected node content", yamlError{yamlParser, 0, "did not find expected node content"}},
		{"%TAG ! tag:a,2000:\n%TAG ! tag:b,2000:\n---\na", "yaml: line 1: found duplicate %TAG directive", yamlError{yamlParser, 1, "found duplicate %TAG directive"}},
		{"%YAML 1.1\n%YAML 1.1\n---\na", "yaml: line 1: found duplicate %YAML directive", yamlError{yamlParser, 1, "found duplicate %YAML directive"}},
		{"%YAML 2.0\n---\na", "yaml: found incompatible YAML document", yamlError{yamlParser, 0, "found incompatible YAML document"}},
		{"!x!y a", "yaml: found undefined tag handle", yamlError{yamlParser, 0, "found undefined tag handle"}},
		{"a: b\n  c: d", "yaml: line 2: mapping values are not allowed in this context", yamlError{yamlScanner, 2, "mapping values are not allowed in this context"}},
		{"a: b\nc", "yaml: line 2: could not find expected ':'", yamlError{yamlScanner, 2, "could not find expected ':'"}},
		{"\"a\nb", "yaml: line 2: found unexpected end of stream", yamlError{yamlScanner, 2, "found unexpected end of stream"}},
		{"a: \xff", "yaml: invalid leading UTF-8 octet", yamlError{yamlReader, 0, "invalid leading UTF-8 octet"}},
		{"a: b\x01", "yaml: control characters are not allowed", yamlError{yamlReader, 0, "control characters are not allowed"}},
		{strings.Repeat("[", 10001), "yaml: exceeded max depth of 10000", yamlError{yamlTooDeep, 0, "exceeded max depth of 10000"}},
	}
	covered := map[string]bool{
		// The parser reports it when the scanner's first token is not the
		// stream's start, which the scanner always emits first.
		"did not find expected <stream-start>": true,
	}
	for _, tt := range tests {
		var n yaml.Node
		err := yaml.NewDecoder(bytes.NewReader([]byte(tt.doc))).Decode(&n)
		if err == nil || err.Error() != tt.text {
			t.Errorf("yaml Decode(%.40q) = %v; want %q", tt.doc, err, tt.text)
			continue
		}
		if got := readYAMLError(err); got != tt.want {
			t.Errorf("readYAMLError(%q) = %+v; want %+v", tt.text, got, tt.want)
		}
		covered[tt.want.msg] = true
	}
	for msg := range yamlParserErrors {
		if !covered[msg] {
			t.Errorf("parser message %q has no document that produces it", msg)
		}
	}
}
