package verifier

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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
)

// verifyOne runs one verification of f, from src to dst, on a route that
// deletes sources, as the verify job the mover sends after copying f.
func verifyOne(ctx context.Context, src transfer.Source, dst *transfer.Destination, f bus.File) error {
	r := &worker.OpenRoute{Route: worker.Route{Name: "r", Hash: transfer.MD5, DeleteSource: true}, Src: src, Dst: dst}
	v := &Verifier{deps: worker.Deps{Log: slog.New(slog.DiscardHandler), Metrics: metrics.New()}}
	_, err := v.verifyFile(ctx, r, bus.Job{Route: "r"}, f, &transfer.Progress{})
	return err
}

// verifyCopied runs one verification of rel, a file of srcDir holding
// content and mtime, against the destination dstSpec, as the mover would
// lead to it: its Put first (a conflict where the destination shows the
// source), then the verify job it sends once compareExisting finds the
// bytes equal.
func verifyCopied(t *testing.T, srcDir, dstSpec, rel, content string, mtime time.Time) error {
	t.Helper()
	ctx := t.Context()
	src, err := transfer.OpenLocalSource(srcDir)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := transfer.OpenDestination(ctx, dstSpec, transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	st, err := src.Stat(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	h := md5.Sum([]byte(content))
	f := bus.File{Path: rel, Size: int64(len(content)), ModTime: mtime.UnixNano(), Hash: hex.EncodeToString(h[:]),
		Ino: st.Ino, CTime: st.CTime.UnixNano()}
	moverPut(t, dst, rel, content, mtime)
	err = verifyOne(ctx, src, dst, f)
	t.Logf("verifyFile = %v", err)
	return err
}

// moverPut is the mover's upload of rel to dst, logged: on these views it
// is fault.ErrConflict (the source shows through), and the mover's
// compareExisting then finds equal bytes, counts the file copied and sends
// the verify job that verifyOne runs.
func moverPut(t *testing.T, dst *transfer.Destination, rel, content string, mtime time.Time) {
	t.Helper()
	_, err := dst.Put(t.Context(), rel, strings.NewReader(content), int64(len(content)), mtime, &transfer.Progress{})
	t.Logf("mover's Put = %v (conflict: %v)", err, errors.Is(err, fault.ErrConflict))
}

// openPair opens srcDir as a local source and dstSpec as a destination
// hashed with md5, as one verifier process does.
func openPair(t *testing.T, srcDir, dstSpec string) (transfer.Source, *transfer.Destination) {
	t.Helper()
	src, err := transfer.OpenLocalSource(srcDir)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := transfer.OpenDestination(t.Context(), dstSpec, transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	return src, dst
}

// copiedFile is rel as the watcher announced it (st, its stat) with the
// hash the mover read while copying it (of content).
func copiedFile(rel string, st transfer.FileInfo, content string) bus.File {
	h := md5.Sum([]byte(content))
	return bus.File{Path: rel, Size: st.Size, ModTime: st.ModTime.UnixNano(), Ino: st.Ino, CTime: st.CTime.UnixNano(),
		Hash: hex.EncodeToString(h[:])}
}

// ledgerVerifier is a verifier on b and l of one route of host h1 that
// deletes its sources, from src to dst.
func ledgerVerifier(t *testing.T, b *bus.Bus, l *ledger.Ledger, route string, src transfer.Source, dst *transfer.Destination) *Verifier {
	return &Verifier{
		deps: worker.Deps{Bus: b, Ledger: l, Log: bustest.Logger(t), Metrics: metrics.New()},
		routes: worker.Live(worker.Routes{route: {Route: worker.Route{Name: route, Host: "h1", Hash: transfer.MD5, DeleteSource: true},
			Src: src, Dst: dst}}),
	}
}

// copiedRig is one file, an hour old, in a fresh local source, and its
// copy put by the mover to a fresh local or S3 destination.
type copiedRig struct {
	src      transfer.Source
	dst      *transfer.Destination
	file     bus.File
	srcPath  string // the source file
	copyPath string // the copy's bytes on disk (behind the S3 API for "s3")
}

// copyTo makes a copiedRig of rel holding content, the destination
// "local" or "s3".
func copyTo(t *testing.T, dest, rel, content string) copiedRig {
	t.Helper()
	srcDir := t.TempDir()
	var spec, copyPath string
	if dest == "local" {
		spec = t.TempDir()
		copyPath = filepath.Join(spec, rel)
	} else {
		s3 := transfertest.StartS3Server(t)
		spec, copyPath = s3.Remote, s3.Path(rel)
	}
	p := filepath.Join(srcDir, rel)
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	src, dst := openPair(t, srcDir, spec)
	moverPut(t, dst, rel, content, mtime)
	st, err := src.Stat(t.Context(), rel)
	if err != nil {
		t.Fatal(err)
	}
	return copiedRig{src: src, dst: dst, file: copiedFile(rel, st, content), srcPath: p, copyPath: copyPath}
}
