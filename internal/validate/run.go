package validate

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// Run feeds one file's bytes to validators as they are read: each reads
// its own pipe in its own goroutine, so the caller's single read of the
// file (the verifier's read-back) is also theirs. Write the file's bytes
// to it, then call Close once, with the read's error.
type Run struct {
	w     io.Writer
	pipes []*io.PipeWriter
	found []error
	ran   []string
	wg    sync.WaitGroup
}

// Start starts vs on a stream; with no validators the Run takes the bytes
// and finds nothing.
func Start(vs []Validator) *Run {
	r := &Run{found: make([]error, len(vs))}
	ws := make([]io.Writer, len(vs))
	for i, v := range vs {
		pr, pw := io.Pipe()
		r.pipes, ws[i], r.ran = append(r.pipes, pw), pw, append(r.ran, v.Name())
		r.wg.Add(1)
		// No verdict until run returns one: a validator that ends its
		// goroutine without returning (runtime.Goexit) leaves this.
		r.found[i] = &Finding{Validator: v.Name(), Offset: -1, Err: errNoVerdict}
		go func() {
			defer r.wg.Done()
			r.found[i] = run(v, pr)
		}()
	}
	r.w = io.MultiWriter(ws...)
	return r
}

// Write hands p to every validator. A validator that stopped early still
// has its pipe drained, so Write never blocks on it and never fails.
func (r *Run) Write(p []byte) (int, error) { return r.w.Write(p) }

// Close ends the stream (cut short by readErr if not nil), waits for every
// validator and returns their verdict. A stream cut short is a finding of
// every validator that did not find one first: what it read is not the file.
func (r *Run) Close(readErr error) Result {
	for _, pw := range r.pipes {
		_ = pw.CloseWithError(readErr) // nil: io.EOF
	}
	r.wg.Wait()
	res := Result{Ran: r.ran, Findings: make([]*Finding, len(r.ran))}
	for i, err := range r.found {
		if err == nil && readErr != nil {
			err = fmt.Errorf("couldn't read the whole file: %w", readErr)
		}
		if err == nil {
			continue
		}
		var f *Finding
		if !errors.As(err, &f) {
			f = &Finding{Validator: r.ran[i], Offset: -1, Err: err}
		}
		res.Findings[i] = f
		if res.First == nil {
			res.First = f
		}
	}
	return res
}

// errNoVerdict is the finding of a validator that ended without a verdict.
var errNoVerdict = errors.New("the validator ended without a verdict")

// run runs one validator to its end: whatever it returns or however it
// fails, the rest of the stream is drained so the writer goes on. A panic
// is a finding, never a pass.
func run(v Validator, pr *io.PipeReader) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Finding{Validator: v.Name(), Offset: -1, Err: fmt.Errorf("validator panicked: %v", p)}
		}
		_, _ = io.Copy(io.Discard, pr)
		_ = pr.Close()
	}()
	// Not pr itself: a validator (or its library: gowarc's reader closes
	// an io.Closer) must not close the pipe, or the writes left would fail
	// the caller's read instead of being drained.
	return v.Validate(struct{ io.Reader }{pr})
}
