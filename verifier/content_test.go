package verifier

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/ferrydata/ferry/internal/validate/validatetest"
	"github.com/ferrydata/ferry/internal/worker"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// contentCase is one file a WARC route may be sent, and which validator
// (if any) finds it broken.
type contentCase struct {
	name    string
	data    []byte
	invalid []string // the validators that find it broken, in the route's order
}

func contentCases(t *testing.T) []contentCase {
	body := bytes.Repeat([]byte("<html>a crawled page</html>\n"), 3000)
	gz := validatetest.Write(t, 4, body, true)
	plain := validatetest.Write(t, 4, body, false)
	var log bytes.Buffer
	zw := gzip.NewWriter(&log)
	_, _ = zw.Write([]byte("2026-12-02T06:00:00.000Z   200  1234 http://example.test/ L - text/html\n"))
	_ = zw.Close()
	return []contentCase{
		{"valid", gz.Data, nil},
		{"truncated mid-record", gz.Truncated(), []string{"gzip", "warc"}},
		{"wrong block digest", plain.WrongDigest(t, true), []string{"warc"}},
		{"corrupt gzip member", gz.CorruptMember(), []string{"gzip", "warc"}},
		{"not a WARC", log.Bytes(), []string{"warc"}},
	}
}

// A route with validate: [gzip, warc] verifies each case through the real
// ledger on JetStream and a real local rclone destination. Under keep, a
// broken file is dead-lettered as invalid_content and its source stays;
// under flag it moves, its ledger record says which validator found what
// where, and the metric counts it. Either way the copy is read once: the
// validators read the bytes the hash reads.
func TestIntegrationValidateOnInvalid(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: JetStream and rclone")
	}
	transfertest.Init(t)
	b := bustest.Start(t)
	l := ledger.New(b.Ledger())
	for _, flag := range []bool{false, true} {
		for _, c := range contentCases(t) {
			name := map[bool]string{false: "keep", true: "flag"}[flag] + "/" + c.name
			t.Run(name, func(t *testing.T) { verifyContent(t, b, l, c, flag) })
		}
	}
}

func verifyContent(t *testing.T, b *bus.Bus, l *ledger.Ledger, c contentCase, flag bool) {
	ctx := t.Context()
	srcDir, dstDir := t.TempDir(), t.TempDir()
	const rel = "crawl-20261202-00001.warc.gz"
	f := placeCopied(t, srcDir, dstDir, rel, c.data)
	route := t.Name() // a route per case: its own ledger records and series
	route = filepath.Base(route)
	m := metrics.New()
	v := contentVerifier(t, worker.Deps{Bus: b, Ledger: l, Log: bustest.Logger(t), Metrics: m},
		worker.Route{Name: route, Validate: []string{"gzip", "warc"}, FlagInvalid: flag}, srcDir, dstDir)
	job := bus.Job{ID: "20261202T060000-0123456789ab-cccccccccccccccc", Route: route, Host: "h1", Files: []bus.File{f}}
	var progress transfer.Progress
	out := v.verifyJob(ctx, job, &progress)

	_, statErr := os.Stat(filepath.Join(srcDir, rel))
	rec, _, recErr := l.Get(ctx, route, "h1", rel)
	kept := len(c.invalid) > 0 && !flag
	switch {
	case kept:
		if statErr != nil {
			t.Fatalf("source deleted under on_invalid keep: %v", statErr)
		}
		if len(out.Dead) != 1 || out.Dead[0].Reason != fault.ReasonInvalidContent || len(out.Pending) != 0 {
			t.Fatalf("outcome %+v, want the file dead-lettered as %s", out, fault.ReasonInvalidContent)
		}
		// The worker's loop records the dead letter; the verifier wrote nothing.
		if !errors.Is(recErr, ledger.ErrNoRecord) {
			t.Errorf("record %+v, %v: a kept file is not recorded by the verifier", rec, recErr)
		}
		// The dead letter carries the verdict, for the failed record.
		if ch := out.Dead[0].Checks; ch == nil || ch.Valid || ch.Validator != c.invalid[0] || len(ch.Ran) != 2 || ch.Offset < 0 ||
			!strings.Contains(out.Dead[0].Error, c.invalid[0]+": at offset ") {
			t.Errorf("dead letter %+v (checks %+v): want %s's finding, with its offset", out.Dead[0], ch, c.invalid[0])
		}
		t.Logf("dead letter: %s", out.Dead[0].Error)
	default:
		if len(out.Dead) != 0 || len(out.Pending) != 0 {
			t.Fatalf("outcome %+v, want the file moved", out)
		}
		if statErr == nil {
			t.Errorf("source kept, want it moved")
		}
		if recErr != nil {
			t.Fatalf("no ledger record: %v", recErr)
		}
		if rec.State != ledger.Moved || rec.Checks == nil {
			t.Fatalf("record %+v, want moved with checks", rec)
		}
		ch := rec.Checks
		first := ""
		if len(c.invalid) > 0 {
			first = c.invalid[0]
		}
		if ch.Valid != (first == "") || ch.Validator != first || len(ch.Ran) != 2 {
			t.Errorf("checks %+v, want valid %v, validator %q, 2 ran", ch, first == "", first)
		}
		if first != "" && (ch.Offset < 0 || ch.Error == "") {
			t.Errorf("checks %+v: want the error and the offset of the record at fault", ch)
		}
	}
	for _, name := range []string{"gzip", "warc"} {
		want := "valid"
		if slices.Contains(c.invalid, name) {
			want = "invalid"
		}
		if n := testutil.ToFloat64(m.Validations.WithLabelValues(route, name, want)); n != 1 {
			t.Errorf("ferry_validations_total{validator=%q,outcome=%q} = %v, want 1", name, want, n)
		}
	}
	// The source hashed once and the copy read once: nothing else read.
	if got, want := progress.Load(), 2*int64(len(c.data)); got != want {
		t.Errorf("read %d bytes, want %d (the source and the copy, once each)", got, want)
	}
	if got := testutil.ToFloat64(m.VerifyRead.WithLabelValues(route)); got != float64(len(c.data)) {
		t.Errorf("ferry_verify_read_bytes_total = %v, want %d (the copy, read once)", got, len(c.data))
	}
}

// contentVerifier is a verifier of one route (host h1, md5, sources
// deleted; r's name and validator settings) from srcDir to dstDir.
func contentVerifier(t *testing.T, deps worker.Deps, r worker.Route, srcDir, dstDir string) *Verifier {
	t.Helper()
	src, err := transfer.OpenLocalSource(srcDir)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := transfer.OpenDestination(t.Context(), dstDir, transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	r.Host, r.Hash, r.DeleteSource = "h1", transfer.MD5, true
	return &Verifier{deps: deps, routes: worker.Live(worker.Routes{r.Name: {Route: r, Src: src, Dst: dst}})}
}

// placeCopied writes data as rel in srcDir and as its copy in dstDir, and
// returns the file as the mover hands it to the verifier.
func placeCopied(t *testing.T, srcDir, dstDir, rel string, data []byte) bus.File {
	t.Helper()
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, dir := range []string{srcDir, dstDir} {
		p := filepath.Join(dir, rel)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	src, err := transfer.OpenLocalSource(srcDir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := src.Stat(t.Context(), rel)
	if err != nil {
		t.Fatal(err)
	}
	h := md5.Sum(data)
	return bus.File{Path: rel, Size: st.Size, ModTime: st.ModTime.UnixNano(), Ino: st.Ino, CTime: st.CTime.UnixNano(),
		Hash: hex.EncodeToString(h[:])}
}
