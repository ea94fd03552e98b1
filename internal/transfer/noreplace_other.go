//go:build !linux

package transfer

// renameNoReplace renames oldpath to newpath unless newpath exists, by
// link + unlink: link refuses an existing target atomically.
func renameNoReplace(oldpath, newpath string) error {
	return linkUnlink(oldpath, newpath)
}
