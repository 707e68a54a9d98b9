package main

// flagkit eval: evaluate flags of documents for one subject at one instant.
//
//	flagkit eval [-key KEY] [-attr NAME=VALUE]... [-at TIME] [-tz ZONE]
//	             [-flag KEY[,KEY...]]... [-explain] [-json] FILE...
//
// The files are layers, in order, as the sources of a client: a later
// file's definition of a flag or cohort replaces an earlier one's, and an
// overrides: section of any file applies. The subject is -key (what
// percentages and splits hash) and its attributes, one -attr each:
//
//   - NAME=VALUE types VALUE as a flag document types a plain scalar (YAML
//     1.2's core schema): 42 and 2.5 are numbers, true and false booleans,
//     null or nothing is a missing attribute, and anything else is a
//     string (NO, 2.10.1, acme).
//   - NAME:=JSON gives a JSON value: a list (roles:=["dev","admin"]), or a
//     string that would otherwise be read as a number (plan:="42").
//
// -at is the instant (default: now): RFC 3339 with an offset
// (2026-12-01T09:00:00Z), or a local time YYYY-MM-DD[ HH:MM[:SS]] read as
// the documents read theirs, in the time zone of the files' timezone:
// (daylight-saving gaps moved later, repeated hours the earlier instant).
// When files set different zones, or none does, a local time needs -tz
// ZONE (an IANA name such as Europe/Oslo); -tz always wins.
//
// -flag names the flags to evaluate (repeat it or separate with commas;
// default: every flag, sorted). Each result is printed on one line:
//
//	checkout = on (true)  SPLIT  rule "ramp"  source flags.yaml
//
// -explain prints the whole path of each evaluation as a tree
// (flagkit.Explanation's String); -json prints {"at", "subject": {"key",
// "attrs"}, "flags": [{"flag", "result", "explanation"}]}, with the result
// as flagkit.Detail encodes it and the explanation only with -explain.
//
// eval exits with status 0 when every result is served without an error,
// 1 when a document has a problem (printed to standard error as validate
// prints it; the flags are evaluated anyway, invalid flags serving the
// fallback) or a result is an error (an unknown or invalid flag), and 2 on
// a usage error (a malformed attribute or time, a local time without a
// zone).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/attrtext"
	"github.com/flagkit/flagkit/source"
)

// attrList is the repeated -attr flag.
type attrList struct{ attrs flagkit.Attrs }

func (l *attrList) String() string { return "" }

func (l *attrList) Set(s string) error {
	name, v, err := attrtext.Parse(s)
	if err != nil {
		return err
	}
	if l.attrs == nil {
		l.attrs = flagkit.Attrs{}
	}
	l.attrs[name] = v
	return nil
}

// evalResult is one flag's entry in eval's JSON output.
type evalResult struct {
	Flag        string               `json:"flag"`
	Result      flagkit.Detail       `json:"result"`
	Explanation *flagkit.Explanation `json:"explanation,omitempty"`
}

// evalOutput is eval's JSON output.
type evalOutput struct {
	At      string       `json:"at"`
	Subject evalSubject  `json:"subject"`
	Flags   []evalResult `json:"flags"`
}

type evalSubject struct {
	Key   string        `json:"key"`
	Attrs flagkit.Attrs `json:"attrs"`
}

// runEval implements flagkit eval; now is the default instant.
func runEval(args []string, now func() time.Time, stdout, stderr io.Writer) int {
	fs := newFlagSet("eval", "[-key KEY] [-attr NAME=VALUE]... [-at TIME] [-tz ZONE] [-flag KEY]... [-explain] [-json] FILE...", stderr)
	key := fs.String("key", "", "the subject's `key`, which percentages and splits hash")
	var attrs attrList
	fs.Var(&attrs, "attr", "an attribute of the subject, `NAME=VALUE` or NAME:=JSON (repeat for more)")
	atText := fs.String("at", "", "evaluate at this `time`: RFC 3339, or a local YYYY-MM-DD[ HH:MM[:SS]] in the files' time zone (default now)")
	tz := fs.String("tz", "", "the time `zone` of a local -at, such as Europe/Oslo (default: the files' timezone)")
	var keys fileList
	fs.Var(&keys, "flag", "the `flags` to evaluate (repeat or separate with commas; default all)")
	explain := fs.Bool("explain", false, "print the path of each evaluation")
	asJSON := fs.Bool("json", false, "print JSON")
	if status, stop := parseFlags(fs, args); stop {
		return status
	}
	if fs.NArg() == 0 {
		return usageError(fs, stderr, "no files")
	}
	docs := make([][]byte, fs.NArg())
	opts := []flagkit.Option{flagkit.WithClock(now)}
	for i, name := range fs.Args() {
		data, err := readDocument(name)
		if err != nil {
			return failure(stderr, "eval", err)
		}
		docs[i] = data
		opts = append(opts, flagkit.WithSource(source.Bytes(name, data)))
	}
	at := now()
	if *atText != "" {
		t, msg := evalInstant(*atText, *tz, fs.Args(), docs)
		if msg != "" {
			return usageError(fs, stderr, "-at: "+msg)
		}
		at = t
	} else if *tz != "" {
		return usageError(fs, stderr, "-tz is only for a local -at")
	}
	c, err := flagkit.New(context.Background(), opts...)
	if err != nil {
		return failure(stderr, "eval", err)
	}
	defer c.Close()
	status := exitOK
	for _, p := range c.Status().Problems {
		for _, line := range problems(p) {
			fmt.Fprintf(stderr, "flagkit eval: %s\n", line)
		}
		status = exitFailure
	}

	view := c.ViewAt(at)
	if len(keys) == 0 {
		keys = view.Keys()
	}
	s := flagkit.Subject{Key: *key, Attrs: attrs.attrs}
	ctx := context.Background()
	results := make([]evalResult, 0, len(keys))
	for _, k := range keys {
		r := evalResult{Flag: k}
		if *explain {
			e := view.Explain(ctx, k, s)
			r.Result, r.Explanation = e.Result, &e
		} else {
			r.Result = view.Evaluate(ctx, k, s)
		}
		if r.Result.Err != nil {
			status = exitFailure
		}
		results = append(results, r)
	}

	if *asJSON {
		out := evalOutput{At: at.UTC().Format(time.RFC3339Nano), Subject: evalSubject{Key: s.Key, Attrs: s.Attrs}, Flags: results}
		if out.Subject.Attrs == nil {
			out.Subject.Attrs = flagkit.Attrs{}
		}
		return writeJSON(stdout, stderr, "eval", out, status)
	}
	for i, r := range results {
		if r.Explanation != nil {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprint(stdout, r.Explanation.String())
			continue
		}
		fmt.Fprintln(stdout, resultLine(r.Flag, r.Result))
	}
	return status
}

// resultLine writes one result on a line.
func resultLine(key string, d flagkit.Detail) string {
	var b strings.Builder
	b.WriteString(key + " = ")
	if d.Variant == "" && d.Value == nil {
		b.WriteString("(fallback)")
	} else {
		j, err := json.Marshal(d.Value)
		if err != nil {
			j = []byte("?")
		}
		if d.Variant != "" {
			b.WriteString(d.Variant + " ")
		}
		b.WriteString("(" + string(j) + ")")
	}
	b.WriteString("  " + string(d.Reason))
	if d.Rule != "" {
		b.WriteString("  rule " + strconv.Quote(d.Rule))
	}
	if d.Source != "" {
		b.WriteString("  source " + d.Source)
	}
	if d.Err != nil {
		b.WriteString("  error: " + d.Err.Error())
	}
	return b.String()
}

// evalInstant reads -at: RFC 3339, or a local time in zone tz, or else in
// the one zone the files set. msg is "" or why text cannot be read.
func evalInstant(text, tz string, names []string, docs [][]byte) (t time.Time, msg string) {
	if t, err := time.Parse(time.RFC3339, text); err == nil {
		if tz != "" {
			return time.Time{}, "-tz is only for a local time, and " + strconv.Quote(text) + " has an offset"
		}
		return t, ""
	}
	zone := tz
	if zone == "" {
		zones := map[string][]string{} // zone -> files
		for i, data := range docs {
			var top struct {
				Timezone string `yaml:"timezone"`
			}
			if yaml.Unmarshal(data, &top) == nil && top.Timezone != "" {
				zones[top.Timezone] = append(zones[top.Timezone], names[i])
			}
		}
		switch len(zones) {
		case 0:
			zone = ""
		case 1:
			for z := range zones {
				zone = z
			}
		default:
			var parts []string
			for _, z := range slices.Sorted(maps.Keys(zones)) {
				parts = append(parts, z+" ("+strings.Join(zones[z], ", ")+")")
			}
			return time.Time{}, fmt.Sprintf("%q has no offset and the files set different time zones: %s; give -tz or an offset",
				text, strings.Join(parts, ", "))
		}
	}
	return localInstant(text, zone)
}

// localInstant reads text as a flag document with timezone zone reads the
// time of a window: it asks flagkit itself, through a one-rule document,
// so that the rules for local times (daylight-saving gaps and repeated
// hours) are exactly the documents'.
func localInstant(text, zone string) (time.Time, string) {
	doc := map[string]any{
		"flags": map[string]any{"t": map[string]any{"rules": []any{map[string]any{"from": text, "serve": "on"}}}},
	}
	if zone != "" {
		doc["timezone"] = zone
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return time.Time{}, err.Error()
	}
	c, err := flagkit.New(context.Background(), flagkit.WithSource(source.Bytes("-at", data)), flagkit.WithStrict())
	if err != nil {
		var pe *flagkit.ParseError
		switch {
		case zone == "":
			return time.Time{}, fmt.Sprintf("%q is not RFC 3339 with an offset, and no file sets a timezone to read a local time in; give -tz or an offset", text)
		case errors.As(err, &pe) && strings.HasPrefix(pe.Path, "timezone"):
			return time.Time{}, fmt.Sprintf("time zone %q: %s", zone, pe.Msg)
		case errors.As(err, &pe):
			return time.Time{}, pe.Msg
		}
		return time.Time{}, err.Error()
	}
	defer c.Close()
	trs := c.Transitions(time.Unix(-1<<40, 0))
	if len(trs) == 0 {
		return time.Time{}, fmt.Sprintf("%q is not a time", text)
	}
	return trs[0].At, ""
}
