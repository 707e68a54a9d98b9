package flagkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzJSONReaders checks that the two readers of JSON documents build the
// same node tree, positions included: the byte walker, which reads valid
// documents, and the reader of encoding/json's tokens, which reads the
// others (and so words their errors). The seeds run as a test.
func FuzzJSONReaders(f *testing.F) {
	for _, seed := range []string{
		`{"version": 1, "flags": {"a": {"default": "on"}}}`,
		"{\n  \"flags\": {\n    \"new-checkout\": {\n      \"default\": \"off\",\n      \"rules\": [\n        {\"cohort\": \"staff\", \"serve\": \"on\"},\n        {\"percent\": 25, \"serve\": \"on\"}\n      ]\n    }\n  }\n}\n",
		`{"s": "esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00", "raw": "é😀", "bad": "` + "\xff" + `"}`,
		`{"n": [0, -0, 1.5e3, -2E-2, 123456789012345678901234567890, 0.1], "b": [true, false, null]}`,
		`{"empty": {}, "list": [], "nested": [[[{"a": [1, {"b": {}}]}]]]}`,
		"\ufeff{\"bom\": true}",
		"{\r\n\t\"crlf\" : \"x\" ,\r\n\t\"k\":{ } }",
		`{"a": 1, "a": 2}`,
		`["top", "level", "list"]`,
		`"just a string"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bom := 0
		if bytes.HasPrefix(data, []byte("\ufeff")) {
			bom = 3
		}
		if !json.Valid(data[bom:]) {
			return
		}
		lines := lineStarts(data)
		walker := jsonReader{data: data, base: bom, lines: lines}
		walked, werr := walker.validValue(bom, 0)
		tokens := jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data[bom:])), base: bom, lines: lines}
		tokens.dec.UseNumber()
		read, terr := tokens.value(0)
		if (werr == nil) != (terr == nil) {
			t.Fatalf("walker error %v, token reader error %v; want both or neither", werr, terr)
		}
		if werr == nil {
			if diff := nodeDiff(walked, read, "$"); diff != "" {
				t.Fatalf("the readers disagree on %q: %s", data, diff)
			}
		}
	})
}

// nodeDiff describes the first difference between two node trees, or
// returns "".
func nodeDiff(a, b *yaml.Node, at string) string {
	type view struct {
		Kind         yaml.Kind
		Style        yaml.Style
		Tag, Value   string
		Line, Column int
		Children     int
	}
	va := view{a.Kind, a.Style, a.Tag, a.Value, a.Line, a.Column, len(a.Content)}
	vb := view{b.Kind, b.Style, b.Tag, b.Value, b.Line, b.Column, len(b.Content)}
	if va != vb {
		return fmt.Sprintf("at %s: walker %+v, token reader %+v", at, va, vb)
	}
	for i := range a.Content {
		if d := nodeDiff(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", at, i)); d != "" {
			return d
		}
	}
	return ""
}
