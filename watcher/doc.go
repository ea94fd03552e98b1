// Package watcher finds files that are closed (complete, never to change
// again) and announces each once on the bus, after recording it in the ledger.
//
// It owns:
//
//   - the closed-file decision (Rules, Decide): the name matches the route's
//     rclone-style globs (excludes win), relpath.Check accepts it, it is a
//     regular file seen by lstat, and it was last modified min_age ago;
//   - noticing files: fsnotify on local sources (recursively; new directories
//     are watched and scanned) plus a full rescan of every route at start and
//     every rescan interval, which alone would find every closed file;
//   - the announcement: ledger.Announce's compare-and-set, then PublishClosed,
//     so an event and a rescan racing on one file publish it once;
//   - saying what it cannot move (Scan's Problems): files the rules want but
//     refuse, links to directories outside the source, unreadable entries.
//
// Closed-ness comes from the writer's naming: Heritrix writes *.warc.gz.open
// and renames it when complete, and rotates crawl.log by renaming it. For
// sources that write matching names in place, min_age is the only guard.
//
// What it must never do:
//
//   - open a file's contents, follow a symlink (to a file or a directory), or
//     stat anything but by lstat: a symlink could point outside the source
//     (the one exception: a link's target is resolved and stat'ed, never
//     listed, to report a directory whose files would never be moved);
//   - delete, move or change anything on a source;
//   - announce a file the rules exclude (*.open, *.lck, the live crawl.log), a
//     symlink, a FIFO, device or socket, or a name relpath.Check refuses;
//   - re-announce a file the ledger has in flight (until it goes stale) or
//     has failed: a dead-lettered file waits for an operator;
//   - hold a backlog in memory: a scan streams what it walks (a directory a
//     chunk of entries at a time) to a few announcers and keeps no per-file
//     entry, and its re-checks and retries are capped.
package watcher
