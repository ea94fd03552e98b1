package transfer

import (
	"log/slog"

	"github.com/rclone/rclone/fs"
)

// SetLogger sends rclone's own log lines (retries, low-level errors,
// notices) through log's handler, so they share ferry's format and
// destination instead of rclone's on stderr. rclone keeps its own level
// filter (NOTICE unless its config says otherwise).
func SetLogger(log *slog.Logger) {
	fs.SetLogger(log.With("component", "rclone").Handler())
}
