package bus_test

import (
	"errors"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/relpath"
)

// jobID is what a job id may be: safe in subjects, keys and message ids.
var jobID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// FuzzDecodeJob: decoding never panics, refuses with fault.ErrInvalid, and
// whatever it accepts is safe for a worker to act on.
func FuzzDecodeJob(f *testing.F) {
	f.Add(jobJSON(f, validJob()))
	for _, data := range badJobs(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := bus.DecodeJob(data)
		if err != nil {
			if !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("error %v does not wrap fault.ErrInvalid", err)
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatal("accepted a job that is not UTF-8")
		}
		if j.V != bus.Version || !bus.ValidToken(j.Route) || j.Host == "" || len(j.Host) > 255 || !jobID.MatchString(j.ID) {
			t.Fatalf("accepted a bad header: %+v", j)
		}
		if len(j.Files) < 1 || len(j.Files) > bus.MaxJobFiles {
			t.Fatalf("accepted a job of %d files", len(j.Files))
		}
		seen := map[string]bool{}
		for _, f := range j.Files {
			if err := relpath.Check(f.Path); err != nil {
				t.Fatalf("accepted a bad path: %v", err)
			}
			if f.Size < 0 || seen[f.Path] {
				t.Fatalf("accepted file %+v (negative size or twice)", f)
			}
			seen[f.Path] = true
		}
	})
}

// FuzzDecodeClosed: the same for closed-file announcements.
func FuzzDecodeClosed(f *testing.F) {
	f.Add(closedJSON(f, validClosed()))
	for _, data := range badClosed(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := bus.DecodeClosed(data)
		if err != nil {
			if !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("error %v does not wrap fault.ErrInvalid", err)
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatal("accepted an announcement that is not UTF-8")
		}
		if c.V != bus.Version || !bus.ValidToken(c.Route) || c.Host == "" || len(c.Host) > 255 {
			t.Fatalf("accepted a bad header: %+v", c)
		}
		if err := relpath.Check(c.File.Path); err != nil || c.File.Size < 0 {
			t.Fatalf("accepted file %+v: %v", c.File, err)
		}
	})
}
