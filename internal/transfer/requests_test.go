package transfer_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	_ "github.com/rclone/rclone/backend/alias"
)

// TestS3RequestsPerMovedFile counts the round trips of a small file's way
// through S3: each one is most of a small file's cost there. The upload
// looks first (a server that ignores If-None-Match must still not replace
// another file's copy), the read-back's identity comes from its GET's own
// headers, and the delete's last look is a HEAD of its own.
func TestS3RequestsPerMovedFile(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: rclone serve s3")
	}
	transfertest.Init(t)
	counted := transfertest.CountRequests(t, transfertest.StartS3Server(t))
	got := putReadBackLook(t, counted, counted.Remote)
	want := map[string]map[string]int{
		"put":       {"HEAD": 1, "PUT": 1},
		"read back": {"GET": 1},
		"last look": {"HEAD": 1},
	}
	for step, w := range want {
		if !maps.Equal(got[step], w) {
			t.Errorf("%s made requests %v, want %v", step, got[step], w)
		}
	}
}

// TestS3ThroughAliasReadsBack: an alias does not pass the backend options
// that save requests on to S3, so rclone makes its usual HEADs; the copy
// still reads back whole and its identity is the one the last look sees.
func TestS3ThroughAliasReadsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: rclone serve s3")
	}
	transfertest.Init(t)
	counted := transfertest.CountRequests(t, transfertest.StartS3Server(t))
	alias := remote(t, "type", "alias", "remote", counted.Remote)
	got := putReadBackLook(t, counted, alias+":")
	if got["read back"]["GET"] != 1 {
		t.Errorf("read back made requests %v, want one GET", got["read back"])
	}
}

// putReadBackLook puts a file on remote, reads it back and looks at it as
// the delete does, checking each answer against the one before, and returns
// the requests counted at each step.
func putReadBackLook(t *testing.T, counted *transfertest.Requests, remote string) map[string]map[string]int {
	t.Helper()
	d, err := transfer.OpenDestination(t.Context(), remote, transfer.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	// The first upload of a Fs makes sure of the bucket (a PUT of it).
	if _, err := d.Put(t.Context(), "first", strings.NewReader("x"), 1, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	counted.Take()
	steps := map[string]map[string]int{}
	const rel = "crawl/a.warc.gz"
	content := "some bytes of a WARC"
	sum, err := d.Put(t.Context(), rel, strings.NewReader(content), int64(len(content)), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	steps["put"] = counted.Take()
	back, id, err := d.ReadBack(t.Context(), rel, nil)
	if err != nil || back != sum {
		t.Fatalf("ReadBack = %+v, %v; Put said %+v", back, err, sum)
	}
	steps["read back"] = counted.Take()
	now, err := d.Identity(t.Context(), rel)
	if err != nil || !now.SameObject(id) {
		t.Fatalf("Identity = %+v, %v; ReadBack said %+v", now, err, id)
	}
	steps["last look"] = counted.Take()
	t.Logf("requests by step: %v", steps)
	return steps
}
