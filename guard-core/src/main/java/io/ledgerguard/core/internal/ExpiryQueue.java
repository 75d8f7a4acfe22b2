package io.ledgerguard.core.internal;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A bounded first-in first-out queue of (key, atMs) entries in one off-heap buffer: what was recorded when, in the
 * order it was recorded, so that the oldest can be forgotten first. Entries are pushed in sequenced time, which only
 * moves forward, so the queue is sorted by time. Every write goes through the {@link UndoLog}.
 * <pre>
 *   0      8       16                    64        72      80        88      96
 *   +------+-------+---------------------+---------+-------+---------+-------+---
 *   | head | count | (header, unused)    | key 0   | atMs 0| key 1   | atMs 1| ...
 *   +------+-------+---------------------+---------+-------+---------+-------+---
 * </pre>
 * {@code head} is the index of the oldest entry; entries wrap around the capacity.
 */
public final class ExpiryQueue
{
    public static final int HEADER_BYTES = 64;
    public static final int ENTRY_BYTES = 16;
    private static final int HEAD_OFFSET = 0;
    private static final int COUNT_OFFSET = 8;

    private final UnsafeBuffer buffer;
    private final UndoLog undo;
    private final int capacity;

    /**
     * @param capacity most entries.
     * @param undo     the undo log all writes go through.
     */
    public ExpiryQueue(final long capacity, final UndoLog undo)
    {
        final long bytes = HEADER_BYTES + capacity * ENTRY_BYTES;
        if (capacity <= 0 || bytes > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("expiry queue too large: capacity=" + capacity + ", bytes=" + bytes);
        }
        this.capacity = (int)capacity;
        this.undo = undo;
        buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned((int)bytes, 64));
    }

    /**
     * @param capacity most entries.
     * @return the bytes a queue of that capacity takes.
     */
    public static long bytesFor(final long capacity)
    {
        return HEADER_BYTES + capacity * ENTRY_BYTES;
    }

    public int capacity()
    {
        return capacity;
    }

    public int size()
    {
        return (int)buffer.getLong(COUNT_OFFSET);
    }

    public boolean isEmpty()
    {
        return size() == 0;
    }

    /**
     * @param nowMs    the guard's clock.
     * @param windowMs how long an entry is kept.
     * @return true when there is an oldest entry and it was pushed longer than the window ago: it is due.
     */
    public boolean headDue(final long nowMs, final long windowMs)
    {
        return !isEmpty() && nowMs - headAtMs() > windowMs;
    }

    /**
     * @return the oldest entry's key; the queue must not be empty.
     */
    public long headKey()
    {
        assert !isEmpty() : "empty expiry queue";
        return buffer.getLong(entryOffset(0));
    }

    /**
     * @return the oldest entry's time; the queue must not be empty.
     */
    public long headAtMs()
    {
        assert !isEmpty() : "empty expiry queue";
        return buffer.getLong(entryOffset(0) + 8);
    }

    /**
     * Add the newest entry. The caller made sure there is room: the queue holds no more entries than the table whose
     * keys it holds.
     */
    public void push(final long key, final long atMs)
    {
        final int size = size();
        assert size < capacity : "expiry queue full: capacity=" + capacity;
        assert size == 0 || buffer.getLong(entryOffset(size - 1) + 8) <= atMs : "time went back: atMs=" + atMs;
        final int offset = entryOffset(size);
        undo.putLong(buffer, offset, key);
        undo.putLong(buffer, offset + 8, atMs);
        undo.putLong(buffer, COUNT_OFFSET, size + 1);
    }

    /**
     * Remove the oldest entry.
     */
    public void pop()
    {
        final int size = size();
        assert size > 0 : "pop of an empty expiry queue";
        final long head = buffer.getLong(HEAD_OFFSET);
        undo.putLong(buffer, HEAD_OFFSET, head + 1 == capacity ? 0 : head + 1);
        undo.putLong(buffer, COUNT_OFFSET, size - 1);
    }

    /**
     * @param index from the oldest entry, 0 to {@link #size()} - 1.
     * @return the byte offset of that entry: its key, then its time.
     */
    public int entryOffset(final int index)
    {
        final long slot = (buffer.getLong(HEAD_OFFSET) + index) % capacity;
        return HEADER_BYTES + (int)slot * ENTRY_BYTES;
    }

    /**
     * @return the queue's buffer, whole: for snapshots and hashing, never while a command is applied.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }
}
