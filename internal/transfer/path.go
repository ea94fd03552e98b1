package transfer

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/rclone/rclone/fs/filter"
)

// Limits of Linux's PATH_MAX and NAME_MAX, the tightest of the filesystems
// ferry runs on.
const (
	maxPathLen    = 4096
	maxElementLen = 255
)

// ValidPath checks that rel is a clean, slash-separated path relative to a
// root that names one thing in one way. Anything else wraps fault.ErrInvalid,
// so a forged or mangled name can never reach outside a root or into a log
// line as something else.
func ValidPath(rel string) error {
	if err := checkPath(rel); err != nil {
		return fmt.Errorf("couldn't accept path %q: %w: %w", rel, err, fault.ErrInvalid)
	}
	return nil
}

func checkPath(rel string) error {
	switch {
	case rel == "":
		return errors.New("empty")
	case len(rel) > maxPathLen:
		return fmt.Errorf("longer than %d bytes", maxPathLen)
	case !utf8.ValidString(rel):
		return errors.New("not valid UTF-8")
	case strings.ContainsFunc(rel, unicode.IsControl):
		return errors.New("holds a control character")
	case strings.Contains(rel, `\`):
		return errors.New("holds a backslash")
	case strings.HasPrefix(rel, "/"):
		return errors.New("absolute")
	case path.Clean(rel) != rel:
		return errors.New("not clean")
	}
	for elem := range strings.SplitSeq(rel, "/") {
		switch {
		case elem == "." || elem == "..":
			return fmt.Errorf("has a %q element", elem)
		case len(elem) > maxElementLen:
			return fmt.Errorf("has an element longer than %d bytes", maxElementLen)
		}
	}
	return nil
}

// CompileGlob compiles an include or exclude rule with rclone's filter-glob
// semantics, so a rule means the same here as in an rclone --include:
// a pattern without "/" matches a base name at any depth, "*" does not cross
// "/", "**" does, and "{{regexp}}" embeds a regexp. Outside {{ }} "+" is a
// literal and a backslash passes the next character through, so
// `crawl.log.\d+` means one digit then a literal "+" and never matches a
// rotated log: write `crawl.log.{{\d+}}` or `crawl.log.[0-9]*`.
func CompileGlob(pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, fmt.Errorf("couldn't compile an empty glob: %w", fault.ErrInvalid)
	}
	re, err := filter.GlobPathToRegexp(pattern, false)
	if err != nil {
		return nil, fmt.Errorf("couldn't compile glob %q: %w: %w", pattern, err, fault.ErrInvalid)
	}
	return re, nil
}
