package mover

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/validate/validatetest"
	"github.com/ferrydata/ferry/internal/worker"
)

// changingSource is a real local source whose reader changes the file on
// disk once it has handed out the first 4 KiB: a writer still at work while
// the mover validates the file.
type changingSource struct {
	transfer.Source
	change func() error // nil: the file stays as it is
}

func (s changingSource) Open(ctx context.Context, rel string) (io.ReadCloser, transfer.FileInfo, error) {
	rc, fi, err := s.Source.Open(ctx, rel)
	if err != nil || s.change == nil {
		return rc, fi, err
	}
	return &changingReader{ReadCloser: rc, change: s.change}, fi, nil
}

type changingReader struct {
	io.ReadCloser
	change  func() error
	changed bool
}

func (c *changingReader) Read(p []byte) (int, error) {
	if c.changed {
		return c.ReadCloser.Read(p)
	}
	n, err := c.ReadCloser.Read(p[:min(len(p), 4096)])
	c.changed = true
	if cerr := c.change(); cerr != nil {
		return n, cerr
	}
	return n, err
}

// validate_before_copy under keep: a file that changes while the mover
// validates it is source_changed, never invalid_content, whatever its
// validators made of the bytes they saw; a file that is broken as it
// stands is invalid_content; a valid one passes. Before the fix, a file
// cut short mid-read was dead-lettered as invalid_content.
func TestValidateBeforeCopySourceChangedWhileRead(t *testing.T) {
	body := make([]byte, 16<<10)
	for i := range body {
		body[i] = byte(i * 7 % 251) // compresses a little, like a page
	}
	good := validatetest.Write(t, 32, body, true)
	const rel = "WEB-00001.warc.gz"
	tests := []struct {
		name   string
		data   []byte
		change func(path string) error
		want   error // nil: valid
	}{
		{"valid, unchanged", good.Data, nil, nil},
		{"broken as it stands", good.Truncated(), nil, fault.ErrInvalidContent},
		{"cut short while read", good.Data, func(path string) error {
			return os.Truncate(path, int64(len(good.Data)/2))
		}, fault.ErrSourceChanged},
		{"a byte rewritten in place while read", good.Data, func(path string) error {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte{^good.Data[len(good.Data)/2]}, int64(len(good.Data)/2))
			return err
		}, fault.ErrSourceChanged},
		{"grown while read", good.Data, func(path string) error {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.Write(good.Data[:100])
			return err
		}, fault.ErrSourceChanged},
		{"removed while read", good.Data, os.Remove, fault.ErrSourceMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, rel)
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			// An hour old: a rewrite now changes the mtime even within the
			// clock's granularity.
			old := time.Now().Add(-time.Hour)
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
			local, err := transfer.OpenLocalSource(dir)
			if err != nil {
				t.Fatal(err)
			}
			st, err := local.Stat(t.Context(), rel)
			if err != nil {
				t.Fatal(err)
			}
			src := changingSource{Source: local}
			if tt.change != nil {
				src.change = func() error { return tt.change(path) }
			}
			r := &worker.OpenRoute{Route: worker.Route{Name: "warcs", Hash: transfer.MD5, Validate: []string{"gzip", "warc"},
				ValidateBeforeCopy: true, SpillDir: t.TempDir()}, Src: src}
			f := bus.File{Path: rel, Size: st.Size, ModTime: st.ModTime.UnixNano(), Ino: st.Ino, CTime: st.CTime.UnixNano()}
			var progress transfer.Progress
			err = validateSource(t.Context(), r, f, &progress)
			reason, _ := fault.Classify(err)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("validateSource = %v, want valid", err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("validateSource = %v (reason %s), want %v", err, reason, tt.want)
			case !errors.Is(tt.want, fault.ErrInvalidContent) && errors.Is(err, fault.ErrInvalidContent):
				t.Fatalf("validateSource = %v: a file that changed is not broken content", err)
			}
			t.Logf("reason %q: %v", reason, err)
		})
	}
}
