// Package verifier proves each copy before its source may go: it downloads
// the copy in full through rclone's hasher wrapper, hashes the bytes it read,
// hashes the source right before the delete, and deletes the source only when
// both hashes match (a checksum-gated move). SAFETY.md lists every rule.
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
