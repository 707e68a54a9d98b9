package checkout_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flagkit/flagkit"
	checkout "github.com/flagkit/flagkit/examples/testing"
	"github.com/flagkit/flagkit/flagkittest"
)

// get serves one request for the user with key and email from country, with
// ctx (which may carry flag overrides), and returns the page.
func get(t *testing.T, ctx context.Context, h http.Handler, key, email, country string) string {
	t.Helper()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/checkout", nil)
	req.Header.Set("X-User", key)
	req.Header.Set("X-Email", email)
	req.Header.Set("X-Country", country)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// TestCheckout tests the handler with flags on and off. The subtests run in
// parallel and share one client, loaded from the service's real flag file;
// each carries its own overrides in the request's context.
func TestCheckout(t *testing.T) {
	c := flagkittest.FromFile(t, "flags.yaml")
	flagkittest.Strict(t, c) // a typo in a flag key in the handler fails the test
	h := checkout.NewHandler(c)

	tests := []struct {
		name      string
		overrides map[string]any
		email     string
		country   string
		want      string
	}{
		{"defaults", nil, "ann@shop.example.org", "US",
			"classic checkout\nshipping: standard\n"},
		{"staff get the new checkout", nil, "bob@example.com", "US",
			"one-page checkout, classic theme\nshipping: standard\n"},
		{"nordics get express shipping", nil, "ann@shop.example.org", "NO",
			"classic checkout\nshipping: standard, express\n"},
		{"new checkout on", map[string]any{"new-checkout": true}, "ann@shop.example.org", "US",
			"one-page checkout, classic theme\nshipping: standard\n"},
		{"new checkout on, dark", map[string]any{"new-checkout": "on", "checkout-theme": "dark"}, "ann@shop.example.org", "US",
			"one-page checkout, dark theme\nshipping: standard\n"},
		{"new checkout off for staff", map[string]any{"new-checkout": false}, "bob@example.com", "US",
			"classic checkout\nshipping: standard\n"},
		{"express shipping off", map[string]any{"express-shipping": false}, "ann@shop.example.org", "NO",
			"classic checkout\nshipping: standard\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := flagkittest.Context(t, t.Context(), c, tt.overrides)
			if got := get(t, ctx, h, "user-1", tt.email, tt.country); got != tt.want {
				t.Errorf("GET /checkout = %q; want %q", got, tt.want)
			}
		})
	}
}

// TestCheckoutForOneUser overrides a flag for one user only.
func TestCheckoutForOneUser(t *testing.T) {
	c := flagkittest.FromFile(t, "flags.yaml")
	h := checkout.NewHandler(c)
	flagkittest.Override(t, c, map[string]any{"new-checkout": true, "checkout-theme": "neon"}, flagkittest.ForSubjects("pilot-user"))

	ctx := t.Context()
	if got, want := get(t, ctx, h, "pilot-user", "", "US"), "one-page checkout, neon theme\nshipping: standard\n"; got != want {
		t.Errorf("GET /checkout for pilot-user = %q; want %q", got, want)
	}
	if got, want := get(t, ctx, h, "someone-else", "", "US"), "classic checkout\nshipping: standard\n"; got != want {
		t.Errorf("GET /checkout for someone-else = %q; want %q", got, want)
	}
}

// TestCheckoutThemes runs once per variant of checkout-theme, with the new
// checkout on for everyone.
func TestCheckoutThemes(t *testing.T) {
	c := flagkittest.FromFile(t, "flags.yaml")
	h := checkout.NewHandler(c)
	flagkittest.Override(t, c, map[string]any{"new-checkout": true})

	var seen []string
	flagkittest.EachVariant(t, c, "checkout-theme", func(t *testing.T, theme string) {
		want := "one-page checkout, " + theme + " theme\nshipping: standard\n"
		if got := get(t, t.Context(), h, "user-1", "", "US"); got != want {
			t.Errorf("GET /checkout = %q; want %q", got, want)
		}
		seen = append(seen, theme)
	})
	if want := []string{"classic", "dark", "neon"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("EachVariant ran %q; want %q", seen, want)
	}
}

// TestCheckoutReadsItsFlags checks which flags a request reads: the theme
// only when the new checkout is on.
func TestCheckoutReadsItsFlags(t *testing.T) {
	for _, tt := range []struct {
		newCheckout bool
		want        []string
	}{
		{false, []string{"express-shipping", "new-checkout"}},
		{true, []string{"checkout-theme", "express-shipping", "new-checkout"}},
	} {
		c := flagkittest.FromFile(t, "flags.yaml") // a client per case: Record sees all of its evaluations
		rec := flagkittest.Record(t, c)
		ctx := flagkittest.Context(t, t.Context(), c, map[string]any{"new-checkout": tt.newCheckout})
		get(t, ctx, checkout.NewHandler(c), "user-1", "", "US")
		if got := rec.Flags(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("with new-checkout %v, the handler read %q; want %q", tt.newCheckout, got, tt.want)
		}
	}
}

// TestLaunch checks the scheduled public launch at chosen instants, with a
// clock the test sets.
func TestLaunch(t *testing.T) {
	launch := time.Date(2027, 1, 10, 14, 0, 0, 0, time.UTC) // 09:00 in New York
	clk := flagkittest.NewClock(launch.Add(-time.Millisecond))
	h := checkout.NewHandler(flagkittest.FromFile(t, "flags.yaml", flagkit.WithClock(clk.Now)))

	if got, want := get(t, t.Context(), h, "user-1", "", "US"), "classic checkout\nshipping: standard\n"; got != want {
		t.Errorf("just before the launch, GET /checkout = %q; want %q", got, want)
	}
	clk.Set(launch)
	if got, want := get(t, t.Context(), h, "user-1", "", "US"), "one-page checkout, classic theme\nshipping: standard\n"; got != want {
		t.Errorf("at the launch, GET /checkout = %q; want %q", got, want)
	}
}

// TestLaunchEvent waits for the launch in a testing/synctest bubble, where
// time is fake: the client reports the launch to OnChange at its instant.
func TestLaunchEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		launch := time.Date(2027, 1, 10, 14, 0, 0, 0, time.UTC)
		c := flagkittest.FromFile(t, "flags.yaml") // closed by t.Cleanup, inside the bubble
		h := checkout.NewHandler(c)
		launched := make(chan time.Time, 1)
		c.OnChange(func(ch flagkit.Change) {
			if ch.Scheduled {
				launched <- time.Now()
			}
		})

		time.Sleep(time.Until(launch)) // 27 years, in no time
		synctest.Wait()
		select {
		case at := <-launched:
			if !at.Equal(launch) {
				t.Errorf("launch reported at %v; want %v", at, launch)
			}
		default:
			t.Fatalf("no change reported at the launch")
		}
		if got, want := get(t, t.Context(), h, "user-1", "", "US"), "one-page checkout, classic theme\nshipping: standard\n"; got != want {
			t.Errorf("after the launch, GET /checkout = %q; want %q", got, want)
		}
	})
}

// TestNewFlags checks that the flag file the service embeds is valid, and
// that an operator can override a flag from the environment.
func TestNewFlags(t *testing.T) {
	environ := func() []string { return []string{"PATH=/bin", "CHECKOUT_FEATURE_CHECKOUT_THEME=neon"} }
	c, err := checkout.NewFlags(t.Context(), environ, flagkit.WithStrict())
	if err != nil {
		t.Fatalf("NewFlags: %v", err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	if got := len(c.Flags()); got != 3 {
		t.Errorf("NewFlags: %d flags; want 3", got)
	}
	d := c.Evaluate(t.Context(), "checkout-theme", flagkit.Subject{Key: "user-1"})
	if d.Value != "neon" || d.Source != "env:CHECKOUT_FEATURE_" {
		t.Errorf("Evaluate(%q) = %+v; want neon from env:CHECKOUT_FEATURE_", "checkout-theme", d)
	}
}
