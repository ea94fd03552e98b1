package transfer

import (
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"

	"github.com/ferrydata/ferry/internal/secrets"
	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/config/configfile"
)

// localConfig is looked for in the working directory when no path is given.
const localConfig = ".rclone.conf"

// Where a remote came from, as logged: names only, never values.
const (
	sourceConfigured = "rclone.config"
	sourceLocal      = "./.rclone.conf"
	sourceUsual      = "rclone's usual path"
	sourceEnv        = "environment (RCLONE_CONFIG_<REMOTE>_TYPE)"
)

// remotes is what Init loaded, for SetSecrets to replace.
var remotes struct {
	sync.Mutex
	log     *slog.Logger
	file    secrets.Remotes // the file's, when secrets put the config in memory
	fileSrc string
	secret  *secrets.Set
}

// configFile picks the one rclone config file, in ferry's order: the
// configured one, else ./.rclone.conf when it exists, else rclone's usual
// path (which may not exist: then the file defines no remote). os.DevNull
// means none.
func configFile(configured string, exists func(string) bool, usual string) (path, source string) {
	switch {
	case configured == os.DevNull:
		return "", ""
	case configured != "":
		return configured, sourceConfigured
	case exists(localConfig):
		return localConfig, sourceLocal
	}
	return usual, sourceUsual
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// setConfig points rclone at its config and loads it now, so a bad file is an
// error here rather than rclone's fatal exit on first use. With secrets the
// whole config lives in memory (the file's remotes copied in first), so
// rclone can never save a secret into a file.
func setConfig(opt Options) error {
	path, source := configFile(opt.ConfigPath, fileExists, config.GetConfigPath())
	label := path
	if path != "" {
		// Only a path ferry was given must exist; the others may not,
		// and rclone must not be pointed at them then: it exits on any
		// error but "not found" (a home that is not a directory).
		found, err := checkConfigFile(path, source == sourceConfigured)
		if err != nil {
			return err
		}
		if !found {
			path, source = "", ""
			opt.Log.Info("no rclone config file", "looked_at", label)
		}
	}
	inMemory := opt.Secrets != nil && len(opt.Secrets.Remotes) > 0
	var file secrets.Remotes
	if inMemory && path != "" {
		var err error
		if file, err = readConfigFile(path); err != nil {
			return err
		}
		path = ""
	}
	if err := config.SetConfigPath(path); err != nil {
		return fmt.Errorf("couldn't set rclone config path: %w", err)
	}
	configfile.Install() // a no-op for an in-memory config
	data := config.LoadedData()
	for _, name := range file.Names() {
		for k, v := range file[name] {
			data.SetValue(name, k, v)
		}
	}
	remotes.Lock()
	defer remotes.Unlock()
	remotes.log, remotes.file, remotes.fileSrc = opt.Log, file, source
	if source != "" {
		opt.Log.Info("rclone config file", "source", source, "path", label)
	}
	if inMemory {
		if _, err := setSecrets(opt.Secrets); err != nil {
			return err
		}
	}
	logRemotes(opt.Log, source)
	return nil
}

// logRemotes says where every remote rclone now knows came from.
func logRemotes(log *slog.Logger, fileSource string) {
	inFile := map[string]bool{}
	for _, name := range config.FileSections() {
		inFile[name] = true
	}
	for _, name := range slices.Sorted(maps.Keys(inFile)) {
		src := fileSource
		if remotes.secret != nil && remotes.secret.From[name] != "" {
			src = "secret " + remotes.secret.From[name]
		}
		log.Info("rclone remote", "remote", name, "source", src)
	}
	for _, name := range config.GetRemoteNames() {
		if !inFile[name] {
			log.Info("rclone remote", "remote", name, "source", sourceEnv)
		}
	}
}
