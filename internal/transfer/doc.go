// Package transfer is ferry's only door to rclone. It owns:
//
//   - process-wide rclone set-up (Init): the remotes of secrets (in memory
//     only, the config file's copied beside them), else the config file
//     (rclone.config, ./.rclone.conf, rclone's usual path), each logged by
//     source; rotation (SetSecrets) and the names of undefined remotes;
//     cache dir, accounting and its Prometheus collector;
//   - preflight's checks (ListDestination, Destination.Probe);
//   - destinations (any rclone remote) that upload without ever overwriting
//     or leaving a truncated file at the final name, and read objects back
//     in full to hash the bytes actually stored;
//   - sources (a local directory through os.Root, or any rclone remote) that
//     list, stat, open and remove files by validated relative paths, and
//     remove only the file that was hashed, and (locally) not while a process
//     on this host has it open for writing;
//   - per-route transfer knobs (Tuning): a bandwidth limit in rclone's
//     --bwlimit syntax on the readers it hands rclone, since rclone's own
//     limiter is one per process;
//   - rclone's filter-glob semantics (CompileGlob); the path rules are
//     relpath.Check's, applied on every rel this package is handed;
//   - the overlap checks (CheckOverlap, ProbeOverlap): no destination may be,
//     resolve to or lie inside a source.
//
// What it must never do:
//
//   - write a secret's remotes to disk, or log any remote's option values;
//   - overwrite or replace an object at the destination: the final write
//     itself refuses where the backend can (final.go); elsewhere the
//     verifier re-reads the copy's Identity before the source delete;
//   - report a hash it did not compute from bytes it read itself: never
//     Object.Hash, the hasher cache, S3 ETags or operations.CheckHashes,
//     whose "no common hash" counts as a match (rclone issue #6350);
//     FileInfo.Tag reads a stored hash only to tell objects apart;
//   - read, follow or remove anything outside a local source's root, follow
//     a symlink there or in a remote source, or open a FIFO or device;
//   - decide whether a source may be deleted: it only removes what it is told.
//
// No other ferry package imports rclone; they use the types here instead.
package transfer
