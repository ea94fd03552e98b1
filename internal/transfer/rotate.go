package transfer

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/ferrydata/ferry/internal/secrets"
	"github.com/rclone/rclone/fs/cache"
	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/fspath"
)

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
