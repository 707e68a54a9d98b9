package hooks

import (
	"context"
	"log/slog"

	"github.com/flagkit/flagkit"
)

// A Logger is a [flagkit.Hook] that logs every evaluation, for exposure
// logging: knowing which subject saw which variant, and why, is what an
// experiment's analysis joins with its outcomes. Make one with [Log].
//
// Each evaluation is one record with the message "flagkit: evaluation" and
// the attributes flag, subject (the subject's key), variant ("" when the
// caller's fallback was served), type (the flag's, see
// [flagkit.Detail.Type]), reason, rule and source, plus err when
// the caller's fallback was served (see [flagkit.Detail.Err]). The record is logged with the getter's context,
// so a handler can add the trace and span ids it carries. The subject's
// key identifies a user: route these records where such data may go.
//
// A Logger is safe for concurrent use.
type Logger struct {
	logger *slog.Logger
	level  slog.Leveler
}

// Log returns a hook that logs every evaluation to l at level. level may
// be a [*slog.LevelVar] to turn exposure logging on and off while the
// program runs. When l is not enabled for the level (l.Enabled reports
// false), an evaluation costs one call of l's handler's Enabled method and
// allocates nothing. A nil l, or a nil level, logs nothing.
func Log(l *slog.Logger, level slog.Leveler) *Logger {
	return &Logger{logger: l, level: level}
}

// AfterEvaluation logs e. It implements [flagkit.Hook].
func (h *Logger) AfterEvaluation(ctx context.Context, e flagkit.Evaluation) {
	if h == nil || h.logger == nil || h.level == nil {
		return
	}
	level := h.level.Level()
	if !h.logger.Enabled(ctx, level) {
		return
	}
	attrs := [...]slog.Attr{
		slog.String("flag", e.Flag),
		slog.String("subject", e.SubjectKey),
		slog.String("variant", e.Variant),
		slog.String("type", e.Type),
		slog.String("reason", string(e.Reason)),
		slog.String("rule", e.Rule),
		slog.String("source", e.Source),
		{},
	}
	n := len(attrs) - 1
	if e.Err != nil {
		attrs[n] = slog.Any("err", e.Err)
		n++
	}
	h.logger.LogAttrs(ctx, level, "flagkit: evaluation", attrs[:n]...)
}
