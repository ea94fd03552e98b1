package mover

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/transfer"
)

func TestUploadWindow(t *testing.T) {
	ctx := context.Background()
	w := newUploadWindow(16)
	var p transfer.Progress
	releaseA, err := w.acquire(ctx, 10, &p)
	if err != nil {
		t.Fatal(err)
	}
	releaseB, err := w.acquire(ctx, 6, &p) // fits beside A
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func(), 1)
	go func() {
		release, err := w.acquire(ctx, 100, &p) // larger than the window: waits for it all
		if err != nil {
			t.Error(err)
		}
		got <- release
	}()
	select {
	case <-got:
		t.Fatal("a file larger than the window started while others were uploading")
	case <-time.After(waitTick + 500*time.Millisecond):
	}
	if p.Load() == 0 {
		t.Fatal("a file waiting for the window did not mark its job alive")
	}
	releaseA()
	select {
	case <-got:
		t.Fatal("the large file started beside another")
	case <-time.After(100 * time.Millisecond):
	}
	releaseB()
	select {
	case release := <-got:
		release()
	case <-time.After(5 * time.Second):
		t.Fatal("the large file never started once the window was free")
	}

	hold, _ := w.acquire(ctx, 16, &p)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := w.acquire(cancelled, 1, &p); !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire on a full window with a cancelled context = %v, want context.Canceled", err)
	}
	hold()
	if release, err := newUploadWindow(0).acquire(ctx, 1<<40, nil); err != nil {
		t.Fatalf("no window: %v", err)
	} else {
		release()
	}
}

// The next file may start once the last byte of this one has been read for
// the upload, before the upload returns (its tail is in flight), and the
// window is given back once however many times release is called.
func TestUploadWindowFreedOnceFileIsRead(t *testing.T) {
	ctx := context.Background()
	w := newUploadWindow(16)
	release, err := w.acquire(ctx, 100, nil) // takes the whole window
	if err != nil {
		t.Fatal(err)
	}
	r := releaseOnceRead(strings.NewReader(strings.Repeat("x", 100)), 100, release)
	buf := make([]byte, 60)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	if w.sem.TryAcquire(1) {
		t.Fatal("the window was given back before the file was read")
	}
	if _, err := io.ReadFull(r, buf[:40]); err != nil {
		t.Fatal(err)
	}
	if !w.sem.TryAcquire(16) {
		t.Fatal("the window was not given back once the whole file was read")
	}
	release() // the deferred call after the upload: must not free it twice
	if w.sem.TryAcquire(1) {
		t.Fatal("a second release gave back the window again")
	}
}
