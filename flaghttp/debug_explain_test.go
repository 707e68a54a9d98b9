package flaghttp_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flagkit/flagkit/flaghttp"
)

// explainQuery is the query the explain form sends.
func explainQuery(flag, key, attrs, at string) string {
	q := url.Values{"flag": {flag}, "key": {key}, "attrs": {attrs}, "at": {at}}
	return "/debug/flags?" + q.Encode()
}

func TestDebugExplainHTML(t *testing.T) {
	var now atomic.Int64
	now.Store(at("2029-12-31T09:00:00Z"))
	c := newClient(t, &now, debugBase)
	h := flaghttp.Debug(c)

	// Without a flag: the form only, listing every flag.
	w := get(h, "GET", "/debug/flags", nil)
	body := w.Body.String()
	for _, want := range []string{
		`<form id="explain-form" method="get" action="">`,
		`<select name="flag"><option>broken</option><option>new-checkout</option><option>theme</option></select>`,
		`<textarea name="attrs" rows="4" cols="60"></textarea>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="explanation"`) {
		t.Errorf("page without a flag shows an explanation")
	}

	// A hostile subject: every value comes back escaped.
	hostile := `</textarea><script>alert(1)</script>`
	w = get(h, "GET", explainQuery("theme", `"><img src=x onerror=alert(2)>`, "email="+hostile+"\ncountry=NO", "2030-01-15T00:00:00Z"), nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	body = w.Body.String()
	for _, bad := range []string{"<script>alert(1)", "<img src=x", `"><img`} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	for _, want := range []string{
		`<option selected>theme</option>`,
		`<input name="key" value="&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" size="24">`,
		`<textarea name="attrs" rows="4" cols="60">email=&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;` + "\ncountry=NO</textarea>",
		`<div id="explanation">`,
		`<p>Served <strong>dark (TARGETING_MATCH, rule launch)</strong> for subject <code>&#34;&gt;&lt;img src=x onerror=alert(2)&gt;</code> at 2030-01-15T00:00:00Z.</p>`,
		`email ends_with &#34;@example.com&#34;: &#34;&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#34;: fails`,
		`country eq &#34;NO&#34;: &#34;NO&#34;: holds`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if got := w.Header().Get("Content-Security-Policy"); got != "default-src 'none'; style-src 'unsafe-inline'" {
		t.Errorf("Content-Security-Policy = %q", got)
	}

	// Bad input is an error on the page, not a failure of the page.
	for _, tt := range []struct{ query, want string }{
		{explainQuery("theme", "k", "country", ""), `<p id="explanation-error" class="bad">attributes: line 1: attribute &#34;country&#34;: want NAME=VALUE or NAME:=JSON</p>`},
		{explainQuery("theme", "k", "", "tomorrow"), `<p id="explanation-error" class="bad">at: want RFC 3339, such as 2026-12-01T09:00:00Z</p>`},
	} {
		w := get(h, "GET", tt.query, nil)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("GET %s: status %d, page lacks %q", tt.query, w.Code, tt.want)
		}
	}
}

func TestDebugExplainJSON(t *testing.T) {
	var now atomic.Int64
	now.Store(at("2029-12-31T09:00:00Z"))
	c := newClient(t, &now, debugBase)
	h := flaghttp.Debug(c)

	w := get(h, "GET", "/debug/flags?format=json", nil)
	if strings.Contains(w.Body.String(), `"explain"`) {
		t.Errorf("JSON without a flag has an explain field")
	}
	w = get(h, "GET", explainQuery("new-checkout", "u1", "country=NO", "")+"&format=json", nil)
	var got struct {
		Explain struct {
			Flag        string `json:"flag"`
			Key         string `json:"key"`
			Explanation struct {
				At    string `json:"at"`
				Rules []struct {
					Name    string
					Matched bool
				} `json:"rules"`
				Result struct{ Variant, Rule string } `json:"result"`
			} `json:"explanation"`
		} `json:"explain"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, w.Body)
	}
	e := got.Explain
	if e.Flag != "new-checkout" || e.Key != "u1" || e.Explanation.At != "2029-12-31T09:00:00Z" ||
		len(e.Explanation.Rules) != 2 || e.Explanation.Rules[0].Matched || !e.Explanation.Rules[1].Matched ||
		e.Explanation.Result.Variant != "on" || e.Explanation.Result.Rule != "rules[1]" {
		t.Errorf("explain = %+v", e)
	}
}
