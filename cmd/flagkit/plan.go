package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/docfile"
	"github.com/flagkit/flagkit/internal/releaseplan"
	"github.com/flagkit/flagkit/source"
)

// maxSubjectsFile is the largest -subjects file plan and diff read, and
// maxSubjects the most subjects it may hold.
const (
	maxSubjectsFile = 64 << 20
	maxSubjects     = 1_000_000
	maxSyntheticN   = 1_000_000
)

// layers is a client over a set of documents (layers, in order) whose
// clock the caller sets, so that one client answers at any instant.
type layers struct {
	c   *flagkit.Client
	now atomic.Int64 // Unix ms
}

// openLayers reads the documents at paths and makes a strict client of
// them, as a service would layer them.
func openLayers(paths []string) (*layers, error) {
	l := &layers{}
	opts := []flagkit.Option{flagkit.WithStrict(), flagkit.WithClock(func() time.Time { return time.UnixMilli(l.now.Load()) })}
	for _, p := range paths {
		data, err := readDocument(p)
		if err != nil {
			return nil, err
		}
		opts = append(opts, flagkit.WithSource(source.Bytes(p, data)))
	}
	c, err := flagkit.New(context.Background(), opts...)
	if err != nil {
		return nil, err
	}
	l.c = c
	return l, nil
}

// at returns a view of the layers at t: the client's clock set to t.
func (l *layers) at(t time.Time) flagkit.View {
	l.now.Store(t.UnixMilli())
	return l.c.View()
}

// population holds the -n and -subjects flags of plan and diff.
type population struct {
	n        int
	subjects string
}

func (p *population) register(fs interface {
	IntVar(*int, string, int, string)
	StringVar(*string, string, string, string)
}) {
	fs.IntVar(&p.n, "n", releaseplan.DefaultN, "estimate over this `number` of synthetic keys (subject-0, subject-1, ...; no attributes)")
	fs.StringVar(&p.subjects, "subjects", "", "estimate over the subjects in this `file` instead: JSON lines {\"key\": \"...\", \"attrs\": {...}}")
}

// load returns the subjects (nil for synthetic keys) and the population's
// description.
func (p *population) load() ([]flagkit.Subject, string, error) {
	if p.subjects == "" {
		if p.n < 1 || p.n > maxSyntheticN {
			return nil, "", fmt.Errorf("-n %d: want 1 to %d", p.n, maxSyntheticN)
		}
		return nil, fmt.Sprintf("%d synthetic keys with no attributes", p.n), nil
	}
	s, err := readSubjects(p.subjects)
	if err != nil {
		return nil, "", err
	}
	return s, fmt.Sprintf("%d subjects from %s", len(s), p.subjects), nil
}

// readSubjects reads a JSON-lines file of subjects, {"key": "...",
// "attrs": {...}} a line; blank lines are skipped. Numbers are kept as
// json.Number, which evaluation reads as numbers.
func readSubjects(path string) ([]flagkit.Subject, error) {
	data, err := docfile.Read(path, maxSubjectsFile)
	if err != nil {
		return nil, err
	}
	var out []flagkit.Subject
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxSubjectsFile)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var s struct {
			Key   *string        `json:"key"`
			Attrs map[string]any `json:"attrs"`
		}
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("%s:%d: not a subject {\"key\": \"...\", \"attrs\": {...}}: %v", path, line, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%s:%d: more than one JSON value on the line", path, line)
		}
		if s.Key == nil {
			return nil, fmt.Errorf("%s:%d: subject has no \"key\"", path, line)
		}
		if len(out) == maxSubjects {
			return nil, fmt.Errorf("%s: more than %d subjects", path, maxSubjects)
		}
		out = append(out, flagkit.Subject{Key: *s.Key, Attrs: s.Attrs})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no subjects", path)
	}
	return out, nil
}

// parseNow reads the -now flag: RFC 3339, or "" for now().
func parseNow(text string, now func() time.Time) (time.Time, error) {
	if text == "" {
		return now(), nil
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return time.Time{}, errors.New("-now: want RFC 3339, such as 2026-12-01T09:00:00Z")
	}
	return t, nil
}

// runPlan implements flagkit plan.
func runPlan(args []string, now func() time.Time, stdout, stderr io.Writer) int {
	fs := newFlagSet("plan", "[-json | -svg] [-now TIME] [-zone ZONE] [-n N | -subjects FILE] FILE...", stderr)
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	asSVG := fs.Bool("svg", false, "write the plan as an SVG picture to standard output")
	nowText := fs.String("now", "", "plan as of this `time` (RFC 3339) instead of now: today in the picture")
	zoneName := fs.String("zone", "", "show local times in this IANA `zone` (default: the documents' timezone, else UTC)")
	var pop population
	pop.register(fs)
	if status, stop := parseFlags(fs, args); stop {
		return status
	}
	switch {
	case fs.NArg() == 0:
		return usageError(fs, stderr, "no files")
	case *asJSON && *asSVG:
		return usageError(fs, stderr, "-json and -svg exclude each other")
	}
	at, err := parseNow(*nowText, now)
	if err != nil {
		return usageError(fs, stderr, err.Error())
	}
	opts := releaseplan.Options{Now: at}
	if *zoneName != "" {
		if opts.Zone, err = time.LoadLocation(*zoneName); err != nil || *zoneName == "Local" {
			return usageError(fs, stderr, fmt.Sprintf("-zone: unknown time zone %q", *zoneName))
		}
	}
	if opts.Subjects, opts.Population, err = pop.load(); err != nil {
		return failure(stderr, "plan", err)
	}
	opts.N = pop.n
	l, err := openLayers(fs.Args())
	if err != nil {
		return failure(stderr, "plan", err)
	}
	defer l.c.Close()
	p := releaseplan.New(l.c.Flags(), l.at, opts)
	switch {
	case *asSVG:
		return writeSVG(stdout, stderr, p)
	case *asJSON:
		return writeJSON(stdout, stderr, "plan", planJSON(p), exitOK)
	}
	writePlanText(stdout, p, strings.Join(fs.Args(), ", "))
	return exitOK
}

// planDoc is the JSON form of a plan.
type planDoc struct {
	Now         time.Time        `json:"now"`
	Zone        string           `json:"zone"`
	Population  string           `json:"population"`
	Sample      int              `json:"sample"`
	Flags       []planFlag       `json:"flags"`
	Transitions []planTransition `json:"transitions"`
}

type planFlag struct {
	Key       string               `json:"key"`
	Exact     bool                 `json:"exact"`
	Estimated string               `json:"estimated,omitempty"`
	State     string               `json:"state,omitempty"`
	Variants  []string             `json:"variants"`
	Now       []releaseplan.Share  `json:"now"`
	Windows   []releaseplan.Window `json:"windows,omitempty"`
	Launches  []releaseplan.Window `json:"launches,omitempty"`
	Ramps     []releaseplan.Ramp   `json:"ramps,omitempty"`
}

type planTransition struct {
	At     time.Time           `json:"at"`
	Local  string              `json:"local"`
	Past   bool                `json:"past"`
	Flag   string              `json:"flag"`
	Events []releaseplan.Event `json:"events"`
	Exact  bool                `json:"exact"`
	Before []releaseplan.Share `json:"before"`
	After  []releaseplan.Share `json:"after"`
}

func planJSON(p *releaseplan.Plan) planDoc {
	d := planDoc{Now: p.Now.UTC(), Zone: p.Zone.String(), Population: p.Population, Sample: p.Sample,
		Flags: []planFlag{}, Transitions: []planTransition{}}
	for _, f := range p.Flags {
		d.Flags = append(d.Flags, planFlag{Key: f.Key, Exact: f.Exact, Estimated: f.Estimated, State: f.State,
			Variants: f.Variants, Now: f.Now, Windows: f.Windows, Launches: f.Launches, Ramps: f.Ramps})
	}
	for _, t := range p.Transitions {
		d.Transitions = append(d.Transitions, planTransition{At: t.At.UTC(), Local: t.At.In(p.Zone).Format(time.RFC3339),
			Past: !t.At.After(p.Now), Flag: t.Flag, Events: t.Events, Exact: t.Exact, Before: t.Before, After: t.After})
	}
	return d
}

// writePlanText prints the plan for a person: the transitions grouped by
// instant, each flag's shares before → after.
func writePlanText(w io.Writer, p *releaseplan.Plan, files string) {
	fmt.Fprintf(w, "Release plan of %s as of %s (%s)\n", files, p.Now.In(p.Zone).Format("2006-01-02 15:04 MST"), p.Now.UTC().Format(time.RFC3339))
	var est []string
	for _, f := range p.Flags {
		if !f.Exact {
			est = append(est, fmt.Sprintf("%s (depends on %s)", f.Key, f.Estimated))
		}
	}
	if len(est) > 0 {
		fmt.Fprintf(w, "Shares are exact from the thresholds, except ≈ estimated over %s: %s.\n", p.Population, strings.Join(est, "; "))
	} else {
		fmt.Fprintln(w, "Shares are exact, computed from the thresholds.")
	}
	if len(p.Transitions) == 0 {
		fmt.Fprintln(w, "\nNo scheduled transitions.")
	}
	var prev time.Time
	for _, t := range p.Transitions {
		if !t.At.Equal(prev) {
			past := ""
			if !t.At.After(p.Now) {
				past = "  (past)"
			}
			fmt.Fprintf(w, "\n%s  %s%s\n", t.At.In(p.Zone).Format("2006-01-02 15:04 MST"), t.At.UTC().Format(time.RFC3339), past)
			prev = t.At
		}
		var what []string
		for _, e := range t.Events {
			what = append(what, e.String())
		}
		fmt.Fprintf(w, "  %s: %s\n", t.Flag, strings.Join(what, "; "))
		width := 0
		for _, s := range t.After {
			width = max(width, len(s.Variant))
		}
		for i, s := range t.After {
			fmt.Fprintf(w, "    %-*s  %9s → %s\n", width, s.Variant,
				releaseplan.FormatPercent(t.Before[i].Percent, t.Exact), releaseplan.FormatPercent(s.Percent, t.Exact))
		}
	}
}
