package flaghttp

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/attrtext"
)

// The debug page's explain form: a subject in (the query's flag, key,
// attrs and at), the path of the evaluation out (flagkit.Explanation).
// The form is a GET form on the page's own address, so the page still only
// reads and still runs no script; what the form sends is shown back only
// through html/template's escaping.

// explainReport is the explain form's state and answer.
type explainReport struct {
	// The form's fields, as given.
	Flag  string `json:"flag"`
	Key   string `json:"key"`
	Attrs string `json:"attrs,omitempty"` // one NAME=VALUE or NAME:=JSON a line
	At    string `json:"at,omitempty"`    // RFC 3339; "" for the page's instant
	// Error says why the form could not be answered; "" when it was.
	Error string `json:"error,omitempty"`
	// Explanation is the answer; nil without a flag or with an error.
	Explanation *flagkit.Explanation `json:"explanation,omitempty"`
	// Flags are the keys the form offers.
	Flags []string `json:"-"`
}

// Text returns the explanation's tree.
func (e *explainReport) Text() string {
	if e.Explanation == nil {
		return ""
	}
	return e.Explanation.String()
}

// Served returns the result in a few words.
func (e *explainReport) Served() string {
	if e.Explanation == nil {
		return ""
	}
	d := e.Explanation.Result
	s := "the caller's fallback"
	if d.Variant != "" {
		s = d.Variant
	}
	s += " (" + string(d.Reason)
	if d.Rule != "" {
		s += ", rule " + d.Rule
	}
	return s + ")"
}

// maxExplainAttrs bounds the attributes text the form reads, in bytes.
const maxExplainAttrs = 64 << 10

// newExplainReport reads the explain form from r's query and answers it
// from c at the report's instant, unless the form gives another. For JSON
// it returns nil when the query names no flag, so that the report is
// unchanged.
func newExplainReport(c *flagkit.Client, r *http.Request, rep report) *explainReport {
	q := r.URL.Query()
	e := &explainReport{Flag: q.Get("flag"), Key: q.Get("key"), Attrs: q.Get("attrs"), At: q.Get("at")}
	if e.Flag == "" && wantJSON(r) {
		return nil
	}
	now := rep.Time
	for _, f := range rep.Flags {
		e.Flags = append(e.Flags, f.Key)
	}
	sort.Strings(e.Flags)
	if e.Flag == "" || c == nil {
		return e
	}
	if len(e.Attrs) > maxExplainAttrs {
		e.Error = "attributes: more than 64 KiB"
		return e
	}
	attrs, err := attrtext.Lines(e.Attrs)
	if err != nil {
		e.Error = "attributes: " + err.Error()
		return e
	}
	at := now
	if s := strings.TrimSpace(e.At); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			e.Error = "at: want RFC 3339, such as 2026-12-01T09:00:00Z"
			return e
		}
		at = t
	}
	x := c.ViewAt(at).Explain(context.Background(), e.Flag, flagkit.Subject{Key: e.Key, Attrs: attrs})
	e.Explanation = &x
	return e
}

// explainTemplate is the page's explain section; it is given the report.
const explainTemplate = `{{define "explain"}}{{with .Explain}}
<h2 id="explain">Explain an evaluation</h2>
<form id="explain-form" method="get" action="">
<p><label>Flag <select name="flag">{{$sel := .Flag}}{{range .Flags}}<option{{if eq . $sel}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>Key <input name="key" value="{{.Key}}" size="24"></label>
<label>At <input name="at" value="{{.At}}" size="24" placeholder="RFC 3339; empty: now"></label></p>
<p><label>Attributes, one a line: <code>NAME=VALUE</code> (typed as in a flag document) or <code>NAME:=JSON</code><br>
<textarea name="attrs" rows="4" cols="60">{{.Attrs}}</textarea></label></p>
<p><button type="submit">Explain</button></p>
</form>
{{if .Error}}<p id="explanation-error" class="bad">{{.Error}}</p>{{end}}
{{with .Explanation}}<div id="explanation">
<p>Served <strong>{{$.Explain.Served}}</strong> for subject <code>{{.SubjectKey}}</code> at {{time .At}}.</p>
<pre>{{$.Explain.Text}}</pre>
</div>{{end}}
{{end}}{{end}}`
