package verifier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/ferrydata/ferry/internal/worker"
	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/rc"
)

// Red team, round 20: `rclone serve s3 --vfs-cache-mode full` over the
// local source directory, made after the start (no probe saw it). The
// delete's last check (copyStays) looks the copy up (a HEAD, answered from
// the VFS directory cache) and reads its head through the object found: in
// full cache mode the VFS serves that GET from its on-disk cache of the
// file, filled by the verifier's own read-back, so "reading bytes needs the
// file" does not hold and the source may be unlinked with no copy left.
func TestRedteam20SourceViewServeS3FullCacheView(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: serves S3")
	}
	transfertest.Init(t)
	for i, tc := range []struct {
		name     string
		params   rc.Params
		knownGap bool // SAFETY.md, "Not caught": the source is lost
	}{
		{"full", rc.Params{"vfs_cache_mode": "full"}, false},
		{"full, no etag", rc.Params{"vfs_cache_mode": "full", "etag_hash": ""}, false},
		{"full, no etag, long dir cache", rc.Params{"vfs_cache_mode": "full", "etag_hash": "", "dir_cache_time": "1h", "poll_interval": "0"}, false},
		{"full over hasher", rc.Params{"vfs_cache_mode": "full", "hasher": ""}, true},
		{"full over hasher, max_age 0", rc.Params{"vfs_cache_mode": "full", "hasher": ",max_age=0"}, false},
		{"full over hasher, 1 MiB", rc.Params{"vfs_cache_mode": "full", "hasher": "", "size": 1 << 20}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.knownGap {
				// Kept as the reproduction of a hole found in round 20 and
				// not closed: run it with FERRY_KNOWN_GAPS=1 to see it.
				if os.Getenv("FERRY_KNOWN_GAPS") == "" {
					t.Skip("known gap (SAFETY.md, Not caught): a full-cache serve s3 over a hasher of the source is taken for a copy; set FERRY_KNOWN_GAPS=1 to run")
				}
			}
			base := t.TempDir()
			srcDir := filepath.Join(base, "bucket")
			if err := os.Mkdir(srcDir, 0o755); err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("attack20full%d", i)
			const secret = "attack20secretattack20secret"
			params := rc.Params{"type": "s3", "fs": base, "addr": "127.0.0.1:0", "auth_key": []string{name + "," + secret}}
			for k, v := range tc.params {
				switch k {
				case "hasher":
					params["fs"] = ":hasher,remote='" + base + "',hashes=md5" + v.(string) + ":"
					continue
				case "size":
					continue
				}
				params[k] = v
			}
			addr := serveS3Params(t, params)
			for k, v := range map[string]string{"type": "s3", "provider": "Rclone", "endpoint": "http://" + addr,
				"access_key_id": name, "secret_access_key": secret} {
				config.FileSetValue(name, k, v)
			}
			const rel = "a.warc.gz"
			content := "the only copy of these bytes"
			if n, ok := tc.params["size"].(int); ok {
				content = strings.Repeat("the only copy of these bytes ", n/29+1)[:n]
			}
			mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
			p := filepath.Join(srcDir, rel)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			probe := transfer.ProbeOverlap(t.Context(), []transfer.RouteStorage{{Name: "r", Source: srcDir, Destination: name + ":bucket"}})
			t.Logf("ProbeOverlap (the start-up probe, were the view there at the start) = %v", probe)
			err := verifyCopied(t, srcDir, name+":bucket", rel, content, mtime)
			if _, serr := os.Stat(p); serr != nil {
				t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
			}
		})
	}
}

// replaceCopyAfterReadBack is a real source whose second Stat (the one
// after the read-back and the hash, before MayDelete) first lets a second
// writer replace the copy at the destination (on disk at copyPath, behind
// any S3 API): the window the look at Evidence.CopyNow covered until
// e186499.
type replaceCopyAfterReadBack struct {
	transfer.Source
	t        *testing.T
	copyPath string
	stats    *atomic.Int32
}

func (s replaceCopyAfterReadBack) Stat(ctx context.Context, rel string) (transfer.FileInfo, error) {
	if s.stats.Add(1) == 2 {
		other := s.copyPath + ".other"
		if err := os.WriteFile(other, []byte("another writer's bytes!!"), 0o644); err != nil {
			s.t.Fatal(err)
		}
		if err := os.Rename(other, s.copyPath); err != nil {
			s.t.Fatal(err)
		}
	}
	return s.Source.Stat(ctx, rel)
}

// Red team, round 20: a copy replaced by a second writer after its
// read-back. On a route that deletes sources the delete's last check
// (copyStays) keeps the source (safe). On a route that keeps them nothing
// looks at the copy after its read-back any more (e186499 removed
// Evidence.CopyNow): the file is recorded verified though the copy now
// holds another writer's bytes, and the watcher never announces a verified
// file of a keep route again. Low severity: nothing is deleted, and a
// route switched to delete_source verifies afresh (ShouldVerify).
func TestRedteam20CopyReplacedAfterReadBack(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: rclone and serve s3")
	}
	transfertest.Init(t)
	const rel, content = "a.warc.gz", "the bytes of a, verified"
	for _, dest := range []string{"local", "s3"} {
		for _, deletes := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/delete_source=%v", dest, deletes), func(t *testing.T) {
				rig := copyTo(t, dest, rel, content)
				var stats atomic.Int32
				src := replaceCopyAfterReadBack{Source: rig.src, t: t, copyPath: rig.copyPath, stats: &stats}
				r := &worker.OpenRoute{Route: worker.Route{Name: "r", Hash: transfer.MD5, DeleteSource: deletes}, Src: src, Dst: rig.dst}
				v := &Verifier{deps: worker.Deps{Log: slog.New(slog.DiscardHandler), Metrics: metrics.New()}}
				got, err := v.verifyFile(t.Context(), r, bus.Job{Route: "r"}, rig.file, &transfer.Progress{})
				t.Logf("verify = %q, %v (stats %d)", got.state, err, stats.Load())
				if stats.Load() < 2 {
					t.Fatalf("the source was stat'ed %d times: the copy was never replaced", stats.Load())
				}
				if got, err := os.ReadFile(rig.srcPath); err != nil || string(got) != content {
					t.Errorf("source = %q, %v; want it kept whole", got, err)
				}
				if err == nil || !errors.Is(err, fault.ErrConflict) {
					t.Errorf("verify = %q, %v; want a conflict: the copy read back was replaced by other bytes before the file was recorded", got.state, err)
				}
			})
		}
	}
}

// refusedAfterAside is a real local source whose Remove, once the file is
// at its private name, says so on arrived, waits for gate, and then lets a
// second writer replace the copy at copyPath, so the real copyStays that
// follows refuses the delete (conflict) and the file is renamed back.
type refusedAfterAside struct {
	transfer.Source
	t        *testing.T
	copyPath string
	arrived  chan<- struct{}
	gate     <-chan struct{}
}

func (s refusedAfterAside) Remove(ctx context.Context, rel string, hashed transfer.FileInfo, checks ...transfer.LastCheck) error {
	first := func(context.Context) error {
		s.arrived <- struct{}{}
		<-s.gate
		other := s.copyPath + ".other"
		if err := os.WriteFile(other, []byte("another writer's bytes!!"), 0o644); err != nil {
			return err
		}
		return os.Rename(other, s.copyPath)
	}
	return s.Source.Remove(ctx, rel, hashed, append([]transfer.LastCheck{first}, checks...)...)
}

// Red team, round 20, on d750bfd: verifier B hashes the source while a
// duplicate verify job A has it at its private name (.ferry-rm-*); B's stat
// after hashing finds it missing, so B takes it for vanished, reads the
// copy back (still good) and records the file moved. Then A's last check
// refuses (the copy was replaced meanwhile) and A renames the source back.
// Nothing may be deleted; the ledger then says moved for a file on disk
// whose copy is another writer's: the watcher must announce the restored
// file again (its rename changed its ctime, so it is another version), or
// the file would be stranded and the ledger never healed.
func TestRedteam20VanishedWhileADuplicateDeleteIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: JetStream and rclone")
	}
	transfertest.Init(t)
	ctx := t.Context()
	b := bustest.Start(t)
	l := ledger.New(b.Ledger())
	srcDir, dstDir := t.TempDir(), t.TempDir()
	const rel, content = "a.warc.gz", "the bytes of a, verified"
	p := filepath.Join(srcDir, rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	verifier := func(src transfer.Source, d *transfer.Destination) *Verifier {
		return ledgerVerifier(t, b, l, "r", src, d)
	}
	srcA, dA := openPair(t, srcDir, dstDir)
	srcB, dB := openPair(t, srcDir, dstDir)
	if _, err := dA.Put(ctx, rel, strings.NewReader(content), int64(len(content)), mtime, nil); err != nil {
		t.Fatal(err)
	}
	st, err := srcA.Stat(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	f := copiedFile(rel, st, content)
	if _, err := l.Announce(ctx, "r", "h1", f, ledger.Policy{StaleAfter: time.Hour, DeletesSource: true}); err != nil {
		t.Fatal(err)
	}
	aArr, aGate := make(chan struct{}), make(chan struct{})
	bArr, bGate := make(chan struct{}), make(chan struct{})
	vA := verifier(refusedAfterAside{Source: srcA, t: t, copyPath: filepath.Join(dstDir, rel), arrived: aArr, gate: aGate}, dA)
	vB := verifier(gatedSource{Source: srcB, atOpen: true, arrived: bArr, gate: bGate}, dB)
	jobA := bus.Job{ID: "20261203T120000-0123456789ab-aaaaaaaaaaaaaaaa", Route: "r", Host: "h1", Files: []bus.File{f}}
	jobB := bus.Job{ID: "20261203T120000-0123456789ab-bbbbbbbbbbbbbbbb", Route: "r", Host: "h1", Files: []bus.File{f}}
	var outA, outB worker.Outcome
	doneB := make(chan worker.Outcome, 1)
	go func() { doneB <- vB.verifyJob(ctx, jobB, &transfer.Progress{}) }()
	<-bArr // B has the source open, mid-hash
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); outA = vA.verifyJob(ctx, jobA, &transfer.Progress{}) }()
	<-aArr // A has the source at its private name
	close(bGate)
	outB = <-doneB // B ends while A waits at its last check
	rec, _, err := l.Get(ctx, "r", "h1", rel)
	t.Logf("with A's delete at its last check, B recorded %q (%v)", rec.State, err)
	close(aGate)
	wg.Wait()
	t.Logf("A: %+v", outA)
	t.Logf("B: %+v", outB)
	if len(outA.Dead) > 0 {
		// As worker.settle records a dead letter.
		if err := l.Fail(ctx, "r", "h1", jobA.ID, 1, outA.Dead); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := os.ReadFile(p); err != nil || string(got) != content {
		t.Fatalf("source = %q, %v; want it kept whole (A's delete was refused)", got, err)
	}
	rec, _, err = l.Get(ctx, "r", "h1", rel)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("record = %s (reason %q); the copy now: %v", rec.State, rec.Reason, copyIs(t, filepath.Join(dstDir, rel), content))
	// The watcher's next look at the restored file.
	now, err := srcA.Stat(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	fNow := bus.File{Path: rel, Size: now.Size, ModTime: now.ModTime.UnixNano(), Ino: now.Ino, CTime: now.CTime.UnixNano()}
	announced, err := l.Announce(ctx, "r", "h1", fNow, ledger.Policy{StaleAfter: time.Hour, DeletesSource: true})
	if err != nil {
		t.Fatal(err)
	}
	if !announced {
		t.Errorf("the restored source (ctime %d, announced with %d) is not announced again over a %q record: stranded, "+
			"the ledger says moved for a file on disk", fNow.CTime, f.CTime, rec.State)
	}
}

// copyIs says whether the file at path holds content.
func copyIs(t *testing.T, path, content string) string {
	got, err := os.ReadFile(path)
	switch {
	case err != nil:
		return err.Error()
	case string(got) == content:
		return "the verified bytes"
	}
	return "other bytes: " + string(got)
}

// Red team, round 20, on d750bfd: a source that goes away while it is
// hashed, not by this verifier, is now taken for vanished: the copy read
// back against the mover's hash, the file recorded moved. Whatever took it
// away, nothing may be deleted by that, the copy must hold the verified
// bytes, and the file under any new name must still be there to be
// announced: an operator's rename of a local source, and a duplicate verify
// job that deletes a remote source (S3) with this one mid-hash.
func TestRedteam20GoneMidHashIsMovedAndNothingElseIsLost(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: JetStream, rclone and serve s3")
	}
	transfertest.Init(t)
	b := bustest.Start(t)
	l := ledger.New(b.Ledger())
	const rel, content = "a.warc.gz", "the bytes of a, verified"
	for _, tc := range []string{"local, renamed by an operator", "s3, deleted by a duplicate job"} {
		t.Run(tc, func(t *testing.T) {
			ctx := t.Context()
			dstDir := t.TempDir()
			mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
			var srcPath, spec string
			if strings.HasPrefix(tc, "local") {
				spec = t.TempDir()
				srcPath = filepath.Join(spec, rel)
			} else {
				s3 := transfertest.StartS3Server(t)
				spec, srcPath = s3.Remote, s3.Path(rel)
			}
			if err := os.WriteFile(srcPath, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(srcPath, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			open := func() transfer.Source {
				var src transfer.Source
				var err error
				if strings.HasPrefix(tc, "local") {
					src, err = transfer.OpenLocalSource(spec)
				} else {
					src, err = transfer.OpenRemoteSource(ctx, spec)
				}
				if err != nil {
					t.Fatal(err)
				}
				return src
			}
			d, err := transfer.OpenDestination(ctx, dstDir, transfer.MD5)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Put(ctx, rel, strings.NewReader(content), int64(len(content)), mtime, nil); err != nil {
				t.Fatal(err)
			}
			src := open()
			st, err := src.Stat(ctx, rel)
			if err != nil {
				t.Fatal(err)
			}
			f := copiedFile(rel, st, content)
			route := "r" + fmt.Sprint(len(tc))
			verifier := func(src transfer.Source) *Verifier { return ledgerVerifier(t, b, l, route, src, d) }
			arrived, gate := make(chan struct{}), make(chan struct{})
			vB := verifier(gatedSource{Source: src, atOpen: true, arrived: arrived, gate: gate})
			jobB := bus.Job{ID: "20261203T120000-0123456789ab-bbbbbbbbbbbbbbbb", Route: route, Host: "h1", Files: []bus.File{f}}
			done := make(chan worker.Outcome)
			go func() { done <- vB.verifyJob(ctx, jobB, &transfer.Progress{}) }()
			<-arrived
			renamed := filepath.Join(filepath.Dir(srcPath), "b.warc.gz")
			if strings.HasPrefix(tc, "local") {
				if err := os.Rename(srcPath, renamed); err != nil {
					t.Fatal(err)
				}
			} else {
				jobA := bus.Job{ID: "20261203T120000-0123456789ab-aaaaaaaaaaaaaaaa", Route: route, Host: "h1", Files: []bus.File{f}}
				outA := verifier(open()).verifyJob(ctx, jobA, &transfer.Progress{})
				t.Logf("duplicate job: %+v", outA)
			}
			close(gate)
			outB := <-done
			t.Logf("job mid-hash: %+v", outB)
			if len(outB.Dead) > 0 || len(outB.Pending) > 0 {
				t.Errorf("job mid-hash = %+v, want the file moved", outB)
			}
			if rec, _, err := l.Get(ctx, route, "h1", rel); err != nil || rec.State != ledger.Moved {
				t.Errorf("record = %+v, %v; want moved", rec, err)
			}
			if got := copyIs(t, filepath.Join(dstDir, rel), content); got != "the verified bytes" {
				t.Errorf("copy: %s", got)
			}
			if strings.HasPrefix(tc, "local") {
				if got, err := os.ReadFile(renamed); err != nil || string(got) != content {
					t.Errorf("the renamed source = %q, %v; want it untouched", got, err)
				}
			}
		})
	}
}
