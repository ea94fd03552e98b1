package ledger

import (
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
)

// The keys are on disk in every ledger: a change in their layout would
// leave every record unfound (and every kept file verified again), so it is
// pinned here. A change needs a migration (MigrateKeys).
func TestKeyLayout(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"file record", fileKey("warcs", "crawler01.example.org", "job/a.warc.gz"),
			"file.warcs.crawler01_2eexample_2eorg.9ef814505753ee640db07eda15436093"},
		{"attempts", attemptKey(bus.StageVerify, "20261202T170000-0123456789ab"), "job.verify.20261202T170000-0123456789ab"},
		{"a route's files", FileKeys("warcs"), "file.warcs.>"},
		{"all files", FileKeys(""), "file.>"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: key %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if k := fileKey("warcs", "h", "p"); !strings.HasPrefix(k, strings.TrimSuffix(FileKeys("warcs"), ">")) {
		t.Errorf("fileKey %q is not matched by FileKeys(warcs)", k)
	}
}

// Two hosts never share a ledger record (bus.TestHostTokenTellsHostsApart).
func TestFileKeyTellsHostsApart(t *testing.T) {
	for _, pair := range [][2]string{{"a.b", "a_b"}, {"a_b", "a_5fb"}, {"a.b", "a_2eb"}, {"", "_"}, {"a b", "a_b"}} {
		if x, y := fileKey("r", pair[0], "p"), fileKey("r", pair[1], "p"); x == y {
			t.Errorf("hosts %q and %q share the ledger key %s", pair[0], pair[1], x)
		}
	}
}
