// Package verifier proves each copy before its source may go: it downloads
// the copy in full through rclone's hasher wrapper, hashes the bytes it read,
// hashes the source right before the delete, and deletes the source only when
// both hashes match (a checksum-gated move).
//
// It must never take a hash it did not compute in this verification (hasher
// cache, S3 ETag, rclone's CheckHashes) as evidence, and a missing hash is a
// failure, never a pass.
package verifier
