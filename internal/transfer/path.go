package transfer

import (
	"fmt"
	"regexp"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/rclone/rclone/fs/filter"
)

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
