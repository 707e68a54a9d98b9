package flagkit

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The YAML library's syntax errors, turned into positioned ParseErrors.
//
// go.yaml.in/yaml/v3 returns them as plain text ("yaml: line 3: did not
// find expected key", from fmt.Errorf); it has no error type to match
// (its *yaml.TypeError is for decoding into Go values, and flagkit decodes
// into yaml.Node, which never yields one). readYAMLError is the one place
// that reads that text; TestYAMLErrorWording fails when the library's
// wording changes.

// yamlErrorKind is what kind of syntax error the library reported, which
// says how its line is numbered.
type yamlErrorKind uint8

const (
	yamlScanner yamlErrorKind = iota // a scanner error: lines numbered from 1
	yamlParser                       // a parser error: lines numbered from 0
	yamlReader                       // text YAML does not allow: no line
	yamlTooDeep                      // nesting beyond the library's own limit
)

// yamlError is a syntax error of the YAML library, read from its text.
type yamlError struct {
	kind yamlErrorKind
	line int    // as the library numbers it (see kind); 0 when it gives none
	msg  string // the message without "yaml: " and the line
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlParserErrors are the messages of the YAML library's parser, as
// opposed to its scanner's and reader's. The library numbers the parser's
// lines from 0 ("line 2" is the third line) and the scanner's from 1, and
// leaves out the line when its number would be 0 (so no line means line 1).
// The reader's errors (invalid UTF-8, control characters) have no line.
var yamlParserErrors = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// readYAMLError reads a syntax error returned by the YAML library.
func readYAMLError(err error) yamlError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	y := yamlError{msg: msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		y.line, _ = strconv.Atoi(m[1])
		msg = strings.TrimSpace(strings.Replace(msg, m[0]+":", "", 1))
		y.msg = strings.TrimSpace(strings.Replace(msg, m[0], "", 1))
	}
	switch {
	case strings.HasPrefix(y.msg, "exceeded max depth"):
		y.kind = yamlTooDeep
	case strings.Contains(y.msg, "UTF-8") || y.msg == "control characters are not allowed" || y.msg == "invalid Unicode character":
		y.kind = yamlReader
	case yamlParserErrors[y.msg]:
		y.kind = yamlParser
	}
	return y
}

// syntaxError turns a YAML library error into a positioned ParseError. data
// is the document, where the invalid text of a reader error is found.
func syntaxError(source string, data []byte, err error) *ParseError {
	y := readYAMLError(err)
	e := &ParseError{Source: source, Msg: y.msg, Err: ErrSyntax}
	if y.kind == yamlTooDeep {
		e.Err, e.Msg = ErrTooDeep, fmt.Sprintf("nesting is deeper than %d levels", maxDepth)
	}
	switch {
	case y.kind == yamlReader:
		if off := invalidText(data, false); off >= 0 {
			e.Line = 1 + bytes.Count(data[:off], []byte("\n"))
			e.Column = 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:off], '\n')+1:off])
		}
	case y.line == 0:
		e.Line, e.Column = 1, 1
	case y.kind == yamlParser:
		// At the end of the document, the parser's line can be one past
		// the last.
		e.Line, e.Column = min(y.line+1, 1+bytes.Count(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))), 1
	default:
		e.Line, e.Column = y.line, 1
	}
	return e
}
