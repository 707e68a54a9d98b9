package flagkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The JSON path. JSON is a subset of YAML, but the YAML library refuses or
// changes some JSON that every JSON encoder writes (the escape \/, escaped
// surrogate pairs, raw DEL and C1 characters, U+2028, keys over 1024
// bytes), and it is several times slower than encoding/json. A document
// whose first character is '{' followed by a quoted key is therefore read
// as JSON, encoding/json deciding what is valid and wording the errors,
// into the same node tree the YAML parser builds — strings
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
//
// A valid document (json.Valid decides) is read by walking its bytes,
// which needs no error handling and is several times faster than
// encoding/json's Decoder.Token, which allocates an error for nearly every
// token. Any other document, and one nested too deep, is read with
// Decoder.Token, whose errors are the ones reported.
func jsonDocument(source string, data []byte) (*yaml.Node, *ParseError) {
	bom := 0
	if bytes.HasPrefix(data, []byte("\ufeff")) {
		bom = 3
	}
	lines := lineStarts(data)
	if json.Valid(data[bom:]) {
		r := jsonReader{data: data, base: bom, lines: lines}
		if top, err := r.validValue(bom, 0); err == nil {
			return top, nil
		}
	}
	r := jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data[bom:])), base: bom, lines: lines}
	r.dec.UseNumber()
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

// lineStarts returns the offsets where lines 2, 3, ... of data start.
func lineStarts(data []byte) []int {
	lines := make([]int, 0, bytes.Count(data, []byte("\n")))
	for i, c := range data {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	return lines
}

// jsonReader turns a JSON document into nodes with positions, by walking
// the bytes of a valid document or else from encoding/json's tokens.
type jsonReader struct {
	data  []byte
	dec   *json.Decoder // for reading tokens
	base  int           // bytes skipped before the decoder's input (a BOM)
	lines []int         // offsets where lines 2, 3, ... start

	lastOff, lastLine, lastCol int // the previous position, to count on from

	off int // where validValue stopped

	// Nodes and their Content slices are cut from slabs rather than
	// allocated one by one: a document has hundreds of thousands of them.
	// children holds the children of the open mappings and lists until
	// each is closed and its Content is cut to size.
	nodes    []yaml.Node
	contents []*yaml.Node
	children []*yaml.Node
}

// slabSize is how many nodes, or Content entries, one slab allocation holds.
const slabSize = 1024

// node returns a new zero node.
func (r *jsonReader) node() *yaml.Node {
	if len(r.nodes) == 0 {
		r.nodes = make([]yaml.Node, slabSize)
	}
	n := &r.nodes[0]
	r.nodes = r.nodes[1:]
	return n
}

// content moves the children collected since mark into a Content slice of
// their own.
func (r *jsonReader) content(mark int) []*yaml.Node {
	k := len(r.children) - mark
	if k == 0 {
		return nil
	}
	if len(r.contents) < k {
		r.contents = make([]*yaml.Node, max(slabSize, k))
	}
	c := r.contents[:k:k]
	r.contents = r.contents[k:]
	copy(c, r.children[mark:])
	clear(r.children[mark:])
	r.children = r.children[:mark]
	return c
}

// start is the offset where the next token starts: after the previous
// token, white space and the ',' or ':' between tokens.
func (r *jsonReader) start() int {
	return r.skip(r.base + int(r.dec.InputOffset()))
}

// skip returns the offset of the first byte from i on that is not white
// space, ',' or ':'.
func (r *jsonReader) skip(i int) int {
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
	n := r.node()
	n.Line, n.Column = line, col
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
		} else {
			n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		}
		mark := len(r.children)
		for r.dec.More() {
			if n.Kind == yaml.MappingNode {
				k, err := r.value(depth + 1) // a key is always a string token
				if err != nil {
					return nil, err
				}
				r.children = append(r.children, k)
			}
			v, err := r.value(depth + 1)
			if err != nil {
				return nil, err
			}
			r.children = append(r.children, v)
		}
		n.Content = r.content(mark)
		if _, err := r.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.Kind, n.Tag, n.Style, n.Value = yaml.ScalarNode, "!!str", yaml.DoubleQuotedStyle, t
	case json.Number:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!float", t.String()
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", strconv.FormatBool(t)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	}
	return n, nil
}

// validValue reads the value at or after offset off (separators skipped)
// of a document that json.Valid accepted: every byte is where the grammar
// allows it, so only the first byte of each value needs looking at. It
// returns the value and sets r.off past it. An error (nesting too deep)
// leaves the document to the token reader, which reports it.
func (r *jsonReader) validValue(off, depth int) (*yaml.Node, error) {
	if depth > maxDepth {
		return nil, errTooDeepJSON
	}
	start := r.skip(off)
	n := r.node()
	n.Line, n.Column = r.position(start)
	var err error
	switch c := r.data[start]; c {
	case '{':
		n.Kind, n.Tag = yaml.MappingNode, "!!map"
		n.Content, err = r.validItems(start+1, '}', depth)
	case '[':
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		n.Content, err = r.validItems(start+1, ']', depth)
	case '"':
		n.Kind, n.Tag, n.Style = yaml.ScalarNode, "!!str", yaml.DoubleQuotedStyle
		escaped := false
		i := start + 1
		for ; r.data[i] != '"'; i++ {
			if r.data[i] == '\\' {
				escaped = true
				i++ // the escaped byte, which may be '"'
			}
		}
		r.off = i + 1
		if text := r.data[start+1 : i]; !escaped && utf8.Valid(text) {
			n.Value = string(text)
		} else {
			err = json.Unmarshal(r.data[start:r.off], &n.Value)
		}
	case 't', 'f':
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", strconv.FormatBool(c == 't')
		r.off = start + len(n.Value)
	case 'n':
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
		r.off = start + len(n.Value)
	default: // a number, kept as written
		i := start
		for i < len(r.data) && strings.IndexByte("+-.0123456789Ee", r.data[i]) >= 0 {
			i++
		}
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!float", string(r.data[start:i])
		r.off = i
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

// validItems reads the items of an object (keys and values alike) or an
// array from offset off up to its closing byte end, and sets r.off past
// that.
func (r *jsonReader) validItems(off int, end byte, depth int) ([]*yaml.Node, error) {
	mark := len(r.children)
	i := r.skip(off)
	for r.data[i] != end {
		v, err := r.validValue(i, depth+1)
		if err != nil {
			return nil, err
		}
		r.children = append(r.children, v)
		i = r.skip(r.off)
	}
	r.off = i + 1
	return r.content(mark), nil
}

var errTooDeepJSON = fmt.Errorf("nesting is deeper than %d levels", maxDepth)
