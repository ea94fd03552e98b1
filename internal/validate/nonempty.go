package validate

import (
	"errors"
	"io"
)

// nonEmpty passes a file with at least one byte.
type nonEmpty struct{}

func (nonEmpty) Name() string { return "nonempty" }

func (nonEmpty) Validate(r io.Reader) error {
	var b [1]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("the file is empty")
		}
		return &Finding{Validator: "nonempty", Offset: 0, Err: err}
	}
	return nil
}
