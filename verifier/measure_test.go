package verifier

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/ferrydata/ferry/internal/worker"
)

// stuckSource is a real local source whose reads hang until their context
// ends: a source disk that stopped answering.
type stuckSource struct{ transfer.Source }

func (s stuckSource) Open(ctx context.Context, rel string) (io.ReadCloser, transfer.FileInfo, error) {
	rc, fi, err := s.Source.Open(ctx, rel)
	if err != nil {
		return nil, fi, err
	}
	return stuckReader{rc, ctx}, fi, nil
}

type stuckReader struct {
	io.ReadCloser
	ctx context.Context
}

func (r stuckReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

// Both reads of a verification must succeed, and the first to fail ends
// the other: a missing copy fails the file at once even while the source
// read hangs, and a source that cannot be hashed fails it with a good copy.
func TestIntegrationMeasureFailsOnEitherRead(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	ctx := t.Context()
	const rel, content = "a.warc.gz", "the bytes"
	srcDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(srcDir, rel), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	local, err := transfer.OpenLocalSource(srcDir)
	if err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T, withCopy bool) *transfer.Destination {
		dst, err := transfer.OpenDestination(ctx, t.TempDir(), transfer.MD5)
		if err != nil {
			t.Fatal(err)
		}
		if withCopy {
			if _, err := dst.Put(ctx, rel, strings.NewReader(content), int64(len(content)), time.Now(), nil); err != nil {
				t.Fatal(err)
			}
		}
		return dst
	}
	tests := []struct {
		name     string
		src      transfer.Source
		withCopy bool
		want     error
	}{
		{"copy missing, source read hangs", stuckSource{local}, false, fault.ErrNotFound},
		{"copy missing, source fine", local, false, fault.ErrNotFound},
		{"copy fine, source missing", local, true, fault.ErrSourceMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &worker.OpenRoute{Route: worker.Route{Name: "r", Hash: transfer.MD5}, Src: tt.src, Dst: open(t, tt.withCopy)}
			name := rel
			if errors.Is(tt.want, fault.ErrSourceMissing) {
				name = "gone.warc.gz"
				if _, err := r.Dst.Put(ctx, name, strings.NewReader(content), int64(len(content)), time.Now(), nil); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			_, err := measure(ctx, r, name, &transfer.Progress{})
			if !errors.Is(err, tt.want) || ctx.Err() != nil {
				t.Errorf("measure = %v (test context: %v), want %v", err, ctx.Err(), tt.want)
			}
		})
	}
}
