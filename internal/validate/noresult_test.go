package validate_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/ferrydata/ferry/internal/validate"
)

// vanisher never returns a result: it reads a little and ends its
// goroutine (runtime.Goexit, as t.FailNow or a library's own abort does).
type vanisher struct{}

func (vanisher) Name() string { return "vanisher" }
func (vanisher) Validate(r io.Reader) error {
	var b [10]byte
	_, _ = r.Read(b[:])
	runtime.Goexit()
	return nil
}

// A validator that ends without returning a verdict is a finding, never a
// pass, and the writes go on. Before the fix its Run said valid.
func TestRunValidatorWithoutAResult(t *testing.T) {
	run := validate.Start([]validate.Validator{vanisher{}})
	if _, err := io.Copy(run, bytes.NewReader(bytes.Repeat([]byte("x"), 1<<20))); err != nil {
		t.Fatalf("copy = %v", err)
	}
	res := run.Close(nil)
	if res.Valid() || res.First == nil || res.First.Validator != "vanisher" {
		t.Fatalf("result %+v, want vanisher's missing verdict as the finding", res)
	}
	t.Logf("finding: %v", res.First)
}

// A Result whose findings say broken is not valid, whichever of its
// fields says so: Valid never trusts First alone, and Invalid reads as the
// finding all the same.
func TestResultValidNeedsNoFindingAtAll(t *testing.T) {
	f := &validate.Finding{Validator: "warc", Offset: 7, Err: errors.New("wrong digest")}
	res := validate.Result{Ran: []string{"gzip", "warc"}, Findings: []*validate.Finding{nil, f}} // First not set
	if res.Valid() {
		t.Fatalf("Result %+v is Valid, want not: warc found a fault", res)
	}
	inv := &validate.Invalid{Result: res}
	if !errors.As(inv, &f) || inv.Error() != f.Error() {
		t.Errorf("Invalid reads %q (unwraps to the finding: %v), want %q", inv.Error(), errors.As(inv, &f), f.Error())
	}
	if ok := (validate.Result{Ran: []string{"gzip"}, Findings: []*validate.Finding{nil}}); !ok.Valid() {
		t.Errorf("Result %+v: want valid", ok)
	}
}
