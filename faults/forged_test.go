package faults

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// forgedFile is a file entry of a forged job.
type forgedFile struct {
	Path  string `json:"path"`
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime_ns"`
	Hash  string `json:"hash,omitempty"`
}

// forgedJob builds a job as the bus would carry it.
func forgedJob(id string, files ...forgedFile) []byte {
	data, _ := json.Marshal(map[string]any{"v": 1, "id": id, "route": routeName, "host": hostName, "files": files})
	return data
}

// entry describes a file on disk as a job would: size, mtime and md5.
func entry(t *testing.T, path, rel string) forgedFile {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	sum := md5.Sum(data)
	return forgedFile{Path: rel, Size: fi.Size(), MTime: fi.ModTime().UnixNano(), Hash: hex.EncodeToString(sum[:])}
}

// TestBadInputForgedJobs publishes forged and malformed jobs straight to a
// running `ferry run`'s subjects, as anyone with access to NATS could. Each
// is dead-lettered or refused; the daemon keeps running; nothing outside the
// root is read or deleted, even when the forgery names a path through a
// symlink whose target has an identical copy at the destination; files the
// route's rules exclude are never moved.
func TestBadInputForgedJobs(t *testing.T) {
	skipShort(t)
	s := newSite(t, siteOptions{})
	data := randBytes(30 << 10)
	outCanary := plantCanary(t, filepath.Join(s.outside, "canary.warc.gz"), data)
	dirCanary := plantCanary(t, filepath.Join(s.outside, "crawl", "WEB-canary.warc.gz"), data)
	symlink(t, s, filepath.Dir(dirCanary.path), "linkdir")
	symlink(t, s, outCanary.path, "links/out.warc.gz")
	// The destination already holds identical copies: only refusing the
	// path keeps a verifier from deleting what lies behind it.
	for _, rel := range []string{"linkdir/WEB-canary.warc.gz", "links/out.warc.gz"} {
		mkdirAll(t, filepath.Dir(s.dstPath(rel)))
		must(t, os.WriteFile(s.dstPath(rel), data, 0o644))
	}
	s.write("job/logs/crawl.log", []byte("live crawl log\n"))
	s.write("job/warcs/WEB-1.warc.gz.open", randBytes(10<<10))
	s.write("job/logs/crawl.log.lck", nil)
	live := map[string]string{}
	for _, rel := range []string{"job/logs/crawl.log", "job/warcs/WEB-1.warc.gz.open", "job/logs/crawl.log.lck"} {
		live[rel], _ = hashFile(s.path(rel))
		// Identical copies at the destination, so a verify job would pass.
		mkdirAll(t, filepath.Dir(s.dstPath(rel)))
		raw, _ := os.ReadFile(s.path(rel))
		must(t, os.WriteFile(s.dstPath(rel), raw, 0o644))
	}
	canaryEntry := entry(t, dirCanary.path, "linkdir/WEB-canary.warc.gz")
	plantCanaryFile(t, dirCanary.path) // entry read it

	copySubj := "ferry.copy." + routeName + "." + hostName
	verifySubj := "ferry.verify." + routeName + "." + hostName
	long := strings.Repeat("x", 64<<10) + ".warc.gz"
	forged := []struct {
		name    string
		subject string
		data    []byte
	}{
		{"invalid JSON", copySubj, []byte(`{"v":1,"id":"x",`)},
		{"unknown version", copySubj, []byte(`{"v":99,"id":"forged-v","route":"warcs","host":"crawler01","files":[{"path":"a.warc.gz","size":1,"mtime_ns":1}]}`)},
		{"unknown route", copySubj, []byte(`{"v":1,"id":"forged-r","route":"nosuch","host":"crawler01","files":[{"path":"a.warc.gz","size":1,"mtime_ns":1}]}`)},
		{"absolute path", copySubj, forgedJob("forged-abs", forgedFile{Path: outCanary.path, Size: int64(len(data))})},
		{"dot-dot path", copySubj, forgedJob("forged-dotdot", forgedFile{Path: "../outside/canary.warc.gz", Size: int64(len(data))})},
		{"path through a symlinked directory", copySubj, forgedJob("forged-linkdir", canaryEntry)},
		{"path of a symlink", copySubj, forgedJob("forged-link", forgedFile{Path: "links/out.warc.gz", Size: int64(len(data))})},
		{"name with a newline", copySubj, forgedJob("forged-nl", forgedFile{Path: "job/a\nb.warc.gz", Size: 1})},
		{"invalid UTF-8", copySubj, []byte("{\"v\":1,\"id\":\"forged-utf8\",\"route\":\"warcs\",\"host\":\"crawler01\",\"files\":[{\"path\":\"a\xff.warc.gz\",\"size\":1,\"mtime_ns\":1}]}")},
		{"64 KiB name", copySubj, forgedJob("forged-long", forgedFile{Path: long, Size: 1})},
		{"verify through a symlinked directory, identical copy", verifySubj, forgedJob("forged-vlinkdir", canaryEntry)},
		{"copy of the live crawl.log", copySubj, forgedJob("forged-crawllog", entry(t, s.path("job/logs/crawl.log"), "job/logs/crawl.log"))},
		{"verify of an .open WARC, identical copy", verifySubj, forgedJob("forged-open", entry(t, s.path("job/warcs/WEB-1.warc.gz.open"), "job/warcs/WEB-1.warc.gz.open"))},
		{"verify of a .lck file, identical copy", verifySubj, forgedJob("forged-lck", entry(t, s.path("job/logs/crawl.log.lck"), "job/logs/crawl.log.lck"))},
	}
	run := s.start("run")
	err := withJS(s.port, 90*time.Second, func(ctx context.Context, js jsConn) error {
		for _, f := range forged {
			if err := js.publish(ctx, f.subject, f.data); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 3*time.Minute, "every forged job settled", func() bool {
		var n uint64
		err := withJS(s.port, 10*time.Second, func(ctx context.Context, js jsConn) error {
			var err error
			n, err = js.Count(ctx, streamJobs, "ferry.>")
			return err
		})
		return err == nil && n == 0
	})
	good := randBytes(20 << 10)
	s.heritrixWrite("control/after.warc.gz", good)
	testkit.WaitFor(t, 2*time.Minute, "a good file written after the forgeries to be moved", func() bool {
		return movedFile("control/after.warc.gz", sha(good))(s, nil)
	})
	if !run.Running() {
		t.Fatalf("ferry run exited (%v)", run.Err())
	}
	code, out, errOut := s.ferry(time.Minute, "dead", "list")
	if code != 0 {
		t.Fatalf("ferry dead list exited %d: %s", code, errOut)
	}
	letters := parseDead(t, out)
	stopGracefully(t, run)

	outCanary.check(t)
	dirCanary.check(t)
	var excluded []string
	for rel, want := range live {
		if got, err := hashFile(s.path(rel)); err != nil || got != want {
			excluded = append(excluded, rel)
		}
	}
	if len(excluded) > 0 {
		knownBug(t, fmt.Sprintf("forged jobs moved %q, files the route's rules exclude: mover and verifier "+
			"never check a job's paths against include/exclude (internal/worker Accept, cmd/ferry workerRoutes)", excluded))
	}
	byJob := map[string]bool{}
	undecodable := 0
	for _, d := range letters {
		byJob[d.job] = true
		if d.job == "" {
			undecodable++
		}
		if d.reason != "invalid" {
			t.Errorf("dead letter of job %q, path %q has reason %s (%s), want invalid", d.job, d.path, d.reason, d.err)
		}
	}
	for _, id := range []string{"forged-v", "forged-abs", "forged-dotdot", "forged-linkdir", "forged-link", "forged-nl", "forged-long", "forged-vlinkdir"} {
		if !byJob[id] {
			t.Errorf("no dead letter for forged job %s:\n%s", id, out)
		}
	}
	if undecodable < 2 { // the invalid JSON and the invalid UTF-8
		t.Errorf("%d dead letters for the 2 undecodable messages:\n%s", undecodable, out)
	}
	for _, r := range findLog(readLog(t, run.Log), "job handler panicked", nil) {
		t.Errorf("a handler panicked: %v", r)
	}
}
