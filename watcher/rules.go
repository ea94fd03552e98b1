package watcher

import "github.com/ferrydata/ferry/internal/transfer"

// Rules decide by name alone which files of a route are ferry's; the
// matching itself is transfer.Rules, which the mover and verifier apply
// again to every job.
type Rules struct{ *transfer.Rules }

// NewRules compiles include and exclude patterns. The error names the
// offending pattern; the caller adds the route.
func NewRules(include, exclude []string) (*Rules, error) {
	r, err := transfer.NewRules(include, exclude)
	if err != nil {
		return nil, err
	}
	return &Rules{r}, nil
}
