package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/testkit"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// TestIntegrationCorruptedCopyIsCaught copies a file, fills the hasher's
// cache with the good copy's hash, corrupts the copy keeping its size and
// mtime, and only then lets the verifier run: the read-back must catch it.
func TestIntegrationCorruptedCopyIsCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream and rclone serve s3")
	}
	for _, backend := range []string{"local", "s3"} {
		t.Run(backend, func(t *testing.T) {
			var s *site
			var stored func(rel string) string // where the destination keeps rel's bytes on disk
			if backend == "s3" {
				s3 := transfertest.StartS3Server(t)
				s, stored = newSite(t, siteOptions{dst: s3.Remote}), s3.Path
			} else {
				s = newSite(t, siteOptions{})
				stored = func(rel string) string { return filepath.Join(s.dst, rel) }
			}
			data := randomBytes(t, 200_000)
			s.heritrixWrite("job/a.warc.gz", data)
			sys := startTestSystem(t, s)
			ctx := context.Background()

			// A small file's copy leaves no ledger record: wait for the
			// upload; the stopping mover still hands the file on (its grace).
			runRolesUntil(t, sys, []string{"dispatcher", "mover"}, func() bool {
				return testutil.ToFloat64(sys.metrics.FilesCopied.WithLabelValues("warcs")) == 1
			})
			dst, err := transfer.OpenDestination(ctx, s.dst, transfer.MD5)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := dst.ReadBack(ctx, "job/a.warc.gz", nil); err != nil { // the hasher now caches the good hash
				t.Fatal(err)
			}
			corrupt(t, stored("job/a.warc.gz"))

			runRolesUntil(t, sys, []string{"verifier"}, func() bool {
				rec, _, err := sys.ledger.Get(ctx, "warcs", "crawler01", "job/a.warc.gz")
				return err == nil && rec.State == ledger.Failed
			})
			rec, _, _ := sys.ledger.Get(ctx, "warcs", "crawler01", "job/a.warc.gz")
			if rec.Reason != "mismatch" {
				t.Fatalf("ledger reason %q, want mismatch (%s)", rec.Reason, rec.LastError)
			}
			if got, err := os.ReadFile(filepath.Join(s.src, "job/a.warc.gz")); err != nil || sha(got) != sha(data) {
				t.Fatalf("source not kept intact: %v", err)
			}
			if n := testutil.ToFloat64(sys.metrics.VerifyFailures.WithLabelValues("warcs", "mismatch")); n != 1 {
				t.Fatalf("verify failures metric = %v, want 1", n)
			}
			letters, err := sys.bus.DeadLetters(ctx)
			if err != nil || len(letters) != 1 || letters[0].Stage != "verify" || letters[0].Files[0].Reason != "mismatch" {
				t.Fatalf("dead letters = %+v, %v; want one verify mismatch", letters, err)
			}
		})
	}
}

// corrupt flips one byte in the middle of a file and puts its mtime back, so
// size and modification time say nothing changed.
func corrupt(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x01
	if err := os.WriteFile(path, data, info.Mode()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
}

// startTestSystem starts the site's embedded JetStream and announces what is
// on disk now, without starting any role.
func startTestSystem(t *testing.T, s *site) *system {
	t.Helper()
	cfg, err := config.Load(s.config)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := startSystem(context.Background(), cfg, bustest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.close)
	w, err := sys.newWatcher()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return sys
}

// runRolesUntil runs roles until done holds, then stops them.
func runRolesUntil(t *testing.T, sys *system, names []string, done func() bool) {
	t.Helper()
	roles, err := sys.roles(context.Background(), names, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- runAll(ctx, roles, roleGrace(sys.grace()), sys.log) }()
	testkit.WaitFor(t, 30*time.Second, "roles "+names[0]+" to finish", done)
	cancel()
	if err := <-stopped; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
