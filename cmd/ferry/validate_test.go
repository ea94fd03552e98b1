package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/validate/validatetest"
)

// A route with validate: [gzip, warc] and on_invalid: keep is sent a valid
// WARC and the same WARC truncated mid-record. The valid one moves (its
// source deleted). The truncated one keeps its source and is dead-lettered
// as invalid_content; its dead letter and its failed ledger record carry
// the validators' verdict (which ran, the first to fail, the offset of the
// member at fault), and the letter's error names the validator and the
// offset. With validate_before_copy the mover finds it and nothing is
// uploaded; without, the verifier finds it in the copy it reads back.
func TestIntegrationValidateBeforeCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	body := bytes.Repeat([]byte("<html>a crawled page</html>\n"), 3000)
	warc := validatetest.Write(t, 4, body, true)
	for _, before := range []bool{true, false} {
		name := map[bool]string{true: "before copy", false: "on the copy"}[before]
		t.Run(name, func(t *testing.T) {
			extra := "    validate: [gzip, warc]\n    on_invalid: keep\n"
			if before {
				extra += "    validate_before_copy: true\n"
			}
			s := newSite(t, siteOptions{batch: "{files: 1, max_wait: 200ms}", routeExtra: extra})
			const good, bad = "job/good.warc.gz", "job/bad.warc.gz"
			s.heritrixWrite(good, warc.Data)
			s.heritrixWrite(bad, warc.Truncated())
			if code, out, _ := s.runFerry("run", "--once", "--timeout", "2m"); code != 1 {
				t.Fatalf("run: exit %d, want 1 (one file dead-lettered)\n%s", code, out)
			}

			if _, err := os.Stat(filepath.Join(s.src, good)); !os.IsNotExist(err) {
				t.Errorf("valid WARC's source: %v, want it deleted", err)
			}
			if got, err := os.ReadFile(filepath.Join(s.dst, good)); err != nil || !bytes.Equal(got, warc.Data) {
				t.Errorf("valid WARC's copy: %d bytes, %v; want the %d bytes of the source", len(got), err, len(warc.Data))
			}
			if _, err := os.Stat(filepath.Join(s.src, bad)); err != nil {
				t.Errorf("truncated WARC's source under on_invalid keep: %v, want it kept", err)
			}
			_, err := os.Stat(filepath.Join(s.dst, bad))
			if uploaded := err == nil; uploaded == before {
				t.Errorf("truncated WARC at the destination: %v; validate_before_copy %v", err, before)
			}

			if st, err := os.Stat(filepath.Join(s.dir, "state", "validate")); err != nil || !st.IsDir() {
				t.Errorf("validators' spill directory under state_dir: %v", err)
			}

			var letters []bus.StoredDeadLetter
			decode(t, s.ferryOK("dead", "list", "--json"), &letters)
			if len(letters) != 1 || len(letters[0].Files) != 1 || letters[0].Files[0].File.Path != bad {
				t.Fatalf("dead letters %+v, want one, of %s", letters, bad)
			}
			d := letters[0].Files[0]
			wantStage := map[bool]bus.Stage{true: bus.StageCopy, false: bus.StageVerify}[before]
			if d.Reason != fault.ReasonInvalidContent || letters[0].Stage != string(wantStage) {
				t.Errorf("dead letter: stage %s, reason %s; want %s, %s", letters[0].Stage, d.Reason, wantStage, fault.ReasonInvalidContent)
			}
			wantChecks(t, "dead letter", d.Checks)
			if !strings.Contains(d.Error, "gzip: at offset ") {
				t.Errorf("dead letter error %q does not name the validator and the offset", d.Error)
			}

			var files []fileStatus
			decode(t, s.ferryOK("status", "--json", bad), &files)
			if len(files) != 1 || files[0].Record.State != ledger.Failed {
				t.Fatalf("status --json %s: %+v, want one failed record", bad, files)
			}
			wantChecks(t, "failed record", files[0].Record.Checks)
			if c := files[0].Record.Checks; c != nil && d.Checks != nil &&
				(c.Validator != d.Checks.Validator || c.Offset != d.Checks.Offset || c.Error != d.Checks.Error) {
				t.Errorf("record's checks %+v differ from the dead letter's %+v", c, d.Checks)
			}
		})
	}
}

// wantChecks asserts the verdict on the truncated WARC: both validators
// ran, gzip (first in the route's order) found it, at a known offset.
func wantChecks(t *testing.T, where string, c *ledger.Checks) {
	t.Helper()
	if c == nil {
		t.Errorf("%s has no checks", where)
		return
	}
	if c.Valid || !slices.Equal(c.Ran, []string{"gzip", "warc"}) || c.Validator != "gzip" || c.Offset < 0 || c.Error == "" {
		t.Errorf("%s checks %+v: want gzip and warc ran, gzip found a fault at a known offset", where, *c)
	}
}

// Under on_invalid flag, validate_before_copy changes nothing: both WARCs
// move, the truncated one with the verdict in its moved record.
func TestIntegrationValidateBeforeCopyFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	body := bytes.Repeat([]byte("<html>a crawled page</html>\n"), 3000)
	warc := validatetest.Write(t, 4, body, true)
	s := newSite(t, siteOptions{batch: "{files: 1, max_wait: 200ms}",
		routeExtra: "    validate: [gzip, warc]\n    on_invalid: flag\n    validate_before_copy: true\n"})
	const good, bad = "job/good.warc.gz", "job/bad.warc.gz"
	s.heritrixWrite(good, warc.Data)
	s.heritrixWrite(bad, warc.Truncated())
	if code, out, _ := s.runFerry("run", "--once", "--timeout", "2m"); code != 0 {
		t.Fatalf("run: exit %d, want 0 (both moved)\n%s", code, out)
	}
	for rel, data := range map[string][]byte{good: warc.Data, bad: warc.Truncated()} {
		if _, err := os.Stat(filepath.Join(s.src, rel)); !os.IsNotExist(err) {
			t.Errorf("%s's source: %v, want it deleted", rel, err)
		}
		if got, err := os.ReadFile(filepath.Join(s.dst, rel)); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s's copy: %d bytes, %v; want the %d bytes of the source", rel, len(got), err, len(data))
		}
	}
	var files []fileStatus
	decode(t, s.ferryOK("status", "--json", bad), &files)
	if len(files) != 1 || files[0].Record.State != ledger.Moved {
		t.Fatalf("status --json %s: %+v, want one moved record", bad, files)
	}
	wantChecks(t, "moved record", files[0].Record.Checks)
}
