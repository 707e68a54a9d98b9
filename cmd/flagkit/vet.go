package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flagcheck"
)

// fileList is a flag that may be repeated and holds comma-separated files.
type fileList []string

func (l *fileList) String() string { return strings.Join(*l, ",") }

func (l *fileList) Set(s string) error {
	for _, f := range strings.Split(s, ",") {
		if f != "" {
			*l = append(*l, f)
		}
	}
	return nil
}

// finding is a diagnostic as vet prints it.
type finding struct {
	Pos      string `json:"pos"` // FILE:LINE:COLUMN
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Level    string `json:"level"` // error, note or info
	Category string `json:"category"`
	Message  string `json:"message"`
}

// reference is a code reference to a flag as stale prints it.
type reference struct {
	Pos       string `json:"pos"`
	Call      string `json:"call"`
	Generated bool   `json:"generated,omitempty"`
}

// analysis is what running flagcheck over packages found.
type analysisResult struct {
	findings []finding
	refs     map[string][]reference // by flag key; "" for non-constant keys
}

// analyze loads the packages matching patterns (with their tests) and runs
// flagcheck over them against flags. Diagnostics and references of a
// file that is part of several packages (a package and its test variant)
// are kept once.
func analyze(flags []flagkit.FlagInfo, level flagcheck.Level, patterns []string) (*analysisResult, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
			packages.NeedTypes | packages.NeedTypesSizes | packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule,
		Tests: true,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no packages match %q", patterns)
	}
	var loadErrs []error
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			loadErrs = append(loadErrs, e)
		}
	})
	if len(loadErrs) > 0 {
		return nil, errors.Join(loadErrs...)
	}
	graph, err := checker.Analyze([]*analysis.Analyzer{flagcheck.New(flags, level)}, pkgs, nil)
	if err != nil {
		return nil, err
	}
	res := &analysisResult{refs: map[string][]reference{}}
	seenDiag := map[string]bool{}
	seenRef := map[string]bool{}
	wd, _ := os.Getwd()
	pos := func(fset *token.FileSet, p token.Pos) token.Position {
		position := fset.Position(p)
		if rel, err := filepath.Rel(wd, position.Filename); err == nil && !strings.HasPrefix(rel, "..") {
			position.Filename = rel
		}
		return position
	}
	for _, act := range graph.Roots {
		if act.Err != nil {
			return nil, fmt.Errorf("%s: %w", act.Package.PkgPath, act.Err)
		}
		fset := act.Package.Fset
		for _, d := range act.Diagnostics {
			p := pos(fset, d.Pos)
			f := finding{Pos: p.String(), File: p.Filename, Line: p.Line, Column: p.Column,
				Level: flagcheck.LevelOf(d).String(), Category: d.Category, Message: d.Message}
			if k := f.Pos + f.Message; !seenDiag[k] {
				seenDiag[k] = true
				res.findings = append(res.findings, f)
			}
		}
		for _, r := range act.Result.(*flagcheck.Result).References {
			p := pos(fset, r.Pos)
			if k := p.String(); !seenRef[k] {
				seenRef[k] = true
				res.refs[r.Key] = append(res.refs[r.Key], reference{Pos: p.String(), Call: r.Call, Generated: r.Generated})
			}
		}
	}
	slices.SortFunc(res.findings, func(a, b finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), cmp.Compare(a.Message, b.Message))
	})
	for _, refs := range res.refs {
		slices.SortFunc(refs, func(a, b reference) int { return comparePos(a.Pos, b.Pos) })
	}
	return res, nil
}

// comparePos orders FILE:LINE:COLUMN positions by file, line and column.
func comparePos(a, b string) int {
	split := func(p string) (string, int, int) {
		var line, col int
		i := strings.LastIndexByte(p, ':')
		j := strings.LastIndexByte(p[:max(i, 0)], ':')
		if i < 0 || j < 0 {
			return p, 0, 0
		}
		fmt.Sscan(p[j+1:i], &line)
		fmt.Sscan(p[i+1:], &col)
		return p[:j], line, col
	}
	fa, la, ca := split(a)
	fb, lb, cb := split(b)
	return cmp.Or(cmp.Compare(fa, fb), cmp.Compare(la, lb), cmp.Compare(ca, cb))
}

// runVet implements flagkit vet.
func runVet(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("vet", "-flags FILE[,FILE...] [-json] [-level error|note|info] PACKAGES...", stderr)
	var files fileList
	fs.Var(&files, "flags", "the flag `documents` to check against, as layers in order (repeat the flag or separate with commas)")
	asJSON := fs.Bool("json", false, "print the findings as JSON")
	levelName := fs.String("level", "info", "the least serious `level` printed: error, note or info")
	if status, stop := parseFlags(fs, args); stop {
		return status
	}
	level, err := flagcheck.ParseLevel(*levelName)
	switch {
	case err != nil:
		return usageError(fs, stderr, err.Error())
	case len(files) == 0:
		return usageError(fs, stderr, "-flags is required")
	case fs.NArg() == 0:
		return usageError(fs, stderr, "no packages")
	}
	flags, err := flagcheck.Load(context.Background(), files...)
	if err != nil {
		return failure(stderr, "vet", err)
	}
	res, err := analyze(flags, level, fs.Args())
	if err != nil {
		return failure(stderr, "vet", err)
	}
	status := exitOK
	for _, f := range res.findings {
		if f.Level == flagcheck.LevelError.String() {
			status = exitFailure
		}
	}
	if *asJSON {
		out := struct {
			Findings []finding `json:"findings"`
		}{Findings: res.findings}
		if out.Findings == nil {
			out.Findings = []finding{}
		}
		return writeJSON(stdout, stderr, "vet", out, status)
	}
	for _, f := range res.findings {
		fmt.Fprintf(stdout, "%s: %s\n", f.Pos, f.Message)
	}
	return status
}

// failure prints err for command cmd, one problem a line, and returns
// exitFailure.
func failure(stderr io.Writer, cmd string, err error) int {
	for _, line := range problems(err) {
		fmt.Fprintf(stderr, "flagkit %s: %s\n", cmd, line)
	}
	return exitFailure
}

// writeJSON writes v, indented, and returns status.
func writeJSON(stdout, stderr io.Writer, cmd string, v any, status int) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return failure(stderr, cmd, err)
	}
	return status
}

// staleFlag is a flag ready for removal, as stale prints it.
type staleFlag struct {
	Key string `json:"key"`
	// Unreferenced: no code in the packages reads the flag.
	Unreferenced bool `json:"unreferenced"`
	// Settled: the flag serves one value to everyone from now on; Why
	// says how: "disabled", "override" or "schedule" (after its last
	// scheduled transition, at Since).
	Settled bool   `json:"settled"`
	Why     string `json:"why,omitempty"`
	// Variant is the variant served to everyone ("" for the caller's
	// fallback), when Settled.
	Variant string `json:"variant,omitempty"`
	// Value is that variant's value.
	Value any `json:"value,omitempty"`
	// Since is the flag's last scheduled transition, for Why "schedule".
	Since *time.Time `json:"since,omitempty"`
	// SettledFor is how long since Since, in whole seconds.
	SettledFor int64 `json:"settled_for_seconds,omitempty"`
	// References are the code references to remove with the flag.
	References []reference `json:"references"`
}

// runStale implements flagkit stale.
func runStale(args []string, now func() time.Time, stdout, stderr io.Writer) int {
	fs := newFlagSet("stale", "-flags FILE[,FILE...] [-json] [-now TIME] PACKAGES...", stderr)
	var files fileList
	fs.Var(&files, "flags", "the flag `documents`, as layers in order (repeat the flag or separate with commas)")
	asJSON := fs.Bool("json", false, "print the flags as JSON")
	nowText := fs.String("now", "", "judge the flags at this `time` (RFC 3339) instead of now")
	if status, stop := parseFlags(fs, args); stop {
		return status
	}
	at := now()
	if *nowText != "" {
		t, err := time.Parse(time.RFC3339, *nowText)
		if err != nil {
			return usageError(fs, stderr, "-now: "+err.Error())
		}
		at = t
	}
	switch {
	case len(files) == 0:
		return usageError(fs, stderr, "-flags is required")
	case fs.NArg() == 0:
		return usageError(fs, stderr, "no packages")
	}
	c, err := flagcheck.Open(context.Background(), files...)
	if err != nil {
		return failure(stderr, "stale", err)
	}
	defer c.Close()
	infos := c.Flags()
	res, err := analyze(infos, flagcheck.LevelError, fs.Args())
	if err != nil {
		return failure(stderr, "stale", err)
	}
	last := map[string]time.Time{} // each flag's last transition at or before at
	for _, tr := range c.Transitions(time.Time{}) {
		if !tr.At.After(at) {
			last[tr.Flag] = tr.At
		}
	}
	out := []staleFlag{}
	for _, info := range infos {
		if info.Err != nil {
			continue
		}
		sf := staleFlag{Key: info.Key, References: res.refs[info.Key]}
		if sf.References == nil {
			sf.References = []reference{}
		}
		sf.Unreferenced = len(sf.References) == 0
		if variant, ok := c.Settled(info.Key, at); ok {
			since, scheduled := last[info.Key]
			switch {
			case !info.Enabled:
				sf.Why = "disabled"
			case info.Override != nil:
				sf.Why = "override"
			case scheduled:
				sf.Why = "schedule"
				sf.Since = &since
				sf.SettledFor = int64(at.Sub(since) / time.Second)
			}
			if sf.Why != "" {
				sf.Settled, sf.Variant = true, variant
				if i := slices.Index(info.Variants, variant); i >= 0 {
					sf.Value = info.Values[i]
				}
			}
		}
		if sf.Unreferenced || sf.Settled {
			out = append(out, sf)
		}
	}
	dynamic := res.refs[""]
	if *asJSON {
		v := struct {
			At      time.Time   `json:"at"`
			Flags   []staleFlag `json:"flags"`
			Dynamic []reference `json:"dynamic_keys"`
		}{at, out, dynamic}
		if v.Dynamic == nil {
			v.Dynamic = []reference{}
		}
		return writeJSON(stdout, stderr, "stale", v, exitOK)
	}
	for _, sf := range out {
		var what []string
		if sf.Settled {
			served := "the caller's fallback"
			if sf.Variant != "" {
				served = fmt.Sprintf("%q", sf.Variant)
				if sf.Value != nil {
					served += fmt.Sprintf(" (%v)", jsonText(sf.Value))
				}
			}
			switch sf.Why {
			case "disabled":
				what = append(what, "disabled: serves "+served+" to everyone")
			case "override":
				what = append(what, "overridden: serves "+served+" to everyone")
			default:
				what = append(what, fmt.Sprintf("serves %s to everyone since its last scheduled transition, %s (%s ago)",
					served, sf.Since.UTC().Format(time.RFC3339), days(at.Sub(*sf.Since))))
			}
		}
		if sf.Unreferenced {
			what = append(what, "referenced by no code in the packages")
		}
		fmt.Fprintf(stdout, "%s: %s\n", sf.Key, strings.Join(what, "; "))
		for _, r := range sf.References {
			gen := ""
			if r.Generated {
				gen = " (generated)"
			}
			fmt.Fprintf(stdout, "\t%s: %s%s\n", r.Pos, r.Call, gen)
		}
	}
	if len(dynamic) > 0 {
		fmt.Fprintf(stdout, "%d call(s) with a key that is not a constant: a flag may be read there\n", len(dynamic))
		for _, r := range dynamic {
			fmt.Fprintf(stdout, "\t%s: %s\n", r.Pos, r.Call)
		}
	}
	return exitOK
}

// jsonText returns v in JSON, as flag documents write values.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// days says how long d is, in days (or less than a day).
func days(d time.Duration) string {
	n := int(d / (24 * time.Hour))
	switch n {
	case 0:
		return "less than a day"
	case 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
