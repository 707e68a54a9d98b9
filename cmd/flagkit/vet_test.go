package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The flag documents of the examples, as layers, from the repository root.
const exampleFlags = "examples/quickstart/flags.yaml,examples/httpservice/flags.yaml,examples/testing/flags.yaml"

// atRoot makes the repository root the working directory for the test.
func atRoot(t *testing.T) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
}

// TestVetExamples runs flagkit vet over the examples, as a service's CI
// would. The httpservice example adds its launch-banner flag at run time
// (a generated layer), so the documents do not define it.
func TestVetExamples(t *testing.T) {
	atRoot(t)
	const (
		banner  = `examples/httpservice/service.go:165:24: flag "launch-banner" is not defined in the flag documents`
		dynamic = `examples/testing/checkout_test.go:68:50: info: the flags of this flagkittest.Context call are not a map literal, so flagcheck cannot check them`
	)
	for _, tt := range []struct {
		name string
		args []string
		want result
	}{
		{"text", []string{"vet", "-flags", exampleFlags, "./examples/..."}, result{exitFailure, banner + "\n" + dynamic + "\n", ""}},
		{"errors only", []string{"vet", "-level", "error", "-flags", exampleFlags, "./examples/..."}, result{exitFailure, banner + "\n", ""}},
		{"repeated -flags", []string{"vet", "-level", "note",
			"-flags", "examples/quickstart/flags.yaml", "-flags", "examples/testing/flags.yaml", "./examples/quickstart", "./examples/testing"}, result{exitOK, "", ""}},
		{"info only: status 0", []string{"vet", "-flags", exampleFlags, "./examples/testing"}, result{exitOK, dynamic + "\n", ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			runCmd("", tt.args...).check(t, tt.args, tt.want)
			t.Logf("flagkit %s took %v", strings.Join(tt.args, " "), time.Since(start))
		})
	}

	t.Run("json", func(t *testing.T) {
		args := []string{"vet", "-json", "-flags", exampleFlags, "./examples/..."}
		r := runCmd("", args...)
		if r.status != exitFailure || r.stderr != "" {
			t.Fatalf("flagkit %q = status %d, stderr %q; want status 1, no stderr", args, r.status, r.stderr)
		}
		var got struct{ Findings []finding }
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("output %q: %v", r.stdout, err)
		}
		want := []finding{
			{Pos: "examples/httpservice/service.go:165:24", File: "examples/httpservice/service.go", Line: 165, Column: 24,
				Level: "error", Category: "unknown-flag", Message: `flag "launch-banner" is not defined in the flag documents`},
			{Pos: "examples/testing/checkout_test.go:68:50", File: "examples/testing/checkout_test.go", Line: 68, Column: 50,
				Level: "info", Category: "dynamic-key", Message: "info: the flags of this flagkittest.Context call are not a map literal, so flagcheck cannot check them"},
		}
		if !reflect.DeepEqual(got.Findings, want) {
			t.Errorf("findings = %+v; want %+v", got.Findings, want)
		}
	})
}

func TestVetErrors(t *testing.T) {
	atRoot(t)
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", badDoc)
	for _, tt := range []struct {
		name string
		args []string
		want result
	}{
		{"no -flags", []string{"vet", "./examples/..."}, result{exitUsage, "", "flagkit vet: -flags is required\n..."}},
		{"no packages", []string{"vet", "-flags", exampleFlags}, result{exitUsage, "", "flagkit vet: no packages\n..."}},
		{"bad level", []string{"vet", "-level", "warn", "-flags", exampleFlags, "./examples/..."}, result{exitUsage, "", "flagkit vet: flagcheck: unknown level \"warn\" (want error, note or info)\n..."}},
		{"invalid document", []string{"vet", "-flags", bad, "./examples/..."}, result{exitFailure, "",
			"flagkit vet: " + bad + ":2:27: flags.new-checkout.enabled: expected true or false, found \"maybe\"\n" +
				"flagkit vet: " + bad + ":5:17: flags.dark-mode.rules[0].cohort: unknown cohort \"nope\"\n"}},
		{"no such package", []string{"vet", "-flags", exampleFlags, "./nosuchdir"}, result{exitFailure, "", "flagkit vet: ..."}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runCmd("", tt.args...).check(t, tt.args, tt.want)
		})
	}
	if runtime.GOOS == "windows" {
		return
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, file, want string
	}{
		{"/dev/zero", "/dev/zero", "/dev/zero: is a character device, not a regular file"},
		{"FIFO", fifo, fifo + ": is a named pipe (FIFO), not a regular file"},
		{"limit+1", writeFile(t, dir, "big.yaml", strings.Repeat("#", 8<<20+1)), filepath.Join(dir, "big.yaml") + ": 8388609 bytes, over the limit of 8388608 bytes"},
	} {
		for _, cmd := range []string{"vet", "stale"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				args := []string{cmd, "-flags", tt.file, "./examples/..."}
				done := make(chan result, 1)
				go func() { done <- runCmd("", args...) }()
				select {
				case r := <-done:
					r.check(t, args, result{exitFailure, "", "flagkit " + cmd + ": " + tt.want + "\n"})
				case <-time.After(20 * time.Second):
					t.Fatalf("flagkit %q still running after 20s", args)
				}
			})
		}
	}
}

// extraFlags are flags that the examples' code does not read: one disabled
// for good, one never referenced, one overridden, one whose window closed.
const extraFlags = `
flags:
  old-banner: {enabled: false}
  never-used: {default: on}
  holiday-sale:
    rules:
      - {from: 2026-12-20T00:00:00Z, until: 2027-01-02T00:00:00Z, serve: on}
  search-v2: {rules: [{when: {plan: {eq: beta}}, serve: on}]}
overrides:
  search-v2: on
`

func TestStale(t *testing.T) {
	atRoot(t)
	extra := writeFile(t, t.TempDir(), "extra.yaml", extraFlags)
	flags := exampleFlags + "," + extra
	const dynamic = "1 call(s) with a key that is not a constant: a flag may be read there\n" +
		"\texamples/testing/checkout_test.go:68:50: flagkittest.Context\n"
	newCheckout := `new-checkout: serves "on" (true) to everyone since its last scheduled transition, 2027-01-10T14:00:00Z (141 days ago)
	examples/httpservice/service.go:159:30: flaghttp.Evaluate
	examples/quickstart/main.go:73:28: View.Evaluate
	examples/quickstart/main.go:78:22: View.Bool
	examples/quickstart/main.go:88:23: Client.Evaluate
	examples/testing/checkout.go:53:21: View.Bool
	examples/testing/checkout_test.go:80:44: flagkittest.Override
	examples/testing/checkout_test.go:96:44: flagkittest.Override
	examples/testing/checkout_test.go:123:64: flagkittest.Context
`
	for _, tt := range []struct {
		name string
		args []string
		want result
	}{
		{"after the launch", []string{"stale", "-now", "2027-06-01T00:00:00Z", "-flags", flags, "./examples/..."}, result{exitOK,
			"holiday-sale: serves the caller's fallback to everyone since its last scheduled transition, 2027-01-02T00:00:00Z (150 days ago); referenced by no code in the packages\n" +
				"never-used: referenced by no code in the packages\n" +
				newCheckout +
				`old-banner: disabled: serves "off" (false) to everyone; referenced by no code in the packages
search-v2: overridden: serves "on" (true) to everyone; referenced by no code in the packages
` + dynamic, ""}},
		{"before the launch", []string{"stale", "-now", "2026-12-01T00:00:00Z", "-flags", flags, "./examples/..."}, result{exitOK,
			"holiday-sale: referenced by no code in the packages\n" +
				"never-used: referenced by no code in the packages\n" +
				`old-banner: disabled: serves "off" (false) to everyone; referenced by no code in the packages
search-v2: overridden: serves "on" (true) to everyone; referenced by no code in the packages
` + dynamic, ""}},
		{"bad -now", []string{"stale", "-now", "tomorrow", "-flags", flags, "./examples/..."}, result{exitUsage, "", "flagkit stale: -now: parsing time \"tomorrow\" as ..."}},
		{"no -flags", []string{"stale", "./examples/..."}, result{exitUsage, "", "flagkit stale: -flags is required\n..."}},
		{"no packages", []string{"stale", "-flags", flags}, result{exitUsage, "", "flagkit stale: no packages\n..."}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runCmd("", tt.args...).check(t, tt.args, tt.want)
		})
	}

	t.Run("json", func(t *testing.T) {
		args := []string{"stale", "-json", "-now", "2027-06-01T00:00:00Z", "-flags", flags, "./examples/..."}
		r := runCmd("", args...)
		if r.status != exitOK || r.stderr != "" {
			t.Fatalf("flagkit %q = status %d, stderr %q; want status 0", args, r.status, r.stderr)
		}
		var got struct {
			At      time.Time
			Flags   []staleFlag
			Dynamic []reference `json:"dynamic_keys"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("output %q: %v", r.stdout, err)
		}
		launch := time.Date(2027, 1, 10, 14, 0, 0, 0, time.UTC)
		closed := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
		var keys []string
		for _, f := range got.Flags {
			keys = append(keys, f.Key)
			switch f.Key {
			case "new-checkout":
				if !f.Settled || f.Unreferenced || f.Why != "schedule" || f.Variant != "on" || f.Value != true ||
					f.Since == nil || !f.Since.Equal(launch) || f.SettledFor != 141*86400+10*3600 || len(f.References) != 8 {
					t.Errorf("new-checkout = %+v; want settled on schedule since %v, 8 references", f, launch)
				}
			case "holiday-sale":
				if !f.Settled || !f.Unreferenced || f.Why != "schedule" || f.Variant != "" || f.Since == nil || !f.Since.Equal(closed) {
					t.Errorf("holiday-sale = %+v; want settled (fallback) since %v, unreferenced", f, closed)
				}
			case "old-banner":
				if !f.Settled || f.Why != "disabled" || f.Variant != "off" || f.Since != nil || len(f.References) != 0 {
					t.Errorf("old-banner = %+v; want disabled, no since", f)
				}
			}
		}
		if want := []string{"holiday-sale", "never-used", "new-checkout", "old-banner", "search-v2"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("stale flags = %q; want %q", keys, want)
		}
		if len(got.Dynamic) != 1 || got.Dynamic[0].Pos != "examples/testing/checkout_test.go:68:50" {
			t.Errorf("dynamic_keys = %+v; want the one at examples/testing/checkout_test.go:68:50", got.Dynamic)
		}
		if !got.At.Equal(time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("at = %v; want 2027-06-01", got.At)
		}
	})
}
