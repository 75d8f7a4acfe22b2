package io.ledgerguard.core.engine;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.internal.UndoLog;

/**
 * The globals part of the state ({@link GlobalDescriptor}): the kill switch for everything, the guard's clock, the
 * command count and the frozen-account count.
 */
public final class Globals
{
    private final UndoLog undo;
    private final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(GlobalDescriptor.BYTES, 64));

    /**
     * @param undo the engine's undo log.
     */
    public Globals(final UndoLog undo)
    {
        this.undo = undo;
    }

    public long get(final int word)
    {
        return buffer.getLong(GlobalDescriptor.offset(word));
    }

    /**
     * Write a word through the undo log: a linked batch that fails takes it back.
     */
    public void put(final int word, final long value)
    {
        undo.putLong(buffer, GlobalDescriptor.offset(word), value);
    }

    /**
     * Write a word that no batch takes back: the clock and the command count, written between commands or before the
     * first inner command of a batch, and counts recomputed after a restore.
     */
    public void putPlain(final int word, final long value)
    {
        buffer.putLong(GlobalDescriptor.offset(word), value);
    }

    /**
     * @return the globals part, whole: for snapshots and hashing, never while a command is applied.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }
}
