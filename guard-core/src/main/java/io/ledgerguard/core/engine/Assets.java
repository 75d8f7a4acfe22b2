package io.ledgerguard.core.engine;

import java.util.List;

import org.agrona.BufferUtil;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.internal.UndoLog;

/**
 * The assets part of the state ({@link AssetDescriptor}) and each asset's rules from the configuration. Writes go
 * through the undo log and mark the asset dirty, so that its figures are published to monitors once the command is
 * decided.
 */
public final class Assets
{
    private final UndoLog undo;
    private final UnsafeBuffer buffer;
    private final Int2IntHashMap indexById;
    private final int[] ids;
    private final String[] codes;
    private final boolean[] retired;
    private final long[] reserveBuffer;
    private final long[] creditCap;
    private final long[] attestationAgeMsMax;
    private final long[] breachTolerance;
    private final long[] outflowBucketMs;
    private final long[] outflowMinorUnitsMax;
    private final long[] outflowHotShareBps;
    private final long[] outflowBurstMax;
    private final long[] hotShareBpsMax;
    private final long[] volumeBucketMs;
    private final long[] volumeMultipleBps;

    private final boolean[] dirty;
    private final int[] dirtyAssets;
    private int dirtyCount;
    /** Assets listed, retired ones included: the assets part holds this many records. */
    private int count;

    /**
     * @param config a concluded configuration.
     * @param undo   the engine's undo log.
     */
    public Assets(final GuardConfig config, final UndoLog undo)
    {
        this.undo = undo;
        final int capacity = GuardConfig.ASSETS_MAX;
        // Sized for the assets configured: it grows, on the rare rule change that lists assets past it.
        indexById = new Int2IntHashMap(Math.max(16, config.assets().size() * 2), 0.5f, -1);
        ids = new int[capacity];
        codes = new String[capacity];
        retired = new boolean[capacity];
        reserveBuffer = new long[capacity];
        creditCap = new long[capacity];
        attestationAgeMsMax = new long[capacity];
        breachTolerance = new long[capacity];
        outflowBucketMs = new long[capacity];
        outflowMinorUnitsMax = new long[capacity];
        outflowHotShareBps = new long[capacity];
        outflowBurstMax = new long[capacity];
        hotShareBpsMax = new long[capacity];
        volumeBucketMs = new long[capacity];
        volumeMultipleBps = new long[capacity];
        buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * AssetDescriptor.WORDS * 8, 64));
        dirty = new boolean[capacity];
        dirtyAssets = new int[capacity];
        rules(config);
    }

    /**
     * Take the assets and their limits and tolerances from the rules in force: at construction, when a rule change
     * is installed, and when a snapshot's or another engine's rules are taken (SPEC §13). A change only appends
     * assets, so that an asset keeps its index, and with it its place in the state's layout, for good; the part is
     * laid out for {@link GuardConfig#ASSETS_MAX} assets from the start, so that listing one allocates nothing off
     * the heap. A retired asset keeps its place, but no id lookup finds it. The records of the assets this adds are
     * left as they are: see {@link #clear(int)}.
     *
     * @param config the rules in force from now on.
     */
    void rules(final GuardConfig config)
    {
        final List<GuardConfig.AssetConfig> assetConfigs = config.assets();
        final int next = assetConfigs.size();
        assert next <= ids.length : "assets " + next + " beyond " + ids.length;
        indexById.clear();
        for (int i = 0; i < next; i++)
        {
            final GuardConfig.AssetConfig asset = assetConfigs.get(i);
            ids[i] = asset.id;
            codes[i] = asset.code;
            retired[i] = asset.retired;
            if (!asset.retired)
            {
                indexById.put(asset.id, i);
            }
            outflowBucketMs[i] = Math.max(1, asset.outflowWindowMs / WindowDescriptor.BUCKETS);
            volumeBucketMs[i] = Math.max(1, asset.volumeAlertWindowMs / WindowDescriptor.BUCKETS);
            reserveBuffer[i] = asset.reserveBufferMinorUnits;
            creditCap[i] = asset.creditCapMinorUnits;
            attestationAgeMsMax[i] = asset.attestationAgeMsMax;
            breachTolerance[i] = asset.breachToleranceMinorUnits;
            outflowMinorUnitsMax[i] = asset.outflowMinorUnitsMax;
            outflowHotShareBps[i] = asset.outflowHotShareBpsMax;
            outflowBurstMax[i] = asset.outflowBurstRejectionsMax;
            hotShareBpsMax[i] = asset.hotShareBpsMax;
            volumeMultipleBps[i] = asset.volumeAlertHoldingsMultipleBps;
        }
        for (int i = next; i < count; i++)
        {
            ids[i] = 0;
            codes[i] = null;
            retired[i] = false;
        }
        count = next;
    }

    /**
     * Empty the record of an asset just listed, around the undo log: a listing is never undone (a rule change is not
     * allowed in a batch), and the record may hold what a failed restore left there.
     *
     * @param asset the index of an asset just listed.
     */
    void clear(final int asset)
    {
        buffer.setMemory(AssetDescriptor.offset(asset, 0), AssetDescriptor.WORDS * 8, (byte)0);
        markDirty(asset);
    }

    /**
     * @param asset an asset index.
     * @return true once a rule change retired it.
     */
    public boolean isRetired(final int asset)
    {
        return retired[asset];
    }

    /**
     * @return the number of assets listed, retired ones included: the indexes in use are 0 to this, excluded.
     */
    public int count()
    {
        return count;
    }

    /**
     * @param assetId an asset id.
     * @return its index in configuration order, or -1 when there is no such asset or it was retired.
     */
    public int index(final int assetId)
    {
        return assetId > 0 ? indexById.get(assetId) : -1;
    }

    public int id(final int asset)
    {
        return ids[asset];
    }

    public String code(final int asset)
    {
        return codes[asset];
    }

    public long get(final int asset, final int word)
    {
        return buffer.getLong(AssetDescriptor.offset(asset, word));
    }

    /**
     * Write a word of an asset's record through the undo log, and mark the asset's figures for publication.
     */
    public void put(final int asset, final int word, final long value)
    {
        undo.putLong(buffer, AssetDescriptor.offset(asset, word), value);
        markDirty(asset);
    }

    /**
     * Write a word at construction, before any command: not through the undo log.
     */
    void initialise(final int asset, final int word, final long value)
    {
        buffer.putLong(AssetDescriptor.offset(asset, word), value);
    }

    public boolean hasFlag(final int asset, final long flag)
    {
        return (get(asset, AssetDescriptor.FLAGS) & flag) != 0;
    }

    /**
     * Set or clear flags in the asset's flags word.
     */
    public void setFlag(final int asset, final long flag, final boolean on)
    {
        final long flags = get(asset, AssetDescriptor.FLAGS);
        put(asset, AssetDescriptor.FLAGS, on ? flags | flag : flags & ~flag);
    }

    /**
     * The asset's figures changed: publish them once the command is decided.
     */
    public void markDirty(final int asset)
    {
        if (!dirty[asset])
        {
            dirty[asset] = true;
            dirtyAssets[dirtyCount++] = asset;
        }
    }

    public int dirtyCount()
    {
        return dirtyCount;
    }

    public int dirtyAsset(final int index)
    {
        return dirtyAssets[index];
    }

    /**
     * The dirty assets were published.
     */
    public void clearDirty()
    {
        for (int i = 0; i < dirtyCount; i++)
        {
            dirty[dirtyAssets[i]] = false;
        }
        dirtyCount = 0;
    }

    /**
     * @return the assets part, whole: for snapshots and hashing, never while a command is applied.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** I2: holdings less this must cover obligations. */
    public long reserveBuffer(final int asset)
    {
        return reserveBuffer[asset];
    }

    /** SPEC §5.5: the largest single credit. */
    public long creditCap(final int asset)
    {
        return creditCap[asset];
    }

    /** I5: an attestation older than this restricts the asset. */
    public long attestationAgeMsMax(final int asset)
    {
        return attestationAgeMsMax[asset];
    }

    /** SPEC §5.1: obligations beyond holdings by more than this halt the asset. */
    public long breachTolerance(final int asset)
    {
        return breachTolerance[asset];
    }

    /** SPEC §5.4: the bucket length of the outflow windows. */
    public long outflowBucketMs(final int asset)
    {
        return outflowBucketMs[asset];
    }

    /** SPEC §5.4: the most that may leave in a window. */
    public long outflowMinorUnitsMax(final int asset)
    {
        return outflowMinorUnitsMax[asset];
    }

    /** SPEC §5.4: the most of a hot wallet's expected holdings that may leave it in a window, in basis points. */
    public long outflowHotShareBps(final int asset)
    {
        return outflowHotShareBps[asset];
    }

    /** SPEC §5.4: velocity rejections within a window that halt the outflows. */
    public long outflowBurstMax(final int asset)
    {
        return outflowBurstMax[asset];
    }

    /** SPEC §5.7: the largest share of holdings in hot wallets, in basis points. */
    public long hotShareBpsMax(final int asset)
    {
        return hotShareBpsMax[asset];
    }

    /** SPEC §5.3: the bucket length of the traded volume window. */
    public long volumeBucketMs(final int asset)
    {
        return volumeBucketMs[asset];
    }

    /** SPEC §5.3: traded volume beyond this multiple of holdings, in basis points, is alerted. */
    public long volumeMultipleBps(final int asset)
    {
        return volumeMultipleBps[asset];
    }
}
