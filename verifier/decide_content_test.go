package verifier

import (
	"errors"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/validate"
)

// MayDelete's content rule: a route's validators must have run on the
// bytes read back; under keep (FlagInvalid false) a finding keeps the
// source, under flag it does not; the hash rules still come first.
func TestMayDeleteContent(t *testing.T) {
	mtime := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	const h = "9e107d9d372bb6826bd81d3542a419d6"
	id := transfer.FileInfo{Path: "a.warc.gz", Size: 43, ModTime: mtime, Dev: 2049, Ino: 1234, CTime: mtime}
	copyID := transfer.FileInfo{Path: "a.warc.gz", Size: 43, ModTime: mtime, Dev: 2050, Ino: 77, CTime: mtime}
	finding := &validate.Finding{Validator: "warc", Offset: 1093, Err: errors.New("wrong digest")}
	valid := &validate.Result{Ran: []string{"gzip", "warc"}, Findings: make([]*validate.Finding, 2)}
	invalid := &validate.Result{Ran: []string{"gzip", "warc"}, Findings: []*validate.Finding{nil, finding}, First: finding}
	good := func() Evidence {
		sum := transfer.Sum{Size: 43, Hash: h, Type: transfer.MD5}
		return Evidence{Want: bus.File{Path: "a.warc.gz", Size: 43, ModTime: mtime.UnixNano(), Hash: h}, Type: transfer.MD5,
			Dest: sum, Source: sum, Before: id, Hashed: id, After: id, Copy: copyID,
			Validate: []string{"gzip", "warc"}, Content: valid}
	}
	tests := []struct {
		name    string
		edit    func(*Evidence)
		want    error // nil: may delete
		anyFail bool  // any error will do: not the file's fault, not a pass
	}{
		{"valid", func(*Evidence) {}, nil, false},
		{"no validators", func(e *Evidence) { e.Validate, e.Content = nil, nil }, nil, false},
		{"invalid, keep", func(e *Evidence) { e.Content = invalid }, fault.ErrInvalidContent, false},
		{"invalid, flag", func(e *Evidence) { e.Content, e.FlagInvalid = invalid, true }, nil, false},
		{"validators named, no verdict", func(e *Evidence) { e.Content = nil }, nil, true},
		{"validators named, no verdict, flag", func(e *Evidence) { e.Content, e.FlagInvalid = nil, true }, nil, true},
		{"one validator did not run", func(e *Evidence) {
			e.Content = &validate.Result{Ran: []string{"gzip"}, Findings: []*validate.Finding{nil}}
		}, nil, true},
		{"other validators than the route names", func(e *Evidence) {
			e.Content = &validate.Result{Ran: []string{"gzip", "gzip"}, Findings: make([]*validate.Finding, 2)}
		}, nil, true},
		{"a verdict without a finding per validator", func(e *Evidence) {
			e.Content = &validate.Result{Ran: []string{"gzip", "warc"}, Findings: []*validate.Finding{nil}}
		}, nil, true},
		{"a finding First does not name, keep", func(e *Evidence) {
			e.Content = &validate.Result{Ran: []string{"gzip", "warc"}, Findings: []*validate.Finding{nil, finding}}
		}, fault.ErrInvalidContent, false},
		{"invalid and a hash mismatch", func(e *Evidence) { e.Content, e.Dest.Hash = invalid, "0000" }, fault.ErrMismatch, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := good()
			tt.edit(&e)
			err := MayDelete(e)
			switch {
			case tt.anyFail && err == nil:
				t.Fatalf("MayDelete = nil, want an error")
			case !tt.anyFail && tt.want == nil && err != nil:
				t.Fatalf("MayDelete = %v, want nil", err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("MayDelete = %v, want %v", err, tt.want)
			}
		})
	}
}
