package transfer

import (
	"bytes"
	"runtime"
	"testing"
)

// Hashing a small file must not cost io.Copy's 32 KiB buffer each time: a
// backlog of small files made that most of the collector's work.
func TestHashReaderReusesItsBuffer(t *testing.T) {
	data := bytes.Repeat([]byte("w"), 4096)
	const runs = 200
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		if _, err := HashReader(bytes.NewReader(data), MD5, nil); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > copyBufferSize/4 {
		t.Fatalf("HashReader allocated %d bytes per 4 KiB file, want well under a %d-byte copy buffer", perRun, copyBufferSize)
	}
}
