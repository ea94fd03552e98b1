// Command bench measures ferry against its peers, as issue 8 asks: for each
// workload, in one run and on the same data, upload-only `rclone copy`, the
// UKWA recipe (rclone copy, check --download, move --checksum) and `ferry
// run --once` with the default config, each run as a child process whose
// wall time, CPU and peak RSS are read from its rusage; then the latency of
// one file closed on an idle `ferry run`, the CPU content validators add
// (gzip, warc) on a tree of gowarc-written WARCs with the bytes ferry's
// verifier read back, and a backlog of waiting files.
// `-only ledger-state -backlog N` (opt-in) measures the bus's memory per
// moved file in this process, without files or transfers (ledgerstate.go).
//
// It prints markdown (bench/RESULTS.md is one such output) and fails loudly
// when a tool exits non-zero, leaves a source behind, or the destination
// lacks a file or holds other bytes. Targets are printed beside the figures;
// missing one is a finding, not a failure.
//
// Run by `make bench` (and `make bench-scale` for large backlogs), never by
// `make test`: the link workload needs root (network namespaces and tc) and
// is skipped, saying so, without it.
package main
