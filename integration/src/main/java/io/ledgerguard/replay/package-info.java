/**
 * Replaying a command file (SPEC §9): {@link io.ledgerguard.replay.Replay} sequences and applies a whole file on a
 * fresh guard, in file order, and {@link io.ledgerguard.replay.ReplaySummary} says what it did. The JSON Lines it
 * reads and writes are {@link io.ledgerguard.json}'s: this package is the job, not the format.
 */
package io.ledgerguard.replay;
