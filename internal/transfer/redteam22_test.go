package transfer

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// Attack on durableCopies (session 22): commitLocal renames the upload to
// its name, syncs the directory, and only then looks the copy up again by
// its path (rememberSynced) to record it as synced. A second writer that
// replaces the copy in that window (an operator's `rclone copy` of the same
// source, whose Move is a plain rename over the name, writing bytes rclone
// never fsyncs) gets its file recorded as the one ferry synced. Durable, right
// before the delete, then finds that record and syncs neither the file's
// bytes nor (since 6b4d793) the directory that gained its new entry: the
// replacement hashes equal, the source goes, and a power cut can leave an
// empty copy (XFS), or the name of neither.
func TestRedteam22CopyReplacedBeforeItWasRememberedIsSyncedBeforeTheDelete(t *testing.T) {
	copyMeddledWithBeforeItWasRemembered(t, func(t *testing.T, final string) {
		tmp := filepath.Join(filepath.Dir(final), ".a.warc.gz.rclone-partial")
		if err := os.WriteFile(tmp, []byte("bytes"), 0o644); err != nil {
			t.Error(err)
		} else if err := os.Rename(tmp, final); err != nil {
			t.Error(err)
		}
	})
}

// The same window, the copy written into in place (same size) by another
// writer: its new bytes were never synced either.
func TestRedteam22CopyWrittenInPlaceBeforeItWasRememberedIsSyncedBeforeTheDelete(t *testing.T) {
	copyMeddledWithBeforeItWasRemembered(t, func(t *testing.T, final string) {
		f, err := os.OpenFile(final, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte("BYTES"), 0); err != nil {
			t.Error(err)
		}
	})
}

// copyMeddledWithBeforeItWasRemembered runs meddle on the copy right after
// the mover's sync of its directory, then wants Durable to sync the copy and
// its directory.
func copyMeddledWithBeforeItWasRemembered(t *testing.T, meddle func(t *testing.T, final string)) {
	root := t.TempDir()
	final := filepath.Join(root, "job", "warcs", "a.warc.gz")
	dir := filepath.Dir(final)
	var mu sync.Mutex
	var synced []string
	meddled := false
	old := fsync
	fsync = func(f *os.File) error {
		err := f.Sync()
		mu.Lock()
		defer mu.Unlock()
		synced = append(synced, f.Name())
		// Right after the mover's sync of the copy's directory (its name is
		// durable now), a second writer meddles.
		if f.Name() == dir && !meddled {
			if _, serr := os.Lstat(final); serr == nil {
				meddled = true
				meddle(t, final)
			}
		}
		return err
	}
	t.Cleanup(func() { fsync = old })

	d, err := OpenDestination(t.Context(), root, SHA256)
	if err != nil {
		t.Fatal(err)
	}
	putCopy(t, d, "job/warcs/a.warc.gz")
	mu.Lock()
	if !meddled {
		mu.Unlock()
		t.Fatal("nobody meddled with the copy after its directory's sync; the attack did not run")
	}
	synced = nil
	mu.Unlock()

	if err := d.Durable(t.Context(), "job/warcs/a.warc.gz"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var missing []string
	if !slices.Contains(synced, final) {
		missing = append(missing, "the copy's new bytes ("+final+")")
	}
	if !slices.Contains(synced, dir) {
		missing = append(missing, "its directory ("+dir+")")
	}
	if len(missing) > 0 {
		t.Fatalf("another writer changed the copy between the mover's directory sync and rememberSynced; "+
			"Durable before the delete synced %v, missing %v: the changed copy is remembered as the file ferry synced", synced, missing)
	}
}

// Attack on the shared directory syncs (session 22): an fsync error is
// returned to every caller whose sync it was, and never hidden by a round
// that began before a caller asked; a caller that came during a failed
// round gets the result of the next one, which began after it.
func TestRedteam22SharedDirectorySyncErrorsReachTheirCallers(t *testing.T) {
	dir := t.TempDir()
	errRound := errors.New("injected EIO")
	var mu sync.Mutex
	round := 0
	users := func() int {
		dirSyncs.mu.Lock()
		defer dirSyncs.mu.Unlock()
		if d := dirSyncs.dirs[dir]; d != nil {
			return d.users
		}
		return 0
	}
	waitUsers := func(n int) {
		deadline := time.Now().Add(5 * time.Second)
		for users() < n {
			if time.Now().After(deadline) {
				t.Errorf("callers in sync = %d, want %d", users(), n)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	old := fsync
	// Round 1 (A's) succeeds once B and C wait; round 2 (for B and C)
	// fails; round 3 (D's, which came during round 2) succeeds.
	fsync = func(f *os.File) error {
		mu.Lock()
		round++
		r := round
		mu.Unlock()
		switch r {
		case 1:
			waitUsers(3)
			return f.Sync()
		case 2:
			waitUsers(3) // B, C, and D who came during this round
			return errRound
		default:
			return f.Sync()
		}
	}
	t.Cleanup(func() { fsync = old })

	results := make(chan struct {
		who string
		err error
	}, 4)
	call := func(who string) {
		results <- struct {
			who string
			err error
		}{who, dirSyncs.sync(dir)}
	}
	go call("A")
	waitUsers(1)
	go call("B")
	go call("C")
	// D comes once round 2 runs (round == 2).
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		r := round
		mu.Unlock()
		if r >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("round 2 never began")
		}
		time.Sleep(time.Millisecond)
	}
	go call("D")
	got := map[string]error{}
	for range 4 {
		r := <-results
		got[r.who] = r.err
	}
	if got["A"] != nil {
		t.Errorf("A, served by round 1 which succeeded, got %v", got["A"])
	}
	for _, who := range []string{"B", "C"} {
		if !errors.Is(got[who], errRound) {
			t.Errorf("%s, whose sync (round 2) failed, got %v: a failed sync was reported as done", who, got[who])
		}
	}
	if got["D"] != nil {
		t.Errorf("D, which came during the failed round 2 and was served by round 3, got %v", got["D"])
	}
	if n := users(); n != 0 {
		t.Errorf("%d callers still held", n)
	}
}
