package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// BenchmarkMove moves and verifies a tree with ferry and, side by side in the
// same run, with the peer baseline (the UKWA rclone recipe: copy, check
// --download, move --checksum). Compare the two lines of one run: this
// machine is shared and noisy. Each iteration moves the whole tree, server
// start-up included.
func BenchmarkMove(b *testing.B) {
	shapes := []struct {
		name  string
		files int
		size  int
	}{
		{"1000x4KiB", 1000, 4 << 10},
		{"16x25MB", 16, 25_000_000},
	}
	for _, shape := range shapes {
		for _, dest := range []string{"local", "s3"} {
			for _, tool := range []string{"ferry", "recipe"} {
				b.Run(fmt.Sprintf("%s/%s/%s", shape.name, dest, tool), func(b *testing.B) {
					benchMove(b, tool, dest, shape.files, shape.size)
				})
			}
		}
	}
}

func benchMove(b *testing.B, tool, dest string, files, size int) {
	data := randomBytes(b, size)
	var total int64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dst := ""
		if dest == "s3" {
			dst = transfertest.StartS3(b)
		}
		s := newSite(b, siteOptions{dst: dst, batch: "{files: 20, max_wait: 1s}"})
		for i := range files {
			path := filepath.Join(s.src, fmt.Sprintf("job/warcs/WEB-%05d.warc.gz", i))
			if i == 0 {
				_ = os.MkdirAll(filepath.Dir(path), 0o755)
			}
			data[0] = byte(i) // distinct files
			if err := os.WriteFile(path, data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if tool == "ferry" {
			if code, out, errOut := s.runFerry("--log-level", "warn", "run", "--once"); code != 0 {
				b.Fatalf("ferry exited %d: %s %s", code, out, errOut)
			}
		} else {
			cfg, err := config.Load(s.config)
			if err != nil {
				b.Fatal(err)
			}
			if err := transfertest.Recipe(context.Background(), s.src, s.dst, cfg.Routes[0].Include); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if left := tree(b, s.src); len(left) != 0 {
			b.Fatalf("%d sources left", len(left))
		}
		total += int64(files * size)
		b.StartTimer()
	}
	b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "files/s")
	b.ReportMetric(float64(total)/1e6/b.Elapsed().Seconds(), "MB/s")
}
