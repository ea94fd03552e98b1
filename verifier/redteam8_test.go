package verifier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/ferrydata/ferry/internal/worker"
)

// Verify job ids are now the copy job's id and a digest of the group, and
// groups depend on timing, so a redelivered copy job can hand one file on
// twice under two ids that JetStream does not take for duplicates. Two
// verifiers running both at once must delete each source once, keep every
// copy, record every file moved, and dead-letter nothing: the loser of
// each race sees the source missing (vanished) or gone at its delete and
// is retried.
func TestIntegrationDuplicateVerifyJobsDeleteOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: JetStream and rclone")
	}
	transfertest.Init(t)
	ctx := t.Context()
	b := bustest.Start(t)
	l := ledger.New(b.Ledger())
	for round := range 3 {
		srcDir, dstDir := t.TempDir(), t.TempDir()
		dst, err := transfer.OpenDestination(ctx, dstDir, transfer.MD5)
		if err != nil {
			t.Fatal(err)
		}
		var files []bus.File
		for i := range 12 {
			rel := fmt.Sprintf("r%d-%02d.warc.gz", round, i)
			content := rel + strings.Repeat("x", 100*i)
			p := filepath.Join(srcDir, rel)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			mtime := time.Now().Add(-time.Hour)
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			if _, err := dst.Put(ctx, rel, strings.NewReader(content), int64(len(content)), mtime, nil); err != nil {
				t.Fatal(err)
			}
			src, err := transfer.OpenLocalSource(srcDir)
			if err != nil {
				t.Fatal(err)
			}
			st, err := src.Stat(ctx, rel)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, copiedFile(rel, st, content))
		}
		// Two verifiers (two processes: each its own source and destination).
		verifier := func() *Verifier {
			src, d := openPair(t, srcDir, dstDir)
			return ledgerVerifier(t, b, l, "r", src, d)
		}
		reversed := slices.Clone(files)
		slices.Reverse(reversed)
		jobs := []bus.Job{
			{ID: "20261202T031500-0123456789ab-aaaaaaaaaaaaaaaa", Route: "r", Host: "h1", Files: files},
			{ID: "20261202T031500-0123456789ab-bbbbbbbbbbbbbbbb", Route: "r", Host: "h1", Files: reversed},
		}
		var wg sync.WaitGroup
		for _, job := range jobs {
			v := verifier()
			wg.Add(1)
			go func() {
				defer wg.Done()
				// The job and its redeliveries, as worker.settle retries it.
				for attempt := 1; ; attempt++ {
					out := v.verifyJob(ctx, job, &transfer.Progress{})
					if len(out.Dead) > 0 {
						t.Errorf("round %d: job %s attempt %d dead-lettered %+v", round, job.ID, attempt, out.Dead)
					}
					if len(out.Pending) == 0 {
						return
					}
					if attempt == 3 {
						t.Errorf("round %d: job %s still pending after %d attempts: %v", round, job.ID, attempt, out.Err)
						return
					}
				}
			}()
		}
		wg.Wait()
		left, _ := os.ReadDir(srcDir)
		for _, e := range left {
			t.Errorf("round %d: %s left in the source", round, e.Name())
		}
		for _, f := range files {
			sum, _, err := dst.ReadBack(ctx, f.Path, nil)
			if err != nil || sum.Hash != f.Hash {
				t.Errorf("round %d: copy of %s = %+v, %v; want hash %s", round, f.Path, sum, err, f.Hash)
			}
			rec, _, err := l.Get(ctx, "r", "h1", f.Path)
			if err != nil || rec.State != ledger.Moved {
				t.Errorf("round %d: record of %s = %+v, %v; want moved", round, f.Path, rec, err)
			}
		}
	}
}

// gatedSource is a real local source that stops at one step of a verify
// (the Remove, or right after the Open that hashes) and says so on
// arrived, until gate is closed.
type gatedSource struct {
	transfer.Source
	atOpen bool // stop after Open (mid-hash), not at Remove
	// With atOpen: the open file's identity is taken after the gate, as
	// if the other job's rename came between the open and its fstat.
	fstatLate bool
	arrived   chan<- struct{}
	gate      <-chan struct{}
}

func (s gatedSource) wait() {
	if s.arrived != nil {
		s.arrived <- struct{}{}
	}
	<-s.gate
}

func (s gatedSource) Open(ctx context.Context, rel string) (io.ReadCloser, transfer.FileInfo, error) {
	rd, info, err := s.Source.Open(ctx, rel)
	if !s.atOpen || err != nil {
		return rd, info, err
	}
	s.wait()
	if s.fstatLate {
		st, err := rd.(*os.File).Stat()
		if err != nil {
			return nil, info, err
		}
		sys := st.Sys().(*syscall.Stat_t)
		info.CTime = time.Unix(sys.Ctim.Sec, sys.Ctim.Nsec)
	}
	return rd, info, nil
}

func (s gatedSource) Remove(ctx context.Context, rel string, hashed transfer.FileInfo, checks ...transfer.LastCheck) error {
	if !s.atOpen {
		s.wait()
	}
	return s.Source.Remove(ctx, rel, hashed, checks...)
}

// The tightest races of two verify jobs of one file: the second stops at
// its delete (both passed MayDelete) or with the source open for hashing
// (and the first's rename seen in its fstat, as in a CI run of a6227c1),
// while the first moves the file; then the second goes on. It deletes
// nothing, dead-letters nothing, and it (or its retry) records the file
// moved.
func TestIntegrationDuplicateVerifyJobsBothPassMayDelete(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: JetStream and rclone")
	}
	transfertest.Init(t)
	b := bustest.Start(t)
	l := ledger.New(b.Ledger())
	for _, tc := range []struct {
		name              string
		atOpen, fstatLate bool
	}{{"at its delete", false, false}, {"mid-hash", true, false}, {"between its open and fstat", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			srcDir, dstDir := t.TempDir(), t.TempDir()
			const rel, content = "a.warc.gz", "the bytes of a"
			p := filepath.Join(srcDir, rel)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			open := func(src func(transfer.Source) transfer.Source) *Verifier {
				local, d := openPair(t, srcDir, dstDir)
				return ledgerVerifier(t, b, l, "r", src(local), d)
			}
			arrived, gate := make(chan struct{}), make(chan struct{})
			va := open(func(s transfer.Source) transfer.Source { return s })
			vb := open(func(s transfer.Source) transfer.Source {
				return gatedSource{Source: s, atOpen: tc.atOpen, fstatLate: tc.fstatLate, arrived: arrived, gate: gate}
			})
			st, err := va.routes.Route("r").Src.Stat(ctx, rel)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := va.routes.Route("r").Dst.Put(ctx, rel, strings.NewReader(content), int64(len(content)), st.ModTime, nil); err != nil {
				t.Fatal(err)
			}
			f := copiedFile(rel, st, content)
			ja := bus.Job{ID: "20261202T031500-0123456789ab-aaaaaaaaaaaaaaaa", Route: "r", Host: "h1", Files: []bus.File{f}}
			jb := ja
			jb.ID = "20261202T031500-0123456789ab-bbbbbbbbbbbbbbbb"
			outB := make(chan worker.Outcome, 1)
			go func() { outB <- vb.verifyJob(ctx, jb, &transfer.Progress{}) }()
			<-arrived
			outA := va.verifyJob(ctx, ja, &transfer.Progress{})
			if len(outA.Dead) > 0 || len(outA.Pending) > 0 {
				t.Fatalf("first job = %+v", outA)
			}
			close(gate)
			got := <-outB
			t.Logf("second job, first attempt = %+v", got)
			if len(got.Dead) > 0 {
				t.Errorf("second job dead-lettered a file the first moved: %+v", got.Dead)
			}
			if len(got.Pending) > 0 {
				got = vb.verifyJob(ctx, jb, &transfer.Progress{})
				if len(got.Dead) > 0 || len(got.Pending) > 0 {
					t.Errorf("second job, retried = %+v", got)
				}
			}
			if _, err := os.Lstat(p); !os.IsNotExist(err) {
				t.Errorf("source still there: %v", err)
			}
			if left, _ := os.ReadDir(srcDir); len(left) > 0 {
				t.Errorf("%d files left in the source, want none", len(left))
			}
			if sum, _, err := va.routes.Route("r").Dst.ReadBack(ctx, rel, nil); err != nil || sum.Hash != f.Hash {
				t.Errorf("copy = %+v, %v", sum, err)
			}
			if rec, _, err := l.Get(ctx, "r", "h1", rel); err != nil || rec.State != ledger.Moved {
				t.Errorf("record = %+v, %v; want moved", rec, err)
			}
		})
	}
}

// stuckOneSource is a real local source whose reads of one file hang until
// their context ends.
type stuckOneSource struct {
	transfer.Source
	stuck string
}

func (s stuckOneSource) Open(ctx context.Context, rel string) (io.ReadCloser, transfer.FileInfo, error) {
	rc, fi, err := s.Source.Open(ctx, rel)
	if err != nil || rel != s.stuck {
		return rc, fi, err
	}
	return stuckReader{rc, ctx}, fi, nil
}

// slowSibling is a verify job of two files copied from srcDir to a local
// destination, a.warc.gz and slow.warc.gz, with the bus and ledger it runs on.
type slowSibling struct {
	b      *bus.Bus
	l      *ledger.Ledger
	srcDir string
	local  transfer.Source
	dst    *transfer.Destination
	job    bus.Job
}

func copiedWithSlowSibling(t *testing.T) slowSibling {
	t.Helper()
	transfertest.Init(t)
	ctx := t.Context()
	b := bustest.Start(t)
	l := ledger.New(b.Ledger())
	srcDir, dstDir := t.TempDir(), t.TempDir()
	local, err := transfer.OpenLocalSource(srcDir)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := transfer.OpenDestination(ctx, dstDir, transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	job := bus.Job{ID: "20261202T031500-0123456789ab-aaaaaaaaaaaaaaaa", Route: "r", Host: "h1"}
	for _, rel := range []string{"a.warc.gz", "slow.warc.gz"} {
		content := "bytes of " + rel
		if err := os.WriteFile(filepath.Join(srcDir, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := local.Stat(ctx, rel)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dst.Put(ctx, rel, strings.NewReader(content), st.Size, st.ModTime, nil); err != nil {
			t.Fatal(err)
		}
		job.Files = append(job.Files, copiedFile(rel, st, content))
	}
	return slowSibling{b: b, l: l, srcDir: srcDir, local: local, dst: dst, job: job}
}

// A job's moved files are recorded together once its last file ends. A
// shutdown (its grace over) or a stall that cuts the job short while one
// file's hash hangs must still record the file whose source it already
// deleted: unrecorded, it waited for a redelivery, and a file that stalls
// every attempt took it to the dead letters, its record failed, with its
// source deleted and its copy good. The redelivered job verifies the other.
func TestIntegrationShutdownMidJobAfterADelete(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: JetStream and rclone")
	}
	ctx := t.Context()
	rig := copiedWithSlowSibling(t)
	b, l, srcDir, local, dst, job := rig.b, rig.l, rig.srcDir, rig.local, rig.dst, rig.job
	route := &worker.OpenRoute{Route: worker.Route{Name: "r", Host: "h1", Hash: transfer.MD5, DeleteSource: true},
		Src: stuckOneSource{local, "slow.warc.gz"}, Dst: dst}
	v := &Verifier{deps: worker.Deps{Bus: b, Ledger: l, Log: bustest.Logger(t), Metrics: metrics.New()},
		routes: worker.Live(worker.Routes{"r": route})}
	work, cancel := context.WithCancel(ctx)
	outc := make(chan worker.Outcome, 1)
	go func() { outc <- v.verifyJob(work, job, &transfer.Progress{}) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Lstat(filepath.Join(srcDir, "a.warc.gz")); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a.warc.gz not deleted within 20s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel() // the grace is over
	out := <-outc
	t.Logf("cut short: %+v", out)
	if len(out.Dead) > 0 || len(out.Pending) != 1 || out.Pending[0].Path != "slow.warc.gz" {
		t.Errorf("job cut short = %+v, want only the hanging file pending, none dead", out)
	}
	// Its source is gone: its record must not wait for a redelivery, which
	// a stall that cuts every attempt short never gives it.
	if rec, _, err := l.Get(ctx, "r", "h1", "a.warc.gz"); err != nil || rec.State != ledger.Moved {
		t.Errorf("record of a.warc.gz, deleted before the cut = %+v, %v; want moved", rec, err)
	}
	route.Src = local // redelivered after the restart
	if out := v.verifyJob(ctx, job, &transfer.Progress{}); len(out.Dead) > 0 || len(out.Pending) > 0 {
		t.Errorf("redelivered job = %+v", out)
	}
	for _, f := range job.Files {
		if rec, _, err := l.Get(ctx, "r", "h1", f.Path); err != nil || rec.State != ledger.Moved {
			t.Errorf("record of %s = %+v, %v; want moved", f.Path, rec, err)
		}
	}
}

// The same through the worker loop: a verify job whose other file stalls
// every attempt is dead-lettered; the file whose source it deleted stays
// recorded moved, never failed, and is named in no dead letter.
func TestIntegrationStalledFileKeepsDeletedSiblingMoved(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: JetStream and rclone")
	}
	ctx := t.Context()
	rig := copiedWithSlowSibling(t)
	b, l, srcDir, local, dst, job := rig.b, rig.l, rig.srcDir, rig.local, rig.dst, rig.job
	routes := worker.Routes{"r": {Route: worker.Route{Name: "r", Host: "h1", Hash: transfer.MD5, DeleteSource: true,
		Include: []string{"*.warc.gz"}}, Src: stuckOneSource{local, "slow.warc.gz"}, Dst: dst}}
	if err := routes["r"].Compile(); err != nil {
		t.Fatal(err)
	}
	deps := worker.Deps{Bus: b, Ledger: l, Log: bustest.Logger(t), Metrics: metrics.New()}
	v := &Verifier{deps: deps, routes: worker.Live(routes)}
	loop := &worker.Loop{Stage: bus.StageVerify, Hosts: []string{"h1"}, Concurrency: 1, Accept: routes.Accept,
		Handle: v.verifyJob, Deps: deps,
		Policy: worker.Policy{MaxAttempts: 2, Backoff: []time.Duration{50 * time.Millisecond}, AckWait: time.Second,
			StallAfter: 300 * time.Millisecond, Grace: time.Second}}
	run, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- loop.Run(run) }()
	defer func() { stop(); <-done }()
	if err := b.PublishJob(ctx, bus.StageVerify, job); err != nil {
		t.Fatal(err)
	}
	var letters []bus.StoredDeadLetter
	var err error
	for deadline := time.Now().Add(30 * time.Second); len(letters) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no dead letter within 30s")
		}
		if letters, err = b.DeadLetters(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range letters[0].Files {
		if d.File.Path == "a.warc.gz" {
			t.Errorf("dead letter names a.warc.gz, whose source was deleted after its copy was verified: %s: %s", d.Reason, d.Error)
		}
	}
	if _, err := os.Lstat(filepath.Join(srcDir, "a.warc.gz")); !os.IsNotExist(err) {
		t.Fatalf("a.warc.gz not deleted: %v", err)
	}
	if rec, _, err := l.Get(ctx, "r", "h1", "a.warc.gz"); err != nil || rec.State != ledger.Moved {
		t.Errorf("record of a.warc.gz = %+v, %v; want moved", rec, err)
	}
}

// linkAsideSource is a real local source on which, at the verifier's
// second Stat (the one after hashing), another verifier of the file is
// halfway through moving it aside where renameat2 is missing: linked to
// its private name (the ctime changes, the path is still there). Right
// after that Stat, the other verifier finishes its delete.
type linkAsideSource struct {
	transfer.Source
	t     *testing.T
	path  string
	stats *int
}

func (s linkAsideSource) Stat(ctx context.Context, rel string) (transfer.FileInfo, error) {
	*s.stats++
	if *s.stats != 2 {
		return s.Source.Stat(ctx, rel)
	}
	priv := filepath.Join(filepath.Dir(s.path), transfer.QuarantinePrefix+"0123456789abcdef-"+filepath.Base(s.path))
	if err := os.Link(s.path, priv); err != nil {
		s.t.Fatal(err)
	}
	info, err := s.Source.Stat(ctx, rel)
	if err := errors.Join(os.Remove(s.path), os.Remove(priv)); err != nil {
		s.t.Fatal(err)
	}
	return info, err
}

// A duplicate verify job's link-and-unlink delete, seen half done by this
// one's last stat of the source (as a CI run of a6227c1 saw): the source
// changed while hashed, then it is gone. The copy reads back good, so the
// file is moved: no dead letter, and nothing else is deleted.
func TestIntegrationDuplicateVerifyJobDeletesByLinkMeanwhile(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: JetStream and rclone")
	}
	transfertest.Init(t)
	ctx := t.Context()
	b := bustest.Start(t)
	l := ledger.New(b.Ledger())
	srcDir, dstDir := t.TempDir(), t.TempDir()
	const rel, content = "a.warc.gz", "the bytes of a"
	p := filepath.Join(srcDir, rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	local, d := openPair(t, srcDir, dstDir)
	var stats int
	v := ledgerVerifier(t, b, l, "r", linkAsideSource{Source: local, t: t, path: p, stats: &stats}, d)
	st, err := local.Stat(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Put(ctx, rel, strings.NewReader(content), int64(len(content)), st.ModTime, nil); err != nil {
		t.Fatal(err)
	}
	f := copiedFile(rel, st, content)
	job := bus.Job{ID: "20261202T031500-0123456789ab-bbbbbbbbbbbbbbbb", Route: "r", Host: "h1", Files: []bus.File{f}}
	got := v.verifyJob(ctx, job, &transfer.Progress{})
	if stats < 2 {
		t.Fatalf("the source was stat'ed %d times, want the stat after hashing", stats)
	}
	if len(got.Dead) > 0 || len(got.Pending) > 0 {
		t.Errorf("job = %+v, want the file moved at once", got)
	}
	if sum, _, err := d.ReadBack(ctx, rel, nil); err != nil || sum.Hash != f.Hash {
		t.Errorf("copy = %+v, %v", sum, err)
	}
	if rec, _, err := l.Get(ctx, "r", "h1", rel); err != nil || rec.State != ledger.Moved {
		t.Errorf("record = %+v, %v; want moved", rec, err)
	}
}
