package verifier

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/ferrydata/ferry/internal/validate/validatetest"
	"github.com/ferrydata/ferry/internal/worker"
)

// Under on_invalid keep, a validator that fails for a reason of its own
// (here: warc cannot write its spill file for a record over 1 MiB, as the
// spill directory lies under a plain file, which root cannot write either)
// keeps a valid WARC's source: the failure is a finding, never a pass.
func TestIntegrationKeepWhenTheValidatorCannotSpill(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: JetStream and rclone")
	}
	transfertest.Init(t)
	b := bustest.Start(t)
	body := bytes.Repeat([]byte("<html>a large crawled page</html>\n"), 64<<10) // 2.2 MiB a record
	data := validatetest.Write(t, 2, body, true).Data
	srcDir, dstDir := t.TempDir(), t.TempDir()
	const rel = "WEB-00001.warc.gz"
	f := placeCopied(t, srcDir, dstDir, rel, data)
	plain := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	const route = "warcs"
	v := contentVerifier(t, worker.Deps{Bus: b, Ledger: ledger.New(b.Ledger()), Log: bustest.Logger(t), Metrics: metrics.New()},
		worker.Route{Name: route, Validate: []string{"gzip", "warc"}, SpillDir: filepath.Join(plain, "validate")}, srcDir, dstDir)
	job := bus.Job{ID: "20261202T060000-0123456789ab-dddddddddddddddd", Route: route, Host: "h1", Files: []bus.File{f}}
	out := v.verifyJob(t.Context(), job, &transfer.Progress{})
	if _, err := os.Stat(filepath.Join(srcDir, rel)); err != nil {
		t.Fatalf("source under on_invalid keep, its validator unable to spill: %v, want it kept", err)
	}
	if len(out.Dead) != 1 || out.Dead[0].Reason != fault.ReasonInvalidContent || out.Dead[0].Checks == nil ||
		out.Dead[0].Checks.Validator != "warc" {
		t.Fatalf("outcome %+v, want the file dead-lettered as %s by warc", out, fault.ReasonInvalidContent)
	}
	t.Logf("dead letter: %s", out.Dead[0].Error)
}
