package io.ledgerguard.core.internal;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A fixed-capacity open-addressing hash table of fixed-size slots in one off-heap buffer, keyed by one or two
 * {@code long} words at the start of each slot, with linear probing and backward-shift deletion (no tombstones).
 * Key word 0 is never 0 for a live entry: 0 marks an empty slot.
 * <pre>
 *   0        8                                  64
 *   +--------+----------------------------------+------------------+------------------+---
 *   | size   | (header, unused)                 | slot 0           | slot 1           | ...
 *   +--------+----------------------------------+------------------+------------------+---
 *   each slot: key word 0 | [key word 1] | value words ... (slotWords x 8 bytes)
 * </pre>
 * Single writer. Every write goes through the {@link UndoLog} so that a linked batch can be rolled back; deletion is
 * not allowed while a batch is being recorded.
 */
public final class OffHeapTable
{
    /** Bytes before the first slot; a cache line, so slot 0 does not share one with the size word. */
    public static final int HEADER_BYTES = 64;
    private static final int SIZE_OFFSET = 0;

    private final UnsafeBuffer buffer;
    private final UndoLog undo;
    private final int slotBytes;
    private final int keyWords;
    private final int capacity;
    private final int mask;
    private final long sizeMax;

    /**
     * @param sizeMax   most live entries (the configured limit); the capacity keeps the load at or below 70%.
     * @param slotWords words per slot, keys included.
     * @param keyWords  1 or 2.
     * @param undo      the undo log all writes go through.
     */
    public OffHeapTable(final long sizeMax, final int slotWords, final int keyWords, final UndoLog undo)
    {
        assert keyWords == 1 || keyWords == 2 : "keyWords=" + keyWords;
        assert slotWords > keyWords : "slotWords=" + slotWords;
        this.capacity = io.ledgerguard.core.GuardConfig.capacityFor(sizeMax);
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("table too large: sizeMax=" + sizeMax);
        }
        assert BitUtil.isPowerOfTwo(capacity) : "capacity=" + capacity;
        this.sizeMax = sizeMax;
        this.slotBytes = slotWords * 8;
        this.keyWords = keyWords;
        this.mask = capacity - 1;
        this.undo = undo;
        final long bytes = HEADER_BYTES + (long)capacity * slotBytes;
        if (bytes > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("table too large: sizeMax=" + sizeMax + ", bytes=" + bytes);
        }
        this.buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned((int)bytes, 64));
    }

    /**
     * @return the buffer (for snapshots and hashing).
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return number of slots.
     */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @return most live entries.
     */
    public long sizeMax()
    {
        return sizeMax;
    }

    /**
     * @return live entries.
     */
    public long size()
    {
        return buffer.getLong(SIZE_OFFSET);
    }

    /**
     * @return true when no more entries may be inserted.
     */
    public boolean isFull()
    {
        return size() >= sizeMax;
    }

    /**
     * @param count entries about to be inserted.
     * @return true when that many more entries fit.
     */
    public boolean hasRoomFor(final long count)
    {
        return size() + count <= sizeMax;
    }

    /**
     * @return bytes per slot.
     */
    public int slotBytes()
    {
        return slotBytes;
    }

    /**
     * @param index of a slot, below {@link #capacity()}.
     * @return the slot's offset in the buffer.
     */
    public int slotOffset(final int index)
    {
        return HEADER_BYTES + index * slotBytes;
    }

    /**
     * @param offset of a slot.
     * @return true when the slot holds an entry.
     */
    public boolean isOccupied(final int offset)
    {
        return buffer.getLong(offset) != 0;
    }

    /**
     * @param k0 key word 0, not 0.
     * @param k1 key word 1 (ignored for one-word keys).
     * @return the slot offset of the entry, or -1.
     */
    public int find(final long k0, final long k1)
    {
        assert k0 != 0 : "key word 0 must not be 0";
        final UnsafeBuffer buffer = this.buffer;
        int index = (int)Hashing.hash(k0, keyWords == 2 ? k1 : 0) & mask;
        for (int probes = 0; probes < capacity; probes++)
        {
            final int offset = HEADER_BYTES + index * slotBytes;
            final long word0 = buffer.getLong(offset);
            if (word0 == 0)
            {
                return -1;
            }
            if (word0 == k0 && (keyWords == 1 || buffer.getLong(offset + 8) == k1))
            {
                return offset;
            }
            index = (index + 1) & mask;
        }
        return -1;
    }

    /**
     * Insert a key known to be absent, with all value words zero. The caller checked {@link #isFull()}.
     *
     * @param k0 key word 0, not 0.
     * @param k1 key word 1 (ignored for one-word keys).
     * @return the slot offset of the new entry.
     */
    public int insert(final long k0, final long k1)
    {
        assert k0 != 0 : "key word 0 must not be 0";
        assert find(k0, k1) < 0 : "key already present: k0=" + k0 + ", k1=" + k1;
        final long size = size();
        if (size >= sizeMax)
        {
            // Callers check capacity before writing anything; reaching this is a programming error.
            throw new IllegalStateException("table full: sizeMax=" + sizeMax);
        }
        final int offset = emptySlotFor(k0, k1);
        undo.putLong(buffer, offset, k0);
        if (keyWords == 2)
        {
            undo.putLong(buffer, offset + 8, k1);
        }
        undo.putLong(buffer, SIZE_OFFSET, size + 1);
        return offset;
    }

    /**
     * Restore an entry from a snapshot into its slot for this table's capacity, around the undo log: for an engine that
     * applies nothing meanwhile. The snapshot holds each key once.
     *
     * @param source       holds the entry, all its words.
     * @param sourceOffset where it starts.
     * @return the slot offset it went to.
     * @throws IllegalStateException when the table holds its limit already.
     */
    public int restore(final DirectBuffer source, final int sourceOffset)
    {
        final long k0 = source.getLong(sourceOffset);
        final long k1 = keyWords == 2 ? source.getLong(sourceOffset + 8) : 0;
        if (k0 == 0)
        {
            throw new IllegalStateException("restored entry with key word 0 = 0");
        }
        assert find(k0, k1) < 0 : "key restored twice: k0=" + k0 + ", k1=" + k1;
        final long size = size();
        if (size >= sizeMax)
        {
            throw new IllegalStateException("table full: sizeMax=" + sizeMax);
        }
        final int offset = emptySlotFor(k0, k1);
        buffer.putBytes(offset, source, sourceOffset, slotBytes);
        buffer.putLong(SIZE_OFFSET, size + 1);
        return offset;
    }

    /**
     * @return the first empty slot of the key's probe run: where an entry with it goes. The table has room.
     */
    private int emptySlotFor(final long k0, final long k1)
    {
        int index = (int)Hashing.hash(k0, keyWords == 2 ? k1 : 0) & mask;
        while (buffer.getLong(HEADER_BYTES + index * slotBytes) != 0)
        {
            // Terminates: the load factor keeps at least 30% of slots empty.
            index = (index + 1) & mask;
        }
        return HEADER_BYTES + index * slotBytes;
    }

    /**
     * Write a value word of an entry.
     *
     * @param offset of the slot.
     * @param word   index of the word in the slot.
     * @param value  to write.
     */
    public void put(final int offset, final int word, final long value)
    {
        assert word >= keyWords && word * 8 < slotBytes : "word=" + word;
        undo.putLong(buffer, offset + word * 8, value);
    }

    /**
     * @param offset of the slot.
     * @param word   index of the word in the slot.
     * @return the word.
     */
    public long get(final int offset, final int word)
    {
        return buffer.getLong(offset + word * 8);
    }

    /**
     * Remove an entry, shifting later entries of its probe run back so that no tombstone is needed. Not allowed
     * while a batch is being recorded.
     *
     * @param offset of the slot to empty.
     */
    public void remove(final int offset)
    {
        assert !undo.isActive() : "remove inside a linked batch";
        assert isOccupied(offset) : "remove of an empty slot";
        final UnsafeBuffer buffer = this.buffer;
        int hole = (offset - HEADER_BYTES) / slotBytes;
        int index = hole;
        for (int probes = 0; probes < capacity; probes++)
        {
            index = (index + 1) & mask;
            final int candidate = HEADER_BYTES + index * slotBytes;
            final long word0 = buffer.getLong(candidate);
            if (word0 == 0)
            {
                break;
            }
            final long k1 = keyWords == 2 ? buffer.getLong(candidate + 8) : 0;
            final int home = (int)Hashing.hash(word0, k1) & mask;
            // Move the entry into the hole unless its home lies cyclically in (hole, index].
            final boolean homeBetween = hole <= index ? (home > hole && home <= index) : (home > hole || home <= index);
            if (!homeBetween)
            {
                final int holeOffset = HEADER_BYTES + hole * slotBytes;
                buffer.putBytes(holeOffset, buffer, candidate, slotBytes);
                hole = index;
            }
        }
        buffer.setMemory(HEADER_BYTES + hole * slotBytes, slotBytes, (byte)0);
        buffer.putLong(SIZE_OFFSET, size() - 1);
    }
}
