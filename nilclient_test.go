package flagkit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/source"
)

// TestNilClient checks that a nil *Client behaves as a closed one: every
// getter serves its fallback, Evaluate and Explain report ErrClosed, the
// other methods return empty answers, and nothing panics.
func TestNilClient(t *testing.T) {
	closed, err := flagkit.New(context.Background(), flagkit.WithStrict(),
		flagkit.WithSource(source.Bytes("test", []byte(`
flags:
  b: {default: on}
  s: {variants: {x: "x"}, default: x}
  n: {variants: {one: 1}, default: one}
  o: {variants: {obj: {k: 1}}, default: obj}
`))))
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatalf("Close() = %v; want nil", err)
	}
	for _, client := range []struct {
		name string
		c    *flagkit.Client
	}{
		{"nil", nil},
		{"closed", closed},
	} {
		t.Run(client.name, func(t *testing.T) {
			testClosedGetters(t, client.c)
			testClosedInspection(t, client.c)
		})
	}
}

// testClosedGetters checks the getters of c, a nil or closed client, and
// of its views.
func testClosedGetters(t *testing.T, c *flagkit.Client) {
	ctx := context.Background()
	s := flagkit.Subject{Key: "user-1"}
	type getters interface {
		Bool(ctx context.Context, key string, s flagkit.Subject, fallback bool) bool
		String(ctx context.Context, key string, s flagkit.Subject, fallback string) string
		Int(ctx context.Context, key string, s flagkit.Subject, fallback int64) int64
		Float(ctx context.Context, key string, s flagkit.Subject, fallback float64) float64
		Object(ctx context.Context, key string, s flagkit.Subject, dst any) bool
		Evaluate(ctx context.Context, key string, s flagkit.Subject) flagkit.Detail
		All(ctx context.Context, s flagkit.Subject) map[string]flagkit.Detail
		Explain(ctx context.Context, key string, s flagkit.Subject) flagkit.Explanation
	}
	at := time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)
	for _, g := range []struct {
		name string
		g    getters
	}{
		{"Client", c},
		{"View", c.View()},
		{"ViewAt", c.ViewAt(at)},
	} {
		for _, key := range []string{"b", "s", "n", "o", "missing"} {
			if got, want := g.g.Bool(ctx, key, s, true), true; got != want {
				t.Errorf("%s: Bool(%q) = %v; want %v", g.name, key, got, want)
			}
			if got, want := g.g.String(ctx, key, s, "fallback"), "fallback"; got != want {
				t.Errorf("%s: String(%q) = %q; want %q", g.name, key, got, want)
			}
			if got, want := g.g.Int(ctx, key, s, 7), int64(7); got != want {
				t.Errorf("%s: Int(%q) = %v; want %v", g.name, key, got, want)
			}
			if got, want := g.g.Float(ctx, key, s, 0.5), 0.5; got != want {
				t.Errorf("%s: Float(%q) = %v; want %v", g.name, key, got, want)
			}
			dst := map[string]any{"fallback": true}
			if g.g.Object(ctx, key, s, &dst) || len(dst) != 1 || dst["fallback"] != true {
				t.Errorf("%s: Object(%q) = true or changed dst to %v; want false, dst unchanged", g.name, key, dst)
			}
			d := g.g.Evaluate(ctx, key, s)
			if !errors.Is(d.Err, flagkit.ErrClosed) || d.Reason != flagkit.ReasonError || d.Value != nil || d.Variant != "" {
				t.Errorf("%s: Evaluate(%q) = %+v; want reason ERROR, ErrClosed and no value", g.name, key, d)
			}
			e := g.g.Explain(ctx, key, s)
			if !errors.Is(e.Result.Err, flagkit.ErrClosed) || e.Result.Value != nil {
				t.Errorf("%s: Explain(%q).Result = %+v; want ErrClosed and no value", g.name, key, e.Result)
			}
		}
		if got := g.g.All(ctx, s); len(got) != 0 {
			t.Errorf("%s: All() = %v; want no flags", g.name, got)
		}
	}
	if got := c.ViewAt(at).Time(); !got.Equal(at) {
		t.Errorf("ViewAt(%v).Time() = %v; want %v", at, got, at)
	}
	if got := c.View().Keys(); len(got) != 0 {
		t.Errorf("View().Keys() = %q; want none", got)
	}
}

// testClosedInspection checks the methods of c, a nil or closed client,
// that are not getters.
func testClosedInspection(t *testing.T, c *flagkit.Client) {
	if st := c.Status(); st.Ready || len(st.Problems) != 0 || len(st.Overrides) != 0 {
		t.Errorf("Status() = %+v; want not ready, no problems, no overrides", st)
	}
	if got := c.Flags(); len(got) != 0 {
		t.Errorf("Flags() = %+v; want none", got)
	}
	if got := c.Transitions(time.Time{}); len(got) != 0 {
		t.Errorf("Transitions() = %+v; want none", got)
	}
	if v, ok := c.Settled("b", time.Now()); v != "" || ok {
		t.Errorf("Settled(%q) = %q, %v; want \"\", false", "b", v, ok)
	}
	stop := c.OnChange(func(flagkit.Change) { t.Error("OnChange callback called") })
	stop()
	stop = c.OnStatus(func(flagkit.Status) { t.Error("OnStatus callback called") })
	stop()
	for i := range 2 {
		if err := c.Close(); err != nil {
			t.Errorf("Close() #%d = %v; want nil", i+1, err)
		}
	}
}
