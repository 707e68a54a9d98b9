package flaghttp

import (
	"bytes"
	"encoding/json"
	"html/template"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/releaseplan"
)

// planSample is the number of synthetic keys over which the page
// estimates the shares of flags that cohorts, conditions or prerequisites
// decide: a few milliseconds per flag.
const planSample = 1000

// Debug returns a handler for a page such as /debug/flags that shows the
// state of c: when it was taken (by c's clock) and whether c is ready;
// each source's last good load, whether it is stale and its last error;
// the problems isolated, each as source:line:column path: message; the
// overrides in force; every flag's definition (type, variants, default,
// off variant, whether it is enabled, its rules by name, its
// prerequisites, metadata and description), the layer that serves it and
// its override or error; the scheduled transitions still to come; and the
// release plan: a picture of each flag's served shares over time, with
// its windows, launches and today, and every upcoming transition (window
// opening or closing, ramp point, launch) with the share of subjects
// served each variant before and after it, exact where only percentages
// decide and estimated over 1000 synthetic keys elsewhere (as flagkit
// plan computes them).
//
// The page also has an explain form (see debug_explain.go): the query's
// flag, key, attrs (one NAME=VALUE or NAME:=JSON a line, typed as a flag
// document types a plain scalar) and at (RFC 3339; default the page's
// instant) are answered with the path of that evaluation
// ([flagkit.Client.Explain]), shown as a tree; in JSON as the field
// explain, present when the query names a flag. Attribute values come back
// in the page, escaped, and in the address of the request, so they end up
// wherever requests are logged.
//
// The page is HTML, unless the request's query has format=json or its
// Accept header names application/json; format=html forces HTML. The JSON
// is an object with the fields time, ready, sources, problems, overrides,
// flags, transitions and release_plan, named in snake_case as in the flag document; see
// the package's example.
//
// The handler only reads: it answers GET and HEAD (the explain form is a
// GET form), and any other method with 405 Method Not Allowed. It shows nothing a flag document or a source
// name does not already contain, and sources keep secrets such as
// credentials out of their names and errors. But flag documents describe
// unreleased features and rollout plans, so mount the handler on an
// internal port or behind authentication, as with net/http/pprof.
// Descriptions and all other text are escaped; the page runs no script.
func Debug(c *flagkit.Client) http.Handler {
	return debugHandler{c}
}

type debugHandler struct{ c *flagkit.Client }

func (h debugHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var rep report
	if h.c != nil {
		rep = newReport(h.c)
		rep.Explain = newExplainReport(h.c, r, rep)
	}

	var buf bytes.Buffer
	var ctype string
	if wantJSON(r) {
		ctype = "application/json"
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			http.Error(w, "flaghttp: cannot encode the report", http.StatusInternalServerError)
			return
		}
	} else {
		ctype = "text/html; charset=utf-8"
		if err := page.Execute(&buf, rep); err != nil {
			http.Error(w, "flaghttp: cannot render the page", http.StatusInternalServerError)
			return
		}
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ctype)
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	hdr.Set("Vary", "Accept")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// wantJSON reports whether r asks for JSON rather than HTML.
func wantJSON(r *http.Request) bool {
	switch r.URL.Query().Get("format") {
	case "json":
		return true
	case "html":
		return false
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(part)
		if err == nil && mt == "application/json" {
			return true
		}
	}
	return false
}

// report is the content of the page, and its JSON form.
type report struct {
	Time        time.Time      `json:"time"`
	Ready       bool           `json:"ready"`
	Sources     []sourceInfo   `json:"sources"`
	Problems    []problemInfo  `json:"problems"`
	Overrides   []overrideInfo `json:"overrides"`
	Flags       []flagInfo     `json:"flags"`
	Transitions []transition   `json:"transitions"`
	Plan        releasePlan    `json:"release_plan"`
	Explain     *explainReport `json:"explain,omitempty"` // see debug_explain.go
}

// releasePlan is the upcoming part of the release plan.
type releasePlan struct {
	Population  string        `json:"population"`
	Transitions []planStep    `json:"transitions"`
	SVG         template.HTML `json:"-"`
}

// planStep is one upcoming transition of a flag with its shares.
type planStep struct {
	At     time.Time           `json:"at"`
	Flag   string              `json:"flag"`
	Events []string            `json:"events"`
	Exact  bool                `json:"exact"`
	Before []releaseplan.Share `json:"before"`
	After  []releaseplan.Share `json:"after"`
	In     string              `json:"-"`
}

// Shares returns the shares as "variant: before → after" lines.
func (s planStep) Shares() []string {
	out := make([]string, len(s.After))
	for i, a := range s.After {
		out[i] = a.Variant + ": " + releaseplan.FormatPercent(s.Before[i].Percent, s.Exact) + " → " + releaseplan.FormatPercent(a.Percent, s.Exact)
	}
	return out
}

type sourceInfo struct {
	Name      string    `json:"name"`
	LastLoad  time.Time `json:"last_load,omitzero"`
	Stale     bool      `json:"stale"`
	LastError string    `json:"last_error,omitempty"`
}

type problemInfo struct {
	Source string `json:"source"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Path   string `json:"path,omitempty"`
	Msg    string `json:"message"`
}

// Where returns "source:line:column" as far as it is known.
func (p problemInfo) Where() string {
	s := p.Source
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
		if p.Column > 0 {
			s += ":" + strconv.Itoa(p.Column)
		}
	}
	return s
}

type overrideInfo struct {
	Flag    string `json:"flag"`
	Variant string `json:"variant,omitempty"`
	Value   any    `json:"value"`
	Source  string `json:"source"`
}

type flagInfo struct {
	Key         string            `json:"key"`
	Description string            `json:"description,omitempty"`
	Type        string            `json:"type,omitempty"`
	Enabled     bool              `json:"enabled"`
	Variants    []string          `json:"variants,omitempty"`
	Default     string            `json:"default,omitempty"`
	OffVariant  string            `json:"off_variant,omitempty"`
	Rules       []string          `json:"rules,omitempty"`
	Requires    map[string]string `json:"requires,omitempty"`
	Metadata    map[string]any    `json:"metadata,omitempty"`
	Source      string            `json:"source"`
	Override    *overrideInfo     `json:"override,omitempty"`
	Error       string            `json:"error,omitempty"`
}

// RequiresList returns the prerequisites as "flag: variant", sorted.
func (f flagInfo) RequiresList() []string {
	out := make([]string, 0, len(f.Requires))
	for k, v := range f.Requires {
		out = append(out, k+": "+v)
	}
	sort.Strings(out)
	return out
}

// MetadataJSON returns the metadata as compact JSON, or "".
func (f flagInfo) MetadataJSON() string {
	if len(f.Metadata) == 0 {
		return ""
	}
	b, err := json.Marshal(f.Metadata)
	if err != nil {
		return ""
	}
	return string(b)
}

type transition struct {
	Flag string    `json:"flag"`
	At   time.Time `json:"at"`
	In   string    `json:"-"` // for the page: "in 1m30s"
}

// newReport collects the state of c.
func newReport(c *flagkit.Client) report {
	now := c.View().Time().UTC()
	st := c.Status()
	rep := report{
		Time:        now,
		Ready:       st.Ready,
		Sources:     []sourceInfo{},
		Problems:    []problemInfo{},
		Overrides:   []overrideInfo{},
		Flags:       []flagInfo{},
		Transitions: []transition{},
	}
	for _, s := range st.Sources {
		si := sourceInfo{Name: s.Name, Stale: s.Stale}
		if !s.LastLoad.IsZero() {
			si.LastLoad = s.LastLoad.UTC()
		}
		if s.LastError != nil {
			si.LastError = s.LastError.Error()
		}
		rep.Sources = append(rep.Sources, si)
	}
	for _, p := range st.Problems {
		if p == nil {
			continue
		}
		rep.Problems = append(rep.Problems, problemInfo{Source: p.Source, Line: p.Line, Column: p.Column, Path: p.Path, Msg: p.Msg})
	}
	for _, o := range st.Overrides {
		rep.Overrides = append(rep.Overrides, overrideOf(o))
	}
	for _, f := range c.Flags() {
		fi := flagInfo{
			Key:         f.Key,
			Description: f.Description,
			Type:        f.Type,
			Enabled:     f.Enabled,
			Variants:    f.Variants,
			Default:     f.Default,
			OffVariant:  f.OffVariant,
			Rules:       f.Rules,
			Requires:    f.Requires,
			Metadata:    f.Metadata,
			Source:      f.Source,
		}
		if f.Override != nil {
			o := overrideOf(*f.Override)
			fi.Override = &o
		}
		if f.Err != nil {
			fi.Error = f.Err.Error()
		}
		rep.Flags = append(rep.Flags, fi)
	}
	for _, t := range c.Transitions(now) {
		rep.Transitions = append(rep.Transitions, transition{Flag: t.Flag, At: t.At.UTC(), In: "in " + t.At.Sub(now).Round(time.Second).String()})
	}
	plan := releaseplan.New(c.Flags(), c.ViewAt, releaseplan.Options{Now: now, N: planSample, Upcoming: true})
	rep.Plan = releasePlan{Population: plan.Population, Transitions: []planStep{}, SVG: template.HTML(plan.SVG())}
	for _, t := range plan.Transitions {
		st := planStep{At: t.At.UTC(), Flag: t.Flag, Exact: t.Exact, Before: t.Before, After: t.After,
			In: "in " + t.At.Sub(now).Round(time.Second).String()}
		for _, e := range t.Events {
			st.Events = append(st.Events, e.String())
		}
		rep.Plan.Transitions = append(rep.Plan.Transitions, st)
	}
	return rep
}

func overrideOf(o flagkit.Override) overrideInfo {
	return overrideInfo{Flag: o.Flag, Variant: o.Variant, Value: o.Value, Source: o.Source}
}

var page = template.Must(template.Must(template.New("flags").Funcs(template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.Format(time.RFC3339)
	},
	"value": func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			return "?"
		}
		return string(b)
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>flags</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.bad { color: #b00020; }
.off { color: #777; }
code { font-size: 90%; }
svg.release-plan { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>Flags</h1>
<p>At {{time .Time}}. Client {{if .Ready}}ready{{else}}<span class="bad">not ready (closed)</span>{{end}}.</p>

<h2>Sources</h2>
<p>In layer order: a later source overrides an earlier one.</p>
<table>
<tr><th>Source</th><th>Last good load</th><th>Stale</th><th>Last error</th></tr>
{{range .Sources}}<tr><td><code>{{.Name}}</code></td><td>{{time .LastLoad}}</td><td>{{if .Stale}}<span class="bad">stale</span>{{else}}no{{end}}</td><td class="bad">{{.LastError}}</td></tr>
{{end}}</table>

<h2>Problems</h2>
{{if .Problems}}<table>
<tr><th>Where</th><th>Path</th><th>Problem</th></tr>
{{range .Problems}}<tr><td><code>{{.Where}}</code></td><td><code>{{.Path}}</code></td><td class="bad">{{.Msg}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}

<h2>Overrides</h2>
{{if .Overrides}}<table>
<tr><th>Flag</th><th>Value</th><th>Source</th></tr>
{{range .Overrides}}<tr><td><code>{{.Flag}}</code></td><td>{{if .Variant}}{{.Variant}}{{else}}<code>{{value .Value}}</code>{{end}}</td><td><code>{{.Source}}</code></td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}

<h2>Flags</h2>
<table>
<tr><th>Flag</th><th>Type</th><th>Enabled</th><th>Variants</th><th>Default</th><th>Off</th><th>Rules</th><th>Requires</th><th>Served by</th></tr>
{{range .Flags}}<tr id="flag-{{.Key}}">
<td><code>{{.Key}}</code>{{with .Description}}<br>{{.}}{{end}}{{with .MetadataJSON}}<br><small><code>{{.}}</code></small>{{end}}</td>
{{if .Error}}<td colspan="7" class="bad">{{.Error}}</td>
{{else}}<td>{{.Type}}</td>
<td>{{if .Enabled}}yes{{else}}<span class="off">no</span>{{end}}</td>
<td>{{range $i, $v := .Variants}}{{if $i}}, {{end}}{{$v}}{{end}}</td>
<td>{{or .Default "(fallback)"}}</td>
<td>{{or .OffVariant "(fallback)"}}</td>
<td>{{if .Rules}}<ol>{{range .Rules}}<li>{{.}}</li>{{end}}</ol>{{end}}</td>
<td>{{range .RequiresList}}{{.}}<br>{{end}}</td>
{{end}}<td><code>{{.Source}}</code>{{with .Override}}<br>override: {{if .Variant}}{{.Variant}}{{else}}<code>{{value .Value}}</code>{{end}} from <code>{{.Source}}</code>{{end}}</td>
</tr>
{{else}}<tr><td colspan="9">No flags.</td></tr>
{{end}}</table>

<h2>Scheduled transitions</h2>
{{if .Transitions}}<table>
<tr><th>At</th><th>When</th><th>Flag</th></tr>
{{range .Transitions}}<tr><td>{{time .At}}</td><td>{{.In}}</td><td><a href="#flag-{{.Flag}}"><code>{{.Flag}}</code></a></td></tr>
{{end}}</table>{{else}}<p>None to come.</p>{{end}}

<h2 id="release-plan-section">Release plan</h2>
<div>{{.Plan.SVG}}</div>
{{if .Plan.Transitions}}<p>Shares of subjects served each variant just before and at each transition: exact where only percentages decide, ≈ estimated over {{.Plan.Population}} elsewhere.</p>
<table id="release-plan-transitions">
<tr><th>At</th><th>When</th><th>Flag</th><th>What</th><th>Shares before → after</th></tr>
{{range .Plan.Transitions}}<tr><td>{{time .At}}</td><td>{{.In}}</td><td><a href="#flag-{{.Flag}}"><code>{{.Flag}}</code></a></td><td>{{range .Events}}{{.}}<br>{{end}}</td><td>{{range .Shares}}{{.}}<br>{{end}}</td></tr>
{{end}}</table>{{else}}<p>No transitions to come.</p>{{end}}
{{template "explain" .}}
</body>
</html>
`)).Parse(explainTemplate))
