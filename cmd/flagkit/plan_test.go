package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with the file testdata/name, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

func fixedNow() time.Time { return time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) }

func TestPlanGolden(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"plan-quickstart.txt", []string{"testdata/quickstart.yaml"}},
		{"plan-quickstart.json", []string{"-json", "-n", "2000", "testdata/quickstart.yaml"}},
		{"plan-quickstart.svg", []string{"-svg", "testdata/quickstart.yaml"}},
		{"plan-exact.txt", []string{"-now", "2026-03-10T12:00:00Z", "testdata/exact.yaml"}},
		{"plan-exact.svg", []string{"-svg", "-now", "2026-03-10T12:00:00Z", "testdata/exact.yaml"}},
		{"plan-exact-utc.txt", []string{"-zone", "UTC", "-now", "2026-03-10T12:00:00Z", "testdata/exact.yaml"}},
		{"plan-layers.txt", []string{"testdata/quickstart.yaml", "testdata/override.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var stdout, stderr strings.Builder
			status := runPlan(tt.args, fixedNow, &stdout, &stderr)
			if status != exitOK || stderr.Len() > 0 {
				t.Fatalf("flagkit plan %q = status %d, stderr %q", tt.args, status, stderr.String())
			}
			golden(t, tt.golden, stdout.String())
		})
	}
}

func TestPlanErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", "flags:\n  x: {rules: [{from: 2026-12-01 09:00, serve: on}]}\n")
	subjects := writeFile(t, dir, "s.jsonl", "{\"key\": \"a\"}\n{\"attrs\": {}}\n")
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{}, exitUsage, "flagkit plan: no files\n..."},
		{[]string{"-json", "-svg", "x.yaml"}, exitUsage, "flagkit plan: -json and -svg exclude each other\n..."},
		{[]string{"-now", "tomorrow", "x.yaml"}, exitUsage, "flagkit plan: -now: want RFC 3339, such as 2026-12-01T09:00:00Z\n..."},
		{[]string{"-zone", "Mars/Olympus", "x.yaml"}, exitUsage, "flagkit plan: -zone: unknown time zone \"Mars/Olympus\"\n..."},
		{[]string{"-n", "0", "x.yaml"}, exitFailure, "flagkit plan: -n 0: want 1 to 1000000\n"},
		{[]string{bad}, exitFailure, "flagkit plan: " + bad + ":2:22: flags.x.rules[0].from: local time \"2026-12-01 09:00\" needs the document's timezone (set timezone: at the top, or write an offset)\n"},
		{[]string{"-subjects", subjects, bad}, exitFailure, "flagkit plan: " + subjects + ":2: subject has no \"key\"\n"},
		{[]string{filepath.Join(dir, "missing.yaml")}, exitFailure, "flagkit plan: open " + filepath.Join(dir, "missing.yaml") + ": no such file or directory\n"},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		status := runPlan(tt.args, fixedNow, &stdout, &stderr)
		r := result{status, stdout.String(), stderr.String()}
		r.check(t, append([]string{"plan"}, tt.args...), result{tt.status, "", tt.stderr})
	}
}

// TestPlanDocsPicture keeps the picture in docs/tooling.md, docs/release-plan.svg,
// the plan of examples/quickstart/flags.yaml as of 5 December 2026; go
// test -update redraws it.
func TestPlanDocsPicture(t *testing.T) {
	var stdout, stderr strings.Builder
	args := []string{"-svg", "-now", "2026-12-05T12:00:00Z", "../../examples/quickstart/flags.yaml"}
	if status := runPlan(args, fixedNow, &stdout, &stderr); status != exitOK {
		t.Fatalf("flagkit plan %q = status %d, stderr %q", args, status, stderr.String())
	}
	golden(t, "../../../docs/release-plan.svg", stdout.String())
}
