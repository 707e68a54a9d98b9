package flagkit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/flagkit/flagkit/internal/testhook"
)

type testOverrides = testhook.Registry

// init links package flagkittest to clients' test overrides through
// [testhook.RegistryOf] (see there why it is not a method of Client).
func init() {
	testhook.RegistryOf = func(c any) *testhook.Registry { return c.(*Client).testRegistry() }
}

// testRegistry returns the client's test overrides, installed the first
// time a test asks for them. A client whose testRegistry was never called
// (every client outside tests) spends one atomic load per evaluation on
// test overrides.
func (c *Client) testRegistry() *testhook.Registry {
	if r := c.test.Load(); r != nil {
		return r
	}
	r := testhook.NewRegistry(c.testKnown, c.testCheck)
	if c.test.CompareAndSwap(nil, r) {
		return r
	}
	return c.test.Load()
}

// testKnown reports whether the client defines flag key.
func (c *Client) testKnown(key string) bool {
	return c.snap.Load().flags[key] != nil
}

// testCheck reports why the client cannot serve value for flag key as a
// test override: the flag is unknown (ErrFlagNotFound), or value is of
// another type than the flag or names none of its variants
// (ErrTypeMismatch).
func (c *Client) testCheck(key string, value any) error {
	f := c.snap.Load().flags[key]
	value, isLit := testValue(value)
	if f == nil {
		if _, _, ok := literalVariant(value); !ok {
			return fmt.Errorf("flag %q: cannot serve %s: %w", key, describeTestValue(value), ErrTypeMismatch)
		}
		return fmt.Errorf("flag %q is not defined: %w", key, ErrFlagNotFound)
	}
	if f.err != nil {
		// An invalid flag has no type to check against; any literal does.
		if _, _, ok := literalVariant(value); !ok {
			return fmt.Errorf("flag %q: cannot serve %s: %w", key, describeTestValue(value), ErrTypeMismatch)
		}
		return nil
	}
	if name, ok := value.(string); ok && !isLit {
		if variantIndex(f.variants, f.kind, name) >= 0 {
			return nil
		}
		return fmt.Errorf("flag %q (%s) has no variant %q (variants: %s): %w", key, f.kind, name, compiledVariantNames(f), ErrTypeMismatch)
	}
	_, kind, ok := literalVariant(value)
	if !ok {
		return fmt.Errorf("flag %q (%s): cannot serve %s: %w", key, f.kind, describeTestValue(value), ErrTypeMismatch)
	}
	if kind != f.kind {
		return fmt.Errorf("flag %q is %s, not %s: cannot serve %s: %w", key, f.kind, kind, describeTestValue(value), ErrTypeMismatch)
	}
	return nil
}

// testValue unwraps a Literal and turns a value of a named string type
// (such as type Theme string) into a plain string, which names a variant.
func testValue(value any) (v any, literal bool) {
	if l, ok := value.(testhook.Literal); ok {
		return l.Value, true
	}
	if _, ok := value.(string); !ok && value != nil {
		if rv := reflect.ValueOf(value); rv.Kind() == reflect.String {
			return rv.String(), false
		}
	}
	return value, false
}

func describeTestValue(value any) string {
	if value == nil {
		return "nil"
	}
	if s, ok := value.(string); ok {
		return fmt.Sprintf("%q (string)", s)
	}
	return fmt.Sprintf("%v (%T)", value, value)
}

func compiledVariantNames(f *compiledFlag) string {
	names := make([]string, len(f.variants))
	for i := range f.variants {
		names[i] = f.variants[i].name
	}
	return strings.Join(names, ", ")
}

// testResult makes the result of an override set by a test: the variant
// it names, or a literal of the flag's type (the flag's variant with that
// value, when it has one).
// testSource is the Source of evaluations that a test's override decided.
const testSource = "flagkittest"

func (c *Client) testResult(snap *snapshot, key string, value any) result {
	f := snap.flags[key]
	if f != nil && f.err != nil {
		f = nil
	}
	if f != nil {
		// A copy whose source names the test, sharing the variants.
		copied := *f
		copied.source, copied.override = testSource, nil
		f = &copied
	}
	value, isLit := testValue(value)
	if f != nil {
		i := -1
		switch x := value.(type) {
		case string:
			if !isLit {
				i = variantIndex(f.variants, f.kind, x)
			}
		case bool:
			if f.kind == kindBool {
				i = variantIndex(f.variants, f.kind, strconv.FormatBool(x))
			}
		}
		if i >= 0 {
			return result{f: f, v: &f.variants[i], code: codeStatic}
		}
	}
	v, kind, ok := literalVariant(value)
	if !ok {
		return result{f: &compiledFlag{key: key, source: testSource}, err: ErrTypeMismatch}
	}
	if f != nil {
		if f.kind != kind {
			return result{f: f, err: ErrTypeMismatch}
		}
		for i := range f.variants {
			if sameValue(&f.variants[i], v, kind) {
				return result{f: f, v: &f.variants[i], code: codeStatic}
			}
		}
	}
	return result{f: &compiledFlag{key: key, kind: kind, source: testSource}, v: v, code: codeStatic}
}

// sameValue reports whether a variant of a flag holds literal l.
func sameValue(v, l *variant, kind valueKind) bool {
	switch kind {
	case kindBool:
		return v.b == l.b
	case kindString:
		return v.s == l.s
	case kindNumber:
		return v.f == l.f && v.isInt == l.isInt
	}
	return false
}

// literalVariant makes a variant from a Go value: a bool, a string, any
// integer or float kind, or anything that encoding/json encodes as an
// object or array.
func literalVariant(value any) (*variant, valueKind, bool) {
	switch x := value.(type) {
	case nil:
		return nil, 0, false
	case bool:
		name := "off"
		if x {
			name = "on"
		}
		return &variant{name: name, value: x, b: x}, kindBool, true
	case string:
		return &variant{value: x, s: x}, kindString, true
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return intVariant(i), kindNumber, true
		}
		if f, err := x.Float64(); err == nil {
			return floatVariant(f), kindNumber, true
		}
		return nil, 0, false
	}
	rv := reflect.ValueOf(value)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intVariant(rv.Int()), kindNumber, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > 1<<63-1 {
			return floatVariant(float64(u)), kindNumber, true
		}
		return intVariant(int64(u)), kindNumber, true
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308 {
			return nil, 0, false // NaN and infinities are no JSON numbers
		}
		return floatVariant(f), kindNumber, true
	case reflect.Bool:
		return literalVariant(rv.Bool())
	case reflect.String:
		return literalVariant(rv.String())
	}
	raw, err := json.Marshal(value)
	if err != nil || len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		return nil, 0, false
	}
	return &variant{raw: raw}, kindObject, true
}

func intVariant(i int64) *variant {
	return &variant{value: i, i: i, isInt: true, f: float64(i)}
}

func floatVariant(f float64) *variant {
	v := &variant{value: f, f: f}
	if f == float64(int64(f)) && f >= -(1<<63) && f < 1<<63 {
		v.i, v.isInt, v.value = int64(f), true, int64(f)
	}
	return v
}
