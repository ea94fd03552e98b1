package ledger

import (
	"context"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
)

// Fail records why each file failed; AlreadyFailed is true only for the same
// version failed for the same reason, and Fail never undoes a moved file.
func TestIntegrationFail(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	f, g := file(1), file(2)
	dead := []bus.DeadFile{{File: f, Reason: "invalid", Error: "unknown route"}}
	check := func(what string, dead []bus.DeadFile, want bool) {
		t.Helper()
		got, err := l.AlreadyFailed(ctx, route, "h1", dead)
		if err != nil || got != want {
			t.Errorf("AlreadyFailed %s = %v, %v; want %v", what, got, err, want)
		}
	}
	check("with no record", dead, false)
	check("of no files", nil, false)
	if err := l.Fail(ctx, route, "h1", "j1", 0, dead); err != nil {
		t.Fatal(err)
	}
	if r := get(t, l, f); r.State != Failed || r.Reason != "invalid" || r.LastError != "unknown route" || r.JobID != "j1" {
		t.Errorf("record after Fail = %+v", r)
	}
	check("after Fail", dead, true)
	check("for another reason", []bus.DeadFile{{File: f, Reason: "conflict"}}, false)
	newer := f
	newer.ModTime++
	check("of a newer version", []bus.DeadFile{{File: newer, Reason: "invalid"}}, false)
	check("with a file not failed", append(dead, bus.DeadFile{File: g, Reason: "invalid"}), false)
	if err := l.Set(ctx, route, "h1", g, Moved, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Fail(ctx, route, "h1", "j2", 0, []bus.DeadFile{{File: g, Reason: "invalid"}}); err != nil {
		t.Fatal(err)
	}
	if r := get(t, l, g); r.State != Moved {
		t.Errorf("Fail undid a moved file: %+v", r)
	}
}
