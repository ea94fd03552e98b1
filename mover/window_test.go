package mover

import (
	"context"
	"errors"
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
