package validate

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// gzipValidator passes a file of one or more gzip members (a .warc.gz holds
// one per record), each decoding to its end with its CRC and length
// right: a truncated or corrupt member fails at its start offset.
type gzipValidator struct{}

func (gzipValidator) Name() string { return "gzip" }

func (gzipValidator) Validate(r io.Reader) error {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	var z gzip.Reader
	for first := true; ; first = false {
		offset := cr.n - int64(br.Buffered())
		if !first {
			if _, err := br.Peek(1); errors.Is(err, io.EOF) {
				return nil
			} else if err != nil {
				return &Finding{Validator: "gzip", Offset: offset, Err: err}
			}
		}
		// One member at a time, to know where each starts.
		err := z.Reset(br)
		if err == nil {
			z.Multistream(false)
			_, err = io.Copy(io.Discard, &z)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // a header cut short, or an empty file
			}
			return &Finding{Validator: "gzip", Offset: offset, Err: fmt.Errorf("gzip member: %w", err)}
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
