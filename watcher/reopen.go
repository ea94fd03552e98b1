package watcher

// ReopenSources forgets the remote sources opened so far, so the next scan
// of each opens it again with rclone's config as it is now (rotated
// credentials). A listing in progress finishes with the source it holds.
func (w *Watcher) ReopenSources() {
	w.mu.Lock()
	defer w.mu.Unlock()
	clear(w.sources)
}
