package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/nlnwa/gowarc/v3"

	"github.com/ferrydata/ferry/internal/validate/validatetest"
)

// warcTree is what writeWARCs wrote: files on disk and the bytes of the
// records in them before gzip.
type warcTree struct {
	files           int
	bytes, recorded int64
}

// writeWARCs writes gzip'd WARCs of about size bytes each into dir with
// gowarc's own file writer (one gzip member per record, a warcinfo record
// first, written as .open and renamed, as a crawler does) until n files are
// full. The records are a crawl's mix: nine in ten HTML pages of 10 to
// 150 kB (text, compressing about threefold), one in ten binaries of 20 kB
// to 1.5 MB (random bytes, as images and video barely compress; the large
// ones make the warc validator spill to state_dir/validate).
func writeWARCs(dir string, n int, size int64) (warcTree, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return warcTree{}, err
	}
	names := &gowarc.PatternNameGenerator{Directory: dir, Prefix: "WEB-", Pattern: "%{prefix}s%05{serial}d.%{ext}s"}
	w := gowarc.NewWarcFileWriter(
		gowarc.WithCompression(true),
		gowarc.WithFileNameGenerator(names),
		gowarc.WithMaxFileSize(size),
		gowarc.WithMaxConcurrentWriters(1),
		gowarc.WithWarcInfoFunc(func(rb gowarc.WarcRecordBuilder) error {
			_, err := rb.WriteString("software: ferry bench\r\nformat: WARC File Format 1.1\r\n")
			return err
		}))
	src := rand.NewChaCha8([32]byte{'w', 'a', 'r', 'c'})
	rng := rand.New(src)
	words := vocabulary(rng, 2000)
	var tree warcTree
	seen := map[string]bool{}
	for i := 0; ; i++ {
		var body []byte
		if rng.IntN(10) == 0 {
			body = make([]byte, 20*kB+rng.IntN(1480*kB))
			_, _ = src.Read(body)
		} else {
			body = page(rng, words, 10*kB+rng.IntN(140*kB))
		}
		rec, err := validatetest.NewResponse(fmt.Sprintf("http://example.test/%d", i), body)
		if err != nil {
			return tree, err
		}
		res := w.Write(rec)
		if res[0].Err != nil {
			return tree, fmt.Errorf("couldn't write a WARC record: %w", res[0].Err)
		}
		tree.recorded += res[0].BytesWritten
		if seen[res[0].FileName] = true; len(seen) > n {
			break // the n files before this one are full
		}
	}
	if err := w.Close(); err != nil {
		return tree, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return tree, err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return tree, err
		}
		if !strings.HasSuffix(e.Name(), ".warc.gz") {
			return tree, fmt.Errorf("gowarc left %s", e.Name())
		}
		tree.files++
		tree.bytes += info.Size()
	}
	return tree, nil
}

// vocabulary is n made-up words of 2 to 11 letters.
func vocabulary(rng *rand.Rand, n int) []string {
	words := make([]string, n)
	for i := range words {
		b := make([]byte, 2+rng.IntN(10))
		for j := range b {
			b[j] = byte('a' + rng.IntN(26))
		}
		words[i] = string(b)
	}
	return words
}

// page is an HTML page of about size bytes of words, in paragraphs and links.
func page(rng *rand.Rand, words []string, size int) []byte {
	var b strings.Builder
	b.Grow(size + 64)
	b.WriteString("<!DOCTYPE html>\n<html><head><title>")
	b.WriteString(words[rng.IntN(len(words))])
	b.WriteString("</title></head><body>\n")
	for b.Len() < size {
		switch rng.IntN(12) {
		case 0:
			fmt.Fprintf(&b, "</p>\n<p class=\"c%d\">", rng.IntN(40))
		case 1:
			fmt.Fprintf(&b, "<a href=\"/%s/%d.html\">%s</a> ", words[rng.IntN(len(words))], rng.IntN(100000), words[rng.IntN(len(words))])
		default:
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
	}
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}
