package testhook_test

import (
	"context"
	"testing"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/testhook"
	"github.com/flagkit/flagkit/source"
)

func newClient(t *testing.T) *flagkit.Client {
	t.Helper()
	c, err := flagkit.New(context.Background(), flagkit.WithStrict(),
		flagkit.WithSource(source.Bytes("test", []byte("flags:\n  f: {default: off}\n"))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRegistryOf checks that package flagkit sets RegistryOf, that it
// returns one registry per client, and that the client serves what the
// registry holds.
func TestRegistryOf(t *testing.T) {
	if testhook.RegistryOf == nil {
		t.Fatal("RegistryOf is nil with package flagkit imported")
	}
	c, other := newClient(t), newClient(t)
	reg := testhook.RegistryOf(c)
	if reg == nil {
		t.Fatal("RegistryOf(c) = nil")
	}
	if again := testhook.RegistryOf(c); again != reg {
		t.Errorf("RegistryOf(c) = %p, then %p; want the same registry", reg, again)
	}
	if o := testhook.RegistryOf(other); o == reg {
		t.Errorf("RegistryOf(other) = RegistryOf(c); want a registry per client")
	}
	if !reg.Known("f") || reg.Known("g") {
		t.Errorf("Known(f), Known(g) = %v, %v; want true, false", reg.Known("f"), reg.Known("g"))
	}
	ctx := context.Background()
	s := flagkit.Subject{Key: "ann"}
	if got := c.Bool(ctx, "f", s, false); got {
		t.Fatalf("Bool(%q) = %v before an override; want false", "f", got)
	}
	undo, err := reg.Set("f", "", "on", t.Name())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Bool(ctx, "f", s, false); !got {
		t.Errorf("Bool(%q) = %v with an override; want true", "f", got)
	}
	if got := other.Bool(ctx, "f", s, false); got {
		t.Errorf("other client: Bool(%q) = %v; want false", "f", got)
	}
	undo()
	if got := c.Bool(ctx, "f", s, false); got {
		t.Errorf("Bool(%q) = %v after undo; want false", "f", got)
	}
}
