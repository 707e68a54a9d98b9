package main

import (
	"context"
	"expvar"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/flaghttp"
	"github.com/flagkit/flagkit/hooks"
	"github.com/flagkit/flagkit/source"
)

// config is what the service is started with.
type config struct {
	FlagsPath string           // the flag file, polled for changes
	URL       string           // optional: a flag document layered over the file
	LaunchAt  time.Time        // when the generated launch-banner flag turns on
	Logger    *slog.Logger     // nil: log nothing
	Clock     func() time.Time // nil: time.Now
	Environ   func() []string  // nil: os.Environ (FEATURE_* overrides)
	Poll      time.Duration    // how often the file is polled; 0: the default
}

// service is the flag client and the HTTP handler that uses it.
type service struct {
	client  *flagkit.Client
	counter *hooks.Counter
	handler http.Handler
	stop    func() // unregisters the change and status loggers
}

// newService loads the flags in layers, each overriding the one before:
// the generated launch schedule, the file, the URL if any, then the
// environment's FEATURE_* overrides.
func newService(ctx context.Context, cfg config) (*service, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var fileOpts []source.FileOption
	if cfg.Poll > 0 {
		fileOpts = append(fileOpts, source.Interval(cfg.Poll), source.Debounce(cfg.Poll))
	}
	counter := new(hooks.Counter)
	opts := []flagkit.Option{
		flagkit.WithLogger(logger),
		flagkit.WithHook(counter),
		flagkit.WithSource(source.Bytes("generated:launch", launchDoc(cfg.LaunchAt))),
		flagkit.WithSource(source.File(cfg.FlagsPath, fileOpts...)),
	}
	if cfg.URL != "" {
		opts = append(opts, flagkit.WithSource(source.HTTP(cfg.URL)))
	}
	opts = append(opts, flagkit.WithSource(source.Env("FEATURE_", source.Environ(cfg.Environ))))
	if cfg.Clock != nil {
		opts = append(opts, flagkit.WithClock(cfg.Clock))
	}
	c, err := flagkit.New(ctx, opts...)
	if err != nil {
		return nil, err
	}
	// The client logs changes itself; a service registers a callback to
	// react to them (drop a cache, tell its front ends). This one logs.
	stopChanges := c.OnChange(func(ch flagkit.Change) {
		logger.Info("service: flags changed", "flags", ch.Flags, "source", ch.Source, "scheduled", ch.Scheduled, "at", ch.Time)
	})
	// OnStatus tells as it happens when a source fails (the client keeps
	// serving its last good flags) or recovers; a service would alert or
	// report itself degraded. This one logs.
	stopStatus := c.OnStatus(func(st flagkit.Status) {
		healthy := true
		for _, src := range st.Sources {
			if src.Stale {
				healthy = false
				logger.Warn("service: flags stale, serving the last good ones", "source", src.Name, "err", src.LastError)
			}
		}
		if healthy {
			logger.Info("service: flag sources healthy", "problems", len(st.Problems))
		}
	})
	stop := func() {
		stopChanges()
		stopStatus()
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", checkout)
	mux.Handle("/debug/flags", flaghttp.Debug(c))
	mux.Handle("GET /debug/vars", expvar.Handler()) // shows the counter once main publishes it
	return &service{
		client:  c,
		counter: counter,
		handler: flaghttp.Middleware(c, subject)(mux),
		stop:    stop,
	}, nil
}

// Close stops the flag client.
func (s *service) Close() error {
	s.stop()
	return s.client.Close()
}

// launchDoc returns a flag document with a flag that turns on at the
// instant at, to show a scheduled launch without editing a file.
func launchDoc(at time.Time) []byte {
	return fmt.Appendf(nil, `flags:
  launch-banner:
    description: Launch banner, scheduled when the service started
    default: off
    rules:
      - name: launch
        from: %s
        serve: on
`, at.UTC().Format(time.RFC3339))
}

// subject builds the flag subject of a request. This demo takes the user
// from the X-User header; a real service takes it from what its
// authentication established, since a client can set any header.
func subject(r *http.Request) flagkit.Subject {
	attrs := flagkit.Attrs{}
	user := r.Header.Get("X-User")
	if user != "" {
		attrs["email"] = user
	}
	if t := r.Header.Get("X-Tenant"); t != "" {
		attrs["tenant"] = t
	}
	if lang := primaryLanguage(r.Header.Get("Accept-Language")); lang != "" {
		attrs["lang"] = lang
	}
	if ip := flaghttp.RemoteIP(r); ip.IsValid() {
		attrs["ip"] = ip
	}
	return flagkit.Subject{Key: user, Attrs: attrs}
}

// primaryLanguage returns the primary subtag of the first language in an
// Accept-Language header: "nb" for "nb-NO,nb;q=0.9,en;q=0.8".
func primaryLanguage(h string) string {
	first, _, _ := strings.Cut(h, ",")
	tag, _, _ := strings.Cut(first, ";")
	lang, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	return strings.ToLower(lang)
}

// checkout answers with the checkout the request's subject gets, and why.
// Every flag it reads comes from the view that the middleware took for
// this request.
func checkout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := flaghttp.Evaluate(ctx, "new-checkout")
	page := "classic"
	if on, _ := d.Value.(bool); on {
		page = "one-page"
	}
	banner := "none"
	if flaghttp.Bool(ctx, "launch-banner", false) {
		banner = "Launch day: free shipping!"
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "checkout: %s\n", page)
	fmt.Fprintf(w, "theme: %s\n", flaghttp.String(ctx, "checkout-theme", "classic"))
	fmt.Fprintf(w, "banner: %s\n", banner)
	fmt.Fprintf(w, "why: new-checkout=%s reason=%s rule=%q source=%s\n", d.Variant, d.Reason, d.Rule, d.Source)
}
