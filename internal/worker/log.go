package worker

import (
	"context"
	"log/slog"

	"github.com/ferrydata/ferry/internal/bus"
)

type jobLogKey struct{}

// withJobLog returns ctx carrying a child of log that names the job (route,
// host, job), made where a job is taken up: every line the handler and
// the settling write about it says which job, without each call naming it.
func withJobLog(ctx context.Context, log *slog.Logger, job bus.Job) context.Context {
	return context.WithValue(ctx, jobLogKey{}, log.With("route", job.Route, "host", job.Host, "job", job.ID))
}

// JobLog is the logger of the job ctx runs, or fallback outside a job.
func JobLog(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if log, ok := ctx.Value(jobLogKey{}).(*slog.Logger); ok {
		return log
	}
	return fallback
}

// FileLog is JobLog naming one of the job's files too.
func FileLog(ctx context.Context, fallback *slog.Logger, f bus.File) *slog.Logger {
	return JobLog(ctx, fallback).With("file", f.Path)
}
