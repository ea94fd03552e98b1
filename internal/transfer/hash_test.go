package transfer_test

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

func TestHashReader(t *testing.T) {
	const fox = "The quick brown fox jumps over the lazy dog"
	tests := []struct {
		name  string
		input string
		t     transfer.HashType
		want  string
	}{
		{"md5 empty", "", transfer.MD5, "d41d8cd98f00b204e9800998ecf8427e"},
		{"md5 abc", "abc", transfer.MD5, "900150983cd24fb0d6963f7d28e17f72"},
		{"md5 fox", fox, transfer.MD5, "9e107d9d372bb6826bd81d3542a419d6"},
		{"sha1 empty", "", transfer.SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"sha1 abc", "abc", transfer.SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"sha256 empty", "", transfer.SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"sha256 abc", "abc", transfer.SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"sha256 fox", fox, transfer.SHA256, "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p transfer.Progress
			// OneByteReader: the sum must not depend on how reads are split.
			sum, err := transfer.HashReader(iotest.OneByteReader(strings.NewReader(tt.input)), tt.t, &p)
			if err != nil {
				t.Fatal(err)
			}
			want := transfer.Sum{Size: int64(len(tt.input)), Hash: tt.want, Type: tt.t}
			if sum != want {
				t.Errorf("HashReader = %+v, want %+v", sum, want)
			}
			if p.Load() != int64(len(tt.input)) {
				t.Errorf("progress = %d, want %d", p.Load(), len(tt.input))
			}
		})
	}
}

func TestHashReaderErrors(t *testing.T) {
	if _, err := transfer.HashReader(strings.NewReader("x"), "crc32", nil); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("unknown hash type: err = %v, want fault.ErrInvalid", err)
	}
	boom := errors.New("boom")
	if _, err := transfer.HashReader(iotest.ErrReader(boom), transfer.MD5, nil); !errors.Is(err, boom) {
		t.Errorf("failing reader: err = %v, want it wrapped", err)
	}
}

func TestParseHashType(t *testing.T) {
	tests := []struct {
		in   string
		want transfer.HashType
		ok   bool
	}{
		{"md5", transfer.MD5, true},
		{"SHA1", transfer.SHA1, true},
		{" sha256 ", transfer.SHA256, true},
		{"", "", false},
		{"crc32", "", false},
		{"sha-256", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := transfer.ParseHashType(tt.in)
			if tt.ok && (err != nil || got != tt.want) {
				t.Fatalf("ParseHashType(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			if !tt.ok && !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("ParseHashType(%q) = %q, %v; want fault.ErrInvalid", tt.in, got, err)
			}
		})
	}
}

func TestProgressNil(t *testing.T) {
	var p *transfer.Progress
	p.Add(5) // must not panic
	if p.Load() != 0 {
		t.Fatalf("nil Progress Load = %d", p.Load())
	}
	sum, err := transfer.HashReader(strings.NewReader("abc"), transfer.MD5, nil)
	if err != nil || sum.Size != 3 {
		t.Fatalf("HashReader with nil progress = %+v, %v", sum, err)
	}
}
