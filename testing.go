package flagkit

import (
	"context"
	"encoding/json"

	"github.com/flagkit/flagkit/internal/testhook"
)

type testOverrides = testhook.Registry

// UseTestRegistry is for package flagkittest, which installs a test's
// overrides with it; its parameter's type is internal to this module, so
// no other code can call it with anything but nil, which removes them.
func (c *Client) UseTestRegistry(r *testhook.Registry) {
	c.test.Store(r)
}

// TestRegistry returns the registry installed by UseTestRegistry, or nil.
func (c *Client) TestRegistry() *testhook.Registry {
	return c.test.Load()
}

// testResult makes the result of an override set by a test: the variant
// it names, or a literal of the flag's type.
func (c *Client) testResult(ctx context.Context, key string, value any) result {
	_ = ctx
	snap := c.snap.Load()
	f := snap.flags[key]
	if f != nil && f.err == nil {
		if name, ok := value.(string); ok && f.spec != nil {
			if i := f.spec.variantIndex(name); i >= 0 {
				return result{f: f, v: &f.variants[i], reason: ReasonStatic, source: "flagkittest"}
			}
		}
	}
	v, kind, ok := literalVariant(value)
	if !ok {
		return result{reason: ReasonError, err: ErrTypeMismatch, source: "flagkittest"}
	}
	tf := &compiledFlag{key: key, kind: kind}
	if f != nil && f.err == nil && f.kind != kind {
		return result{f: f, reason: ReasonError, err: ErrTypeMismatch, source: "flagkittest"}
	}
	return result{f: tf, v: v, reason: ReasonStatic, source: "flagkittest"}
}

// literalVariant makes a variant from a Go value.
func literalVariant(value any) (*variant, valueKind, bool) {
	switch x := value.(type) {
	case bool:
		name := "off"
		if x {
			name = "on"
		}
		return &variant{name: name, value: x, b: x}, kindBool, true
	case string:
		return &variant{value: x, s: x}, kindString, true
	case int:
		return intVariant(int64(x)), kindNumber, true
	case int32:
		return intVariant(int64(x)), kindNumber, true
	case int64:
		return intVariant(x), kindNumber, true
	case float64:
		v := &variant{value: x, f: x}
		if x == float64(int64(x)) {
			v.i, v.isInt = int64(x), true
		}
		return v, kindNumber, true
	case nil:
		return nil, 0, false
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return nil, 0, false
	}
	return &variant{raw: raw}, kindObject, true
}

func intVariant(i int64) *variant {
	return &variant{value: i, i: i, isInt: true, f: float64(i)}
}
