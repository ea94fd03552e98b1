package nats

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// olderAuthorization is authorization.conf as before ada36c8: no user may
// create, read or publish to FERRY_ARCHIVE.
func olderAuthorization(t *testing.T) string {
	t.Helper()
	var keep []string
	for _, line := range strings.Split(shippedAuthorization(t), "\n") {
		if strings.Contains(line, "FERRY_ARCHIVE") || strings.Contains(line, "ferry.archive") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

func movedFiles(prefix string, n int) []bus.File {
	var files []bus.File
	for i := range n {
		files = append(files, bus.File{Path: fmt.Sprintf("%s-%d.warc.gz", prefix, i), Size: 1, ModTime: 1})
	}
	return files
}

// Red team (session 21): under an authorization.conf older than ada36c8
// (and, with it, no FERRY_ARCHIVE), a crawler's verifier still records its
// files moved, as a batch (SetAll) and one by one: the first write waits
// at most archiveTimeout for the refused archive, the writes in the pause
// after it do not wait, and the records stay in the bucket (ledger.keep's
// TTL, not the hold), where the mover's and verifier's Get find them.
func TestRedteam21OlderAuthorizationMovedRecordsStayAndDoNotStall(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	connect := authServer(t, olderAuthorization(t))
	connect("dispatcher")
	c1 := ledger.New(connect("crawler01").Ledger()).WithHold(time.Second)
	// The verifier's record write has 5s (recordTimeout).
	write := func(what string, fn func(ctx context.Context) error, within time.Duration) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		if err := fn(ctx); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		took := time.Since(start)
		t.Logf("%s took %s", what, took)
		if took > within {
			t.Errorf("%s took %s, want at most %s", what, took, within)
		}
	}
	batch, one := movedFiles("batch", 3), movedFiles("one", 2)
	write("the first batch of moved records", func(ctx context.Context) error {
		return errors.Join(c1.SetAll(ctx, "warcs", "crawler01", batch, ledger.Moved, nil)...)
	}, 2500*time.Millisecond)
	for _, f := range one {
		write("a moved record in the pause", func(ctx context.Context) error {
			return c1.Set(ctx, "warcs", "crawler01", f, ledger.Moved, nil)
		}, 200*time.Millisecond)
	}
	time.Sleep(2 * time.Second) // twice the hold
	for _, f := range append(batch, one...) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		r, _, err := c1.Get(ctx, "warcs", "crawler01", f.Path)
		cancel()
		if err != nil || r.State != ledger.Moved {
			t.Errorf("%s's moved record after the hold, with no archive: %+v, %v; want it in the bucket", f.Path, r, err)
		}
	}
}

// Red team (session 21): under today's authorization.conf a crawler's
// batch of moved records (SetAll: one atomic archive batch) is archived,
// leaves the bucket after the hold, and Lookup finds each.
func TestRedteam21CrawlerArchivesABatch(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	connect := authServer(t, shippedAuthorization(t))
	connect("dispatcher")
	c1 := ledger.New(connect("crawler01").Ledger()).WithHold(time.Second)
	batch := movedFiles("batch", 3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if errs := c1.SetAll(ctx, "warcs", "crawler01", batch, ledger.Moved, nil); errors.Join(errs...) != nil {
		t.Fatal(errs)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("a batch of moved records took %s: was its archive refused?", took)
	}
	for _, f := range batch {
		awaitLeftBucket(t, c1, "crawler01", f.Path)
		if r, err := c1.Lookup(ctx, "warcs", "crawler01", f.Path); err != nil || r.State != ledger.Moved {
			t.Errorf("Lookup of %s: %+v, %v", f.Path, r, err)
		}
	}
}

// Red team (session 21, ada36c8): the archive's reads are not separated by
// host (authorization.conf says so): crawler01, which may not read
// crawler02's ledger records, reads crawler02's moved files' records (path,
// size, hash, job) from FERRY_ARCHIVE with direct gets. Before ada36c8 a
// moved record stayed in the bucket, where crawler01 could not read it
// (TestIntegrationLedgerPermissions: "nor read where it is").
func TestRedteam21CrawlerCannotReadAnotherHostsArchivedRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	connect := authServer(t, shippedAuthorization(t))
	connect("dispatcher")
	c1Bus := connect("crawler01")
	c2 := ledger.New(connect("crawler02").Ledger()).WithHold(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := bus.File{Path: "secret/c.warc.gz", Size: 1, ModTime: 1}
	if err := c2.Set(ctx, "warcs", "crawler02", f, ledger.Moved, nil); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(f.Path))
	key := "file.warcs.crawler02." + hex.EncodeToString(sum[:16])
	shard := key[:len(key)-30] // its route, host and two hex digits (ledger.archiveShard)
	val, err := c1Bus.Ledger().LastArchived(ctx, shard, key)
	if err == nil && val != nil {
		t.Errorf("crawler01 read crawler02's moved record from the archive: %s", val)
	}
}

// Red team (session 21, ada36c8): "a crawler archives only its own" holds
// for subjects, not for what is filed there: crawler01 publishes on its own
// shard a value whose Ferry-Key header and body name crawler02's file, and
// Records (ferry status, as admin) lists it as crawler02's, in any state
// the forger likes (here failed). The bucket refuses crawler01 any write of
// crawler02's records; Records does not check an archived value against the
// subject it was filed under.
func TestRedteam21ForgedArchiveEntryIsNotAnotherHostsRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	connect := authServer(t, shippedAuthorization(t))
	connect("dispatcher")
	c1Bus := connect("crawler01")
	admin := ledger.New(connect("admin").Ledger())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	path := "job/forged.warc.gz"
	sum := sha256.Sum256([]byte(path))
	victimKey := "file.warcs.crawler02." + hex.EncodeToString(sum[:16])
	body := fmt.Sprintf(`{"route":"warcs","host":"crawler02","path":%q,"size":1,"mtime_ns":1,"state":"failed","reason":"mismatch"}`, path)
	forged := []bus.Archived{{Shard: "file.warcs.crawler01.00", Key: victimKey, Value: []byte(body)}}
	if err := c1Bus.Ledger().Archive(ctx, forged); err != nil {
		t.Fatalf("crawler01 may not archive on its own shard: %v", err)
	}
	err := admin.Records(ctx, "", func(r *ledger.Record) error {
		if r.Host == "crawler02" {
			t.Errorf("ferry status lists a record crawler01 forged as crawler02's: %s %s (%s)", r.Path, r.State, r.Reason)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
