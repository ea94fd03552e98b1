package transfer

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync/atomic"

	"github.com/ferrydata/ferry/internal/fault"
)

// HashType names a hash ferry can compute itself from a stream.
type HashType string

// The supported hash types. Their names are rclone's.
const (
	MD5    HashType = "md5"
	SHA1   HashType = "sha1"
	SHA256 HashType = "sha256"
)

// ParseHashType reads a hash name, case-insensitively.
func ParseHashType(s string) (HashType, error) {
	t := HashType(strings.ToLower(strings.TrimSpace(s)))
	if _, err := t.new(); err != nil {
		return "", err
	}
	return t, nil
}

func (t HashType) new() (hash.Hash, error) {
	switch t {
	case MD5:
		return md5.New(), nil
	case SHA1:
		return sha1.New(), nil
	case SHA256:
		return sha256.New(), nil
	}
	return nil, fmt.Errorf("couldn't use hash type %q (want md5, sha1 or sha256): %w", string(t), fault.ErrInvalid)
}

// Sum is the size and hash of a run of bytes that ferry read itself.
type Sum struct {
	Size int64
	Hash string // lowercase hex
	Type HashType
}

// Progress counts bytes moved so heartbeats can tell a live transfer from a
// stuck one. A nil *Progress counts nothing.
type Progress struct {
	n atomic.Int64
}

// Tick marks work alive that moves no bytes just now because it waits its
// turn behind transfers that do (which are watched for stalls themselves).
func (p *Progress) Tick() { p.Add(1) }

// Add counts n more bytes.
func (p *Progress) Add(n int64) {
	if p != nil {
		p.n.Add(n)
	}
}

// Load returns the bytes counted so far.
func (p *Progress) Load() int64 {
	if p == nil {
		return 0
	}
	return p.n.Load()
}

// HashReader hashes exactly the bytes read from r until EOF, counting them in p.
func HashReader(r io.Reader, t HashType, p *Progress) (Sum, error) {
	return HashReaderTo(r, t, p, nil)
}

// HashReaderTo is HashReader that also writes the bytes it hashes to also
// (if not nil): one read feeds both.
func HashReaderTo(r io.Reader, t HashType, p *Progress, also io.Writer) (Sum, error) {
	h, err := t.new()
	if err != nil {
		return Sum{}, err
	}
	var w io.Writer = h
	if also != nil {
		w = io.MultiWriter(h, also)
	}
	n, err := copyPooled(w, &progressReader{r: r, p: p})
	if err != nil {
		return Sum{}, fmt.Errorf("couldn't read to hash: %w", err)
	}
	return Sum{Size: n, Hash: hex.EncodeToString(h.Sum(nil)), Type: t}, nil
}

// progressReader counts bytes as they are read, not after, so a long read
// shows progress while it runs.
type progressReader struct {
	r io.Reader
	p *Progress
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.Add(int64(n))
	return n, err
}
