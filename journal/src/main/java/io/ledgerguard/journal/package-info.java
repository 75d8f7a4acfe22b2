/**
 * The journal (SPEC §8): {@link io.ledgerguard.journal.ChronicleJournal}, the journal stage's store in a Chronicle
 * Queue with a SHA-256 hash chain over its entries ({@link io.ledgerguard.journal.JournalEntryDescriptor}), which
 * allocates the disk ahead of its writes and stops before a full one ({@link io.ledgerguard.journal.DiskRunway});
 * {@link io.ledgerguard.journal.QueueFileCheck}, which checks the queue files with plain reads before Chronicle Queue
 * opens them; {@link io.ledgerguard.journal.JournalReader}, which verifies a journal as it reads it;
 * {@link io.ledgerguard.journal.JournalReadAhead}, which does so on a thread of its own ahead of a replay;
 * {@link io.ledgerguard.journal.JournalReplay}, which applies one to a fresh engine; snapshots and recovery
 * ({@link io.ledgerguard.journal.Snapshotter}, {@link io.ledgerguard.journal.SnapshotStore},
 * {@link io.ledgerguard.journal.Recovery}); and {@link io.ledgerguard.journal.JournalRepair}, which writes a damaged
 * journal's entries up to a sequence into a new one.
 */
package io.ledgerguard.journal;
