package transfer

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Rules decide by name alone which files of a route are ferry's. They use
// rclone's filter-glob semantics (transfer.CompileGlob), so a route's
// patterns mean what the same --include/--exclude would mean to rclone.
type Rules struct {
	include []*regexp.Regexp
	exclude []*regexp.Regexp
}

// NewRules compiles include and exclude patterns. The error names the
// offending pattern; the caller adds the route.
func NewRules(include, exclude []string) (*Rules, error) {
	if len(include) == 0 {
		// Nothing would ever match: surely a configuration mistake.
		return nil, fmt.Errorf("couldn't compile rules: no include pattern")
	}
	inc, err := compileAll("include", include)
	if err != nil {
		return nil, err
	}
	exc, err := compileAll("exclude", exclude)
	if err != nil {
		return nil, err
	}
	return &Rules{include: inc, exclude: exc}, nil
}

func compileAll(kind string, patterns []string) ([]*regexp.Regexp, error) {
	res := make([]*regexp.Regexp, 0, len(patterns))
	for _, p := range patterns {
		re, err := CompileGlob(p)
		if err != nil {
			return nil, fmt.Errorf("couldn't compile %s pattern %q: %w", kind, p, err)
		}
		res = append(res, re)
	}
	return res, nil
}

// Match reports whether rel (slash-separated, relative to the route's source)
// is one of the route's files: an exclude always wins, else an include must
// match. Excludes win because they name files still being written ("*.open"),
// which an over-broad include must never reach. A name a local Remove gave a
// file it is deleting (IsQuarantined) is never a route's file, whatever the
// patterns say; nor is a start-up overlap probe (ProbePrefix).
func (r *Rules) Match(rel string) bool {
	if base := path.Base(rel); IsQuarantined(base) || strings.HasPrefix(base, ProbePrefix) {
		return false
	}
	for _, re := range r.exclude {
		if re.MatchString(rel) {
			return false
		}
	}
	for _, re := range r.include {
		if re.MatchString(rel) {
			return true
		}
	}
	return false
}
