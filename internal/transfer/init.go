package transfer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/ferrydata/ferry/internal/secrets"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rclone/rclone/fs/accounting"
	"github.com/rclone/rclone/fs/config"

	// The backends ferry supports; backend/all would add ~70 more to the binary.
	_ "github.com/rclone/rclone/backend/chunker"
	_ "github.com/rclone/rclone/backend/crypt"
	_ "github.com/rclone/rclone/backend/hasher"
	_ "github.com/rclone/rclone/backend/hdfs"
	_ "github.com/rclone/rclone/backend/local"
	_ "github.com/rclone/rclone/backend/s3"
	_ "github.com/rclone/rclone/backend/sftp"
)

// Options configure rclone once per process.
type Options struct {
	// ConfigPath is the rclone config file. "" means ./.rclone.conf if it
	// exists, else rclone's usual path; os.DevNull means none.
	ConfigPath string
	// Secrets are remotes read from AWS Secrets Manager. They are held in
	// memory only, never written to disk, and win over the file's remotes
	// of the same name. See SetSecrets for rotation.
	Secrets *secrets.Set
	// CacheDir is rclone's cache dir (backends that cache, such as a hasher
	// remote an operator configured, keep their files there). Required.
	CacheDir string
	// Log receives where each remote came from (source names, never values).
	Log *slog.Logger
}

var (
	initMu   sync.Mutex
	initDone bool
)

// Init configures rclone for the process. rclone's config is global, so only
// the first successful call takes effect; later calls return nil and their
// Options are ignored. ctx must live as long as the process: it runs
// rclone's bandwidth and TPS limiters.
func Init(ctx context.Context, opt Options) error {
	if opt.CacheDir == "" {
		return errors.New("couldn't initialise rclone: CacheDir is required")
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	initMu.Lock()
	defer initMu.Unlock()
	if initDone {
		return nil
	}
	if err := os.MkdirAll(opt.CacheDir, 0o700); err != nil {
		return fmt.Errorf("couldn't create rclone cache dir: %w", err)
	}
	if err := config.SetCacheDir(opt.CacheDir); err != nil {
		return fmt.Errorf("couldn't set rclone cache dir: %w", err)
	}
	if err := setConfig(opt); err != nil {
		return err
	}
	accounting.Start(ctx)
	initDone = true
	return nil
}

// RcloneCollector exports rclone's own transfer statistics to Prometheus.
func RcloneCollector(ctx context.Context) prometheus.Collector {
	return accounting.NewRcloneCollector(ctx)
}
