package io.ledgerguard.core.pipeline;

import io.ledgerguard.core.GuardEngine;

/**
 * Decides, on the guard stage's thread after each command, whether to copy the engine's state for a snapshot, and
 * copies it. The copy ({@link GuardEngine#copyStateTo(GuardEngine)}) is the only pause a snapshot costs the guard:
 * writing it out, hashing it and syncing it happen elsewhere.
 */
@FunctionalInterface
public interface SnapshotTrigger
{
    /**
     * Called on the guard thread after every command is applied. Must not block, allocate or do I/O.
     *
     * @param engine the engine, between commands.
     * @param seq    the sequence of the command just applied.
     * @return true when the state as of {@code seq} was copied.
     */
    boolean afterApply(GuardEngine engine, long seq);
}
