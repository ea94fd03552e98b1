// Package faults proves ferry's promise end to end: a source is deleted only
// after a verified copy exists, whatever fails.
//
// Its tests run the ferry binary as processes over a fake Heritrix (WARCs
// written as .open and renamed, crawl.log appended and rotated, .lck files,
// nested job directories), inject faults at random moments from a seeded
// RNG (SIGKILL of `ferry run`, of each role and of `ferry nats`; an
// unreachable or full destination; copies corrupted after the upload;
// sources rewritten after their copy; purged streams, deleted consumers and
// a deleted ledger bucket; clock jumps against min_age; another file renamed
// over a copied source while the verifier hashes it) and audit every byte
// with an auditor that trusts no ferry state: it reads the source tree, the
// destination tree and `ferry dead list`, nothing else. Its harness is
// internal/testkit, which imports none of ferry's packages for that reason.
//
// TestFaultCampaign is the campaign (its CI form by default; the long form
// with -campaign.long or FERRY_SOAK=1, as `make soak` runs it), and the
// TestBadInput tests feed ferry what a crawler host can hold besides WARCs:
// FIFOs, devices, empty and huge files, files that vanish, shrink or turn
// unreadable between steps, names no path may carry, symlinks out of the
// root, forged jobs, routes whose destination is their own source (or
// another route's), a writer holding a final-named file open; TestSecondWriter
// has two installations write one destination path, TestSwappedFile swaps a
// file under the verifier's hash; TestRolesSurviveNATSRestart and
// TestDeletedConsumers look at JetStream mishaps one at a time.
//
// The suite found four ferry bugs (forged jobs past the route's rules, a
// deleted consumer never recreated, --once waiting on a file dead-lettered
// under an older version, multi-line errors in `ferry dead list`); all are
// fixed, and knownBug fails the test if one comes back.
// Everything here is a test; the package has no API and nothing may import it.
package faults
