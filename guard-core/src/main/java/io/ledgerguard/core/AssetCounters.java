package io.ledgerguard.core;

import java.lang.invoke.VarHandle;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Per-asset figures the guard publishes after every command for monitors on other threads: obligations, holdings,
 * held and status, read without locks and never torn. One 64-byte record per asset, guarded by a sequence lock:
 * <pre>
 *   0         8             16         24     32       40    48            64
 *   +---------+-------------+----------+------+--------+-----+-------------+
 *   | version | obligations | holdings | held | status | seq | timestampNs |
 *   +---------+-------------+----------+------+--------+-----+-------------+
 * </pre>
 * The single writer makes the version odd, writes the figures, and makes it even again; a reader retries while the
 * version is odd or changed under it, so it only ever returns one consistent set of figures.
 */
public final class AssetCounters
{
    /** Bytes per asset record: one cache line, so that assets do not share one. */
    public static final int RECORD_BYTES = 64;
    /** How often a reader retries before giving up on a writer that keeps the record busy. */
    public static final int READ_ATTEMPTS_MAX = 10_000;

    private static final int VERSION_OFFSET = 0;
    private static final int OBLIGATIONS_OFFSET = 8;
    private static final int HOLDINGS_OFFSET = 16;
    private static final int HELD_OFFSET = 24;
    private static final int STATUS_OFFSET = 32;
    private static final int SEQ_OFFSET = 40;
    private static final int TIMESTAMP_OFFSET = 48;

    private final UnsafeBuffer buffer;
    private final int[] assetIds;
    /** Assets whose figures readers may read: grows when a rule change lists one (SPEC §13). */
    private volatile int assetCount;
    /** The writer's copy of {@link #assetCount}, so that it reads no volatile per command. */
    private int writerCount;

    /**
     * @param capacity the most assets there can be.
     */
    AssetCounters(final int capacity)
    {
        this.assetIds = new int[capacity];
        this.buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(RECORD_BYTES * capacity, 64));
    }

    /**
     * @return how many assets are published; it grows when an asset is listed.
     */
    public int assetCount()
    {
        return assetCount;
    }

    /**
     * @return the number the writer last let readers read: for the writer only.
     */
    int listedCount()
    {
        return writerCount;
    }

    /**
     * The writer names an asset's id, before it lets readers read the asset ({@link #count}).
     */
    void list(final int assetIndex, final int assetId)
    {
        assetIds[assetIndex] = assetId;
    }

    /**
     * The writer lets readers read the first {@code count} assets: after it published their figures, so that a
     * reader that sees the count sees their ids and figures (a volatile write).
     */
    void count(final int count)
    {
        if (writerCount != count)
        {
            writerCount = count;
            assetCount = count;
        }
    }

    /**
     * @param assetIndex index of an asset, in configuration order.
     * @return the asset's id.
     */
    public int assetId(final int assetIndex)
    {
        return assetIds[assetIndex];
    }

    void publish(
        final int assetIndex,
        final long obligations,
        final long holdings,
        final long held,
        final AssetStatus status,
        final long seq,
        final long timestampNs)
    {
        final int base = assetIndex * RECORD_BYTES;
        final long version = buffer.getLong(base + VERSION_OFFSET);
        assert (version & 1) == 0 : "odd version outside publish";
        buffer.putLongRelease(base + VERSION_OFFSET, version + 1);
        // Keep the figures below from being written before the odd version is visible.
        VarHandle.storeStoreFence();
        buffer.putLongRelease(base + OBLIGATIONS_OFFSET, obligations);
        buffer.putLongRelease(base + HOLDINGS_OFFSET, holdings);
        buffer.putLongRelease(base + HELD_OFFSET, held);
        buffer.putLongRelease(base + STATUS_OFFSET, status.code());
        buffer.putLongRelease(base + SEQ_OFFSET, seq);
        buffer.putLongRelease(base + TIMESTAMP_OFFSET, timestampNs);
        // Release: a reader that sees the even version sees every figure written before it.
        buffer.putLongRelease(base + VERSION_OFFSET, version + 2);
    }

    /**
     * Read one consistent set of an asset's figures. Safe from any thread; allocates nothing.
     *
     * @param assetIndex index of an asset, in configuration order.
     * @param snapshot   to fill in.
     * @return false only when the writer kept the record busy for {@link #READ_ATTEMPTS_MAX} attempts.
     */
    public boolean read(final int assetIndex, final Snapshot snapshot)
    {
        final int base = assetIndex * RECORD_BYTES;
        for (int attempt = 0; attempt < READ_ATTEMPTS_MAX; attempt++)
        {
            final long before = buffer.getLongAcquire(base + VERSION_OFFSET);
            if ((before & 1) != 0)
            {
                Thread.onSpinWait();
                continue;
            }
            final long obligations = buffer.getLongAcquire(base + OBLIGATIONS_OFFSET);
            final long holdings = buffer.getLongAcquire(base + HOLDINGS_OFFSET);
            final long held = buffer.getLongAcquire(base + HELD_OFFSET);
            final long status = buffer.getLongAcquire(base + STATUS_OFFSET);
            final long seq = buffer.getLongAcquire(base + SEQ_OFFSET);
            final long timestampNs = buffer.getLongAcquire(base + TIMESTAMP_OFFSET);
            // Keep the version re-read below from moving above the figure reads.
            VarHandle.loadLoadFence();
            if (buffer.getLong(base + VERSION_OFFSET) == before)
            {
                snapshot.assetId = assetIds[assetIndex];
                snapshot.obligations = obligations;
                snapshot.holdings = holdings;
                snapshot.held = held;
                snapshot.status = AssetStatus.fromCode((int)status);
                snapshot.seq = seq;
                snapshot.timestampNs = timestampNs;
                return true;
            }
        }
        return false;
    }

    /**
     * One consistent reading of an asset's published figures.
     */
    public static final class Snapshot
    {
        public int assetId;
        public long obligations;
        public long holdings;
        public long held;
        public AssetStatus status = AssetStatus.NORMAL;
        public long seq;
        public long timestampNs;

        /**
         * @return holdings less obligations.
         */
        public long headroom()
        {
            return holdings - obligations;
        }

        /**
         * @return holdings / obligations in basis points, or -1 when there are no obligations.
         */
        public long coverageBps()
        {
            return Coverage.bps(holdings, obligations);
        }
    }
}
