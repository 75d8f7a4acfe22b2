/**
 * Replaying a command file (SPEC §9): {@link io.ledgerguard.replay.CommandLineParser} decodes one JSON Lines command,
 * {@link io.ledgerguard.replay.Replay} sequences and applies a whole file, and the publishers write decisions, alerts
 * and the final state as JSON.
 */
package io.ledgerguard.replay;
