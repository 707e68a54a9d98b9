package flagkittest

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
)

// New returns a client that serves values, a map from flag key to value,
// to everyone. It builds a real flag document from the values and loads it
// as the only source, with [flagkit.WithStrict] and opts:
//   - a bool makes a boolean flag whose default is on (true) or off (false);
//   - a string makes a string flag whose only variant, named as the value
//     (or "empty" for ""), is the value;
//   - a number of any integer or float kind makes a number flag whose only
//     variant, "value", is the number;
//   - anything else that encoding/json encodes as an object or array (a map,
//     a slice, a struct) makes an object flag whose only variant is "value".
//
// The client is a real one: every getter, View, All, Flags and Status work,
// and its flags can be overridden like those of any client (a string flag's
// only variant is its value, so another string needs [Literal]). A value of
// another type, or a key that is not a valid flag key, fails the test.
//
// New closes the client with tb.Cleanup; the caller need not, and must not
// use it after the test.
func New(tb testing.TB, values map[string]any, opts ...flagkit.Option) *flagkit.Client {
	tb.Helper()
	doc, err := document(values)
	if err != nil {
		tb.Fatalf("flagkittest.New: %v", err)
		return nil
	}
	return load(tb, "flagkittest.New", "flagkittest.New", doc, opts)
}

// document builds a flag document (JSON, which is YAML) serving values.
func document(values map[string]any) ([]byte, error) {
	type flag struct {
		Variants map[string]any `json:"variants,omitempty"`
		Default  string         `json:"default"`
	}
	flags := make(map[string]flag, len(values))
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []string
	for _, k := range keys {
		v := values[k]
		rv := reflect.ValueOf(v)
		switch {
		case v == nil:
			errs = append(errs, fmt.Sprintf("flag %q: nil value", k))
		case rv.Kind() == reflect.Bool:
			def := "off"
			if rv.Bool() {
				def = "on"
			}
			flags[k] = flag{Default: def}
		case rv.Kind() == reflect.String:
			name := rv.String()
			if name == "" {
				name = "empty"
			}
			flags[k] = flag{Variants: map[string]any{name: rv.String()}, Default: name}
		case isNumber(rv.Kind()):
			raw, err := json.Marshal(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("flag %q: %v is not a JSON number", k, v))
				continue
			}
			flags[k] = flag{Variants: map[string]any{"value": json.RawMessage(raw)}, Default: "value"}
		default:
			raw, err := json.Marshal(v)
			if err != nil || (raw[0] != '{' && raw[0] != '[') {
				errs = append(errs, fmt.Sprintf("flag %q: cannot serve %v (%T): use a bool, a string, a number, or a map, slice or struct for an object flag", k, v, v))
				continue
			}
			flags[k] = flag{Variants: map[string]any{"value": json.RawMessage(raw)}, Default: "value"}
		}
	}
	if errs != nil {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return json.Marshal(map[string]any{"version": 1, "flags": flags})
}

func isNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// FromYAML returns a client loaded from doc, a flag document written in the
// test, so that real rules (cohorts, percentages, release windows, ramps)
// can be tested. The indentation common to doc's lines is removed first,
// so the document may be indented to match the test's code, with spaces
// (YAML does not allow tabs for indentation below that).
//
// doc is loaded through [source.Bytes] with [flagkit.WithStrict] and then
// opts, which may add [flagkit.WithClock] or more layers: any problem in
// the document fails the test, listing every problem with its line.
//
// FromYAML closes the client with tb.Cleanup; the caller need not, and
// must not use it after the test.
func FromYAML(tb testing.TB, doc string, opts ...flagkit.Option) *flagkit.Client {
	tb.Helper()
	return load(tb, "flagkittest.FromYAML", "inline.yaml", []byte(dedent(doc)), opts)
}

// FromFile returns a client loaded once from the flag file at path, such as
// the service's own flags.yaml, with [flagkit.WithStrict] and then opts. It
// reads the file once and serves it from memory (as [source.Bytes], named
// "file:" + path), so the client never polls the file: it suits
// [testing/synctest] bubbles, and tests do not see later edits.
//
// FromFile closes the client with tb.Cleanup; the caller need not, and
// must not use it after the test.
func FromFile(tb testing.TB, path string, opts ...flagkit.Option) *flagkit.Client {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("flagkittest.FromFile: %v", err)
		return nil
	}
	return load(tb, "flagkittest.FromFile", "file:"+path, data, opts)
}

func load(tb testing.TB, fn, name string, doc []byte, opts []flagkit.Option) *flagkit.Client {
	tb.Helper()
	all := append([]flagkit.Option{flagkit.WithSource(source.Bytes(name, doc)), flagkit.WithStrict()}, opts...)
	c, err := flagkit.New(tb.Context(), all...)
	if err != nil {
		tb.Fatalf("%s: %v", fn, err)
		return nil
	}
	tb.Cleanup(func() {
		if err := c.Close(); err != nil {
			tb.Errorf("%s: Close: %v", fn, err)
		}
	})
	return c
}

// dedent removes the leading white space common to every non-blank line,
// and empties lines that hold only white space.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	prefix := ""
	first := true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ws := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = ws, false
			continue
		}
		for !strings.HasPrefix(ws, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	if prefix == "" {
		return s
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
		} else {
			lines[i] = strings.TrimPrefix(l, prefix)
		}
	}
	return strings.Join(lines, "\n")
}
