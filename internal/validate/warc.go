package validate

import (
	"errors"
	"fmt"
	"io"

	"github.com/nlnwa/gowarc/v3"
)

// warcValidator passes a WARC file (plain, or gzip-compressed per record)
// whose every record parses, with its Content-Length, end-of-record marker
// and, where present, WARC-Block-Digest and WARC-Payload-Digest right.
// A header field whose value breaks the spec's grammar is not damage:
// wget writes WARC-Target-URI in angle brackets, as WARC 1.0's own
// examples do. gowarc does the parsing. To check a digest it caches each record's
// block: in memory up to 1 MiB, beyond that in a temporary file in
// spillDir ("" is os.TempDir).
type warcValidator struct{ spillDir string }

func (warcValidator) Name() string { return "warc" }

func (v warcValidator) Validate(r io.Reader) error {
	// Warn, not fail: a finding then comes with its record's offset.
	wr, err := gowarc.NewWarcFileReaderFromStream(r, 0,
		gowarc.WithSyntaxErrorPolicy(gowarc.ErrWarn),
		gowarc.WithSpecViolationPolicy(gowarc.ErrWarn),
		gowarc.WithUnknownRecordTypePolicy(gowarc.ErrWarn),
		gowarc.WithBufferTmpDir(v.spillDir))
	if err != nil {
		return &Finding{Validator: "warc", Offset: 0, Err: err}
	}
	defer func() { _ = wr.Close() }()
	for n := 0; ; n++ {
		rec, err := wr.Next()
		// Only a bare io.EOF is the end: gowarc wraps io.EOF in errors
		// about a record cut short ("not a http block: EOF").
		if err == io.EOF && rec.WarcRecord == nil { //nolint:errorlint // see above
			if n == 0 {
				return &Finding{Validator: "warc", Offset: 0, Err: errors.New("no WARC record")}
			}
			return nil
		}
		found := err
		if found == nil {
			found = damage(rec.Validation)
		}
		_ = rec.Close()
		if found != nil {
			return &Finding{Validator: "warc", Offset: rec.Offset, Err: fmt.Errorf("record %d: %w", n+1, found)}
		}
	}
}

// damage is the findings of gowarc's that say a record's bytes are wrong
// (digests, lengths, framing, syntax), joined; nil if there are none.
func damage(validation []error) error {
	var errs []error
	for _, err := range validation {
		var field *gowarc.HeaderFieldError
		if !errors.As(err, &field) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
