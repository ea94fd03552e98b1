// Package verifier proves each copy before its source may go: it downloads
// the copy in full through rclone's hasher wrapper, hashes the bytes it read,
// hashes the source right before the delete, and deletes the source only when
// both hashes match (a checksum-gated move). SAFETY.md lists every rule.
//
// One verification of one file, in this order (verifyFile):
//
//  1. stat the source (before);
//  2. at the same time, read the copy back in full and hash the source
//     through one opened descriptor (measure): the link downloads while
//     the disk reads. Both must succeed; the first failure cancels the
//     other and fails the file. Nothing else runs beside them;
//  3. once both have ended, stat the source again (after), and look at the
//     copy's identity again (copyNow);
//  4. MayDelete over all of it: before, the hashed descriptor and after
//     are one file as announced, both hashes are fresh and equal to the
//     mover's, the copy is not the source and is the object read back;
//  5. Remove, bound to the hashed descriptor's identity, with copyStays
//     as its last check once a local source is moved aside.
//
// Running the two reads together changes no evidence: every piece is
// measured as before, and the after stat now follows both reads, not just
// the hash. The files of a job that end in the same state are recorded
// together (one Ledger.SetAll per state), once the job's last file ends,
// even if the job's context ended first (a stall, a shutdown): a deleted
// source's record must not depend on its siblings.
//
// It must never:
//
//   - take a hash it did not compute in this verification (hasher cache, S3
//     ETag, rclone's CheckHashes) as evidence; a missing hash is a failure,
//     never a pass;
//   - delete a source that is not the file it hashed (the delete is bound to
//     the hashed descriptor's identity), whose copy is the source itself (same
//     inode, or a copy that vanishes or cannot be read once the source is
//     moved aside), or whose copy changed after it was read back;
//   - decide anywhere but MayDelete (decide.go) and the last check of the
//     delete (copyStays): every "no" keeps the file.
package verifier
