package validate

import (
	"fmt"
	"slices"

	"github.com/ferrydata/ferry/internal/fault"
)

type builtin struct {
	name string
	new  func(spillDir string) Validator
}

// builtins is the one list of validators a route may name.
var builtins = []builtin{
	{"gzip", func(string) Validator { return gzipValidator{} }},
	{"warc", func(dir string) Validator { return warcValidator{spillDir: dir} }},
	{"nonempty", func(string) Validator { return nonEmpty{} }},
}

// Names lists the validators a route may name.
func Names() []string {
	names := make([]string, len(builtins))
	for i, b := range builtins {
		names[i] = b.name
	}
	return names
}

// Check reports the first name that is not a validator, or a name given
// twice, as fault.ErrInvalid.
func Check(names []string) error {
	for i, n := range names {
		if !slices.Contains(Names(), n) {
			return fmt.Errorf("couldn't find validator %q (have %v): %w", n, Names(), fault.ErrInvalid)
		}
		if slices.Contains(names[:i], n) {
			return fmt.Errorf("validator %q is named twice: %w", n, fault.ErrInvalid)
		}
	}
	return nil
}

// New returns fresh validators for names, in their order. spillDir is
// where one that must cache more than it holds in memory (warc: a record
// over 1 MiB) writes its temporary files; "" is os.TempDir.
func New(names []string, spillDir string) ([]Validator, error) {
	if err := Check(names); err != nil {
		return nil, err
	}
	vs := make([]Validator, 0, len(names))
	for _, n := range names {
		i := slices.IndexFunc(builtins, func(b builtin) bool { return b.name == n })
		vs = append(vs, builtins[i].new(spillDir))
	}
	return vs, nil
}
