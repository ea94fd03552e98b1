package transfer_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

func TestParseBwLimit(t *testing.T) {
	const mi = 1 << 20
	// A Wednesday; rclone's timetable days run Sun..Sat.
	at := func(hhmm string) time.Time {
		tt, err := time.ParseInLocation("2006-01-02 15:04", "2026-12-02 "+hhmm, time.Local)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	tests := []struct {
		name     string
		spec     string
		when     string
		up, down int64 // 0: no limit
		off      bool  // ParseBwLimit gives nil
		invalid  bool
	}{
		{name: "empty", spec: "", when: "12:00", off: true},
		{name: "off", spec: "off", when: "12:00", off: true},
		{name: "one rate, both ways", spec: "20M", when: "03:00", up: 20 * mi, down: 20 * mi},
		{name: "upload:download", spec: "10M:50M", when: "03:00", up: 10 * mi, down: 50 * mi},
		{name: "upload only", spec: "10M:off", when: "03:00", up: 10 * mi},
		{name: "timetable by day", spec: "08:00,20M 19:00,off", when: "12:00", up: 20 * mi, down: 20 * mi},
		{name: "timetable at night", spec: "08:00,20M 19:00,off", when: "20:00"},
		{name: "timetable before its first slot", spec: "08:00,20M 19:00,off", when: "07:59"},
		{name: "weekdays", spec: "Mon-08:00,5M Sat-00:00,off", when: "12:00", up: 5 * mi, down: 5 * mi},
		{name: "bad unit", spec: "20Q", invalid: true},
		{name: "bad time", spec: "25:00,1M", invalid: true},
		{name: "bad day", spec: "Xyz-08:00,1M", invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := transfer.ParseBwLimit(tt.spec)
			if tt.invalid {
				if !errors.Is(err, fault.ErrInvalid) {
					t.Fatalf("ParseBwLimit(%q) = %v, want %v", tt.spec, err, fault.ErrInvalid)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (l == nil) != tt.off {
				t.Fatalf("ParseBwLimit(%q) = %v, want nil: %v", tt.spec, l, tt.off)
			}
			if up, down := l.At(at(tt.when)); up != tt.up || down != tt.down {
				t.Errorf("At(%s) = %d up, %d down; want %d, %d", tt.when, up, down, tt.up, tt.down)
			}
		})
	}
}

// A limited destination's upload and read-back each take at least as long
// as the limit allows: a lower bound, which a slow machine cannot break.
func TestBwLimitSlowsPutAndReadBack(t *testing.T) {
	transfertest.Init(t)
	ctx := t.Context()
	l, err := transfer.ParseBwLimit("1M:2M")
	if err != nil {
		t.Fatal(err)
	}
	d, err := transfer.OpenDestination(ctx, t.TempDir(), transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	d.SetBwLimit(l)
	data := bytes.Repeat([]byte("x"), 512<<10)
	start := time.Now()
	if _, err := d.Put(ctx, "a.warc.gz", bytes.NewReader(data), int64(len(data)), time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("512 KiB uploaded at 1 MiB/s in %s, want at least 0.4 s", took)
	}
	// A bucket refills while idle (up to rclone's 4 MiB burst), as the
	// download's did during the upload: start the read-back on a fresh one.
	if l, err = transfer.ParseBwLimit("1M:2M"); err != nil {
		t.Fatal(err)
	}
	d.SetBwLimit(l)
	start = time.Now()
	if _, _, err := d.ReadBack(ctx, "a.warc.gz", nil); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("512 KiB read back at 2 MiB/s in %s, want at least 0.2 s", took)
	}
}
