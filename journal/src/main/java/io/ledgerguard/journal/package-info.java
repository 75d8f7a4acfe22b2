/**
 * The journal (SPEC §8): {@link io.ledgerguard.journal.ChronicleJournal}, the journal stage's store in a Chronicle
 * Queue with a SHA-256 hash chain over its entries ({@link io.ledgerguard.journal.JournalEntryDescriptor});
 * {@link io.ledgerguard.journal.JournalReader}, which verifies a journal as it reads it; and
 * {@link io.ledgerguard.journal.JournalReplay}, which applies one to a fresh engine. Snapshots, recovery and the audit
 * tools come later (issue 3).
 */
package io.ledgerguard.journal;
