// Package relpath decides which relative paths ferry accepts in messages and
// on disk, and which route names (CheckRouteName). Every role, and the
// transfer layer under it, checks a path with Check before it touches a file,
// so a forged message cannot name anything outside a route's root. It is the
// only copy of these rules: config, bus, watcher and transfer all call it.
package relpath

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ferrydata/ferry/internal/fault"
)

// Limits of ordinary file systems; longer names are forged or broken.
const (
	MaxPath    = 4096
	MaxElement = 255
)

// Check returns an error wrapping fault.ErrInvalid unless rel is a clean,
// slash-separated relative path of printable UTF-8 without ".." elements.
func Check(rel string) error {
	switch {
	case rel == "":
		return invalid(rel, "is empty")
	case len(rel) > MaxPath:
		return invalid(rel[:64]+"...", fmt.Sprintf("is %d bytes long, more than %d", len(rel), MaxPath))
	case !utf8.ValidString(rel):
		return invalid(rel, "is not valid UTF-8")
	case strings.HasPrefix(rel, "/"):
		return invalid(rel, "is absolute")
	case strings.ContainsRune(rel, '\\'):
		return invalid(rel, "contains a backslash")
	case strings.IndexFunc(rel, unicode.IsControl) >= 0:
		return invalid(rel, "contains a control character")
	case path.Clean(rel) != rel:
		return invalid(rel, "is not clean")
	}
	for _, elem := range strings.Split(rel, "/") {
		if elem == ".." || elem == "." {
			return invalid(rel, "has a "+elem+" element")
		}
		if len(elem) > MaxElement {
			return invalid(rel, fmt.Sprintf("has an element of %d bytes", len(elem)))
		}
	}
	return nil
}

func invalid(rel, why string) error {
	return fmt.Errorf("path %q %s: %w", rel, why, fault.ErrInvalid)
}
