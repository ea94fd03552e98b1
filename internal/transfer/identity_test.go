package transfer_test

import (
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/transfer"
)

func TestSameObject(t *testing.T) {
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 123, time.UTC)
	local := transfer.FileInfo{Path: "a", Size: 43, ModTime: mtime, Dev: 2049, Ino: 1234, CTime: mtime.Add(time.Second)}
	remote := transfer.FileInfo{Path: "a", Size: 43, ModTime: mtime, Tag: "md5:9e107d9d372bb6826bd81d3542a419d6"}
	tests := []struct {
		name string
		a, b transfer.FileInfo
		want bool
	}{
		{"local, equal", local, local, true},
		{"same instant in another zone", local, with(local, func(f *transfer.FileInfo) { f.ModTime = mtime.Local() }), true},
		{"path is not identity", local, with(local, func(f *transfer.FileInfo) { f.Path = "b" }), true},
		{"size", local, with(local, func(f *transfer.FileInfo) { f.Size++ }), false},
		{"mtime", local, with(local, func(f *transfer.FileInfo) { f.ModTime = mtime.Add(time.Nanosecond) }), false},
		{"inode", local, with(local, func(f *transfer.FileInfo) { f.Ino++ }), false},
		{"device", local, with(local, func(f *transfer.FileInfo) { f.Dev++ }), false},
		{"ctime", local, with(local, func(f *transfer.FileInfo) { f.CTime = f.CTime.Add(time.Nanosecond) }), false},
		{"identity known on one side only", local, with(local, func(f *transfer.FileInfo) { f.Dev, f.Ino, f.CTime = 0, 0, time.Time{} }), false},
		{"remote, equal", remote, remote, true},
		{"remote tag", remote, with(remote, func(f *transfer.FileInfo) { f.Tag = "md5:e4d909c290d0fb1ca068ffaddf22cbd0" }), false},
		{"remote tag known on one side only", remote, with(remote, func(f *transfer.FileInfo) { f.Tag = "" }), false},
		{"no identity, size and mtime equal", transfer.FileInfo{Size: 1, ModTime: mtime}, transfer.FileInfo{Size: 1, ModTime: mtime}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.SameObject(tt.b); got != tt.want {
				t.Errorf("SameObject = %v, want %v\n a: %+v\n b: %+v", got, tt.want, tt.a, tt.b)
			}
			if got := tt.b.SameObject(tt.a); got != tt.want {
				t.Errorf("SameObject is not symmetric")
			}
		})
	}
}

func with(f transfer.FileInfo, edit func(*transfer.FileInfo)) transfer.FileInfo {
	edit(&f)
	return f
}

// The identity Stat, Open and Walk report for a local file is its own, and
// the same from each.
func TestLocalIdentity(t *testing.T) {
	lt := newLocalTree(t)
	ctx := t.Context()
	st, err := lt.src.Stat(ctx, "plain")
	if err != nil {
		t.Fatal(err)
	}
	if st.Ino == 0 || st.CTime.IsZero() {
		t.Fatalf("Stat has no identity: %+v", st)
	}
	opened := hashedFile(t, lt.src, "plain")
	var walked transfer.FileInfo
	err = lt.src.Walk(ctx, func(fi transfer.FileInfo) error {
		if fi.Path == "plain" {
			walked = fi
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !st.SameObject(opened) || !st.SameObject(walked) {
		t.Fatalf("Stat %+v, Open %+v, Walk %+v", st, opened, walked)
	}
	other, err := lt.src.Stat(ctx, "real/f.warc.gz")
	if err != nil || other.Ino == st.Ino {
		t.Fatalf("two files, one inode: %+v %+v %v", st, other, err)
	}
}
