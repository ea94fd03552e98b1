// Package validatetest writes the WARC files validators are tested on:
// real ones, written by gowarc's own writer, and the same spoilt in the
// ways a crawl goes wrong (cut short, a record's bytes changed, a corrupt
// gzip member, not a WARC at all).
package validatetest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nlnwa/gowarc/v3"
)

// WARC is one WARC file's bytes and where each of its records starts.
type WARC struct {
	Data    []byte
	Offsets []int64 // of each record, the first (warcinfo) included
}

// Write writes a WARC of n response records (each with payload bytes of
// body) with gowarc's file writer, one gzip member per record if gz.
func Write(t testing.TB, n int, body []byte, gz bool) WARC {
	t.Helper()
	dir := t.TempDir()
	w := gowarc.NewWarcFileWriter(
		gowarc.WithCompression(gz),
		gowarc.WithFileNameGenerator(&gowarc.PatternNameGenerator{Directory: dir, Prefix: "test-"}),
		gowarc.WithMaxFileSize(0),
		gowarc.WithMaxConcurrentWriters(1),
		gowarc.WithWarcInfoFunc(func(rb gowarc.WarcRecordBuilder) error {
			_, err := rb.WriteString("software: ferry validatetest\r\nformat: WARC File Format 1.1\r\n")
			return err
		}))
	offsets := []int64{0}
	for i := range n {
		res := w.Write(Response(t, fmt.Sprintf("http://example.test/%d", i), body))
		if res[0].Err != nil {
			t.Fatalf("couldn't write a WARC record: %v", res[0].Err)
		}
		offsets = append(offsets, res[0].FileOffset)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "test-*"))
	if err != nil || len(files) != 1 {
		t.Fatalf("gowarc wrote %v (%v), want one file", files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return WARC{Data: data, Offsets: offsets}
}

// Response is a response record for uri carrying body, its digests,
// length and id filled in by gowarc's builder.
func Response(t testing.TB, uri string, body []byte) gowarc.WarcRecord {
	t.Helper()
	rec, err := NewResponse(uri, body)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// NewResponse is Response for a program that is not a test (the
// benchmark writes its WARC tree with it).
func NewResponse(uri string, body []byte) (gowarc.WarcRecord, error) {
	rb := gowarc.NewRecordBuilder(gowarc.Response, gowarc.WithAddMissingDigest(true),
		gowarc.WithAddMissingRecordId(true), gowarc.WithAddMissingContentLength(true), gowarc.WithFixDigest(false))
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", len(body))
	if _, err := rb.WriteString(head); err != nil {
		return nil, err
	}
	if _, err := rb.Write(body); err != nil {
		return nil, err
	}
	rb.AddWarcHeader(gowarc.WarcTargetURI, uri)
	rb.AddWarcHeader(gowarc.WarcDate, "2026-12-02T06:00:00Z")
	rb.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=response")
	rec, _, err := rb.Build()
	if err != nil {
		return nil, fmt.Errorf("couldn't build a WARC record: %w", err)
	}
	return rec, nil
}

// Truncated is w cut in the middle of its last record, as a crawler that
// died while writing leaves it.
func (w WARC) Truncated() []byte {
	last := w.Offsets[len(w.Offsets)-1]
	return bytes.Clone(w.Data[:last+(int64(len(w.Data))-last)/2])
}

// CorruptMember is w (gzipped) with a byte in the middle of its last
// member flipped: that member's deflate stream or CRC fails.
func (w WARC) CorruptMember() []byte {
	d := bytes.Clone(w.Data)
	last := w.Offsets[len(w.Offsets)-1]
	d[last+(int64(len(d))-last)/2] ^= 0xff
	return d
}

// WrongDigest is w (uncompressed) with the last byte of its last record's
// payload changed: every length still holds, the block digest does not.
// gz compresses the result one member per record, as a valid gzip.
func (w WARC) WrongDigest(t testing.TB, gz bool) []byte {
	t.Helper()
	d := bytes.Clone(w.Data)
	d[len(d)-5] ^= 0x01 // the last payload byte, before the record's "\r\n\r\n"
	if !gz {
		return d
	}
	var out bytes.Buffer
	bounds := append(w.Offsets[1:], int64(len(d)))
	start := int64(0)
	for _, end := range bounds {
		zw := gzip.NewWriter(&out)
		if _, err := zw.Write(d[start:end]); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		start = end
	}
	return out.Bytes()
}
