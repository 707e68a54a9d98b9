// Command httpservice is a small web service whose behaviour is driven by
// feature flags: a flag file that it watches, an optional flag document at
// a URL layered over it, FEATURE_* environment overrides on top, and a
// launch scheduled a minute after start. It serves /checkout, which
// depends on the flags, the debug page /debug/flags, and the evaluation
// counts at /debug/vars, and it logs every change of the flags.
//
//	cd examples/httpservice && go run .
//
// See README.md for what to try.
package main

import (
	"context"
	"errors"
	"expvar"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"time"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "address to listen on")
	path := flag.String("flags", "flags.yaml", "flag file, watched for changes")
	url := flag.String("url", os.Getenv("FLAGS_URL"), "optional URL of a flag document layered over the file (default $FLAGS_URL)")
	launchIn := flag.Duration("launch-in", time.Minute, "how long after start the launch-banner flag turns on")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	cfg := config{FlagsPath: *path, URL: *url, LaunchAt: time.Now().Add(*launchIn), Logger: logger}
	if err := run(ctx, *addr, cfg); err != nil {
		logger.Error("httpservice", "err", err)
		os.Exit(1)
	}
}

// run serves until ctx is done.
func run(ctx context.Context, addr string, cfg config) error {
	s, err := newService(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	expvar.Publish("flagkit", s.counter)

	srv := &http.Server{Addr: addr, Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	cfg.Logger.Info("listening", "addr", "http://"+addr, "launch", cfg.LaunchAt.Format(time.RFC3339))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
