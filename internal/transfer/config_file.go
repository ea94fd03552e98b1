package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/ferrydata/ferry/internal/secrets"
)

// readConfigFile reads a plain-text config file's remotes, for a config in
// memory. An encrypted one can only be read by rclone itself.
func readConfigFile(path string) (secrets.Remotes, error) {
	data, err := os.ReadFile(path)
	if missing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("couldn't read rclone config: %w", err)
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("RCLONE_ENCRYPT_V")) {
		return nil, fmt.Errorf("couldn't use rclone config %s: an encrypted config can't be combined with rclone.secrets", path)
	}
	rs, err := secrets.ParseINI(data)
	if err != nil {
		return nil, fmt.Errorf("couldn't parse rclone config %s: %w", path, err)
	}
	return rs, nil
}

// missing: the file is not there, or could not be, as rclone's usual path
// below a home that is not a directory.
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func checkConfigFile(path string, mustExist bool) (found bool, err error) {
	data, err := os.ReadFile(path)
	if missing(err) && !mustExist {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("couldn't read rclone config: %w", err)
	}
	if err := checkINI(data); err != nil {
		return false, fmt.Errorf("couldn't parse rclone config %s: %w", path, err)
	}
	return true, nil
}

// checkINI rejects plain-text configs that rclone could not parse; encrypted
// ones are left to rclone, which needs RCLONE_CONFIG_PASS for them.
func checkINI(data []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("RCLONE_ENCRYPT_V")) {
		return nil
	}
	_, err := secrets.ParseINI(data)
	return err
}
