package watcher

import (
	"io/fs"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	rules := heritrixRules(t)
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	old := now.Add(-time.Hour)
	const minAge = time.Minute
	tests := []struct {
		name   string
		rel    string
		mode   fs.FileMode
		mtime  time.Time
		minAge time.Duration
		want   Decision
	}{
		{"closed warc", "x.warc.gz", 0o644, old, minAge, Decision{Verdict: Ready}},
		{"open warc", "x.warc.gz.open", 0o644, old, minAge, Decision{Verdict: Ignore}},
		{"live crawl log", "crawl.log", 0o644, old, minAge, Decision{Verdict: Ignore}},
		{"checkpoint rotation", "crawl.log.cp00001-20261124093000", 0o644, old, minAge, Decision{Verdict: Ready}},
		{"restart rotation", "crawl.log.20261124093000", 0o644, old, minAge, Decision{Verdict: Ready}},
		{"lock", "crawl.log.lck", 0o644, old, minAge, Decision{Verdict: Ignore}},
		{"rotated lock", "crawl.log.20261124093000.lck", 0o644, old, minAge, Decision{Verdict: Ignore}},
		{"other log", "alerts.log", 0o644, old, minAge, Decision{Verdict: Ignore}},
		{"nested", "nested/dirs/a.warc.gz", 0o644, old, minAge, Decision{Verdict: Ready}},
		{"invalid", ".invalid", 0o644, old, minAge, Decision{Verdict: Ignore}},
		{"broken warc", "x.warc.gz.invalid", 0o644, old, minAge, Decision{Verdict: Ignore}},
		{"symlink", "a.warc.gz", fs.ModeSymlink | 0o777, old, minAge, Decision{Verdict: Skip, Reason: ReasonSymlink}},
		{"fifo", "a.warc.gz", fs.ModeNamedPipe | 0o644, old, minAge, Decision{Verdict: Skip, Reason: ReasonNotRegular}},
		{"socket", "a.warc.gz", fs.ModeSocket | 0o644, old, minAge, Decision{Verdict: Skip, Reason: ReasonNotRegular}},
		{"device", "a.warc.gz", fs.ModeDevice | fs.ModeCharDevice | 0o644, old, minAge, Decision{Verdict: Skip, Reason: ReasonNotRegular}},
		{"directory named like a warc", "a.warc", fs.ModeDir | 0o755, old, minAge, Decision{Verdict: Ignore}},
		{"symlink not matching", "a.txt", fs.ModeSymlink, old, minAge, Decision{Verdict: Ignore}},
		{"newline in name", "a\nb.warc.gz", 0o644, old, minAge, Decision{Verdict: Skip, Reason: ReasonInvalidName}},
		{"invalid utf-8", "\xff.warc.gz", 0o644, old, minAge, Decision{Verdict: Skip, Reason: ReasonInvalidName}},
		{"backslash", `a\b.warc.gz`, 0o644, old, minAge, Decision{Verdict: Skip, Reason: ReasonInvalidName}},
		{"bad name beats bad type", "a\nb.warc.gz", fs.ModeNamedPipe, old, minAge, Decision{Verdict: Skip, Reason: ReasonInvalidName}},
		{"too young", "x.warc.gz", 0o644, now.Add(-20 * time.Second), minAge, Decision{Verdict: Young, Wait: 40 * time.Second}},
		{"old enough later", "x.warc.gz", 0o644, now.Add(-minAge), minAge, Decision{Verdict: Ready}},
		{"future mtime waits", "x.warc.gz", 0o644, now.Add(time.Second), minAge, Decision{Verdict: Young, Wait: minAge + time.Second}},
		{"no min age trusts names", "x.warc.gz", 0o644, now.Add(time.Hour), 0, Decision{Verdict: Ready}},
		{"no min age just written", "x.warc.gz", 0o644, now, 0, Decision{Verdict: Ready}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Candidate{Rel: tt.rel, Mode: tt.mode, Size: 10, ModTime: tt.mtime}
			if got := rules.Decide(c, now, tt.minAge); got != tt.want {
				t.Errorf("Decide(%q, %v) = %+v, want %+v", tt.rel, tt.mode, got, tt.want)
			}
		})
	}
}

func TestDecideYoungThenClosed(t *testing.T) {
	rules := heritrixRules(t)
	mtime := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	c := Candidate{Rel: "a.warc.gz", Size: 1, ModTime: mtime}
	d := rules.Decide(c, mtime.Add(10*time.Second), time.Minute)
	if d.Verdict != Young || d.Wait != 50*time.Second {
		t.Fatalf("at 10s: %+v, want Young after 50s", d)
	}
	if d := rules.Decide(c, mtime.Add(10*time.Second+d.Wait), time.Minute); d.Verdict != Ready {
		t.Fatalf("after the wait: %+v, want Ready", d)
	}
}

func TestCandidateFile(t *testing.T) {
	mtime := time.Unix(1700000000, 123456789)
	f := Candidate{Rel: "a/b.warc.gz", Size: 42, ModTime: mtime}.File()
	if f.Path != "a/b.warc.gz" || f.Size != 42 || f.ModTime != mtime.UnixNano() || f.Hash != "" {
		t.Fatalf("File() = %+v", f)
	}
}

func TestIsRemote(t *testing.T) {
	for src, want := range map[string]bool{
		"/data/heritrix/jobs": false,
		"jobs":                false,
		"./a:b":               false,
		"/data/a:b":           false,
		"s3:bucket/jobs":      true,
		"hdfs:":               true,
		":local:/tmp/x":       true,
		"remote,opt=x:path":   true,
	} {
		if got := isRemote(src); got != want {
			t.Errorf("isRemote(%q) = %v, want %v", src, got, want)
		}
	}
}
