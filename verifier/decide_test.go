package verifier

import (
	"errors"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

func TestMayDelete(t *testing.T) {
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 123, time.UTC)
	const h, other = "9e107d9d372bb6826bd81d3542a419d6", "e4d909c290d0fb1ca068ffaddf22cbd0"
	id := transfer.FileInfo{Path: "a.warc.gz", Size: 43, ModTime: mtime, Dev: 2049, Ino: 1234, CTime: mtime}
	copyID := transfer.FileInfo{Path: "a.warc.gz", Size: 43, ModTime: mtime, Dev: 2050, Ino: 1234, CTime: mtime}
	good := func() Evidence {
		return Evidence{
			Want:   bus.File{Path: "a.warc.gz", Size: 43, ModTime: mtime.UnixNano(), Hash: h},
			Type:   transfer.MD5,
			Dest:   transfer.Sum{Size: 43, Hash: h, Type: transfer.MD5},
			Source: transfer.Sum{Size: 43, Hash: h, Type: transfer.MD5},
			Before: id,
			Hashed: id,
			After:  id,
			Copy:   copyID,
		}
	}
	tests := []struct {
		name string
		edit func(*Evidence)
		want error // nil: may delete
	}{
		{"all equal", func(*Evidence) {}, nil},
		{"destination bytes differ", func(e *Evidence) { e.Dest.Hash = other }, fault.ErrMismatch},
		{"destination truncated", func(e *Evidence) { e.Dest.Size = 42 }, fault.ErrMismatch},
		{"no destination hash", func(e *Evidence) { e.Dest.Hash = "" }, fault.ErrMissingHash},
		{"no source hash", func(e *Evidence) { e.Source.Hash = "" }, fault.ErrMissingHash},
		{"no hash from the copy", func(e *Evidence) { e.Want.Hash = "" }, fault.ErrMissingHash},
		{"destination hashed with another type", func(e *Evidence) { e.Dest.Type = transfer.SHA1 }, fault.ErrMissingHash},
		{"source rewritten since the copy", func(e *Evidence) { e.Source.Hash, e.Dest.Hash = other, other }, fault.ErrSourceChanged},
		{"source grew", func(e *Evidence) { e.Before.Size, e.After.Size, e.Source.Size = 44, 44, 44 }, fault.ErrSourceChanged},
		{"source touched", func(e *Evidence) {
			e.Before.ModTime, e.After.ModTime = mtime.Add(time.Second), mtime.Add(time.Second)
		}, fault.ErrSourceChanged},
		{"source changed while hashed", func(e *Evidence) { e.After.ModTime = mtime.Add(time.Nanosecond) }, fault.ErrSourceChanged},
		{"source read short", func(e *Evidence) { e.Source.Size = 40 }, fault.ErrSourceChanged},
		{"another file hashed (same size and mtime)", func(e *Evidence) { e.Hashed.Ino = 99 }, fault.ErrSourceChanged},
		{"renamed over after hashing", func(e *Evidence) { e.After.Ino = 99 }, fault.ErrSourceChanged},
		{"another device", func(e *Evidence) { e.Hashed.Dev = 7 }, fault.ErrSourceChanged},
		{"status changed while hashed", func(e *Evidence) { e.After.CTime = mtime.Add(time.Second) }, fault.ErrSourceChanged},
		{"hashed identity unknown", func(e *Evidence) { e.Hashed.Dev, e.Hashed.Ino = 0, 0 }, fault.ErrSourceChanged},
		{"remote tag differs", func(e *Evidence) {
			e.Before.Tag, e.Hashed.Tag, e.After.Tag = "md5:1", "md5:2", "md5:2"
		}, fault.ErrSourceChanged},
		{"the copy is the source (same device and inode)", func(e *Evidence) { e.Copy.Dev = 2049 }, fault.ErrOverlap},
		{"the copy is a hard link to the source", func(e *Evidence) {
			e.Copy.Dev, e.Copy.Ino = id.Dev, id.Ino
		}, fault.ErrOverlap},
		{"same inode number on another device", func(e *Evidence) {}, nil},
		// A copy changed after its read-back is the delete's last check's
		// (copyStays: TestIntegrationCopyReplacedBeforeTheDeleteKeepsTheSource).
		{"another inode than the one announced", func(e *Evidence) {
			e.Want.Ino, e.Want.CTime = 999, mtime.UnixNano()
		}, fault.ErrSourceChanged},
		{"announced inode, status changed since", func(e *Evidence) {
			e.Want.Ino, e.Want.CTime = id.Ino, mtime.UnixNano()-1
		}, fault.ErrSourceChanged},
		{"announced inode and ctime", func(e *Evidence) { e.Want.Ino, e.Want.CTime = id.Ino, mtime.UnixNano() }, nil},
		{"remote tags equal", func(e *Evidence) {
			e.Before.Tag, e.Hashed.Tag, e.After.Tag = "md5:1", "md5:1", "md5:1"
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := good()
			tt.edit(&e)
			err := MayDelete(e)
			if tt.want == nil && err != nil {
				t.Fatalf("MayDelete = %v, want nil", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("MayDelete = %v, want %v", err, tt.want)
			}
		})
	}
}
