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
	root := t.TempDir()
	final := filepath.Join(root, "job", "warcs", "a.warc.gz")
	dir := filepath.Dir(final)
	var mu sync.Mutex
	var synced []string
	replaced := false
	old := fsync
	fsync = func(f *os.File) error {
		err := f.Sync()
		mu.Lock()
		defer mu.Unlock()
		synced = append(synced, f.Name())
		// Right after the mover's sync of the copy's directory (its name is
		// durable now), a second writer puts the same bytes over it by rename.
		if f.Name() == dir && !replaced {
			if _, serr := os.Lstat(final); serr == nil {
				replaced = true
				tmp := filepath.Join(dir, ".a.warc.gz.rclone-partial")
				if werr := os.WriteFile(tmp, []byte("bytes"), 0o644); werr != nil {
					t.Error(werr)
				} else if rerr := os.Rename(tmp, final); rerr != nil {
					t.Error(rerr)
				}
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
	if !replaced {
		mu.Unlock()
		t.Fatal("the copy was not replaced after its directory's sync; the attack did not run")
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
		missing = append(missing, "the replacement's bytes ("+final+")")
	}
	if !slices.Contains(synced, dir) {
		missing = append(missing, "its new entry ("+dir+")")
	}
	if len(missing) > 0 {
		t.Fatalf("the copy was replaced by another writer between the mover's directory sync and rememberSynced; "+
			"Durable before the delete synced %v, missing %v: the replacement is remembered as the file ferry synced", synced, missing)
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
