//go:build !linux

package transfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// Elsewhere than Linux a local file has no identity here and is never
// removed: the guarantees of Remove (renameat2, leases, /proc) are Linux's.
var errNotLinux = errors.New("removing local source files needs Linux")

func StatIdentity(fs.FileInfo) (uint64, uint64, time.Time) { return 0, 0, time.Time{} }

func (s *localSource) Remove(_ context.Context, rel string, _ FileInfo, _ ...LastCheck) error {
	return fmt.Errorf("couldn't remove %s in %s: %w", rel, s, errNotLinux)
}

// RestoreQuarantined: see quarantine_linux.go.
func RestoreQuarantined(root, rel string, _ time.Duration) (string, error) {
	return "", fmt.Errorf("couldn't restore %s in %s: %w", rel, root, errNotLinux)
}
