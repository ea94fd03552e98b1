package verifier

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// Issue 7, found by a red-team review: an SFTP source and an SFTP destination on one
// server, the destination path a symlink (on the server) to the source
// directory. The static overlap check compares the two sftp paths as
// strings, calls the pair decided ("no overlap"), so the start-up probe
// never runs for it; at run time MayDelete's overlap rule needs a device
// and inode, which an SFTP copy has not. The verifier reads the source
// through the destination path, finds it equal to itself and deletes the
// only copy.
// The start-up probe refuses it now; the run-time part is a known gap.
func TestIntegrationSFTPDestinationLinkedToSource(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real sshd")
	}
	s := transfertest.StartSFTP(t, map[string]string{"skip_links": "true"})
	ctx := t.Context()
	if err := os.Mkdir(s.Path("src"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The operator's mistake: /archive is a symlink to /data on the server.
	if err := os.Symlink(s.Path("src"), s.Path("dst")); err != nil {
		t.Fatal(err)
	}
	const rel, content = "a.warc.gz", "the only copy of these bytes"
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	p := filepath.Join(s.Path("src"), rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	srcSpec, dstSpec := s.Name+":"+s.Path("src"), s.Name+":"+s.Path("dst")

	// Every start of a mover or verifier runs this (cmd/ferry/overlap.go).
	err := transfer.ProbeOverlap(ctx, []transfer.RouteStorage{{Index: 0, Name: "r", Source: srcSpec, Destination: dstSpec}})
	if err == nil {
		t.Errorf("ProbeOverlap(%s -> %s) = nil: the start is allowed", srcSpec, dstSpec)
	}
	// At run time only a local source is moved aside before its delete (the
	// check that the copy stays); a remote source is not: a known gap,
	// closed by the start-up probe above (SAFETY.md, section 2).
	if os.Getenv("FERRY_KNOWN_GAPS") == "" {
		return
	}

	src, err := transfer.OpenRemoteSource(ctx, srcSpec)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := transfer.OpenDestination(ctx, dstSpec, transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	h := md5.Sum([]byte(content))
	// What the mover announces after compareExisting found the "existing"
	// object (the source itself) equal.
	f := bus.File{Path: rel, Size: int64(len(content)), ModTime: mtime.UnixNano(), Hash: hex.EncodeToString(h[:])}
	err = verifyOne(ctx, src, dst, f)
	t.Logf("verifyFile = %v", err)
	if _, serr := os.Stat(p); serr != nil {
		t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
	} else if !errors.Is(err, fault.ErrOverlap) {
		t.Errorf("verifyFile = %v, want %v", err, fault.ErrOverlap)
	}
}

// Issue 7, found by a red-team review: a local destination whose rclone options follow
// symlinks (copy_links, also set by RCLONE_LOCAL_COPY_LINKS=true or -L in
// the environment: destinations, unlike sources, are not reopened with
// links off), and an object at the destination that the mover did not
// write: a symlink to the source file (a staged symlink farm, another
// tool). The directories do not overlap, so the start-up checks pass; at
// run time objectIdentity lstats the final component, so the copy's inode
// is the symlink's, not the source's, and the overlap rule does not fire.
func TestIntegrationDestinationSymlinkToSourceFile(t *testing.T) {
	t.Run("copy_links in the remote", func(t *testing.T) { attackSymlinkFile(t, ":local,copy_links=true:") })
	t.Run("RCLONE_LOCAL_COPY_LINKS in the environment", func(t *testing.T) {
		t.Setenv("RCLONE_LOCAL_COPY_LINKS", "true")
		attackSymlinkFile(t, "")
	})
	t.Run("links off (held)", func(t *testing.T) { attackSymlinkFile(t, "") })
	// Without copy_links rclone's local backend still opens a symlink
	// (following it) and reports the link's own size: a source file whose
	// length is the length of its path passes the size check.
	t.Run("links off, file as long as its path", func(t *testing.T) { attackSymlinkFileSized(t, "", true) })
}

func attackSymlinkFile(t *testing.T, prefix string) { attackSymlinkFileSized(t, prefix, false) }

func attackSymlinkFileSized(t *testing.T, prefix string, pathSized bool) {
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	ctx := t.Context()
	srcDir, dstDir := t.TempDir(), t.TempDir()
	const rel = "a.warc.gz"
	content := "the only copy of these bytes"
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	p := filepath.Join(srcDir, rel)
	if pathSized {
		content = strings.Repeat("x", len(p))
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p, filepath.Join(dstDir, rel)); err != nil {
		t.Fatal(err)
	}
	dstSpec := prefix + dstDir
	// The directories are apart: the start is allowed; the copy is the link.
	if err := transfer.ProbeOverlap(ctx, []transfer.RouteStorage{{Name: "r", Source: srcDir, Destination: dstSpec}}); err != nil {
		t.Fatalf("ProbeOverlap = %v, want nil (the directories are apart)", err)
	}
	err := verifyCopied(t, srcDir, dstSpec, rel, content, mtime)
	if _, serr := os.Stat(p); serr != nil {
		t.Errorf("the source is gone and the copy is a dangling symlink (%v); verifyFile = %v, want %v", serr, err, fault.ErrConflict)
	} else if !errors.Is(err, fault.ErrConflict) {
		t.Errorf("verifyFile = %v, want %v: a symlink is never a copy", err, fault.ErrConflict)
	}
}

// Issue 7, found by a red-team review: an SFTP source has no identity beyond size and
// mtime (remoteTag gives nothing on a SlowHash backend), so a file renamed
// over the source path after the hash, with equal size and mtime (rsync -t,
// a re-run of a copy tool, mv of a same-sized file), is the "same object"
// to Remove's last look, and it is deleted though it was never copied.
func TestIntegrationRemoteSourceSwappedBeforeDelete(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real sshd")
	}
	t.Run("sftp", func(t *testing.T) {
		// A known gap (SAFETY.md, section 1): SFTP gives no inode and no
		// cheap hash, so a same-size, same-mtime file renamed over the
		// source between its hash and its delete is not told apart.
		if os.Getenv("FERRY_KNOWN_GAPS") == "" {
			t.Skip("known gap: an SFTP source has no identity beyond size and mtime (FERRY_KNOWN_GAPS=1 runs it)")
		}
		s := transfertest.StartSFTP(t, map[string]string{"skip_links": "true"})
		srcDir := s.Path("src")
		attackRemoteSwap(t, srcDir, s.Name+":"+srcDir)
	})
	// rclone's local backend as a source (OpenSource takes ":local:/dir"
	// for a remote): its tag is the inode and ctime.
	t.Run(":local:", func(t *testing.T) {
		srcDir := filepath.Join(t.TempDir(), "src")
		attackRemoteSwap(t, srcDir, ":local:"+srcDir)
	})
}

func attackRemoteSwap(t *testing.T, srcDir, spec string) {
	transfertest.Init(t)
	ctx := t.Context()
	dstDir := t.TempDir()
	if err := os.Mkdir(srcDir, 0o755); err != nil {
		t.Fatal(err)
	}
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
	remote, err := transfer.OpenSource(ctx, spec)
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
	src := &swapSource{Source: remote, dir: srcDir, rel: rel, other: "b.tmp", onRemove: true}
	f := bus.File{Path: rel, Size: sum.Size, ModTime: mtime.UnixNano(), Hash: sum.Hash}
	err = verifyOne(ctx, src, dst, f)
	t.Logf("verifyFile = %v", err)
	b, rerr := os.ReadFile(filepath.Join(srcDir, rel))
	if rerr != nil || string(b) != otherBytes {
		t.Errorf("the file renamed over %s (%q, never copied) is gone: %q, %v; verifyFile = %v, want %v",
			rel, otherBytes, b, rerr, err, fault.ErrSourceChanged)
	}
}

// Issue 7, found by a red-team review, the verifier's half of
// transfer's TestIntegrationAttackProbeSourceWithDotDotAfterSymlink: a
// local source spelled base/lnk/../../warcs (the kernel's reading: the
// directory an S3 server serves) passes the probe; the S3 "copy" is the
// source file itself and has no inode, so it is deleted.
func TestIntegrationS3DestinationIsSourceSpelledWithDotDot(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: serves S3")
	}
	s3 := transfertest.StartS3Server(t)
	ctx := t.Context()
	base := t.TempDir()
	if err := os.MkdirAll(filepath.Join(base, "deep", "er"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "deep", "er"), filepath.Join(base, "lnk")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(s3.Dir, s3.Bucket), filepath.Join(base, "warcs")); err != nil {
		t.Fatal(err)
	}
	srcSpec := base + "/lnk/../../warcs"
	const rel, content = "a.warc.gz", "the only copy of these bytes"
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	p := s3.Path(rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := transfer.ProbeOverlap(ctx, []transfer.RouteStorage{{Name: "r", Source: srcSpec, Destination: s3.Remote}}); err == nil {
		t.Error("ProbeOverlap = nil: the start is allowed")
	}
	// As if the destination became this only after the start: the checks
	// before the delete alone must keep the source.
	err := verifyCopied(t, srcSpec, s3.Remote, rel, content, mtime)
	if _, serr := os.Stat(p); serr != nil {
		t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
	} else if !errors.Is(err, fault.ErrOverlap) {
		t.Errorf("verifyFile = %v, want %v", err, fault.ErrOverlap)
	}
}
