package secrets

import (
	"context"
	"fmt"
)

// Set is the remotes of several secrets, merged.
type Set struct {
	Remotes Remotes
	// From names the secret each remote came from.
	From map[string]string
}

// Merge adds the remotes of secret id to s. A remote another secret already
// defines is an error naming both: which one should win is not ferry's guess.
func (s *Set) Merge(id string, rs Remotes) error {
	if s.Remotes == nil {
		s.Remotes, s.From = Remotes{}, map[string]string{}
	}
	for _, name := range rs.Names() {
		if other, dup := s.From[name]; dup {
			return fmt.Errorf("remote %q is defined by secret %q and by secret %q: define each remote once", name, other, id)
		}
	}
	for name, opts := range rs {
		s.Remotes[name], s.From[name] = opts, id
	}
	return nil
}

// Load reads every secret in ids, parses and merges them. Any secret that
// cannot be read or parsed fails the whole load: no silent fallback.
func (c *Client) Load(ctx context.Context, ids []string) (*Set, error) {
	s := &Set{}
	for _, id := range ids {
		value, err := c.Fetch(ctx, id)
		if err != nil {
			return nil, err
		}
		rs, err := Parse(value)
		if err != nil {
			return nil, fmt.Errorf("couldn't parse secret %q: %w", id, err)
		}
		if err := s.Merge(id, rs); err != nil {
			return nil, err
		}
	}
	return s, nil
}
