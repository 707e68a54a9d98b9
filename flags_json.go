package flagkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The JSON path. JSON is a subset of YAML, but the YAML library refuses or
// changes some JSON that every JSON encoder writes (the escape \/, escaped
// surrogate pairs, raw DEL and C1 characters, U+2028, keys over 1024
// bytes), and it is several times slower than encoding/json. A document
// whose first character is '{' followed by a quoted key is therefore read
// by encoding/json into the same node tree the YAML parser builds — strings
// as double-quoted scalars, numbers, booleans and null as plain ones, each
// with its line and column — so everything after parsing is shared and the
// two paths give the same definitions and the same positioned errors
// (FuzzParseJSONEquivalence checks it).

// looksLikeJSON reports whether data is meant as a JSON document: an object
// whose first key is quoted, or an empty object. A YAML flow mapping such
// as {flags: {}} is left to the YAML parser.
func looksLikeJSON(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	j := skipSpace(data, i+1)
	return j < len(data) && (data[j] == '"' || data[j] == '}')
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

// jsonDocument reads a JSON document into a node tree.
func jsonDocument(source string, data []byte) (*yaml.Node, *ParseError) {
	bom := 0
	if bytes.HasPrefix(data, []byte("\ufeff")) {
		bom = 3
	}
	r := jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data[bom:])), base: bom}
	r.dec.UseNumber()
	for i, c := range data {
		if c == '\n' {
			r.lines = append(r.lines, i+1)
		}
	}
	top, err := r.value(0)
	if err == nil {
		// Anything but white space after the object is a second value.
		if _, terr := r.dec.Token(); terr != io.EOF {
			line, col := r.position(r.start())
			return nil, &ParseError{Source: source, Line: line, Column: col, Err: ErrSyntax,
				Msg: "unexpected text after the top-level object"}
		}
		return top, nil
	}
	e := &ParseError{Source: source, Err: ErrSyntax, Msg: err.Error()}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// Offset is just past the offending byte.
		e.Line, e.Column = r.position(r.base + int(max(se.Offset-1, 0)))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		e.Line, e.Column = r.position(len(data))
		e.Msg = "unexpected end of document"
	case errors.Is(err, errTooDeepJSON):
		e.Err = ErrTooDeep
		e.Line, e.Column = r.position(r.start())
	default:
		e.Line, e.Column = r.position(r.start())
	}
	return nil, e
}

// jsonReader turns encoding/json's tokens into nodes with positions.
type jsonReader struct {
	data  []byte
	dec   *json.Decoder
	base  int   // bytes skipped before the decoder's input (a BOM)
	lines []int // offsets where lines 2, 3, ... start

	lastOff, lastLine, lastCol int // the previous position, to count on from
}

// start is the offset where the next token starts: after the previous
// token, white space and the ',' or ':' between tokens.
func (r *jsonReader) start() int {
	i := r.base + int(r.dec.InputOffset())
	for i < len(r.data) {
		switch r.data[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
			continue
		}
		break
	}
	return i
}

// position turns an offset into a 1-based line and a 1-based column
// counted in characters, as the YAML parser counts them. Offsets mostly
// grow, so the column is counted on from the previous position on the same
// line: a document written on one line stays linear.
func (r *jsonReader) position(off int) (line, col int) {
	off = min(off, len(r.data))
	n := sort.SearchInts(r.lines, off+1) // lines started at or before off
	lineStart := 0
	if n > 0 {
		lineStart = r.lines[n-1]
	}
	from, col := lineStart, 1
	if r.lastLine == n+1 && r.lastOff >= lineStart && r.lastOff <= off {
		from, col = r.lastOff, r.lastCol
	}
	col += utf8.RuneCount(r.data[from:off])
	r.lastOff, r.lastLine, r.lastCol = off, n+1, col
	return n + 1, col
}

// value reads one JSON value into a node.
func (r *jsonReader) value(depth int) (*yaml.Node, error) {
	if depth > maxDepth {
		return nil, errTooDeepJSON
	}
	line, col := r.position(r.start())
	tok, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &yaml.Node{Line: line, Column: col}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
		} else {
			n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		}
		for r.dec.More() {
			if n.Kind == yaml.MappingNode {
				k, err := r.value(depth + 1) // a key is always a string token
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, k)
			}
			v, err := r.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		if _, err := r.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.Kind, n.Tag, n.Style, n.Value = yaml.ScalarNode, "!!str", yaml.DoubleQuotedStyle, t
	case json.Number:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!float", t.String()
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", fmt.Sprint(t)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	}
	return n, nil
}

var errTooDeepJSON = fmt.Errorf("nesting is deeper than %d levels", maxDepth)
