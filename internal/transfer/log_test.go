package transfer

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/rclone/rclone/fs"
)

// rclone's log lines come out of ferry's handler, as JSON here.
func TestSetLoggerRoutesRcloneLogs(t *testing.T) {
	var buf bytes.Buffer
	SetLogger(slog.New(slog.NewJSONHandler(&buf, nil)))
	t.Cleanup(func() { SetLogger(slog.Default()) })
	fs.Errorf("s3:bucket", "low level retry %d/%d", 1, 10)
	line := buf.String()
	for _, want := range []string{`"msg":"low level retry 1/10"`, `"component":"rclone"`, `"object":"s3:bucket"`, `"level":"ERROR"`} {
		if !strings.Contains(line, want) {
			t.Errorf("rclone's line %q lacks %s", line, want)
		}
	}
}
