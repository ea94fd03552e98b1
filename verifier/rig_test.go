package verifier

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
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
