package relpath

import (
	"errors"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
)

// Attack on the merged validator (session 17, 67067e7): every path a forged
// message could carry to escape a route's root, or to name a file the
// watcher would never announce through a path the OS reads differently, is
// refused as invalid (a dead letter, nothing touched).
func TestRedteam17ForgedPathsAreRefused(t *testing.T) {
	for _, rel := range []string{
		"", ".", "..", "../x", "a/../../x", "a/..", "./a", "a/./b", "/etc/passwd", "//x",
		"a//b", "a/", "a\\..\\b", "a\x00b", "a\nb", "a\rb", "a\tb", "a\x7fb", "a\u0085b",
		"a\xffb", "\xc0\xafetc", string(make([]byte, MaxPath+1)),
	} {
		if err := Check(rel); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("Check(%q) = %v, want ErrInvalid", rel, err)
		}
	}
	for _, rel := range []string{"job/warcs/a.warc.gz", "..a", "a..", "...", "a b/c"} {
		if err := Check(rel); err != nil {
			t.Errorf("Check(%q) = %v, want nil (an ordinary name)", rel, err)
		}
	}
}
