// Package testkit is the test harness shared by the packages whose tests run
// ferry as processes (cmd/ferry, faults) or wait on real servers: the ferry
// binary built once per test binary, processes with their logs, free
// loopback ports, polling waits, short-mode skips, files written as Heritrix
// writes them, network namespaces, cpu cgroups, and a read-only JetStream
// inspector.
//
// It must never import ferry's own packages: only the standard library,
// golang.org/x/sys and the raw nats client. The fault auditor judges ferry
// by what is on disk and in JetStream, and a kit that shared ferry's code
// would share its mistakes. So stream, consumer and bucket names come in as
// arguments, and nothing here decodes ferry's messages or records.
package testkit
