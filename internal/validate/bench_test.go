package validate_test

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/validate"
	"github.com/ferrydata/ferry/internal/validate/validatetest"
)

// BenchmarkReadBackValidate is the verifier's read-back pass over a 16 MB
// warc.gz written by gowarc: the md5 alone, then with validators teed in.
// cpu-s/GB is the process's CPU time (user+system, every goroutine) per
// GB read; its increase over "none" is what validation costs.
func BenchmarkReadBackValidate(b *testing.B) {
	body := make([]byte, 256<<10)
	for i := range body {
		body[i] = byte(i * 7 % 251) // compresses a little, like a page
	}
	w := validatetest.Write(b, 64, body, true)
	for _, names := range [][]string{nil, {"gzip"}, {"warc"}, {"gzip", "warc"}} {
		name := "none"
		if names != nil {
			name = names[0]
			if len(names) > 1 {
				name += "+" + names[1]
			}
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(w.Data)))
			cpu0 := cpuTime()
			for b.Loop() {
				vs, err := validate.New(names, "")
				if err != nil {
					b.Fatal(err)
				}
				run := validate.Start(vs)
				sum, err := transfer.HashReaderTo(bytes.NewReader(w.Data), transfer.MD5, nil, run)
				if res := run.Close(err); err != nil || !res.Valid() || sum.Size != int64(len(w.Data)) {
					b.Fatalf("read %d bytes, %v, %v", sum.Size, err, res.First)
				}
			}
			gb := float64(b.N) * float64(len(w.Data)) / 1e9
			b.ReportMetric((cpuTime()-cpu0).Seconds()/gb, "cpu-s/GB")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
