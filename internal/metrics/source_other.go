//go:build !unix

package metrics

import "errors"

func fsSpace(string) (free, size uint64, err error) {
	return 0, 0, errors.New("file system space is only read on unix")
}
