package transfer

import (
	"fmt"
	"io/fs"
	"time"
)

// SameObject reports whether a and b are the same object in the same state:
// size and mtime always, and every identity field (Dev, Ino, CTime, Tag)
// equal. A field set on one side only is a difference: an identity that
// cannot be read again cannot be proven unchanged.
func (a FileInfo) SameObject(b FileInfo) bool {
	return a.Size == b.Size && a.ModTime.Equal(b.ModTime) &&
		a.Dev == b.Dev && a.Ino == b.Ino && a.CTime.Equal(b.CTime) && a.Tag == b.Tag
}

// describe is the identity for error messages.
func (a FileInfo) describe() string {
	s := fmt.Sprintf("%d bytes, mtime %s", a.Size, a.ModTime.Format(time.RFC3339Nano))
	if a.Ino != 0 {
		s += fmt.Sprintf(", dev %d ino %d ctime %s", a.Dev, a.Ino, a.CTime.Format(time.RFC3339Nano))
	}
	if a.Tag != "" {
		s += ", " + a.Tag
	}
	return s
}

// localInfo is rel's FileInfo from an lstat or fstat of it.
func localInfo(rel string, fi fs.FileInfo) FileInfo {
	info := FileInfo{Path: rel, Size: fi.Size(), ModTime: fi.ModTime()}
	info.Dev, info.Ino, info.CTime = StatIdentity(fi)
	return info
}
