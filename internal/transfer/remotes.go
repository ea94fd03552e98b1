package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"
	"syscall"

	"github.com/ferrydata/ferry/internal/secrets"
	"github.com/rclone/rclone/fs/cache"
	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/config/configfile"
	"github.com/rclone/rclone/fs/fspath"
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

// SetSecrets replaces the remotes that came from secrets with set's (a
// rotation) and returns the names of those that changed, sorted. Fs objects
// already opened keep the credentials they were made with; rclone's Fs
// cache is emptied when anything changed, so every one opened from now on
// is made with the new ones. A remote a secret no longer defines falls back
// to the file's, if it had one. Init must have been called with secrets.
func SetSecrets(set *secrets.Set) ([]string, error) {
	remotes.Lock()
	defer remotes.Unlock()
	if remotes.log == nil {
		return nil, errors.New("couldn't set secrets: Init was not called")
	}
	return setSecrets(set)
}

func setSecrets(set *secrets.Set) ([]string, error) {
	for _, name := range set.Remotes.Names() {
		if err := fspath.CheckConfigName(name); err != nil {
			return nil, fmt.Errorf("secret %q: remote %q: %w", set.From[name], name, err)
		}
	}
	old := &secrets.Set{}
	if remotes.secret != nil {
		old = remotes.secret
	}
	names := append(old.Remotes.Names(), set.Remotes.Names()...)
	slices.Sort(names)
	var changed []string
	data := config.LoadedData()
	for _, name := range slices.Compact(names) {
		opts, ok := set.Remotes[name]
		if ok && maps.Equal(opts, old.Remotes[name]) {
			continue
		}
		changed = append(changed, name)
		if !ok {
			opts = remotes.file[name] // nil when the file had none
		}
		if _, inFile := remotes.file[name]; inFile && ok {
			remotes.log.Warn("rclone remote defined by a secret and the config file: the secret's is used",
				"remote", name, "secret", set.From[name], "file", remotes.fileSrc)
		}
		// New values first, then the keys that went: the section never
		// lacks its type for an Fs opened meanwhile.
		for k, v := range opts {
			data.SetValue(name, k, v)
		}
		for _, k := range data.GetKeyList(name) {
			if _, keep := opts[k]; !keep {
				data.DeleteKey(name, k)
			}
		}
		if opts == nil {
			data.DeleteSection(name)
		}
	}
	remotes.secret = set
	if len(changed) > 0 && old.Remotes != nil {
		cache.Clear()
	}
	return changed, nil
}

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
