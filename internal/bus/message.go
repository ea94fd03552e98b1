package bus

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/relpath"
)

// Version is the message schema version; anything else is rejected.
const Version = 1

// MaxJobFiles bounds a job so a forged message cannot make a worker loop over
// a million entries.
const MaxJobFiles = 10000

// File is one closed file as the watcher saw it. Path is slash-separated and
// relative to the route's source; Hash is set once the mover has read it.
type File struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	// Ino and CTime tell a local file from another renamed over its name
	// with the same size and mtime; zero for remote sources.
	Ino   uint64 `json:"ino,omitempty"`
	CTime int64  `json:"ctime_ns,omitempty"`
	Hash  string `json:"hash,omitempty"`
}

// MTime returns the modification time the watcher recorded.
func (f File) MTime() time.Time { return time.Unix(0, f.ModTime) }

// Closed announces that one file is complete and may be moved.
type Closed struct {
	V     int    `json:"v"`
	Route string `json:"route"`
	Host  string `json:"host"`
	File  File   `json:"file"`
	// Announced tells announcements apart: a retried publish of one
	// announcement is a duplicate, a stale file announced again is not.
	Announced int64 `json:"announced_ns"`
}

// ID is the dedup id of one announcement of one version of a file.
func (c Closed) ID() string {
	return "closed:" + c.Route + ":" + c.Host + ":" + c.File.Path + ":" +
		strconv.FormatInt(c.File.Size, 10) + ":" + strconv.FormatInt(c.File.ModTime, 10) + ":" +
		strconv.FormatInt(c.Announced, 10)
}

// Job is a batch of files of one route and host, for the mover and then the verifier.
type Job struct {
	V     int    `json:"v"`
	ID    string `json:"id"`
	Route string `json:"route"`
	Host  string `json:"host"`
	Files []File `json:"files"`
}

// DeadFile is a file that will not be retried, and why.
type DeadFile struct {
	File   File    `json:"file"`
	Reason string  `json:"reason"`
	Error  string  `json:"error"`
	Checks *Checks `json:"checks,omitempty"` // the validators' verdict, when they failed the file
}

// DeadLetter records files an operator must look at. Raw holds the original
// message when it could not be decoded at all.
type DeadLetter struct {
	V        int        `json:"v"`
	Stage    string     `json:"stage"`
	JobID    string     `json:"job_id,omitempty"`
	Route    string     `json:"route,omitempty"`
	Host     string     `json:"host,omitempty"`
	Files    []DeadFile `json:"files,omitempty"`
	Reason   string     `json:"reason"`
	Error    string     `json:"error"`
	Attempts int        `json:"attempts"`
	Raw      []byte     `json:"raw,omitempty"`
	At       time.Time  `json:"at"`
}

var (
	jobIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,` + strconv.Itoa(MaxJobID) + `}$`)
)

// ValidToken reports whether s can stand as a route's NATS subject token:
// the route-name rule of relpath.CheckRouteName, which config also applies.
func ValidToken(s string) bool { return relpath.CheckRouteName(s) == nil }

// DecodeClosed parses and checks a closed event; errors wrap fault.ErrInvalid.
func DecodeClosed(data []byte) (Closed, error) {
	var c Closed
	if err := checkUTF8(data); err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("couldn't decode closed event: %w: %v", fault.ErrInvalid, err)
	}
	if err := checkHeader(c.V, c.Route, c.Host); err != nil {
		return c, err
	}
	return c, checkFile(c.File)
}

// DecodeJob parses and checks a job; errors wrap fault.ErrInvalid.
func DecodeJob(data []byte) (Job, error) {
	var j Job
	if err := checkUTF8(data); err != nil {
		return j, err
	}
	if err := json.Unmarshal(data, &j); err != nil {
		return j, fmt.Errorf("couldn't decode job: %w: %v", fault.ErrInvalid, err)
	}
	if err := checkHeader(j.V, j.Route, j.Host); err != nil {
		return j, err
	}
	if !jobIDRE.MatchString(j.ID) {
		return j, fmt.Errorf("job id %q: %w", clip(j.ID), fault.ErrInvalid)
	}
	if len(j.Files) == 0 || len(j.Files) > MaxJobFiles {
		return j, fmt.Errorf("job has %d files, want 1..%d: %w", len(j.Files), MaxJobFiles, fault.ErrInvalid)
	}
	seen := make(map[string]bool, len(j.Files))
	for _, f := range j.Files {
		if err := checkFile(f); err != nil {
			return j, err
		}
		if seen[f.Path] {
			return j, fmt.Errorf("path %q twice in one job: %w", f.Path, fault.ErrInvalid)
		}
		seen[f.Path] = true
	}
	return j, nil
}

// checkUTF8 refuses invalid UTF-8 before encoding/json would quietly turn it
// into U+FFFD, naming a file other than the one on disk.
func checkUTF8(data []byte) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("message is not valid UTF-8: %w", fault.ErrInvalid)
	}
	return nil
}

// clip shortens a forged value for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func checkHeader(v int, route, host string) error {
	if v != Version {
		return fmt.Errorf("message version %d, want %d: %w", v, Version, fault.ErrInvalid)
	}
	if !ValidToken(route) {
		return fmt.Errorf("route %q: %w", clip(route), fault.ErrInvalid)
	}
	if host == "" || len(host) > 255 {
		return fmt.Errorf("host %q: %w", clip(host), fault.ErrInvalid)
	}
	return nil
}

func checkFile(f File) error {
	if err := relpath.Check(f.Path); err != nil {
		return err
	}
	if f.Size < 0 {
		return fmt.Errorf("file %q has size %d: %w", f.Path, f.Size, fault.ErrInvalid)
	}
	return nil
}

// filesDigest names a set of files, so two versions of one job that carry
// different files are not taken for duplicates.
func filesDigest(files []File) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%d\x00%d\x00", f.Path, f.Size, f.ModTime, f.Ino, f.CTime)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
