package io.ledgerguard.core.pipeline;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;

/**
 * The journal stage's store of sequenced commands and their decisions (SPEC §8). Called on the journal thread only,
 * in sequence order; a command's decision is released only after {@link #append(Command, Decision)} returned for it
 * and, at the end of a batch of ring events, {@link #flush()} did.
 */
public interface Journal extends AutoCloseable
{
    /**
     * Record one sequenced command (its {@link Command#seq} and {@link Command#timestampNs} are set) with the guard's
     * decision on it, alerts included.
     *
     * @param command  the command; only valid during the call.
     * @param decision the guard's decision on it; only valid during the call.
     */
    void append(Command command, Decision decision);

    /**
     * The guard stage copied its whole state right after applying the command just appended, for a snapshot
     * ({@link SnapshotTrigger}): a journal that writes checkpoints notes where its chain stood at that sequence.
     *
     * @param seq the sequence of the command just appended.
     */
    default void snapshotTaken(final long seq)
    {
    }

    /**
     * @return true when an entry is as durable as this journal promises once {@link #append} returns, so that
     *     {@link #flush()} makes nothing more durable (a memory-mapped journal with {@code process} durability): the
     *     pipeline may then apply, journal and answer each command on one thread, without waiting for the end of a
     *     batch.
     */
    default boolean durableOnAppend()
    {
        return false;
    }

    /**
     * From now on the calling thread appends: a journal whose writer is confined to one thread (Chronicle Queue's
     * appender checks it) is handed to this one. Called once by a {@link LinkedGuard} on its first command, since the
     * journal was opened and recovered on another thread, perhaps.
     */
    default void handOver()
    {
    }

    /**
     * Make everything appended so far as durable as this journal promises; called at the end of each batch of ring
     * events, before their decisions are released.
     */
    default void flush()
    {
    }

    /**
     * For monitors on any thread: the head of the journal's hash chain (SPEC §8) as of the last entry written.
     *
     * @param into receives the head's 32 bytes.
     * @return the sequence of the last command the head covers (0 when none); -1 when this journal keeps no chain;
     *     -2 when no consistent reading could be had (the journal was writing throughout).
     */
    default long chainHead(final byte[] into)
    {
        return -1;
    }

    /**
     * Release the journal's resources.
     */
    @Override
    void close();
}
