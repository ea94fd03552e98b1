package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	s := func(n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = time.Duration(i+1) * time.Second
		}
		return out
	}
	tests := []struct {
		name string
		in   []time.Duration
		p    int
		want time.Duration
	}{
		{"one value", s(1), 99, time.Second},
		{"p50 of 20 is the 10th", s(20), 50, 10 * time.Second},
		{"p99 of 20 is the largest", s(20), 99, 20 * time.Second},
		{"p99 of 200 is the 198th", s(200), 99, 198 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.in, tt.p); got != tt.want {
				t.Errorf("percentile(%d) = %s, want %s", tt.p, got, tt.want)
			}
		})
	}
}

func TestMediansTakesEachFigureApart(t *testing.T) {
	got := medians([]usage{
		{wall: 3 * time.Second, cpu: 1 * time.Second, rssKB: 500},
		{wall: 1 * time.Second, cpu: 9 * time.Second, rssKB: 100},
		{wall: 2 * time.Second, cpu: 5 * time.Second, rssKB: 900},
	})
	want := usage{wall: 2 * time.Second, cpu: 5 * time.Second, rssKB: 500}
	if got != want {
		t.Errorf("medians = %+v, want %+v", got, want)
	}
}

func TestLogClockCountsLinesSplitAcrossWrites(t *testing.T) {
	c := newLogClock("announced closed file")
	for _, chunk := range []string{"level=INFO msg=\"announced clo", "sed file\" path=a\nlevel=INFO msg=\"job dispatched\"\n",
		"level=INFO msg=\"announced closed file\" path=b\nlevel=INFO msg=\"announced closed file\" path=c"} {
		if _, err := c.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if n, _, _ := c.seen("announced closed file"); n != 2 {
		t.Errorf("counted %d complete lines, want 2 (the third has no newline yet)", n)
	}
}

func TestCheckMovedFailsLoudly(t *testing.T) {
	spec := treeSpec{{"job/warcs", "WEB-%05d.warc.gz", 3, 1000}}
	tests := []struct {
		name    string
		spoil   func(src, dst string) error
		deletes bool
		wantErr string
	}{
		{"all moved", func(src, dst string) error { return nil }, true, ""},
		{"a file missing", func(src, dst string) error {
			return os.Remove(filepath.Join(dst, "job/warcs/WEB-00001.warc.gz"))
		}, true, "missing job/warcs/WEB-00001.warc.gz"},
		{"other bytes", func(src, dst string) error {
			return os.WriteFile(filepath.Join(dst, "job/warcs/WEB-00002.warc.gz"), []byte("x"), 0o644)
		}, true, "different bytes job/warcs/WEB-00002.warc.gz"},
		{"a source left", func(src, dst string) error {
			return os.WriteFile(filepath.Join(src, "left.warc.gz"), []byte("x"), 0o644)
		}, true, "1 sources left behind"},
		{"a copy keeps its sources", func(src, dst string) error {
			return os.WriteFile(filepath.Join(src, "left.warc.gz"), []byte("x"), 0o644)
		}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			master, src, dst := filepath.Join(dir, "master"), filepath.Join(dir, "src"), filepath.Join(dir, "dst")
			if err := spec.write(master); err != nil {
				t.Fatal(err)
			}
			want, err := hashTree(master)
			if err != nil {
				t.Fatal(err)
			}
			if err := copyTree(master, dst); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(src, "job/warcs"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := tt.spoil(src, dst); err != nil {
				t.Fatal(err)
			}
			err = checkMoved(want, src, dst, tt.deletes)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checkMoved: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("checkMoved = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

func TestTreeIsTheSameEveryTimeAndDistinctPerFile(t *testing.T) {
	spec := treeSpec{{"a", "f%d", 2, 5000}, {"b", "g%d", 1, 5000}}
	var trees []map[string][32]byte
	for range 2 {
		dir := t.TempDir()
		if err := spec.write(dir); err != nil {
			t.Fatal(err)
		}
		sums, err := hashTree(dir)
		if err != nil {
			t.Fatal(err)
		}
		trees = append(trees, sums)
	}
	if len(trees[0]) != 3 {
		t.Fatalf("wrote %d files, want 3", len(trees[0]))
	}
	seen := map[[32]byte]bool{}
	for rel, sum := range trees[0] {
		if trees[1][rel] != sum {
			t.Errorf("%s differs between two writes of the same spec", rel)
		}
		if seen[sum] {
			t.Errorf("%s has the same bytes as another file", rel)
		}
		seen[sum] = true
	}
}

func TestLogClockKeepsTheFirstLineOfAKey(t *testing.T) {
	const retried = `msg="job failed; will retry"`
	c := newLogClock(retried)
	for _, chunk := range []string{"time=1 level=INFO msg=\"file copied\"\ntime=2 level=WARN msg=\"job fa", "iled; will retry\" err=x\n", "time=3 msg=\"job failed; will retry\" err=y"} {
		if _, err := c.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if n, _, _ := c.seen(retried); n != 1 || !strings.Contains(c.firstLine(retried), "err=x") {
		t.Fatalf("counted %d retries, first %q; want 1 whole line (the last is not ended yet)", n, c.firstLine(retried))
	}
	_, _ = c.Write([]byte("\n"))
	if n, _, _ := c.seen(retried); n != 2 || !strings.Contains(c.firstLine(retried), "err=x") {
		t.Fatalf("counted %d retries after the last line ended, first %q; want 2, first still err=x", n, c.firstLine(retried))
	}
}
