package transfer_test

import (
	"io"
	"maps"
	"slices"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

var sourceFiles = map[string]string{
	"job/1/warcs/a.warc.gz":  "warc a",
	"job/1/warcs/b.warc.gz":  "warc bb",
	"job/1/logs/crawl.log.1": "log",
	"top level":              "top",
}

func TestIntegrationRemoteSource(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	s3 := transfertest.StartS3(t)
	d, err := transfer.OpenDestination(t.Context(), s3, transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	localDir := t.TempDir()
	for rel, content := range sourceFiles {
		put(t, d, rel, content)
		writeFile(t, localDir, rel, content)
	}
	for name, spec := range map[string]string{"s3": s3, "local backend": ":local:" + localDir} {
		t.Run(name, func(t *testing.T) {
			testRemoteSource(t, spec)
		})
	}
}

func testRemoteSource(t *testing.T, spec string) {
	ctx := t.Context()
	src, err := transfer.OpenSource(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	walked := map[string]transfer.FileInfo{}
	err = src.Walk(ctx, func(fi transfer.FileInfo) error {
		walked[fi.Path] = fi
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := slices.Sorted(maps.Keys(walked)), slices.Sorted(maps.Keys(sourceFiles)); !slices.Equal(got, want) {
		t.Fatalf("Walk = %q, want %q", got, want)
	}
	const rel = "job/1/warcs/b.warc.gz"
	fi, err := src.Stat(ctx, rel)
	if err != nil || fi.Size != int64(len(sourceFiles[rel])) || fi.Path != rel {
		t.Fatalf("Stat = %+v, %v", fi, err)
	}
	rc, fi, err := src.Open(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if w := walked[rel]; err != nil || string(b) != sourceFiles[rel] || fi.Path != w.Path || fi.Size != w.Size || !fi.ModTime.Equal(w.ModTime) {
		t.Fatalf("Open = %q, %+v, %v; Walk said %+v", b, fi, err, walked[rel])
	}
	if err := src.Remove(ctx, rel, fi); err != nil {
		t.Fatal(err)
	}
	for _, op := range []struct {
		name string
		err  func(rel string) error
	}{
		{"Stat", func(rel string) error { _, err := src.Stat(ctx, rel); return err }},
		{"Open", func(rel string) error { _, _, err := src.Open(ctx, rel); return err }},
		{"Remove", func(rel string) error { return src.Remove(ctx, rel, transfer.FileInfo{}) }},
	} {
		wantIs(t, op.name+" of a removed file", op.err(rel), fault.ErrSourceMissing)
		wantIs(t, op.name+" of ../x", op.err("../x"), fault.ErrInvalid)
	}
	if _, err := src.Stat(ctx, "job/1/warcs/a.warc.gz"); err != nil {
		t.Errorf("Remove took a neighbour: %v", err)
	}
}
