package transfer

import (
	"fmt"
	"hash"
	"io"

	"github.com/ferrydata/ferry/internal/fault"
)

// sizedReader passes on at most size bytes of r, hashing and counting them as
// they go, and notes when r turns out shorter or longer: a file that is still
// growing or was truncated must not be archived as if it were whole.
//
// A short r fails the read, so the upload is aborted. A long r still ends in
// io.EOF at size bytes: an HTTP client that fails on the extra byte may do so
// after the server has stored the object, leaving it behind, so instead the
// upload completes and Put removes the object itself.
type sizedReader struct {
	r    io.Reader
	size int64
	left int64
	h    hash.Hash
	p    *Progress
	eof  bool  // r was checked to end at size
	err  error // r did not hold exactly size bytes
}

func (s *sizedReader) Read(b []byte) (int, error) {
	if s.err != nil && s.left > 0 {
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
	if err == io.EOF && s.left > 0 {
		s.err = fmt.Errorf("source ended %d bytes short of %d: %w", s.left, s.size, fault.ErrSourceChanged)
		return n, s.err
	}
	if err == io.EOF {
		s.eof = true
	}
	return n, err
}

// WriteTo lets rclone's copy (accounting's WriteTo, then the backend's
// io.Copy) use a pooled buffer instead of allocating one per file.
func (s *sizedReader) WriteTo(w io.Writer) (int64, error) { return copyPooled(w, s) }

// atEnd reads one byte past size to learn whether r ends there. Only a read
// error is returned; extra bytes are noted in s.err.
func (s *sizedReader) atEnd() error {
	var one [1]byte
	for !s.eof && s.err == nil {
		n, err := s.r.Read(one[:])
		switch {
		case n > 0:
			s.err = fmt.Errorf("source holds more than %d bytes: %w", s.size, fault.ErrSourceChanged)
		case err == io.EOF:
			s.eof = true
		case err != nil:
			return fmt.Errorf("couldn't read source: %w", err)
		}
	}
	return nil
}

// finish is called after an upload said it succeeded, in case the backend
// stopped reading at size bytes without asking for more. (If it read fewer,
// the size check after the upload reports it.)
func (s *sizedReader) finish() error {
	if s.left == 0 {
		if err := s.atEnd(); err != nil {
			return err
		}
	}
	return s.err
}
