package faults

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// auditor checks ferry's promise from the outside. It trusts no ferry state:
// it reads the source tree, the destination tree and, at the end, the dead
// letters as `ferry dead list` prints them.
type auditor struct {
	t   *testing.T
	h   *heritrix
	src string
	dst func() string // where the destination's bytes are now (an outage moves them)

	// world is held by the auditor while it looks, and by faults while they
	// put the destination out of place or corrupt it.
	world sync.Mutex

	confirmed map[string]string // rel -> sha256 found at the destination once its source was gone
	problems  map[string]string // rel -> the first violation seen, for the figures
	checks    int
}

func newAuditor(t *testing.T, h *heritrix, src string, dst func() string) *auditor {
	return &auditor{t: t, h: h, src: src, dst: dst, confirmed: map[string]string{}, problems: map[string]string{}}
}

// violation kinds, as counted in the figures.
const (
	lost     = "source deleted without an identical copy"
	touched  = "untouchable file touched"
	modified = "closed source modified by ferry"
	stranded = "stranded"
	strange  = "unexpected file at the destination"
)

func (a *auditor) report(rel, kind, detail string) {
	key := kind + ": " + rel
	if _, ok := a.problems[key]; !ok {
		a.problems[key] = detail
		a.t.Errorf("AUDIT %s: %q: %s", kind, rel, detail)
	}
}

func (a *auditor) count(kind string) int {
	n := 0
	for key := range a.problems {
		if strings.HasPrefix(key, kind+": ") {
			n++
		}
	}
	return n
}

// check is the invariant at any moment: a closed file whose source is gone
// has its exact bytes at the destination; untouchable files hold what the
// generator wrote and were never copied.
func (a *auditor) check() {
	a.world.Lock()
	defer a.world.Unlock()
	a.h.mu.Lock()
	defer a.h.mu.Unlock()
	a.checks++
	dst := a.dst()
	for rel, c := range a.h.closed {
		if _, err := os.Lstat(filepath.Join(a.src, rel)); err == nil || !os.IsNotExist(err) {
			continue
		}
		if a.confirmed[rel] == c.sha {
			continue
		}
		got, err := hashFile(filepath.Join(dst, rel))
		if err != nil || got != c.sha {
			a.report(rel, lost, fmt.Sprintf("destination %s (%v), want %s", got, err, c.sha))
			continue
		}
		a.confirmed[rel] = got
	}
	a.checkLive(dst)
}

// checkLive compares every untouchable file with what the generator wrote
// and looks for it at the destination. a.h.mu is held.
func (a *auditor) checkLive(dst string) {
	for rel, l := range a.h.live {
		got, err := hashFile(filepath.Join(a.src, rel))
		if want := l.sha(); err != nil || got != want {
			a.report(rel, touched, fmt.Sprintf("source %s (%v), generator wrote %s", got, err, want))
		}
		if _, err := os.Lstat(filepath.Join(dst, rel)); err == nil {
			a.report(rel, touched, "copied to the destination")
		}
	}
}

// outcome is what became of one closed file.
type outcome struct {
	moved  bool
	reason string // the reason of its last dead letter, if it has one and was not moved
}

// final is the end-of-run audit, with the dead letters by path. Every closed
// file is moved (source gone, identical copy) or kept at the source
// unchanged with a dead letter; nothing else is at the destination.
func (a *auditor) final(dead map[string][]string) map[string]outcome {
	a.world.Lock()
	defer a.world.Unlock()
	a.h.mu.Lock()
	defer a.h.mu.Unlock()
	dst := a.dst()
	out := map[string]outcome{}
	for rel, c := range a.h.closed {
		srcSum, srcErr := hashFile(filepath.Join(a.src, rel))
		dstSum, _ := hashFile(filepath.Join(dst, rel))
		letters := dead[rel]
		switch {
		case os.IsNotExist(srcErr):
			if dstSum != c.sha {
				a.report(rel, lost, fmt.Sprintf("destination %q, want %s", dstSum, c.sha))
				continue
			}
			out[rel] = outcome{moved: true}
		case srcErr != nil:
			a.report(rel, stranded, fmt.Sprintf("source unreadable: %v", srcErr))
		case srcSum != c.sha:
			a.report(rel, modified, fmt.Sprintf("source %s, generator wrote %s", srcSum, c.sha))
		case len(letters) == 0:
			state := "never copied"
			if dstSum == c.sha {
				state = "copied, source never deleted"
			} else if dstSum != "" {
				state = "a different copy at the destination"
			}
			a.report(rel, stranded, state+", and no dead letter")
		default:
			out[rel] = outcome{reason: letters[len(letters)-1]}
		}
	}
	a.checkLive(dst)
	a.checkDestination(dst)
	return out
}

// checkDestination finds files at the destination that no closed file
// explains (partial uploads a kill left behind are allowed). a.h.mu is held.
func (a *auditor) checkDestination(dst string) {
	err := filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dst, p)
		rel = filepath.ToSlash(rel)
		if _, ok := a.h.closed[rel]; ok || isPartial(rel) {
			return nil
		}
		a.report(rel, strange, "not a file the crawler closed")
		return nil
	})
	if err != nil {
		a.t.Errorf("couldn't walk the destination: %v", err)
	}
}

// partialRE matches the temporary names of uploads to a local destination.
var partialRE = regexp.MustCompile(`\.[0-9a-f]{8,}\.partial$`)

func isPartial(rel string) bool { return partialRE.MatchString(rel) }

// hashFile returns the sha256 of a regular file, never following a symlink
// or opening anything else.
func hashFile(p string) (string, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is a %s", p, fi.Mode().Type())
	}
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// deadRow parses a row of `ferry dead list`: SEQ AT STAGE, then ROUTE HOST
// JOB (all three empty for a message that could not be decoded), the path
// quoted as Go quotes strings ("-" for a letter without files), REASON and
// ERROR. The table's columns are not relied on: an error of several lines
// (errors.Join) continues on lines of its own and breaks the alignment.
var deadRow = regexp.MustCompile(`^(\d+)\s+(\d{4}-\d\d-\d\dT\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+("(?:[^"\\]|\\.)*"|-)\s+(\S+)(?:\s+(.*))?$`)

// deadLetter is one file of one dead letter as listed.
type deadLetter struct {
	seq    int
	stage  string
	job    string
	path   string
	reason string
	err    string
}

// parseDead reads `ferry dead list` output.
func parseDead(t *testing.T, out string) []deadLetter {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "SEQ") {
		t.Fatalf("unexpected dead list header %q", lines[0])
	}
	var letters []deadLetter
	for _, line := range lines[1:] {
		m := deadRow.FindStringSubmatch(line)
		if m == nil {
			if len(letters) == 0 {
				t.Errorf("couldn't parse dead letter line %q", line)
				continue
			}
			letters[len(letters)-1].err += "\n" + line // the rest of a multi-line error
			continue
		}
		seq, _ := strconv.Atoi(m[1])
		// Route, host and job (m[4..6]) are "-" when unknown.
		d := deadLetter{seq: seq, stage: m[3], path: m[7], reason: m[8], err: m[9]}
		if m[6] != "-" {
			d.job = m[6]
		}
		if d.path != "-" {
			var err error
			if d.path, err = strconv.Unquote(d.path); err != nil {
				t.Errorf("couldn't unquote the path in %q: %v", line, err)
			}
		}
		letters = append(letters, d)
	}
	sort.SliceStable(letters, func(i, j int) bool { return letters[i].seq < letters[j].seq })
	return letters
}

// byPath maps each path to the reasons of its dead letters, oldest first.
func byPath(letters []deadLetter) map[string][]string {
	out := map[string][]string{}
	for _, d := range letters {
		out[d.path] = append(out[d.path], d.reason)
	}
	return out
}
