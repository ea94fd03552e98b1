package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// errLocked means another ferry process owns the state dir's embedded server.
var errLocked = errors.New("state dir in use by another ferry process")

// lockStateDir takes an exclusive lock on state_dir so that two processes
// never open one JetStream store; the lock goes with the process.
func lockStateDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("couldn't create state dir: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "ferry.lock"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("couldn't open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", dir, errLocked)
		}
		return nil, fmt.Errorf("couldn't lock state dir: %w", err)
	}
	return f, nil
}
