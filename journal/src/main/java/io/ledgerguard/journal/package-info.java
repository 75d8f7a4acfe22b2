/**
 * Chronicle Queue journal of sequenced commands, snapshots, replay and audit tools (built in the journal issue).
 */
package io.ledgerguard.journal;
