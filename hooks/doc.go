// Package hooks provides ready-made [flagkit.Hook] implementations: a
// [Counter] of evaluations per flag and variant, readable as a map or
// through package expvar, and a [Logger] that writes each evaluation to a
// [log/slog.Logger] for exposure logging.
//
// Register them when creating a client:
//
//	counter := new(hooks.Counter)
//	expvar.Publish("flagkit", counter) // once per process, if you use expvar
//	c, err := flagkit.New(ctx,
//		flagkit.WithSource(source.File("flags.yaml")),
//		flagkit.WithHook(counter),
//		flagkit.WithHook(hooks.Log(logger, slog.LevelDebug)),
//	)
//
// A hook runs on the goroutine of every getter call, so both are built to
// cost little: the counter allocates nothing once a flag and variant have
// been seen, and the logger costs one Enabled check when its level is off.
package hooks
