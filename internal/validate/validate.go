package validate

import (
	"fmt"
	"io"
)

// Validator checks the content of one file. Validate reads r to its end (or
// until it finds a fault) and returns nil only if the content is valid; a
// fault is best returned as a *Finding, which says where it is. Any other
// error counts as a finding too. A Validator is used by one Run at a time.
type Validator interface {
	Name() string
	Validate(r io.Reader) error
}

// Finding is the first fault a validator found in a file.
type Finding struct {
	Validator string // its name
	Offset    int64  // where in the file: the start of the record or member at fault
	Err       error
}

func (f *Finding) Error() string {
	return fmt.Sprintf("%s: at offset %d: %v", f.Validator, f.Offset, f.Err)
}

func (f *Finding) Unwrap() error { return f.Err }

// Result is what a Run found: which validators ran and what each found.
type Result struct {
	Ran      []string
	Findings []*Finding // of Ran[i]; nil: it passed
	First    *Finding   // the first in Ran's order; nil: every validator passed
}

// Valid reports whether every validator that ran passed: no finding at
// all, whatever First says.
func (r Result) Valid() bool { return r.first() == nil }

// first is First, or else the first finding in Findings; nil if none.
func (r Result) first() *Finding {
	if r.First != nil {
		return r.First
	}
	for _, f := range r.Findings {
		if f != nil {
			return f
		}
	}
	return nil
}

// Invalid is the error of a file its validators found broken: it reads as
// the first finding (validator and offset) and holds the whole Result.
type Invalid struct{ Result Result }

func (e *Invalid) Error() string {
	if f := e.Result.first(); f != nil {
		return f.Error()
	}
	return "content found invalid"
}

func (e *Invalid) Unwrap() error {
	if f := e.Result.first(); f != nil {
		return f
	}
	return nil
}
