package flagkit_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/internal/fakehttp"
	"github.com/flagkit/flagkit/source"
)

var fleetFlag = flag.Bool("fleet", false, "run the fleet simulation with 5,000 clients (docs/fleet.md)")

// fleetOrigin is a static host for a fleet: it serves one document with an
// ETag and a Last-Modified through http.ServeContent, so conditional
// requests get 304s as from nginx or an object store, and records every
// request. Down, it refuses connections.
type fleetOrigin struct {
	mu       sync.Mutex
	doc      string
	version  int
	modified time.Time
	down     bool
	hits     []fleetHit
}

// fleetHit is one request: when, from which client, the answer's status
// (0: refused) and document version, and the body bytes sent.
type fleetHit struct {
	at      time.Time
	client  int
	code    int
	version int
	bytes   int
}

func (o *fleetOrigin) publish(doc string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.doc, o.version, o.modified = doc, o.version+1, time.Now()
}

func (o *fleetOrigin) setDown(down bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.down = down
}

func (o *fleetOrigin) roundTrip(r *http.Request) (*http.Response, error) {
	client, _ := strconv.Atoi(r.Header.Get("X-Client"))
	o.mu.Lock()
	down, doc, version, modified := o.down, o.doc, o.version, o.modified
	o.mu.Unlock()
	if down {
		o.record(fleetHit{at: time.Now(), client: client})
		return nil, errors.New("connect: connection refused")
	}
	w := httptest.NewRecorder()
	w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, version))
	http.ServeContent(w, r, "flags.yaml", modified, strings.NewReader(doc))
	o.record(fleetHit{at: time.Now(), client: client, code: w.Code, version: version, bytes: w.Body.Len()})
	return w.Result(), nil
}

func (o *fleetOrigin) record(h fleetHit) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.hits = append(o.hits, h)
}

// between returns the hits in [from, to).
func (o *fleetOrigin) between(from, to time.Time) []fleetHit {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []fleetHit
	for _, h := range o.hits {
		if !h.at.Before(from) && h.at.Before(to) {
			out = append(out, h)
		}
	}
	return out
}

// fleetDelays returns, for each client, the delay from since to its first
// hit that satisfies ok, sorted; clients without one are left out.
func fleetDelays(hits []fleetHit, since time.Time, ok func(fleetHit) bool) []time.Duration {
	first := map[int]time.Duration{}
	for _, h := range hits {
		if _, seen := first[h.client]; !seen && ok(h) {
			first[h.client] = h.at.Sub(since)
		}
	}
	out := make([]time.Duration, 0, len(first))
	for _, d := range first {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// fleetQuantile returns the q-quantile of sorted durations.
func fleetQuantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return -1
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))].Round(100 * time.Millisecond)
}

// fleetDoc returns a document of five flags whose values are v.
func fleetDoc(v int) string {
	var b strings.Builder
	b.WriteString("flags:\n")
	for i := range 5 {
		fmt.Fprintf(&b, "  f%d: {variants: {v: %d}, default: v}\n", i, v)
	}
	return b.String()
}

// TestFleet simulates a fleet of clients polling one origin with the
// default HTTP source settings (30 s interval, backoff capped at ten
// intervals) in a synctest bubble, and checks the poller's rules at fleet
// scale: the load is N/interval, the first polls are spread at once, an
// edit reaches everyone within 1.1 intervals, a refused document is
// downloaded once per client and its fix arrives as fast as an edit, an
// origin that is down gets less load than one that is up, and everyone is
// back within the cap of its return. With -fleet it runs 5,000 clients and
// logs the figures of docs/fleet.md (go test -run TestFleet -fleet -v .).
func TestFleet(t *testing.T) {
	n := 100
	if *fleetFlag {
		n = 5000
	} else if testing.Short() {
		t.Skip("fleet simulation skipped in -short mode")
	}
	const I = 30 * time.Second // the default interval
	synctest.Test(t, func(t *testing.T) {
		o := &fleetOrigin{}
		o.publish(fleetDoc(1))
		transport := fakehttp.Transport(o.roundTrip)
		t0 := time.Now()
		at := func(k float64) time.Time { return t0.Add(time.Duration(k * float64(I))) }
		sleepUntil := func(k float64) { time.Sleep(time.Until(at(k))); synctest.Wait() }
		rate := func(from, to float64) float64 {
			return float64(len(o.between(at(from), at(to)))) / (at(to).Sub(at(from)).Seconds())
		}
		clients := make([]*flagkit.Client, n)
		for i := range clients {
			src := source.HTTP("https://flags.example.com/flags.yaml",
				source.HTTPClient(&http.Client{Transport: transport}),
				source.Header("X-Client", strconv.Itoa(i)))
			c, err := flagkit.New(context.Background(), flagkit.WithSource(src))
			if err != nil {
				t.Fatalf("New client %d: %v", i, err)
			}
			clients[i] = c
		}
		defer func() {
			for _, c := range clients {
				if err := c.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}
		}()
		perSecond := float64(n) / I.Seconds()

		// Steady state, and how fast the start is spread.
		sleepUntil(20)
		steady := rate(5, 20)
		var peak int
		for k := 1.0; k < 3; k += 0.1 {
			peak = max(peak, len(o.between(at(k), at(k+0.1))))
		}
		peakRatio := float64(peak) / (float64(n) / 10)
		steadyHits := o.between(at(5), at(20))
		var notModified int
		for _, h := range steadyHits {
			if h.code == http.StatusNotModified {
				notModified++
			}
		}

		// An edit.
		o.publish(fleetDoc(2))
		edit := time.Now()
		sleepUntil(25)
		conv := fleetDelays(o.between(edit, at(25)), edit, func(h fleetHit) bool { return h.version == 2 })

		// A bad publish, fixed three intervals later.
		o.publish("<html><body>Sign in</body></html>\n")
		sleepUntil(28)
		var badDownloads, badBytes int
		for _, h := range o.between(at(25), at(28)) {
			if h.code == http.StatusOK {
				badDownloads++
				badBytes += h.bytes
			}
		}
		o.publish(fleetDoc(3))
		fix := time.Now()
		sleepUntil(32)
		fixConv := fleetDelays(o.between(fix, at(32)), fix, func(h fleetHit) bool { return h.version == 4 })

		// An outage of twenty intervals.
		o.setDown(true)
		sleepUntil(52)
		downRate := rate(32, 52)
		downLate := rate(42, 52)
		o.setDown(false)
		back := time.Now()
		sleepUntil(70)
		recovery := fleetDelays(o.between(back, at(70)), back, func(h fleetHit) bool { return h.code != 0 })
		afterRate := rate(52, 53)

		stale := 0
		for _, c := range clients {
			if c.Status().Sources[0].Stale {
				stale++
			}
		}

		t.Logf("fleet of %d clients, interval %v (N/interval = %.1f req/s)", n, I, perSecond)
		t.Logf("steady: %.1f req/s (%.2f × N/interval), %.1f%% answered 304; busiest tenth of an interval in the first three: %.2f × the mean",
			steady, steady/perSecond, 100*float64(notModified)/float64(len(steadyHits)), peakRatio)
		t.Logf("edit: %d clients converged, p50 %v, p99 %v, max %v (interval + jitter = %v)",
			len(conv), fleetQuantile(conv, 0.5), fleetQuantile(conv, 0.99), fleetQuantile(conv, 1), I*11/10)
		t.Logf("bad publish: %d downloads (%d bytes) in three intervals for %d clients; fix p50 %v, p99 %v, max %v",
			badDownloads, badBytes, n, fleetQuantile(fixConv, 0.5), fleetQuantile(fixConv, 0.99), fleetQuantile(fixConv, 1))
		t.Logf("origin down 20 intervals: %.1f req/s overall (%.2f × N/interval), %.1f req/s in the last 10 (%.2f ×)",
			downRate, downRate/perSecond, downLate, downLate/perSecond)
		t.Logf("origin back: recovery p50 %v, p99 %v, max %v (cap %v); first interval after: %.1f req/s (%.2f ×)",
			fleetQuantile(recovery, 0.5), fleetQuantile(recovery, 0.99), fleetQuantile(recovery, 1), 10*I, afterRate, afterRate/perSecond)

		// The rules of source.HTTP, at fleet scale.
		if steady < 0.9*perSecond || steady > 1.12*perSecond {
			t.Errorf("steady load %.1f req/s; want N/interval = %.1f within the ±10%% jitter", steady, perSecond)
		}
		if len(conv) != n || fleetQuantile(conv, 1) > I*11/10 {
			t.Errorf("edit reached %d of %d clients, the last after %v; want all within %v", len(conv), n, fleetQuantile(conv, 1), I*11/10)
		}
		if badDownloads != n {
			t.Errorf("the refused document was downloaded %d times by %d clients; want once each", badDownloads, n)
		}
		if len(fixConv) != n || fleetQuantile(fixConv, 1) > I*11/10 {
			t.Errorf("the fix reached %d of %d clients, the last after %v; want all within %v", len(fixConv), n, fleetQuantile(fixConv, 1), I*11/10)
		}
		if downRate > perSecond {
			t.Errorf("load while down %.1f req/s; want at most N/interval = %.1f", downRate, perSecond)
		}
		if len(recovery) != n || fleetQuantile(recovery, 1) > 10*I {
			t.Errorf("%d of %d clients back, the last after %v; want all within the cap %v", len(recovery), n, fleetQuantile(recovery, 1), 10*I)
		}
		if stale != 0 {
			t.Errorf("%d clients stale at the end; want 0", stale)
		}
	})
}
