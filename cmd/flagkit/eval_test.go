package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const evalBase = `timezone: Europe/Oslo
cohorts:
  nordics:
    when: {country: {in: ["NO", "SE"]}}
flags:
  checkout:
    default: off
    rules:
      - name: nordic launch
        cohort: nordics
        from: 2026-12-01 09:00
        serve: on
      - name: seats
        when: {seats: {gte: 100}, roles: {in: [admin]}}
        serve: on
  theme:
    variants: {classic: classic, dark: dark}
    default: classic
`

const evalOps = `overrides:
  theme: dark
`

const evalNewYork = `timezone: America/New_York
flags:
  other: {default: on}
`

func evalCmd(args ...string) result {
	var stdout, stderr bytes.Buffer
	now := func() time.Time { return time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC) }
	status := runEval(args, now, &stdout, &stderr)
	return result{status, stdout.String(), stderr.String()}
}

func TestEval(t *testing.T) {
	dir := t.TempDir()
	base := writeFile(t, dir, "base.yaml", evalBase)
	ops := writeFile(t, dir, "ops.yaml", evalOps)
	ny := writeFile(t, dir, "ny.yaml", evalNewYork)
	bad := writeFile(t, dir, "bad.yaml", badDoc)
	broken := writeFile(t, dir, "broken.yaml", "flags: [")
	noZone := writeFile(t, dir, "nozone.yaml", "flags: {a: {default: on}}")
	tests := []struct {
		name string
		args []string
		want result
	}{
		{"all flags, layers", []string{"-key", "u1", "-attr", "country=NO", base, ops}, result{0,
			"checkout = on (true)  TARGETING_MATCH  rule \"nordic launch\"  source " + base + "\n" +
				"theme = dark (\"dark\")  STATIC  source " + ops + "\n", ""}},
		{"local time in the file's zone, before the launch", []string{"-flag", "checkout", "-attr", "country=NO", "-at", "2026-12-01 08:59", base}, result{0,
			"checkout = off (false)  DEFAULT  source " + base + "\n", ""}},
		{"local time at the launch", []string{"-flag", "checkout", "-attr", "country=NO", "-at", "2026-12-01 09:00", base}, result{0,
			"checkout = on (true)  TARGETING_MATCH  rule \"nordic launch\"  source " + base + "\n", ""}},
		{"RFC 3339, one second before", []string{"-flag", "checkout", "-attr", "country=NO", "-at", "2026-12-01T07:59:59Z", base}, result{0,
			"checkout = off (false)  DEFAULT  source " + base + "\n", ""}},
		{"-tz wins", []string{"-flag", "checkout", "-attr", "country=NO", "-at", "2026-12-01 08:30", "-tz", "UTC", base}, result{0,
			"checkout = on (true)  TARGETING_MATCH  rule \"nordic launch\"  source " + base + "\n", ""}},
		{"typed attributes", []string{"-flag", "checkout", "-attr", "seats=120", "-attr", `roles:=["dev","admin"]`, base}, result{0,
			"checkout = on (true)  TARGETING_MATCH  rule \"seats\"  source " + base + "\n", ""}},
		{"a quoted number is a string", []string{"-flag", "checkout", "-attr", `seats:="120"`, "-attr", `roles:=["admin"]`, base}, result{0,
			"checkout = off (false)  DEFAULT  source " + base + "\n", ""}},
		{"unknown flag", []string{"-flag", "nope", base}, result{1,
			"nope = (fallback)  ERROR  error: flagkit: flag \"nope\" not found\n", ""}},
		{"a problem in a document", []string{"-flag", "new-checkout", bad}, result{1,
			"new-checkout = (fallback)  ERROR  source " + bad + "  error: flagkit: flag \"new-checkout\" is invalid: ...", "flagkit eval: " + bad + ":2:27: flags.new-checkout.enabled: expected true or false, found \"maybe\"\n..."}},
		{"a document that does not parse", []string{broken}, result{1, "", "flagkit eval: ..."}},
		{"local time, zones differ", []string{"-at", "2026-12-01 09:00", base, ny}, result{2, "",
			"flagkit eval: -at: \"2026-12-01 09:00\" has no offset and the files set different time zones: America/New_York (" + ny + "), Europe/Oslo (" + base + "); give -tz or an offset\n..."}},
		{"local time, no zone", []string{"-at", "2026-12-01 09:00", noZone}, result{2, "",
			"flagkit eval: -at: \"2026-12-01 09:00\" is not RFC 3339 with an offset, and no file sets a timezone to read a local time in; give -tz or an offset\n..."}},
		{"bad time", []string{"-at", "2026-13-01 09:00", base}, result{2, "",
			"flagkit eval: -at: \"2026-13-01 09:00\" is not a valid time: month 13 is outside 1..12\n..."}},
		{"bad zone", []string{"-at", "2026-12-01 09:00", "-tz", "Mars/Olympus", base}, result{2, "", "flagkit eval: -at: ..."}},
		{"malformed attribute", []string{"-attr", "country", base}, result{2, "",
			"invalid value \"country\" for flag -attr: attribute \"country\": want NAME=VALUE or NAME:=JSON\n..."}},
		{"attribute named key", []string{"-attr", "key=x", base}, result{2, "", "invalid value \"key=x\" for flag -attr: ..."}},
		{"bad JSON", []string{"-attr", "roles:=[dev]", base}, result{2, "", "invalid value \"roles:=[dev]\" for flag -attr: attribute \"roles\": invalid JSON: ..."}},
		{"no files", []string{"-key", "u"}, result{2, "", "flagkit eval: no files\n..."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evalCmd(tt.args...).check(t, tt.args, tt.want)
		})
	}
}

func TestEvalExplain(t *testing.T) {
	dir := t.TempDir()
	base := writeFile(t, dir, "base.yaml", evalBase)
	args := []string{"-explain", "-flag", "checkout", "-key", "u1", "-attr", "country=DK", "-attr", "seats=12", "-at", "2026-12-02T00:00:00Z", base}
	want := `flag checkout for subject "u1" at 2026-12-02T00:00:00Z
  layers:
    BASE: valid (in force)
  enabled
  rules:
    rule "nordic launch": no match
      window from 2026-12-01T08:00:00Z: open
      cohort nordics: not a member
        when: fails
          country in ["NO", "SE"]: "DK": fails
    rule "seats": no match
      when: fails
        seats gte 100: 12: fails
        roles in ["admin"]: missing: fails
  served off (false), reason DEFAULT, source BASE
`
	evalCmd(args...).check(t, args, result{0, strings.ReplaceAll(want, "BASE", base), ""})
}

func TestEvalJSON(t *testing.T) {
	dir := t.TempDir()
	base := writeFile(t, dir, "base.yaml", evalBase)
	ops := writeFile(t, dir, "ops.yaml", evalOps)
	r := evalCmd("-json", "-key", "u1", "-attr", "country=SE", "-attr", "n=1.5", "-at", "2026-12-02T00:00:00Z", base, ops)
	if r.status != 0 || r.stderr != "" {
		t.Fatalf("status %d, stderr %q", r.status, r.stderr)
	}
	var got struct {
		At      string `json:"at"`
		Subject struct {
			Key   string         `json:"key"`
			Attrs map[string]any `json:"attrs"`
		} `json:"subject"`
		Flags []struct {
			Flag   string `json:"flag"`
			Result struct {
				Value   any    `json:"value"`
				Variant string `json:"variant"`
				Reason  string `json:"reason"`
				Rule    string `json:"rule"`
				Source  string `json:"source"`
			} `json:"result"`
			Explanation json.RawMessage `json:"explanation"`
		} `json:"flags"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if got.At != "2026-12-02T00:00:00Z" || got.Subject.Key != "u1" || got.Subject.Attrs["country"] != "SE" || got.Subject.Attrs["n"] != 1.5 {
		t.Errorf("at %q, subject %+v", got.At, got.Subject)
	}
	if len(got.Flags) != 2 || got.Flags[0].Flag != "checkout" || got.Flags[0].Result.Variant != "on" ||
		got.Flags[0].Result.Rule != "nordic launch" || got.Flags[1].Result.Reason != "STATIC" || got.Flags[1].Result.Source != ops ||
		got.Flags[0].Explanation != nil {
		t.Errorf("flags = %+v", got.Flags)
	}
	r = evalCmd("-json", "-explain", "-flag", "theme", base, ops)
	if !strings.Contains(r.stdout, `"explanation": {`) || !strings.Contains(r.stdout, `"override": {`) {
		t.Errorf("-json -explain output lacks the explanation:\n%s", r.stdout)
	}
}
