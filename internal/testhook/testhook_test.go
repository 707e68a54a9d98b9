package testhook

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func newTestRegistry() *Registry {
	return NewRegistry(func(flag string) bool { return flag == "known" }, func(string, any) error { return nil })
}

func lookup(r *Registry, ctx context.Context, flag, key string) any {
	v, ok := r.Lookup(ctx, flag, key)
	if !ok {
		return "<none>"
	}
	return v
}

func TestSetAndUndo(t *testing.T) {
	r := newTestRegistry()
	ctx := context.Background()
	undo1, err := r.Set("f", "", 1, "TestA")
	if err != nil {
		t.Fatal(err)
	}
	undo2, err := r.Set("f", "", 2, "TestA") // the same test may replace its own
	if err != nil {
		t.Fatal(err)
	}
	undo3, err := r.Set("f", "ann", 3, "TestA/sub") // a subtest may add to its parent's
	if err != nil {
		t.Fatal(err)
	}
	undo4, err := r.Set("f", "", 4, "TestA/sub") // and replace it
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		undo          func()
		wantAll, want any
	}{
		{func() {}, 4, 3},
		{undo4, 2, 3},
		{undo3, 2, 2},
		{undo2, 1, 1},
		{undo1, "<none>", "<none>"},
		{undo1, "<none>", "<none>"}, // undoing twice changes nothing
	}
	for i, s := range steps {
		s.undo()
		if got := lookup(r, ctx, "f", "bob"); got != s.wantAll {
			t.Errorf("step %d: Lookup(f, bob) = %v; want %v", i, got, s.wantAll)
		}
		if got := lookup(r, ctx, "f", "ann"); got != s.want {
			t.Errorf("step %d: Lookup(f, ann) = %v; want %v", i, got, s.want)
		}
	}
	if _, err := r.Set("f", "", 5, "TestB"); err != nil {
		t.Errorf("Set after every undo: %v", err)
	}
}

func TestSetConflict(t *testing.T) {
	r := newTestRegistry()
	if _, err := r.Set("f", "ann", 1, "TestA"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Set("f", "", 1, "TestA"); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ key, owner, want string }{
		{"ann", "TestB", `flag "f" is already overridden for subject "ann" by TestA;`},
		{"", "TestAB", `flag "f" is already overridden for everyone by TestA;`}, // not a subtest of TestA
		{"", "TestB/TestA", `by TestA;`},
	}
	for _, tt := range tests {
		_, err := r.Set("f", tt.key, 2, tt.owner)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Set(f, %q) by %s: err = %v; want one containing %q", tt.key, tt.owner, err, tt.want)
		}
	}
	if got := lookup(r, context.Background(), "f", "zed"); got != 1 {
		t.Errorf("Lookup after refused Sets = %v; want 1", got)
	}
}

func TestContextValues(t *testing.T) {
	r, other := newTestRegistry(), newTestRegistry()
	if _, err := r.Set("f", "", "registry", "T"); err != nil {
		t.Fatal(err)
	}
	ctx := WithValues(context.Background(), r, map[string]any{"f": "outer", "g": "outer"}, nil)
	ctx = WithValues(ctx, r, nil, map[string]map[string]any{"f": {"ann": "inner-ann"}})
	ctx = WithValues(ctx, other, map[string]any{"f": "other"}, nil)
	tests := []struct {
		r         *Registry
		ctx       context.Context
		flag, key string
		want      any
	}{
		{r, ctx, "f", "ann", "inner-ann"},
		{r, ctx, "f", "bob", "outer"},
		{r, ctx, "g", "ann", "outer"},
		{r, context.Background(), "f", "bob", "registry"},
		{r, nil, "f", "bob", "registry"},
		{other, ctx, "f", "ann", "other"},
		{other, ctx, "g", "ann", "<none>"},
	}
	for i, tt := range tests {
		if got := lookup(tt.r, tt.ctx, tt.flag, tt.key); got != tt.want {
			t.Errorf("%d: Lookup(%s, %s) = %v; want %v", i, tt.flag, tt.key, got, tt.want)
		}
	}
}

func TestObserve(t *testing.T) {
	r := newTestRegistry()
	if _, err := r.Set("over", "", true, "T"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []Eval
	remove := r.Observe(func(e Eval) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	})
	var count int
	removeCount := r.Observe(func(Eval) { count++ })
	ctx := context.Background()
	r.Lookup(ctx, "known", "ann")
	r.Lookup(ctx, "over", "bob")
	remove()
	remove() // twice is fine
	r.Lookup(ctx, "unknown", "cid")
	removeCount()
	r.Lookup(ctx, "unknown", "cid")
	want := []Eval{
		{Flag: "known", SubjectKey: "ann", Known: true},
		{Flag: "over", SubjectKey: "bob", Overridden: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("observed %+v; want %+v", got, want)
	}
	if count != 3 {
		t.Errorf("second observer saw %d evaluations; want 3", count)
	}
}

func TestCheckAndKnown(t *testing.T) {
	errBad := errors.New("bad")
	r := NewRegistry(func(f string) bool { return f == "x" }, func(f string, v any) error {
		if v != true {
			return errBad
		}
		return nil
	})
	if !r.Known("x") || r.Known("y") {
		t.Errorf("Known(x), Known(y) = %v, %v; want true, false", r.Known("x"), r.Known("y"))
	}
	if err := r.Check("x", 1); !errors.Is(err, errBad) {
		t.Errorf("Check(x, 1) = %v; want errBad", err)
	}
	if err := r.Check("x", true); err != nil {
		t.Errorf("Check(x, true) = %v; want nil", err)
	}
}
