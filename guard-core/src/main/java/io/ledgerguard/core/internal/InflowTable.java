package io.ledgerguard.core.internal;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Custody inflows keyed by their chain reference, kept byte for byte so that two references never collide
 * (a 64-bit hash alone could make a deposit land on someone else's inflow). The hash is unique among the inflows held
 * too (a reference whose hash another holds is refused), so that a credit can name its inflow by the hash: slots move
 * when an inflow is removed, hashes do not. Same probing as {@link OffHeapTable}, and the same removal by backward
 * shift, outside any batch; the layout is in {@link InflowDescriptor}.
 */
public final class InflowTable
{
    private static final int SIZE_OFFSET = 0;

    private final UnsafeBuffer buffer;
    private final UndoLog undo;
    private final int capacity;
    private final int mask;
    private final long sizeMax;

    /**
     * @param sizeMax most inflows.
     * @param undo    the undo log all writes go through.
     */
    public InflowTable(final long sizeMax, final UndoLog undo)
    {
        this.capacity = io.ledgerguard.core.GuardConfig.capacityFor(sizeMax);
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("table too large: sizeMax=" + sizeMax);
        }
        this.mask = capacity - 1;
        this.sizeMax = sizeMax;
        this.undo = undo;
        final long bytes = OffHeapTable.HEADER_BYTES + (long)capacity * InflowDescriptor.SLOT_BYTES;
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
     * @return live entries.
     */
    public long size()
    {
        return buffer.getLong(SIZE_OFFSET);
    }

    /**
     * @return true when no more inflows may be recorded.
     */
    public boolean isFull()
    {
        return size() >= sizeMax;
    }

    /**
     * @param index of a slot.
     * @return its offset.
     */
    public int slotOffset(final int index)
    {
        return OffHeapTable.HEADER_BYTES + index * InflowDescriptor.SLOT_BYTES;
    }

    /**
     * @param bytes  the chain reference.
     * @param length its length, 1..{@link InflowDescriptor#CHAIN_REF_LENGTH_MAX}.
     * @return a hash that is never 0 (0 marks an empty slot).
     */
    public static long hash(final byte[] bytes, final int length)
    {
        long h = length;
        for (int i = 0; i < length; i++)
        {
            h = (h ^ bytes[i]) * 0x100000001b3L;
        }
        h = Hashing.mix(h);
        return h == 0 ? 1 : h;
    }

    /**
     * @param hash   from {@link #hash(byte[], int)}.
     * @param bytes  the chain reference.
     * @param length its length.
     * @return the slot offset of the inflow, or -1.
     */
    public int find(final long hash, final byte[] bytes, final int length)
    {
        int index = (int)hash & mask;
        for (int probes = 0; probes < capacity; probes++)
        {
            final int offset = slotOffset(index);
            final long word0 = buffer.getLong(offset);
            if (word0 == 0)
            {
                return -1;
            }
            if (word0 == hash && sameChainRef(offset, bytes, length))
            {
                return offset;
            }
            index = (index + 1) & mask;
        }
        return -1;
    }

    /**
     * @param hash a chain reference's hash, from {@link #hash(byte[], int)}.
     * @return the slot offset of the inflow with that hash, whatever its chain reference, or -1.
     */
    public int findByHash(final long hash)
    {
        int index = (int)hash & mask;
        for (int probes = 0; probes < capacity; probes++)
        {
            final int offset = slotOffset(index);
            final long word0 = buffer.getLong(offset);
            if (word0 == 0)
            {
                return -1;
            }
            if (word0 == hash)
            {
                return offset;
            }
            index = (index + 1) & mask;
        }
        return -1;
    }

    /**
     * Forget an inflow, shifting later entries of its probe run back so that no tombstone is needed. Outside any
     * batch: the caller forgets what retention says to (SPEC §11).
     *
     * @param offset of the inflow.
     */
    public void remove(final int offset)
    {
        assert !undo.isActive() : "remove inside a linked batch";
        assert isOccupied(offset) : "remove of an empty slot";
        int hole = slotIndex(offset);
        int index = hole;
        for (int probes = 0; probes < capacity; probes++)
        {
            index = (index + 1) & mask;
            final int candidate = slotOffset(index);
            final long hash = buffer.getLong(candidate);
            if (hash == 0)
            {
                break;
            }
            final int home = (int)hash & mask;
            // Move the entry into the hole unless its home lies cyclically in (hole, index].
            final boolean homeBetween = hole <= index ? (home > hole && home <= index) : (home > hole || home <= index);
            if (!homeBetween)
            {
                buffer.putBytes(slotOffset(hole), buffer, candidate, InflowDescriptor.SLOT_BYTES);
                hole = index;
            }
        }
        buffer.setMemory(slotOffset(hole), InflowDescriptor.SLOT_BYTES, (byte)0);
        buffer.putLong(SIZE_OFFSET, size() - 1);
    }

    /**
     * @param offset of an inflow.
     * @return the credits that name it.
     */
    public long liveCredits(final int offset)
    {
        return buffer.getLong(offset + InflowDescriptor.LIVE_CREDITS_OFFSET);
    }

    /**
     * @param offset      of an inflow.
     * @param liveCredits the credits that name it now.
     */
    public void liveCredits(final int offset, final long liveCredits)
    {
        assert liveCredits >= 0 : "liveCredits=" + liveCredits;
        undo.putLong(buffer, offset + InflowDescriptor.LIVE_CREDITS_OFFSET, liveCredits);
    }

    /**
     * @param offset of an inflow.
     * @return its chain reference's hash, by which credits name it.
     */
    public long hashAt(final int offset)
    {
        return buffer.getLong(offset + InflowDescriptor.HASH_OFFSET);
    }

    /**
     * Record a new inflow; the caller checked that it is absent and that the table is not full.
     *
     * @param hash          from {@link #hash(byte[], int)}.
     * @param bytes         the chain reference.
     * @param length        its length.
     * @param walletIndex   the wallet it arrived in.
     * @param assetIndex    its asset.
     * @param amount        its amount.
     * @return the slot offset.
     */
    public int insert(
        final long hash, final byte[] bytes, final int length, final int walletIndex, final int assetIndex,
        final long amount)
    {
        assert length > 0 && length <= InflowDescriptor.CHAIN_REF_LENGTH_MAX : "length=" + length;
        final long size = size();
        if (size >= sizeMax)
        {
            throw new IllegalStateException("inflow table full: sizeMax=" + sizeMax);
        }
        final int offset = emptySlotFor(hash);
        undo.putLong(buffer, offset + InflowDescriptor.HASH_OFFSET, hash);
        undo.putLong(buffer, offset + InflowDescriptor.LENGTH_OFFSET, length);
        for (int word = 0; word * 8 < length; word++)
        {
            long packed = 0;
            for (int b = 0; b < 8 && word * 8 + b < length; b++)
            {
                packed |= (bytes[word * 8 + b] & 0xFFL) << (8 * b);
            }
            undo.putLong(buffer, offset + InflowDescriptor.BYTES_OFFSET + word * 8, packed);
        }
        undo.putLong(buffer, offset + InflowDescriptor.WALLET_ASSET_OFFSET,
            ((long)assetIndex << 32) | (walletIndex & 0xFFFF_FFFFL));
        undo.putLong(buffer, offset + InflowDescriptor.AMOUNT_OFFSET, amount);
        undo.putLong(buffer, SIZE_OFFSET, size + 1);
        return offset;
    }

    /**
     * @param offset of a slot.
     * @return true when an inflow is in it.
     */
    public boolean isOccupied(final int offset)
    {
        return buffer.getLong(offset + InflowDescriptor.HASH_OFFSET) != 0;
    }

    /**
     * @param offset of a slot.
     * @return its index.
     */
    public int slotIndex(final int offset)
    {
        return (offset - OffHeapTable.HEADER_BYTES) / InflowDescriptor.SLOT_BYTES;
    }

    /**
     * Restore an inflow from a snapshot into its slot for this table's capacity, around the undo log: for an engine
     * that applies nothing meanwhile.
     *
     * @param source       holds the inflow's slot, whole.
     * @param sourceOffset where it starts.
     * @return the slot offset it went to.
     * @throws IllegalStateException when the table holds its limit already.
     */
    public int restore(final DirectBuffer source, final int sourceOffset)
    {
        final long hash = source.getLong(sourceOffset + InflowDescriptor.HASH_OFFSET);
        if (hash == 0)
        {
            throw new IllegalStateException("restored inflow with hash 0");
        }
        final long size = size();
        if (size >= sizeMax)
        {
            throw new IllegalStateException("inflow table full: sizeMax=" + sizeMax);
        }
        final int offset = emptySlotFor(hash);
        buffer.putBytes(offset, source, sourceOffset, InflowDescriptor.SLOT_BYTES);
        buffer.putLong(SIZE_OFFSET, size + 1);
        return offset;
    }

    /**
     * @param offset of an inflow.
     * @return the wallet index it arrived in.
     */
    public int walletIndex(final int offset)
    {
        return (int)buffer.getLong(offset + InflowDescriptor.WALLET_ASSET_OFFSET);
    }

    /**
     * @param offset of an inflow.
     * @return its asset index.
     */
    public int assetIndex(final int offset)
    {
        return (int)(buffer.getLong(offset + InflowDescriptor.WALLET_ASSET_OFFSET) >>> 32);
    }

    /**
     * @param offset of an inflow.
     * @return its amount.
     */
    public long amount(final int offset)
    {
        return buffer.getLong(offset + InflowDescriptor.AMOUNT_OFFSET);
    }

    /**
     * @param offset of an inflow.
     * @return how much of it has been credited to accounts by deposits.
     */
    public long credited(final int offset)
    {
        return buffer.getLong(offset + InflowDescriptor.CREDITED_OFFSET);
    }

    /**
     * @param offset   of an inflow.
     * @param credited the new credited total.
     */
    public void credited(final int offset, final long credited)
    {
        undo.putLong(buffer, offset + InflowDescriptor.CREDITED_OFFSET, credited);
    }

    /**
     * @return the first empty slot of the hash's probe run: where an inflow with it goes. The table has room.
     */
    private int emptySlotFor(final long hash)
    {
        int index = (int)hash & mask;
        while (buffer.getLong(slotOffset(index)) != 0)
        {
            index = (index + 1) & mask;
        }
        return slotOffset(index);
    }

    private boolean sameChainRef(final int offset, final byte[] bytes, final int length)
    {
        if (buffer.getLong(offset + InflowDescriptor.LENGTH_OFFSET) != length)
        {
            return false;
        }
        final int base = offset + InflowDescriptor.BYTES_OFFSET;
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(base + i) != bytes[i])
            {
                return false;
            }
        }
        return true;
    }
}
