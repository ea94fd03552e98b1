package faults

import (
	"strings"
	"testing"
)

// TestParseDead reads `ferry dead list` as it prints letters without files,
// with unknown route, host and job ("-"), with paths that need quoting, and errors
// of several lines that break the table's alignment.
func TestParseDead(t *testing.T) {
	out := strings.Join([]string{
		"SEQ  AT                    STAGE   ROUTE   HOST       JOB              PATH                          REASON   ERROR",
		"1    2026-11-25T00:49:57Z  copy    -       -          -                -                             invalid  couldn't decode job: invalid: unexpected end of JSON input",
		"3    2026-11-25T00:49:57Z  copy    nosuch  crawler01  forged-r         -                             invalid  unknown route \"nosuch\": invalid",
		"6    2026-11-25T00:49:57Z  copy    warcs   crawler01  forged-linkdir   \"linkdir/WEB canary.warc.gz\"  invalid  couldn't open source: linkdir is a symlink: invalid",
		"7    2026-11-25T00:49:57Z  verify  warcs   crawler01  20261125T005858-f5ffafd75f3f  \"names/bad\\nname\\xff.warc.gz\"  max_attempts  couldn't copy a: not a directory",
		"couldn't copy b: not a directory",
		"2  2026-11-25T00:59:09Z  copy  warcs  crawler01  20261125T005858-f5ffafd75f3f  \"a-b/c.warc.gz\"  conflict  exists with different content: conflict",
	}, "\n") + "\n"
	want := []deadLetter{
		{seq: 1, stage: "copy", path: "-", reason: "invalid", err: "couldn't decode job: invalid: unexpected end of JSON input"},
		{seq: 2, stage: "copy", job: "20261125T005858-f5ffafd75f3f", path: "a-b/c.warc.gz", reason: "conflict", err: "exists with different content: conflict"},
		{seq: 3, stage: "copy", job: "forged-r", path: "-", reason: "invalid", err: "unknown route \"nosuch\": invalid"},
		{seq: 6, stage: "copy", job: "forged-linkdir", path: "linkdir/WEB canary.warc.gz", reason: "invalid", err: "couldn't open source: linkdir is a symlink: invalid"},
		{seq: 7, stage: "verify", job: "20261125T005858-f5ffafd75f3f", path: "names/bad\nname\xff.warc.gz", reason: "max_attempts",
			err: "couldn't copy a: not a directory\ncouldn't copy b: not a directory"},
	}
	got := parseDead(t, out)
	if len(got) != len(want) {
		t.Fatalf("parsed %d letters, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("letter %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}
