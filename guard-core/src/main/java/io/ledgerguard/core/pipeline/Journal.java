package io.ledgerguard.core.pipeline;

import io.ledgerguard.core.Command;

/**
 * The journal stage's store of sequenced commands (SPEC §8). Called on the journal thread only, in sequence order; a
 * command's decision is released only after {@link #append(Command)} returned for it and, at the end of a batch of
 * ring events, {@link #flush()} did.
 */
public interface Journal extends AutoCloseable
{
    /**
     * Record one sequenced command (its {@link Command#seq} and {@link Command#timestampNs} are set).
     *
     * @param command the command; only valid during the call.
     */
    void append(Command command);

    /**
     * Make everything appended so far as durable as this journal promises; called at the end of each batch of ring
     * events, before their decisions are released.
     */
    default void flush()
    {
    }

    /**
     * Release the journal's resources.
     */
    @Override
    void close();
}
