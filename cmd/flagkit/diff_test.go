package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestDiffGolden(t *testing.T) {
	const now = "-now=2026-12-02T12:00:00Z"
	tests := []struct {
		golden string
		args   []string
		status int
	}{
		{"diff-same.txt", []string{now, "-exit-code", "testdata/quickstart.yaml", "testdata/quickstart.yaml"}, exitOK},
		{"diff-ramp.txt", []string{now, "-exit-code", "testdata/quickstart.yaml", "testdata/ramp-60.yaml"}, exitChanged},
		{"diff-ramp.json", []string{now, "-json", "-n", "1000", "testdata/quickstart.yaml", "testdata/ramp-60.yaml"}, exitOK},
		{"diff-reshuffle.txt", []string{now, "-exit-code", "-subjects", "testdata/subjects.jsonl", "testdata/quickstart.yaml", "testdata/reshuffle.yaml"}, exitReshuffle},
		{"diff-added.txt", []string{now, "testdata/quickstart.yaml", "testdata/added.yaml"}, exitOK},
		{"diff-layers.txt", []string{now, "-exit-code", "testdata/quickstart.yaml", "testdata/quickstart.yaml,testdata/override.yaml"}, exitChanged},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var stdout, stderr strings.Builder
			status := runDiff(tt.args, fixedNow, &stdout, &stderr)
			if status != tt.status || stderr.Len() > 0 {
				t.Fatalf("flagkit diff %q = status %d, stderr %q; want status %d", tt.args, status, stderr.String(), tt.status)
			}
			golden(t, tt.golden, stdout.String())
		})
	}
}

// TestDiffShares checks the measured impact against the exact one: raising
// the ramp's last point from 50 % to 60 % moves buckets 50000..59999 from
// off to on at its end, exactly 10 % of subjects; the tolerance, 1
// percentage point, is more than 3 standard errors over 10000 keys (0.3).
func TestDiffShares(t *testing.T) {
	var stdout, stderr strings.Builder
	args := []string{"-json", "-now=2026-12-02T12:00:00Z", "testdata/quickstart.yaml", "testdata/ramp-60.yaml"}
	if status := runDiff(args, fixedNow, &stdout, &stderr); status != exitOK {
		t.Fatalf("flagkit diff %q = status %d, stderr %q", args, status, stderr.String())
	}
	var d diffDoc
	if err := json.Unmarshal([]byte(stdout.String()), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Changed) != 2 || d.Changed[0].Key != "new-checkout" {
		t.Fatalf("changed = %+v; want new-checkout and rate-limit", d.Changed)
	}
	want := map[string]float64{"2026-12-15T08:00:00Z": 10, "2027-01-10T14:00:00Z": 0}
	for _, ip := range d.Changed[0].Impact {
		w, ok := want[ip.At.Format("2006-01-02T15:04:05Z")]
		if !ok {
			continue
		}
		if math.Abs(ip.ChangedPercent-w) > 1 || ip.SplitMoves != 0 {
			t.Errorf("at %v: %.2f %% change, %d split moves; want %v %% ± 1, 0", ip.At, ip.ChangedPercent, ip.SplitMoves, w)
		}
		for _, m := range ip.Moves {
			if m.From != "off" || m.To != "on" {
				t.Errorf("at %v: move %s → %s; a rising percentage only moves off → on", ip.At, m.From, m.To)
			}
		}
	}
}

func TestDiffErrors(t *testing.T) {
	dir := t.TempDir()
	badSubjects := writeFile(t, dir, "s.jsonl", "{\"key\": \"a\", \"attrs\": []}\n")
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{"testdata/quickstart.yaml"}, exitUsage, "flagkit diff: want two arguments, OLD and NEW (several files each separated by commas)\n..."},
		{[]string{",", "testdata/quickstart.yaml"}, exitUsage, "flagkit diff: OLD and NEW each name at least one file\n..."},
		{[]string{"-subjects", badSubjects, "testdata/quickstart.yaml", "testdata/quickstart.yaml"}, exitFailure,
			"flagkit diff: " + badSubjects + ":1: not a subject {\"key\": \"...\", \"attrs\": {...}}: json: cannot unmarshal array into Go struct field .attrs of type map[string]interface {}\n"},
		{[]string{"testdata/quickstart.yaml", "testdata/nope.yaml"}, exitFailure, "flagkit diff: open testdata/nope.yaml: no such file or directory\n"},
	}
	for _, tt := range tests {
		var stdout, stderr strings.Builder
		status := runDiff(tt.args, fixedNow, &stdout, &stderr)
		r := result{status, stdout.String(), stderr.String()}
		r.check(t, append([]string{"diff"}, tt.args...), result{tt.status, "", tt.stderr})
	}
}
