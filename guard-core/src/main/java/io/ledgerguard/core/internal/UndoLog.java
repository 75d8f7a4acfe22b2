package io.ledgerguard.core.internal;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Records the previous value of every off-heap word written while a linked batch is applied, so that a failing inner
 * command rolls the whole batch back (all-or-nothing, SPEC §4). Outside a batch writes go straight through.
 * <p>
 * Every write the guard makes to its state goes through {@link #putLong(UnsafeBuffer, int, long)}; rolling back
 * restores the words in reverse order, which returns open-addressing tables to exactly their earlier layout because
 * nothing inside a batch deletes (deletes are deferred until the batch commits).
 */
public final class UndoLog
{
    /**
     * Most words one batch may write: {@code BATCH_COMMANDS_MAX} inner commands of at most about 110 words each
     * (an account opened with sixteen credit-line positions), with room to spare.
     */
    public static final int ENTRIES_MAX = 8192;

    private final UnsafeBuffer[] buffers = new UnsafeBuffer[ENTRIES_MAX];
    private final int[] offsets = new int[ENTRIES_MAX];
    private final long[] values = new long[ENTRIES_MAX];
    private int count;
    private boolean active;
    private long writeCount;

    /**
     * Start recording.
     */
    public void begin()
    {
        assert !active : "nested undo scope";
        active = true;
        count = 0;
    }

    /**
     * Keep what was written and stop recording.
     */
    public void commit()
    {
        assert active : "commit without begin";
        active = false;
        count = 0;
    }

    /**
     * Restore every recorded word, newest first, and stop recording.
     */
    public void rollback()
    {
        assert active : "rollback without begin";
        for (int i = count - 1; i >= 0; i--)
        {
            buffers[i].putLong(offsets[i], values[i]);
        }
        active = false;
        count = 0;
    }

    /**
     * @return every write made through this log so far, recorded or not: a check phase asserts it does not move.
     */
    public long writeCount()
    {
        return writeCount;
    }

    /**
     * @return true while a batch is being applied.
     */
    public boolean isActive()
    {
        return active;
    }

    /**
     * Write a word, remembering its old value while recording.
     *
     * @param buffer the table.
     * @param offset of the word.
     * @param value  to write.
     */
    public void putLong(final UnsafeBuffer buffer, final int offset, final long value)
    {
        writeCount++;
        if (active)
        {
            if (count == ENTRIES_MAX)
            {
                // Bounded by BATCH_COMMANDS_MAX and the words a command writes; reaching it is a programming error.
                throw new IllegalStateException("undo log full: entries=" + ENTRIES_MAX);
            }
            buffers[count] = buffer;
            offsets[count] = offset;
            values[count] = buffer.getLong(offset);
            count++;
        }
        buffer.putLong(offset, value);
    }
}
