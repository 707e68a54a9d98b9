// Package attrtext reads a subject's attributes written as text, for
// flagkit's tools: the eval command's -attr and the debug page's explain
// form. A value is typed as a flag document types a plain scalar (YAML
// 1.2's core schema), so that an attribute written the way an operand is
// written compares the same way.
package attrtext

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Syntax describes the forms Parse accepts, for usage messages.
const Syntax = `NAME=VALUE (typed as a flag document types a plain scalar: ` +
	`42 and 2.5 are numbers, true and false booleans, null and nothing a missing value, ` +
	`anything else a string, such as NO, 2.10 with a letter after it, or "quoted") ` +
	`or NAME:=JSON (a JSON value, for lists: roles:=["dev","admin"], or a string that looks like a number: plan:="42")`

// coreNumber is a decimal number under YAML 1.2's core schema, as flag
// documents read operands (hexadecimal, octal, .inf and .nan are strings).
var coreNumber = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

var wholeNumber = regexp.MustCompile(`^[-+]?[0-9]+$`)

// Parse reads one attribute written as NAME=VALUE or NAME:=JSON (see
// Syntax). A whole number is an int64 (a float64 beyond int64's range),
// another number a float64; JSON numbers likewise, in lists too. A nil
// value is a missing attribute. The name "key" is refused: the subject's
// key is given on its own.
func Parse(arg string) (name string, value any, err error) {
	name, text, ok := strings.Cut(arg, "=")
	if !ok {
		return "", nil, fmt.Errorf("attribute %q: want NAME=VALUE or NAME:=JSON", arg)
	}
	isJSON := strings.HasSuffix(name, ":")
	name = strings.TrimSuffix(name, ":")
	switch {
	case name == "":
		return "", nil, fmt.Errorf("attribute %q: the name is empty", arg)
	case name == "key":
		return "", nil, errors.New(`attribute "key": key is the subject's key, which is given on its own`)
	}
	if isJSON {
		v, err := decodeJSON(text)
		if err != nil {
			return "", nil, fmt.Errorf("attribute %q: %v", name, err)
		}
		return name, v, nil
	}
	return name, Scalar(text), nil
}

// Scalar types text as a flag document types a plain scalar.
func Scalar(text string) any {
	switch text {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	}
	if !coreNumber.MatchString(text) {
		return text
	}
	if wholeNumber.MatchString(text) {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return i
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return text // beyond float64's range: no number can hold it
	}
	return f
}

// decodeJSON decodes one JSON value, with numbers typed as Scalar types
// them.
func decodeJSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: more than one value")
	}
	return numbers(v), nil
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return Scalar(string(x))
	case []any:
		for i := range x {
			x[i] = numbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbers(x[k])
		}
	}
	return v
}

// Lines parses one attribute a line (blank lines skipped), as a form's
// text area holds them.
func Lines(text string) (map[string]any, error) {
	attrs := map[string]any{}
	for i, line := range bytes.Split([]byte(text), []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		name, v, err := Parse(string(line))
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		attrs[name] = v
	}
	return attrs, nil
}
