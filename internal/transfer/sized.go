package transfer

import (
	"fmt"
	"hash"
	"io"

	"github.com/ferrydata/ferry/internal/fault"
)

// sizedReader passes on exactly size bytes of r, hashing and counting them
// as they go, and fails if r turns out shorter or longer: a file that is
// still growing or was truncated must not be archived as if it were whole.
type sizedReader struct {
	r    io.Reader
	size int64
	left int64
	h    hash.Hash
	p    *Progress
	eof  bool  // r ended exactly at size
	err  error // r did not hold exactly size bytes
}

func (s *sizedReader) Read(b []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.left == 0 {
		if err := s.atEnd(); err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(b)) > s.left {
		b = b[:s.left]
	}
	n, err := s.r.Read(b)
	s.h.Write(b[:n]) // hash.Hash never fails
	s.p.Add(int64(n))
	s.left -= int64(n)
	if err == io.EOF {
		if s.left > 0 {
			s.err = fmt.Errorf("source ended %d bytes short of %d: %w", s.left, s.size, fault.ErrSourceChanged)
			return n, s.err
		}
		s.eof = true
	}
	return n, err
}

// atEnd checks that r holds nothing after size bytes.
func (s *sizedReader) atEnd() error {
	var one [1]byte
	for !s.eof {
		n, err := s.r.Read(one[:])
		if n > 0 {
			s.err = fmt.Errorf("source holds more than %d bytes: %w", s.size, fault.ErrSourceChanged)
			return s.err
		}
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			return fmt.Errorf("couldn't read source: %w", err)
		}
	}
	return nil
}

// finish is called after a successful upload: a backend told the size may
// have stopped reading at size bytes without learning that r went on.
// (If it read less, the size check after the upload reports it.)
func (s *sizedReader) finish() error {
	if s.err != nil || s.left > 0 {
		return s.err
	}
	return s.atEnd()
}
