package verifier

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/ferrydata/ferry/internal/worker"
)

// swapSource is a real local source that renames another file over the
// path at one chosen moment of a verification: mv a a.moved; mv b a.
type swapSource struct {
	transfer.Source
	dir, rel, other string
	onClose         bool // after the hash, before the stat that follows it
	onRemove        bool // after MayDelete, right before the delete
}

func (s *swapSource) swap() error {
	p := filepath.Join(s.dir, s.rel)
	if err := os.Rename(p, p+".moved"); err != nil {
		return err
	}
	return os.Rename(filepath.Join(s.dir, s.other), p)
}

func (s *swapSource) Open(ctx context.Context, rel string) (io.ReadCloser, transfer.FileInfo, error) {
	rc, fi, err := s.Source.Open(ctx, rel)
	if err != nil || !s.onClose {
		return rc, fi, err
	}
	return swapOnClose{rc, s}, fi, nil
}

type swapOnClose struct {
	io.ReadCloser
	s *swapSource
}

func (c swapOnClose) Close() error {
	err := c.ReadCloser.Close()
	if serr := c.s.swap(); serr != nil {
		return serr
	}
	return err
}

func (s *swapSource) Remove(ctx context.Context, rel string, hashed transfer.FileInfo, checks ...transfer.LastCheck) error {
	if s.onRemove {
		if err := s.swap(); err != nil {
			return err
		}
	}
	return s.Source.Remove(ctx, rel, hashed, checks...)
}

// A file renamed over the source path (equal size and mtime, other bytes)
// while the verifier hashes or is about to delete is kept, and so is the
// file that was hashed.
func TestIntegrationVerifySwappedSource(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	for _, tt := range []struct {
		name              string
		onClose, onRemove bool
	}{
		{"swapped after the hash", true, false},
		{"swapped before the delete", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			srcDir, dstDir := t.TempDir(), t.TempDir()
			mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
			const rel, hashedBytes, otherBytes = "a.warc.gz", "hashed bytes", "other! bytes"
			for name, content := range map[string]string{rel: hashedBytes, "b.tmp": otherBytes} {
				p := filepath.Join(srcDir, name)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(p, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}
			local, err := transfer.OpenLocalSource(srcDir)
			if err != nil {
				t.Fatal(err)
			}
			dst, err := transfer.OpenDestination(ctx, dstDir, transfer.MD5)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := dst.Put(ctx, rel, strings.NewReader(hashedBytes), int64(len(hashedBytes)), mtime, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := &worker.OpenRoute{
				Route: worker.Route{Name: "r", Hash: transfer.MD5, DeleteSource: true},
				Src:   &swapSource{Source: local, dir: srcDir, rel: rel, other: "b.tmp", onClose: tt.onClose, onRemove: tt.onRemove},
				Dst:   dst,
			}
			v := &Verifier{deps: worker.Deps{Log: slog.New(slog.DiscardHandler), Metrics: metrics.New()}}
			f := bus.File{Path: rel, Size: sum.Size, ModTime: mtime.UnixNano(), Hash: sum.Hash}
			_, err = v.verifyFile(ctx, r, bus.Job{Route: "r"}, f, &transfer.Progress{})
			t.Log(err)
			if !errors.Is(err, fault.ErrSourceChanged) {
				t.Errorf("verifyFile = %v, want %v", err, fault.ErrSourceChanged)
			}
			for name, want := range map[string]string{rel: otherBytes, rel + ".moved": hashedBytes} {
				b, err := os.ReadFile(filepath.Join(srcDir, name))
				if err != nil || string(b) != want {
					t.Errorf("%s: %q, %v; want %q", name, b, err, want)
				}
			}
		})
	}
}
