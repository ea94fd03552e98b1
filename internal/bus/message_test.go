package bus_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
)

// jobJSON encodes a job as a forger would: any version, any field.
func jobJSON(tb testing.TB, j bus.Job) []byte {
	tb.Helper()
	data, err := json.Marshal(j)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

var validJobTime = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

func validJob() bus.Job {
	return bus.Job{V: bus.Version, ID: "20261124T093000-0a1b2c3d4e5f", Route: "warcs", Host: "crawler1.example.org",
		Files: []bus.File{{Path: "job/a.warc.gz", Size: 10, ModTime: 1}, {Path: "job/b.warc.gz", Size: 0, ModTime: 2}}}
}

// manyFiles returns n distinct valid files.
func manyFiles(n int) []bus.File {
	files := make([]bus.File, n)
	for i := range files {
		files[i] = bus.File{Path: fmt.Sprintf("f/%05d", i), Size: 1, ModTime: 1}
	}
	return files
}

// BadJobs are malformed or forged jobs every decoder must refuse; the fuzz
// targets use them as seeds.
func badJobs(tb testing.TB) map[string][]byte {
	tb.Helper()
	with := func(edit func(*bus.Job)) []byte {
		j := validJob()
		edit(&j)
		return jobJSON(tb, j)
	}
	withPath := func(p string) []byte { return with(func(j *bus.Job) { j.Files[0].Path = p }) }
	valid := string(jobJSON(tb, validJob()))
	return map[string][]byte{
		"empty":            {},
		"not json":         []byte("hello"),
		"truncated":        []byte(valid[:len(valid)/2]),
		"array":            []byte(`[1,2]`),
		"null":             []byte(`null`),
		"files not a list": []byte(`{"v":1,"id":"j","route":"r","host":"h","files":"a"}`),
		"version 0":        with(func(j *bus.Job) { j.V = 0 }),
		"version 2":        with(func(j *bus.Job) { j.V = 2 }),
		"no route":         with(func(j *bus.Job) { j.Route = "" }),
		"route with dot":   with(func(j *bus.Job) { j.Route = "a.b" }),
		"route wildcard":   with(func(j *bus.Job) { j.Route = ">" }),
		"no host":          with(func(j *bus.Job) { j.Host = "" }),
		"64 KiB host":      with(func(j *bus.Job) { j.Host = strings.Repeat("h", 64<<10) }),
		"no id":            with(func(j *bus.Job) { j.ID = "" }),
		"id with dot":      with(func(j *bus.Job) { j.ID = "a.b" }),
		"long id":          with(func(j *bus.Job) { j.ID = strings.Repeat("i", 129) }),
		"no files":         with(func(j *bus.Job) { j.Files = nil }),
		"10001 files":      with(func(j *bus.Job) { j.Files = manyFiles(bus.MaxJobFiles + 1) }),
		"duplicate path":   with(func(j *bus.Job) { j.Files[1].Path = j.Files[0].Path }),
		"negative size":    with(func(j *bus.Job) { j.Files[0].Size = -1 }),
		"absolute path":    withPath("/etc/passwd"),
		"dotdot":           withPath("../../etc/passwd"),
		"inner dotdot":     withPath("job/../../x"),
		"empty path":       withPath(""),
		"newline in name":  withPath("job/a\nb.warc.gz"),
		"nul in name":      withPath("job/a\x00b"),
		"backslash":        withPath(`job\..\x`),
		"64 KiB name":      withPath(strings.Repeat("n", 64<<10)),
		// encoding/json turns invalid UTF-8 into U+FFFD; the raw bytes must
		// be refused, not decoded into a name that differs from the file's.
		"invalid UTF-8 in name": []byte(strings.Replace(valid, "a.warc.gz", "a\xff.warc.gz", 1)),
	}
}

func TestDecodeJob(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		want := validJob()
		got, err := bus.DecodeJob(jobJSON(t, want))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || got.Route != want.Route || got.Host != want.Host || len(got.Files) != 2 || got.Files[0] != want.Files[0] {
			t.Errorf("DecodeJob = %+v, want %+v", got, want)
		}
	})
	t.Run("max files", func(t *testing.T) {
		j := validJob()
		j.Files = manyFiles(bus.MaxJobFiles)
		if _, err := bus.DecodeJob(jobJSON(t, j)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("unknown fields ignored", func(t *testing.T) {
		if _, err := bus.DecodeJob([]byte(`{"v":1,"id":"j1","route":"r","host":"h","files":[{"path":"a","size":1,"mtime_ns":1}],"extra":true}`)); err != nil {
			t.Fatal(err)
		}
	})
	for name, data := range badJobs(t) {
		t.Run(name, func(t *testing.T) {
			_, err := bus.DecodeJob(data)
			if !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("DecodeJob = %v, want an error wrapping fault.ErrInvalid", err)
			}
			if len(err.Error()) > 1024 {
				t.Errorf("error is %d bytes long; a forged field must not blow up logs and dead letters", len(err.Error()))
			}
		})
	}
}

func closedJSON(tb testing.TB, c bus.Closed) []byte {
	tb.Helper()
	data, err := json.Marshal(c)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func validClosed() bus.Closed {
	return bus.Closed{V: bus.Version, Route: "warcs", Host: "crawler1", Announced: 7,
		File: bus.File{Path: "job/a.warc.gz", Size: 10, ModTime: 1}}
}

func badClosed(tb testing.TB) map[string][]byte {
	tb.Helper()
	with := func(edit func(*bus.Closed)) []byte {
		c := validClosed()
		edit(&c)
		return closedJSON(tb, c)
	}
	valid := string(closedJSON(tb, validClosed()))
	return map[string][]byte{
		"empty":           {},
		"not json":        []byte("{"),
		"file not object": []byte(`{"v":1,"route":"r","host":"h","file":[]}`),
		"version 2":       with(func(c *bus.Closed) { c.V = 2 }),
		"bad route":       with(func(c *bus.Closed) { c.Route = "a b" }),
		"no host":         with(func(c *bus.Closed) { c.Host = "" }),
		"long host":       with(func(c *bus.Closed) { c.Host = strings.Repeat("h", 256) }),
		"no path":         with(func(c *bus.Closed) { c.File.Path = "" }),
		"absolute":        with(func(c *bus.Closed) { c.File.Path = "/etc/shadow" }),
		"dotdot":          with(func(c *bus.Closed) { c.File.Path = "../x" }),
		"newline":         with(func(c *bus.Closed) { c.File.Path = "a\nb" }),
		"negative size":   with(func(c *bus.Closed) { c.File.Size = -5 }),
		"64 KiB name":     with(func(c *bus.Closed) { c.File.Path = strings.Repeat("n", 64<<10) }),
		"invalid UTF-8":   []byte(strings.Replace(valid, "a.warc.gz", "a\xfe.warc.gz", 1)),
	}
}

func TestDecodeClosed(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		want := validClosed()
		got, err := bus.DecodeClosed(closedJSON(t, want))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("DecodeClosed = %+v, want %+v", got, want)
		}
	})
	for name, data := range badClosed(t) {
		t.Run(name, func(t *testing.T) {
			_, err := bus.DecodeClosed(data)
			if !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("DecodeClosed = %v, want an error wrapping fault.ErrInvalid", err)
			}
		})
	}
}

func TestClosedID(t *testing.T) {
	a := validClosed()
	b := a
	b.Announced++
	c := a
	c.File.ModTime++
	if a.ID() == b.ID() || a.ID() == c.ID() {
		t.Errorf("ids collide: %q %q %q", a.ID(), b.ID(), c.ID())
	}
	if a.ID() != validClosed().ID() {
		t.Error("one announcement has two ids")
	}
}

func TestNewJobID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := bus.NewJobID(validJobTime)
		if !bus.ValidToken(id) || seen[id] {
			t.Fatalf("NewJobID = %q: not a token or not unique", id)
		}
		seen[id] = true
	}
}
