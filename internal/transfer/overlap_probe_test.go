package transfer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// entries lists dir, failing the test on any error but its absence.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name())
	}
	return names
}

// An S3 server can serve a source directory: nothing in the config says
// so, and only an object written through one and seen through the other does.
func TestIntegrationProbeOverlap(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: serves S3")
	}
	ctx := context.Background()
	tests := []struct {
		name   string
		routes func(remote, bucket, elsewhere string) [][2]string
		want   string
	}{
		{"s3 destination serving the source", func(remote, bucket, _ string) [][2]string { return [][2]string{{bucket, remote}} },
			"routes[0] (a): destination $REMOTE is the same storage (an object written there appeared in the source), its own source $BUCKET"},
		{"local destination served as the s3 source", func(remote, bucket, elsewhere string) [][2]string {
			return [][2]string{{elsewhere, filepath.Join(elsewhere, "..", "archive")}, {remote, bucket}}
		}, "routes[1] (b): destination $BUCKET is the same storage (an object written to the source appeared there), its own source $REMOTE"},
		{"s3 destination elsewhere", func(remote, _, elsewhere string) [][2]string { return [][2]string{{elsewhere, remote}} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A server per case: rclone serve s3 caches its listings, so a
			// file written behind its back shows only in a fresh one.
			s3 := transfertest.StartS3Server(t)
			bucket, elsewhere := filepath.Join(s3.Dir, s3.Bucket), t.TempDir()
			tt.want = strings.NewReplacer("$REMOTE", s3.Remote, "$BUCKET", bucket).Replace(tt.want)
			routes := routes(tt.routes(s3.Remote, bucket, elsewhere)...)
			if err := transfer.CheckOverlap(routes); err != nil {
				t.Fatalf("the static check decided what it cannot know: %v", err)
			}
			err := transfer.ProbeOverlap(ctx, routes)
			t.Log(err)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "":
			case err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, fault.ErrOverlap):
				t.Fatalf("got %v, want an overlap error containing %q", err, tt.want)
			}
			for _, dir := range []string{bucket, elsewhere} {
				for _, name := range entries(t, dir) {
					if strings.HasPrefix(name, transfer.ProbePrefix) {
						t.Errorf("probe %s left in %s", name, dir)
					}
				}
			}
		})
	}
}
