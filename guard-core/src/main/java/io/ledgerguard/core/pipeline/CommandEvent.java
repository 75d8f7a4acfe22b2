package io.ledgerguard.core.pipeline;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;

/**
 * One ring slot: the command, its decision, and where the decision goes. Allocated once per slot, reused forever.
 */
final class CommandEvent
{
    /** Filled by copying, or exchanged for a producer's own ({@link LedgerGuard#submitAsyncTaking}). */
    Command command = new Command();
    final Decision decision = new Decision();
    /** The synchronous caller's reply slot, or {@code null}. */
    ReplySlot reply;
    /** The asynchronous caller's listener, or {@code null}. */
    DecisionListener listener;
    /** Set by the journal stage when the command could not be journaled: its decision must not be released. */
    boolean journalFailed;
    /** Set by the guard stage when it copied the state right after this command, for a snapshot. */
    boolean snapshotTaken;
}
