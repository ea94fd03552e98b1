package transfer

import "os"

// linkUnlink gives oldpath the name newpath, failing with fs.ErrExist if
// newpath exists, then drops the old name.
func linkUnlink(oldpath, newpath string) error {
	if err := os.Link(oldpath, newpath); err != nil {
		return err
	}
	return os.Remove(oldpath)
}
