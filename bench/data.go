package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// group is count files of one size in one directory of a tree.
type group struct {
	dir   string
	name  string // fmt pattern with one %d: the file's index
	count int
	size  int64
}

// treeSpec is a workload's source tree; the same spec always gives the same
// bytes, so every tool moves identical data.
type treeSpec []group

func (t treeSpec) files() (n int, bytes int64) {
	for _, g := range t {
		n += g.count
		bytes += int64(g.count) * g.size
	}
	return n, bytes
}

// write creates the tree under root with deterministic pseudo-random bytes,
// distinct per file.
func (t treeSpec) write(root string) error {
	for gi, g := range t {
		dir := filepath.Join(root, g.dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("couldn't create %s: %w", dir, err)
		}
		for i := range g.count {
			path := filepath.Join(dir, fmt.Sprintf(g.name, i))
			if err := writeRandom(path, g.size, uint64(gi)<<32|uint64(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeRandom(path string, size int64, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("couldn't create %s: %w", path, err)
	}
	var key [32]byte
	copy(key[:], fmt.Sprint(seed))
	if _, err := io.CopyN(f, rand.NewChaCha8(key), size); err != nil {
		f.Close()
		return fmt.Errorf("couldn't write %s: %w", path, err)
	}
	return f.Close()
}

// copyTree copies every regular file of src into dst (a fresh source for
// one tool run; hard links would leave the master's inode shared).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		return copyFile(path, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("couldn't copy %s: %w", src, err)
	}
	return out.Close()
}

// hashTree maps each regular file under root (slash-separated, relative)
// to the sha256 of its bytes; a missing root is an empty tree.
func hashTree(root string) (map[string][32]byte, error) {
	out := map[string][32]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		sum, err := hashFile(path)
		rel, _ := filepath.Rel(root, path)
		out[filepath.ToSlash(rel)] = sum
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return out, nil
}

func hashFile(path string) ([32]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return [32]byte{}, fmt.Errorf("couldn't read %s: %w", path, err)
	}
	return [32]byte(h.Sum(nil)), nil
}

// checkMoved fails unless dst holds every file of want with the same bytes
// and, when the tool deletes, src holds no file any more. Files in dst that
// are not in want (rclone's or ferry's own) are ignored.
func checkMoved(want map[string][32]byte, src, dst string, deletes bool) error {
	got, err := hashTree(dst)
	if err != nil {
		return fmt.Errorf("couldn't read destination: %w", err)
	}
	var bad []string
	for rel, sum := range want {
		switch g, ok := got[rel]; {
		case !ok:
			bad = append(bad, "missing "+rel)
		case !bytes.Equal(g[:], sum[:]):
			bad = append(bad, "different bytes "+rel)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("destination wrong in %d of %d files: %s", len(bad), len(want), strings.Join(bad[:min(len(bad), 5)], ", "))
	}
	if !deletes {
		return nil
	}
	left, err := hashTree(src)
	if err != nil {
		return fmt.Errorf("couldn't read source: %w", err)
	}
	if len(left) > 0 {
		return fmt.Errorf("%d sources left behind", len(left))
	}
	return nil
}
