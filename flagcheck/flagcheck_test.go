package flagcheck_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/flagkit/flagkit/flagcheck"
)

// testdata returns the test module's directory, with its dependencies in
// the module cache (analysistest loads with GOPROXY=off).
func testdata(t *testing.T) string {
	t.Helper()
	dir := analysistest.TestData()
	cmd := exec.Command("go", "mod", "download")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod download in %s: %v\n%s", dir, err, out)
	}
	return dir
}

// TestAnalyzer checks every diagnostic against the // want comments of
// the test module's packages.
func TestAnalyzer(t *testing.T) {
	dir := testdata(t)
	flags, err := flagcheck.Load(context.Background(), filepath.Join(dir, "flags.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, flagcheck.New(flags, flagcheck.LevelInfo),
		"example.com/svc/basic", "example.com/svc/gen", "example.com/svc/helpers", "example.com/svc/of", "example.com/svc/keys")
}

// TestReferences checks the references the analyzer returns, generated
// code included.
func TestReferences(t *testing.T) {
	dir := testdata(t)
	flags, err := flagcheck.Load(context.Background(), filepath.Join(dir, "flags.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	results := analysistest.Run(&quiet{t}, dir, flagcheck.New(flags, flagcheck.LevelError), "example.com/svc/gen")
	if len(results) != 1 {
		t.Fatalf("analysistest.Run(gen) = %d results; want 1", len(results))
	}
	fset := results[0].Action.Package.Fset
	type ref struct {
		Key, Call, File string
		Line            int
		Generated       bool
	}
	var got []ref
	for _, r := range results[0].Action.Result.(*flagcheck.Result).References {
		p := fset.Position(r.Pos)
		got = append(got, ref{r.Key, r.Call, filepath.Base(p.Filename), p.Line, r.Generated})
	}
	sort.Slice(got, func(i, j int) bool { return got[i].File < got[j].File })
	want := []ref{
		{"search-v1", "Client.Bool", "gen.go", 11, false},
		{"new-checkout", "Client.Bool", "flags_gen.go", 13, true},
		{"search-v1", "Client.Bool", "flags_gen.go", 18, true},
	}
	sort.Slice(want, func(i, j int) bool { return want[i].File < want[j].File })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("References(gen) = %+v; want %+v", got, want)
	}
}

// quiet is a Testing that ignores unmatched expectations, for tests that
// check something else than the // want comments.
type quiet struct{ *testing.T }

func (q *quiet) Errorf(format string, args ...any) {}

// TestLevels checks which diagnostics each level reports.
func TestLevels(t *testing.T) {
	dir := testdata(t)
	flags, err := flagcheck.Load(context.Background(), filepath.Join(dir, "flags.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		level flagcheck.Level
		want  map[string]int // diagnostics by category in package basic
	}{
		{flagcheck.LevelError, map[string]int{flagcheck.CategoryUnknown: 11, flagcheck.CategoryType: 4}},
		{flagcheck.LevelNote, map[string]int{flagcheck.CategoryUnknown: 11, flagcheck.CategoryType: 4, flagcheck.CategoryFallback: 4}},
		{flagcheck.LevelInfo, map[string]int{flagcheck.CategoryUnknown: 11, flagcheck.CategoryType: 4, flagcheck.CategoryFallback: 4, flagcheck.CategoryDynamic: 2}},
	} {
		t.Run(tt.level.String(), func(t *testing.T) {
			results := analysistest.Run(&quiet{t}, dir, flagcheck.New(flags, tt.level), "example.com/svc/basic")
			got := map[string]int{}
			for _, r := range results {
				for _, d := range r.Action.Diagnostics {
					got[d.Category]++
					if l := flagcheck.LevelOf(d); l > tt.level {
						t.Errorf("diagnostic %q of level %v reported at level %v", d.Message, l, tt.level)
					}
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("diagnostics by category = %v; want %v", got, tt.want)
			}
		})
	}
}

// TestAnalyzerFlags runs the analyzer configured by its flags, as go vet
// does.
func TestAnalyzerFlags(t *testing.T) {
	dir := testdata(t)
	a := flagcheck.Analyzer
	for name, value := range map[string]string{"flags": filepath.Join(dir, "flags.yaml"), "level": "info"} {
		if err := a.Flags.Set(name, value); err != nil {
			t.Fatal(err)
		}
	}
	analysistest.Run(t, dir, a, "example.com/svc/basic", "example.com/svc/helpers")
}

func TestParseLevel(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want flagcheck.Level
		ok   bool
	}{
		{"error", flagcheck.LevelError, true},
		{"note", flagcheck.LevelNote, true},
		{"info", flagcheck.LevelInfo, true},
		{"warning", 0, false},
	} {
		got, err := flagcheck.ParseLevel(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("flags:\n  x: {enabled: maybe}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		paths []string
	}{
		{"no documents", nil},
		{"invalid document", []string{bad}},
		{"missing", []string{filepath.Join(dir, "missing.yaml")}},
		{"device", []string{"/dev/zero"}},
	} {
		if _, err := flagcheck.Load(context.Background(), tt.paths...); err == nil {
			t.Errorf("Load(%s: %q) = nil error; want an error", tt.name, tt.paths)
		}
	}
}
