// Package validate owns the content checks a route may ask for: a
// validator reads the bytes of one file as a stream and says whether they
// are what the route expects (every gzip member decodes, every WARC record
// parses and matches its digests, the file is not empty). The verifier runs
// a route's validators on the bytes it reads back from the destination, in
// the same pass as the hash: Start returns a writer the read-back tees into.
//
// The validators a route may name are one explicit list (registry.go); a
// name not on it is a configuration error. Validators that must cache
// more than they hold in memory write to a spill directory
// (state_dir/validate); CleanSpillDir empties it of what a killed process
// left there.
//
// It must never:
//
//   - read a file itself: it sees only the bytes written to a Run;
//   - turn a validator's failure into a pass: an error, a panic or a stream
//     cut short is a finding (invalid), never "valid";
//   - decide about a delete: it returns a Result, and the verifier's
//     MayDelete weighs it with the route's on_invalid.
package validate
