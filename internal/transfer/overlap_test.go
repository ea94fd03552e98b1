package transfer_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/rclone/rclone/fs/config"
)

var remotes atomic.Int64 // numbers test remotes: rclone's config is per process

// remote adds a remote to rclone's in-memory config for the test's length
// and returns its name. kv alternates keys and values.
func remote(t *testing.T, kv ...string) string {
	t.Helper()
	name := fmt.Sprintf("ferryoverlap%d", remotes.Add(1))
	for i := 0; i+1 < len(kv); i += 2 {
		config.FileSetValue(name, kv[i], kv[i+1])
	}
	t.Cleanup(func() { config.DeleteRemote(name) })
	return name
}

// routes builds RouteStorage from (source, destination) pairs, named a, b, ...
func routes(pairs ...[2]string) []transfer.RouteStorage {
	var out []transfer.RouteStorage
	for i, p := range pairs {
		out = append(out, transfer.RouteStorage{Index: i, Name: string(rune('a' + i)), Source: p[0], Destination: p[1]})
	}
	return out
}

func TestCheckOverlap(t *testing.T) {
	transfertest.Init(t)
	root := t.TempDir()
	x, y := filepath.Join(root, "x"), filepath.Join(root, "y")
	for _, d := range []string{x, y, filepath.Join(x, "sub"), filepath.Join(root, "other")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	xlink := filepath.Join(root, "xlink")
	if err := os.Symlink(x, xlink); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(root, "other")
	t.Setenv("RCLONE_CONFIG_FERRYOVERLAPENV_TYPE", "local")

	tests := []struct {
		name   string
		routes func() []transfer.RouteStorage
		want   string // "" means accepted
	}{
		{"destination is its source", func() []transfer.RouteStorage { return routes([2]string{x, x}) },
			"routes[0] (a): destination " + x + " is its own source " + x + ": a copy there would be the source itself"},
		{"destination is a symlink to its source", func() []transfer.RouteStorage { return routes([2]string{x, xlink}) },
			"routes[0] (a): destination " + xlink + " resolves to " + x + ", its own source"},
		{"destination inside its source, not yet created", func() []transfer.RouteStorage {
			return routes([2]string{x, filepath.Join(x, "copies", "new")})
		}, "lies inside " + x + ", its own source " + x + ": copies would land among the source's files"},
		{"destination under a symlink, not yet created", func() []transfer.RouteStorage {
			return routes([2]string{x, filepath.Join(xlink, "new")})
		}, "lies inside " + x},
		{"destination is another route's source", func() []transfer.RouteStorage {
			return routes([2]string{x, y}, [2]string{y, other})
		}, "routes[0] (a): destination " + y + " is the source " + y + " of routes[1] (b)"},
		{"destination a symlink to another route's source", func() []transfer.RouteStorage {
			return routes([2]string{y, other}, [2]string{filepath.Join(root, "x"), other}, [2]string{other, xlink})
		}, "routes[2] (c): destination " + xlink + " resolves to " + x + ", the source " + x + " of routes[1] (b)"},
		{"source inside destination is fine", func() []transfer.RouteStorage {
			return routes([2]string{filepath.Join(x, "sub"), x})
		}, ""},
		{"sibling with a common prefix", func() []transfer.RouteStorage { return routes([2]string{x, x + "2"}) }, ""},
		{"separate directories", func() []transfer.RouteStorage {
			return routes([2]string{x, y}, [2]string{other, filepath.Join(root, "z")})
		}, ""},
		{":local: destination", func() []transfer.RouteStorage { return routes([2]string{x, ":local:" + xlink}) }, "resolves to " + x},
		{"remote of type local", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "local") + ":" + x})
		}, "resolves to " + x},
		{"remote of type local from the environment", func() []transfer.RouteStorage {
			return routes([2]string{x, "ferryoverlapenv:" + filepath.Join(x, "sub")})
		}, "lies inside " + x},
		{"alias", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "alias", "remote", xlink) + ":"})
		}, "resolves to " + x},
		{"alias path inside", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "alias", "remote", root) + ":x/warcs"})
		}, "lies inside " + x},
		{"alias of an alias", func() []transfer.RouteStorage {
			inner := remote(t, "type", "alias", "remote", root)
			return routes([2]string{x, remote(t, "type", "alias", "remote", inner+":xlink") + ":"})
		}, "resolves to " + x},
		{"alias elsewhere", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "alias", "remote", other) + ":"})
		}, ""},
		{"hasher", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "hasher", "remote", x) + ":"})
		}, "resolves to " + x},
		{"chunker", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "chunker", "remote", x) + ":sub"})
		}, "lies inside " + x},
		{"crypt over the source", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "crypt", "remote", x, "password", "x") + ":warcs"})
		}, "lies inside " + x},
		{"crypt over the source's parent, names encrypted", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "crypt", "remote", root, "password", "x") + ":x"})
		}, ""},
		{"crypt over the source's parent, names plain", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "crypt", "remote", root, "password", "x", "filename_encryption", "off") + ":x"})
		}, "resolves to " + x},
		{"union with the source as a read-only upstream", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "union", "upstreams", other+" "+xlink+":ro") + ":"})
		}, "resolves to " + x},
		{"union elsewhere", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "union", "upstreams", other+" "+y) + ":"})
		}, ""},
		{"combine directory on the source", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "combine", "upstreams", "a="+other+" b="+x) + ":b/warcs"})
		}, "lies inside " + x},
		{"combine directory elsewhere", func() []transfer.RouteStorage {
			return routes([2]string{x, remote(t, "type", "combine", "upstreams", "a="+other+" b="+x) + ":a/warcs"})
		}, ""},
		{"wrapping loop", func() []transfer.RouteStorage {
			a, b := fmt.Sprintf("ferryoverlap%d", remotes.Load()+1), fmt.Sprintf("ferryoverlap%d", remotes.Load()+2)
			remote(t, "type", "alias", "remote", b+":")
			remote(t, "type", "alias", "remote", a+":")
			return routes([2]string{x, a + ":"})
		}, "couldn't resolve destination ferryoverlap"},
		{"source with a \"..\" element", func() []transfer.RouteStorage {
			return routes([2]string{xlink + "/../x", other})
		}, `routes[0] (a): source ` + xlink + `/../x: has a ".." element`},
		{"destination with a \"..\" element", func() []transfer.RouteStorage {
			return routes([2]string{x, "../" + filepath.Base(other)})
		}, `routes[0] (a): destination ../other: has a ".." element`},
		{"remote not configured", func() []transfer.RouteStorage { return routes([2]string{x, "nosuchremote:warcs"}) },
			`routes[0] (a): couldn't resolve destination nosuchremote:warcs: remote "nosuchremote" is not in the rclone config`},
		{"two sftp remotes to one host and path", func() []transfer.RouteStorage {
			h1 := remote(t, "type", "sftp", "host", "Files.example.org", "user", "alice")
			h2 := remote(t, "type", "sftp", "host", "files.example.org", "port", "22", "user", "bob")
			return routes([2]string{h2 + ":/data/x", other}, [2]string{x, h1 + ":/data/x/copies"})
		}, "routes[1] (b): destination ferryoverlap"},
		{"sftp to another host", func() []transfer.RouteStorage {
			h1 := remote(t, "type", "sftp", "host", "files.example.org")
			h2 := remote(t, "type", "sftp", "host", "archive.example.org")
			return routes([2]string{h2 + ":/data/x", other}, [2]string{x, h1 + ":/data/x"})
		}, ""},
		{"sftp home directories of two users", func() []transfer.RouteStorage {
			h1 := remote(t, "type", "sftp", "host", "h", "user", "alice")
			h2 := remote(t, "type", "sftp", "host", "h", "user", "bob")
			return routes([2]string{h2 + ":in", other}, [2]string{x, h1 + ":in"})
		}, ""},
		{"s3 prefix inside a bucket that is a source", func() []transfer.RouteStorage {
			a := remote(t, "type", "s3", "provider", "Minio", "endpoint", "http://minio:9000/")
			b := remote(t, "type", "s3", "provider", "Minio", "endpoint", "HTTP://minio:9000")
			return routes([2]string{a + ":bucket", other}, [2]string{x, b + ":bucket/archive"})
		}, "routes[1] (b): destination ferryoverlap"},
		{"s3 another bucket", func() []transfer.RouteStorage {
			a := remote(t, "type", "s3", "provider", "Minio", "endpoint", "http://minio:9000/")
			return routes([2]string{a + ":in", other}, [2]string{x, a + ":archive"})
		}, ""},
		{"on-the-fly sftp remotes", func() []transfer.RouteStorage {
			return routes([2]string{":sftp,host=h:/data", other}, [2]string{x, ":sftp,host=h,user=u:/data/new"})
		}, "lies inside sftp h:22:/data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := transfer.CheckOverlap(tt.routes())
			t.Log(err)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "":
			case err == nil:
				t.Fatalf("accepted, want an error containing %q", tt.want)
			case !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q\nlacks %q", err, tt.want)
			}
			unresolved := strings.Contains(tt.want, "couldn't resolve") || strings.Contains(tt.want, `".." element`)
			if tt.want != "" && !unresolved && !errors.Is(err, fault.ErrOverlap) {
				t.Fatalf("error %v does not wrap fault.ErrOverlap", err)
			}
		})
	}
}
