package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rclone/rclone/fs/accounting"
	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/config/configfile"
	"github.com/unknwon/goconfig"

	// The backends ferry supports; backend/all would add ~70 more to the binary.
	_ "github.com/rclone/rclone/backend/chunker"
	_ "github.com/rclone/rclone/backend/crypt"
	_ "github.com/rclone/rclone/backend/hasher"
	_ "github.com/rclone/rclone/backend/hdfs"
	_ "github.com/rclone/rclone/backend/local"
	_ "github.com/rclone/rclone/backend/s3"
	_ "github.com/rclone/rclone/backend/sftp"
)

// localConfig is looked for in the working directory when no path is given.
const localConfig = ".rclone.conf"

// Options configure rclone once per process.
type Options struct {
	// ConfigPath is the rclone config file. "" means ./.rclone.conf if it
	// exists, else rclone's usual path; os.DevNull means an empty in-memory config.
	ConfigPath string
	// ConfigData is the INI text of an rclone config (e.g. from AWS Secrets
	// Manager). It is held in memory only, never written to disk, and wins
	// over ConfigPath.
	ConfigData string
	// CacheDir is rclone's cache dir (backends that cache, such as a hasher
	// remote an operator configured, keep their files there). Required.
	CacheDir string
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

// setConfig points rclone at its config and loads it now, so a bad file is an
// error here rather than rclone's fatal exit on first use.
func setConfig(opt Options) error {
	path := opt.ConfigPath
	switch {
	case opt.ConfigData != "":
		path = "" // in-memory: the secret must never reach the disk
	case path == "":
		if _, err := os.Stat(localConfig); err == nil {
			path = localConfig
		} else {
			path = config.GetConfigPath()
		}
	}
	if path != "" && path != os.DevNull {
		// Only a path ferry was given must exist; rclone's usual one may not.
		if err := checkConfigFile(path, opt.ConfigPath != ""); err != nil {
			return err
		}
	}
	if err := config.SetConfigPath(path); err != nil {
		return fmt.Errorf("couldn't set rclone config path: %w", err)
	}
	configfile.Install() // a no-op for an in-memory config
	config.LoadedData()
	if opt.ConfigData != "" {
		if err := loadConfigData(opt.ConfigData); err != nil {
			return fmt.Errorf("couldn't load rclone config data: %w", err)
		}
	}
	return nil
}

func checkConfigFile(path string, mustExist bool) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !mustExist {
		return nil
	}
	if err != nil {
		return fmt.Errorf("couldn't read rclone config: %w", err)
	}
	if err := checkINI(data); err != nil {
		return fmt.Errorf("couldn't parse rclone config %s: %w", path, err)
	}
	return nil
}

// checkINI rejects plain-text configs that rclone could not parse; encrypted
// ones are left to rclone, which needs RCLONE_CONFIG_PASS for them.
func checkINI(data []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("RCLONE_ENCRYPT_V")) {
		return nil
	}
	_, err := parseINI(data)
	return err
}

// parseINI parses with goconfig, rclone's own INI parser, so the text means
// what it would mean in a config file. Never goconfig.LoadFromData: it
// writes its input to a world-readable temp file. Errors leave out the
// line, which may hold a secret.
func parseINI(data []byte) (*goconfig.ConfigFile, error) {
	gc, err := goconfig.LoadFromReader(bytes.NewReader(data))
	var re goconfig.ReadError
	if errors.As(err, &re) {
		return nil, errors.New("not an INI file (a line is neither [section], key = value nor a comment)")
	}
	return gc, err
}

// loadConfigData copies every key of an INI text into rclone's in-memory config.
func loadConfigData(data string) error {
	if strings.HasPrefix(strings.TrimSpace(data), "RCLONE_ENCRYPT_V") {
		return errors.New("encrypted rclone config data is not supported: store it in plain text in the secret")
	}
	gc, err := parseINI([]byte(data))
	if err != nil {
		return err
	}
	for _, section := range gc.GetSectionList() {
		for _, key := range gc.GetKeyList(section) {
			value, err := gc.GetValue(section, key)
			if err != nil {
				return fmt.Errorf("couldn't read [%s] %s: %w", section, key, err)
			}
			config.FileSetValue(section, key, value)
		}
	}
	return nil
}

// RcloneCollector exports rclone's own transfer statistics to Prometheus.
func RcloneCollector(ctx context.Context) prometheus.Collector {
	return accounting.NewRcloneCollector(ctx)
}
