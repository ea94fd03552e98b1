// Package bus is ferry's only door to NATS: the embedded JetStream server,
// the connection, the streams and consumers, the messages the roles exchange,
// and the key-value store behind the ledger.
//
// The queue is a hint, never the truth: a lost or duplicated message must only
// cost time. So every message carries what a role needs to re-check the files
// on disk, and nothing here decides that a file may be deleted.
package bus
