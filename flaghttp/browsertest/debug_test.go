package browsertest

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flaghttp"
	"github.com/flagkit/flagkit/source"
)

const flags = `
timezone: Europe/Oslo
cohorts:
  staff: {when: {email: {ends_with: "@example.com"}}}
flags:
  new-checkout:
    description: One-page checkout
    default: off
    rules:
      - {name: staff first, cohort: staff, serve: on}
      - name: gradual rollout
        percent: [{at: 2026-12-01 09:00, value: 5}, {at: 2026-12-15 09:00, value: 50}]
        serve: on
      - {name: public launch, from: 2027-01-10 09:00, serve: on}
  checkout-theme:
    variants: {classic: classic, dark: dark, neon: neon}
    default: classic
    rules:
      - {name: winter theme, from: 2026-12-10, until: 2027-01-05, split: {classic: 50, dark: 25, neon: 25}}
`

// chromium returns the path of a Chromium or Chrome binary, or "".
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts headless Chromium and returns a context for its first
// tab; the test's cleanup stops it.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := chromium()
	if bin == "" {
		t.Skip("SKIP: no Chromium installed (apt-get install -y chromium-headless-shell); the debug page was NOT tested in a browser")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1600),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 90*time.Second)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	return bctx
}

// server serves the debug page of a client of flags at a fixed instant.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	c, err := flagkit.New(context.Background(), flagkit.WithStrict(),
		flagkit.WithSource(source.Bytes("flags.yaml", []byte(flags))),
		flagkit.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	srv := httptest.NewServer(flaghttp.Debug(c))
	t.Cleanup(srv.Close)
	return srv
}

// screenshot saves the page to $BROWSERTEST_SCREENSHOTS/name, when set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("BROWSERTEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: a PNG
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Error(err)
	}
}

// timeline is what the browser reports of the release plan's SVG.
type timeline struct {
	Width, Height float64
	Lanes         []string
	LaneAreas     []float64
	Lines         []int // variant lines per lane
	Windows       int
	Launches      int
	Today         bool
}

const measure = `(() => {
	const svg = document.querySelector('svg#release-plan');
	if (!svg) return null;
	const r = svg.getBoundingClientRect();
	const lanes = [...svg.querySelectorAll('g.lane')];
	return {
		Width: r.width, Height: r.height,
		Lanes: lanes.map(g => g.dataset.flag),
		LaneAreas: lanes.map(g => { const b = g.getBoundingClientRect(); return b.width * b.height; }),
		Lines: lanes.map(g => g.querySelectorAll('polyline.variant').length),
		Windows: svg.querySelectorAll('g.window').length,
		Launches: svg.querySelectorAll('g.launch').length,
		Today: svg.querySelector('g.today') !== null,
	};
})()`

// TestDebugPage serves flaghttp.Debug with httptest and checks it in
// headless Chromium: the release plan's timeline, then the explain form.
func TestDebugPage(t *testing.T) {
	ctx := browser(t)
	srv := server(t)
	t.Run("timeline", func(t *testing.T) { checkTimeline(t, ctx, srv) })
	t.Run("explain", func(t *testing.T) { checkExplain(t, ctx, srv) })
}

// checkTimeline checks that the release plan renders: the SVG exists, has
// a lane per flag with a line per variant, and takes room on the page.
func checkTimeline(t *testing.T, ctx context.Context, srv *httptest.Server) {
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/debug/flags"),
		chromedp.WaitVisible(chromedp.CSS(`svg#release-plan`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := chromedp.Run(ctx, chromedp.Evaluate[*timeline](measure))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "debug-page.png")
	if tl == nil {
		t.Fatal("the page has no svg#release-plan")
	}
	if tl.Width < 200 || tl.Height < 100 {
		t.Errorf("timeline's box is %.0f×%.0f; want at least 200×100", tl.Width, tl.Height)
	}
	if want := []string{"checkout-theme", "new-checkout"}; !reflect.DeepEqual(tl.Lanes, want) {
		t.Errorf("timeline lanes = %q; want %q", tl.Lanes, want)
	}
	for i, a := range tl.LaneAreas {
		if a <= 0 {
			t.Errorf("lane %d has an empty box", i)
		}
	}
	if want := []int{3, 2}; !reflect.DeepEqual(tl.Lines, want) {
		t.Errorf("variant lines per lane = %v; want %v", tl.Lines, want)
	}
	if tl.Windows != 1 || tl.Launches != 1 || !tl.Today {
		t.Errorf("timeline has %d windows, %d launches, today %v; want 1, 1, true", tl.Windows, tl.Launches, tl.Today)
	}
	// The upcoming transitions with their shares.
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#release-plan-transitions tr')].slice(1).map(r => r.innerText.replace(/\s+/g, ' ').trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("release plan table has %d rows: %q; want 4", len(rows), rows)
	}
	if want := "2026-12-09T23:00:00Z in 107h0m0s checkout-theme window \"winter theme\" opens classic: 100 % → 50 % dark: 0 % → 25 % neon: 0 % → 25 %"; !strings.HasSuffix(rows[0], want) {
		t.Errorf("first row = %q; want it to end with %q", rows[0], want)
	}
}

// checkExplain checks the debug page's explain form (form#explain-form,
// with a select name="flag", inputs name="key" and name="at", a textarea
// name="attrs", one name=value a line) in the browser: a subject in, the
// path of its evaluation (#explanation) out.
func checkExplain(t *testing.T, ctx context.Context, srv *httptest.Server) {
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/debug/flags"),
		chromedp.WaitReady(chromedp.CSS(`form#explain-form`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`form#explain-form [name="flag"]`), "new-checkout"),
		chromedp.SetValue(chromedp.CSS(`form#explain-form [name="key"]`), "user-1"),
		chromedp.SetValue(chromedp.CSS(`form#explain-form [name="attrs"]`), "email=ann@example.com"),
		chromedp.Submit(chromedp.CSS(`form#explain-form [name="flag"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#explanation`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	result, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#explanation`)))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "debug-page-explain.png")
	if !strings.Contains(result, "staff first") {
		t.Errorf("explain result = %q; want it to name the rule that decided, \"staff first\"", result)
	}
}
