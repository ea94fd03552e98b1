package validate_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/validate"
	"github.com/ferrydata/ferry/internal/validate/validatetest"
)

// verdict runs the validators named on data through a Run, as the verifier
// feeds them: in small writes.
func verdict(t *testing.T, names []string, data []byte) validate.Result {
	t.Helper()
	vs, err := validate.New(names, "")
	if err != nil {
		t.Fatal(err)
	}
	run := validate.Start(vs)
	for b := data; len(b) > 0; {
		n := min(len(b), 1000)
		if _, err := run.Write(b[:n]); err != nil {
			t.Fatalf("Write = %v", err)
		}
		b = b[n:]
	}
	return run.Close(nil)
}

func TestBuiltins(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 2000) // 32 KB a record
	gz := validatetest.Write(t, 5, body, true)
	plain := validatetest.Write(t, 5, body, false)
	var notWARC bytes.Buffer
	zw := gzip.NewWriter(&notWARC)
	_, _ = zw.Write([]byte("2026-12-02 06:00:00 crawl.log line, not a WARC\n"))
	_ = zw.Close()

	type want struct{ gzip, warc, nonempty bool } // true: valid
	cases := []struct {
		name string
		data []byte
		want want
	}{
		{"warc.gz by gowarc", gz.Data, want{true, true, true}},
		{"warc by gowarc", plain.Data, want{false, true, true}},
		{"warc.gz truncated mid-record", gz.Truncated(), want{false, false, true}},
		{"warc truncated mid-record", plain.Truncated(), want{false, false, true}},
		{"warc wrong block digest", plain.WrongDigest(t, false), want{false, false, true}},
		{"warc.gz wrong block digest", plain.WrongDigest(t, true), want{true, false, true}},
		{"warc.gz corrupt member", gz.CorruptMember(), want{false, false, true}},
		{"gzip of a log, not a WARC", notWARC.Bytes(), want{true, false, true}},
		{"text, not a WARC", []byte("hello\n"), want{false, false, true}},
		{"empty", nil, want{false, false, false}},
	}
	for _, c := range cases {
		for name, ok := range map[string]bool{"gzip": c.want.gzip, "warc": c.want.warc, "nonempty": c.want.nonempty} {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				res := verdict(t, []string{name}, c.data)
				if res.Valid() != ok {
					t.Errorf("valid = %v (%v), want %v", res.Valid(), res.First, ok)
				}
				if len(res.Ran) != 1 || res.Ran[0] != name {
					t.Errorf("ran %v, want [%s]", res.Ran, name)
				}
				t.Logf("%v", res.First)
			})
		}
	}
}

// The first finding names the record at fault: the last one, where the
// file was cut or changed.
func TestFindingOffset(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 10000)
	gz := validatetest.Write(t, 3, body, true)
	plain := validatetest.Write(t, 3, body, false)
	cases := []struct {
		name   string
		names  []string
		data   []byte
		offset int64
	}{
		{"gzip, truncated", []string{"gzip"}, gz.Truncated(), gz.Offsets[3]},
		{"warc, corrupt member", []string{"warc"}, gz.CorruptMember(), gz.Offsets[3]},
		{"warc, wrong digest", []string{"warc"}, plain.WrongDigest(t, false), plain.Offsets[3]},
		{"warc, truncated", []string{"warc"}, plain.Truncated(), plain.Offsets[3]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := verdict(t, c.names, c.data)
			if res.Valid() || res.First.Offset != c.offset {
				t.Errorf("finding %v, want one at offset %d", res.First, c.offset)
			}
		})
	}
}

// Several validators share one stream; the first in the route's order
// that finds a fault is reported, and all of them ran.
func TestRunSeveral(t *testing.T) {
	gz := validatetest.Write(t, 2, []byte("payload"), true)
	res := verdict(t, []string{"nonempty", "gzip", "warc"}, gz.Truncated())
	if res.Valid() || res.First.Validator != "gzip" || len(res.Ran) != 3 {
		t.Errorf("result %+v, want gzip's finding of 3 validators run", res)
	}
	if res := verdict(t, []string{"nonempty", "gzip", "warc"}, gz.Data); !res.Valid() {
		t.Errorf("valid WARC: %v", res.First)
	}
}

type panicky struct{}

func (panicky) Name() string { return "panicky" }
func (panicky) Validate(r io.Reader) error {
	var b [10]byte
	_, _ = r.Read(b[:])
	panic("boom")
}

type quitter struct{}

func (quitter) Name() string               { return "quitter" }
func (quitter) Validate(r io.Reader) error { return nil } // reads nothing

// A validator's panic is a finding, never a pass; one that stops reading
// early does not block the writer; a stream cut short is a finding even
// of a validator that passed what it saw.
func TestRunFailures(t *testing.T) {
	data := bytes.Repeat([]byte("y"), 1<<20)
	run := validate.Start([]validate.Validator{quitter{}, panicky{}})
	if _, err := io.Copy(run, bytes.NewReader(data)); err != nil {
		t.Fatalf("copy = %v", err)
	}
	res := run.Close(nil)
	if res.Valid() || res.First.Validator != "panicky" || !strings.Contains(res.First.Error(), "panicked") {
		t.Errorf("result %+v, want panicky's panic as the finding", res)
	}

	// A finding in the first bytes of a large file: the writes go on.
	vs, err := validate.New(validate.Names(), "")
	if err != nil {
		t.Fatal(err)
	}
	run = validate.Start(vs)
	if _, err := io.Copy(run, bytes.NewReader(data)); err != nil {
		t.Fatalf("copy after an early finding = %v", err)
	}
	if res := run.Close(nil); res.Valid() || res.First.Validator != "gzip" {
		t.Errorf("result %+v, want gzip's finding", res)
	}

	run = validate.Start([]validate.Validator{quitter{}})
	_, _ = run.Write(data)
	cut := errors.New("connection reset")
	if res := run.Close(cut); res.Valid() || !errors.Is(res.First, cut) {
		t.Errorf("cut short: result %+v, want a finding wrapping %v", res, cut)
	}
}

func TestNew(t *testing.T) {
	for _, names := range [][]string{{"gzip", "zip"}, {"warc", "warc"}, {""}} {
		if _, err := validate.New(names, ""); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("New(%q) = %v, want %v", names, err, fault.ErrInvalid)
		}
	}
	vs, err := validate.New(validate.Names(), "")
	if err != nil || len(vs) != len(validate.Names()) {
		t.Fatalf("New(%v) = %v, %v", validate.Names(), vs, err)
	}
	for i, v := range vs {
		if v.Name() != validate.Names()[i] {
			t.Errorf("validator %d is %q, want %q", i, v.Name(), validate.Names()[i])
		}
	}
}
