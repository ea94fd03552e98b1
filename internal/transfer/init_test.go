package transfer_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/prometheus/client_golang/prometheus"
)

func TestInitRequiresCacheDir(t *testing.T) {
	if err := transfer.Init(t.Context(), transfer.Options{ConfigPath: os.DevNull}); err == nil {
		t.Fatal("Init without CacheDir succeeded")
	}
}

func TestIntegrationRcloneCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(transfer.RcloneCollector(t.Context()))
	d, err := transfer.OpenDestination(t.Context(), t.TempDir(), transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	content := strings.Repeat("x", 1000)
	if _, err := d.Put(t.Context(), "counted", strings.NewReader(content), 1000, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "rclone_bytes_transferred_total" {
			if v := f.GetMetric()[0].GetCounter().GetValue(); v < 1000 {
				t.Fatalf("rclone_bytes_transferred_total = %v after a 1000-byte Put", v)
			}
			return
		}
	}
	t.Fatal("no rclone_bytes_transferred_total")
}
