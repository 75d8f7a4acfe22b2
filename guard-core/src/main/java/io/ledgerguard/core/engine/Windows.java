package io.ledgerguard.core.engine;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.core.internal.UndoLog;

import static io.ledgerguard.core.engine.Arithmetic.exceedsShare;
import static io.ledgerguard.core.engine.WindowDescriptor.BUCKETS;
import static io.ledgerguard.core.engine.WindowDescriptor.BUCKET_MS;
import static io.ledgerguard.core.engine.WindowDescriptor.EPOCH;
import static io.ledgerguard.core.engine.WindowDescriptor.FIRST_BUCKET;
import static io.ledgerguard.core.engine.WindowDescriptor.SUM;

/**
 * The sliding windows ({@link WindowDescriptor}) and the rules that count in them: outflow velocity and its bursts
 * (SPEC §5.4) and traded volume against holdings (SPEC §5.3). A window moves with sequenced time only, in bounded
 * work: at most {@link WindowDescriptor#BUCKETS} buckets are emptied per move.
 */
public final class Windows
{
    private final CommandContext context;
    private final UndoLog undo;
    private final Assets assets;
    private final Wallets wallets;
    private final Alerts alerts;
    private final UnsafeBuffer buffer;
    /** The asset of a withdrawal rejected for velocity in the command being applied, or -1. */
    private int velocityRejectedAsset = -1;

    public Windows(
        final CommandContext context, final UndoLog undo, final Assets assets, final Wallets wallets,
        final Alerts alerts)
    {
        this.context = context;
        this.undo = undo;
        this.assets = assets;
        this.wallets = wallets;
        this.alerts = alerts;
        buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(WindowDescriptor.offset(
            WindowDescriptor.count(GuardConfig.ASSETS_MAX, GuardConfig.WALLETS_MAX)), 64));
    }

    /**
     * SPEC §5.4: the withdrawals of the window, this one included, within the asset's limit and, for a hot wallet,
     * within its share of the wallet's expected holdings. The withdrawal that would cross either is rejected with an
     * {@link io.ledgerguard.core.AlertType#OUTFLOW_VELOCITY} alert, and the caller counts it towards a burst once the
     * command is decided. Moves both windows to the guard's clock.
     */
    public Reason checkOutflowVelocity(final int asset, final int wallet, final long amount)
    {
        final long bucketMs = assets.outflowBucketMs(asset);
        final int assetWindow = outflowWindow(asset);
        final int walletWindow = walletWindow(wallet);
        advance(assetWindow, bucketMs);
        advance(walletWindow, bucketMs);
        final long assetOutflow = sum(assetWindow) + amount;
        long limit = assets.outflowMinorUnitsMax(asset);
        long outflow = assetOutflow;
        boolean exceeded = assetOutflow < 0 || assetOutflow > limit;
        if (!exceeded && wallets.kind(wallet) == WalletKind.HOT)
        {
            final long expected = wallets.get(wallet, WalletDescriptor.EXPECTED);
            final long shareBps = assets.outflowHotShareBps(asset);
            // bps <= 10,000: the share of a non-negative long cannot overflow once divided first.
            final long share =
                expected <= 0 ? 0 : (expected / 10_000) * shareBps + (expected % 10_000) * shareBps / 10_000;
            final long walletOutflow = sum(walletWindow) + amount;
            if (walletOutflow < 0 || walletOutflow > share)
            {
                exceeded = true;
                limit = share;
                outflow = walletOutflow;
            }
        }
        if (!exceeded)
        {
            return Reason.OK;
        }
        alerts.outflowVelocity(asset, wallets.id(wallet), outflow, limit);
        velocityRejectedAsset = asset;
        return Reason.OUTFLOW_VELOCITY_EXCEEDED;
    }

    /**
     * A withdrawal was accepted: count it in its asset's and its wallet's outflow windows.
     */
    public void addOutflow(final int asset, final int wallet, final long amount)
    {
        final long bucketMs = assets.outflowBucketMs(asset);
        add(outflowWindow(asset), bucketMs, amount);
        add(walletWindow(wallet), bucketMs, amount);
    }

    /**
     * Once a command is decided: count the velocity rejection it met, if any, towards a burst. Outside any batch's
     * undo, so that a rejection inside a rejected batch counts as much as one on its own.
     *
     * @return the asset whose outflows the burst must halt now, or -1.
     */
    public int countVelocityRejection()
    {
        assert !undo.isActive() : "burst counted inside a batch's undo";
        final int asset = velocityRejectedAsset;
        if (asset < 0)
        {
            return -1;
        }
        velocityRejectedAsset = -1;
        final int window = burstWindow(asset);
        add(window, assets.outflowBucketMs(asset), 1);
        return sum(window) >= assets.outflowBurstMax(asset) ? asset : -1;
    }

    /**
     * The outflow halt was lifted: the next burst counts from none.
     */
    public void resetBursts(final int asset)
    {
        reset(burstWindow(asset), assets.outflowBucketMs(asset));
    }

    /**
     * SPEC §5.3: internal traded volume in the window above the configured multiple of holdings raises
     * {@link io.ledgerguard.core.AlertType#VOLUME_EXCEEDS_HOLDINGS} once, when it crosses; it may raise again after
     * falling back below.
     */
    public void addTradedVolume(final int asset, final long amount)
    {
        final int window = volumeWindow(asset);
        add(window, assets.volumeBucketMs(asset), amount);
        final long volume = sum(window);
        final long holdings = Math.max(0, assets.get(asset, AssetDescriptor.HOLDINGS));
        final boolean above = volume < 0 || exceedsShare(volume, holdings, assets.volumeMultipleBps(asset));
        final boolean alerted = assets.hasFlag(asset, AssetDescriptor.FLAG_VOLUME_ALERTED);
        if (above && !alerted)
        {
            assets.setFlag(asset, AssetDescriptor.FLAG_VOLUME_ALERTED, true);
            alerts.volumeExceedsHoldings(asset, volume, holdings);
        }
        else if (!above && alerted)
        {
            assets.setFlag(asset, AssetDescriptor.FLAG_VOLUME_ALERTED, false);
        }
    }

    /**
     * @return the windows part, whole: for snapshots and hashing, never while a command is applied.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    private long sum(final int window)
    {
        return buffer.getLong(window + SUM * 8);
    }

    private static int outflowWindow(final int asset)
    {
        return WindowDescriptor.offset(asset);
    }

    private static int walletWindow(final int wallet)
    {
        return WindowDescriptor.offset(GuardConfig.ASSETS_MAX + wallet);
    }

    private static int burstWindow(final int asset)
    {
        return WindowDescriptor.offset(GuardConfig.ASSETS_MAX + GuardConfig.WALLETS_MAX + asset);
    }

    private static int volumeWindow(final int asset)
    {
        return WindowDescriptor.offset(2 * GuardConfig.ASSETS_MAX + GuardConfig.WALLETS_MAX + asset);
    }

    /**
     * The windows in the order snapshots and the state hash give them (see {@link WindowDescriptor}), mapped to
     * where this part keeps them: laid out for every asset and wallet there can be, so that listing an asset or
     * adding a wallet moves no window.
     *
     * @param window      a window's place in that order, from 0.
     * @param assetCount  the assets listed.
     * @param walletCount the wallets added.
     * @return its byte offset in the windows part.
     */
    public static int offsetOf(final int window, final int assetCount, final int walletCount)
    {
        assert window >= 0 && window < WindowDescriptor.count(assetCount, walletCount) : "window " + window;
        if (window < assetCount)
        {
            return outflowWindow(window);
        }
        if (window < assetCount + walletCount)
        {
            return walletWindow(window - assetCount);
        }
        if (window < 2 * assetCount + walletCount)
        {
            return burstWindow(window - assetCount - walletCount);
        }
        return volumeWindow(window - 2 * assetCount - walletCount);
    }

    /**
     * Copy the windows of the assets and wallets listed from one windows part to another (copying the state for a
     * snapshot): the four groups' listed prefixes, not the room left for listings.
     */
    public static void copyListed(final UnsafeBuffer from, final UnsafeBuffer to, final int assetCount,
        final int walletCount)
    {
        final int assetBytes = WindowDescriptor.offset(assetCount);
        to.putBytes(outflowWindow(0), from, outflowWindow(0), assetBytes);
        to.putBytes(walletWindow(0), from, walletWindow(0), WindowDescriptor.offset(walletCount));
        to.putBytes(burstWindow(0), from, burstWindow(0), assetBytes);
        to.putBytes(volumeWindow(0), from, volumeWindow(0), assetBytes);
    }

    /**
     * Empty the windows of an asset just listed, around the undo log (a rule change is never undone).
     */
    void clearAsset(final int asset)
    {
        clearWindow(outflowWindow(asset));
        clearWindow(burstWindow(asset));
        clearWindow(volumeWindow(asset));
    }

    /**
     * Empty the window of a wallet just added, around the undo log.
     */
    void clearWallet(final int wallet)
    {
        clearWindow(walletWindow(wallet));
    }

    private void clearWindow(final int window)
    {
        buffer.setMemory(window, WindowDescriptor.WORDS * 8, (byte)0);
    }

    /**
     * Move a window to the bucket of the guard's clock, emptying the buckets it passes. Time only moves forward.
     */
    private void advance(final int window, final long bucketMs)
    {
        final long epoch = context.nowMs() / bucketMs;
        if (buffer.getLong(window + BUCKET_MS * 8) != bucketMs)
        {
            reset(window, bucketMs);
            return;
        }
        final long last = buffer.getLong(window + EPOCH * 8);
        if (epoch <= last)
        {
            return;
        }
        long sum = sum(window);
        final long steps = Math.min(epoch - last, BUCKETS);
        for (long i = 1; i <= steps; i++)
        {
            final int bucket = window + (FIRST_BUCKET + (int)((last + i) % BUCKETS)) * 8;
            final long value = buffer.getLong(bucket);
            if (value != 0)
            {
                sum -= value;
                undo.putLong(buffer, bucket, 0);
            }
        }
        undo.putLong(buffer, window + SUM * 8, sum);
        undo.putLong(buffer, window + EPOCH * 8, epoch);
    }

    /**
     * Empty a window and start it at the guard's clock, kept in buckets of {@code bucketMs}.
     */
    private void reset(final int window, final long bucketMs)
    {
        for (int i = 0; i < BUCKETS; i++)
        {
            undo.putLong(buffer, window + (FIRST_BUCKET + i) * 8, 0);
        }
        undo.putLong(buffer, window + SUM * 8, 0);
        undo.putLong(buffer, window + EPOCH * 8, context.nowMs() / bucketMs);
        undo.putLong(buffer, window + BUCKET_MS * 8, bucketMs);
    }

    private void add(final int window, final long bucketMs, final long amount)
    {
        advance(window, bucketMs);
        final long epoch = buffer.getLong(window + EPOCH * 8);
        final int bucket = window + (FIRST_BUCKET + (int)(epoch % BUCKETS)) * 8;
        undo.putLong(buffer, bucket, buffer.getLong(bucket) + amount);
        undo.putLong(buffer, window + SUM * 8, sum(window) + amount);
        assert buffer.getLong(window + EPOCH * 8) == context.nowMs() / bucketMs : "window not at the clock";
    }
}
