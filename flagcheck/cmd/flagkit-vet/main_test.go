package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoVet runs the tool under go vet -vettool, in the form the package
// documentation gives, over the analyzer's test module.
func TestGoVet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the tool and runs go vet")
	}
	tool := filepath.Join(t.TempDir(), "flagkit-vet")
	if out, err := exec.Command("go", "build", "-o", tool, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	download := exec.Command("go", "mod", "download")
	download.Dir, download.Env = dir, env
	if out, err := download.CombinedOutput(); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	for _, tt := range []struct {
		name    string
		args    []string
		wantErr bool
		want    string
	}{
		{"errors", []string{"-flagcheck.level=error", "./gen"}, true,
			`gen/flags_gen.go:18:21: flag "search-v1" is not defined in the flag documents; did you mean "search.v2"? (in generated code: fix the generator's input)` + "\n" +
				`gen/gen.go:11:21: flag "search-v1" is not defined in the flag documents; did you mean "search.v2"?` + "\n"},
		{"clean package", []string{"./keys"}, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"vet", "-vettool=" + tool, "-flagcheck.flags=" + filepath.Join(dir, "flags.yaml")}, tt.args...)
			cmd := exec.Command("go", args...)
			cmd.Dir, cmd.Env = dir, env
			out, err := cmd.CombinedOutput()
			if (err != nil) != tt.wantErr || strings.ReplaceAll(string(out), "\\", "/") != tt.want {
				t.Errorf("go %s = %v, output:\n%s\nwant error %v, output:\n%s", strings.Join(args, " "), err, out, tt.wantErr, tt.want)
			}
		})
	}
}
