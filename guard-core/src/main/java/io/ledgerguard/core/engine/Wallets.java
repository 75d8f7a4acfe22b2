package io.ledgerguard.core.engine;

import java.util.ArrayList;
import java.util.List;

import org.agrona.BufferUtil;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.core.internal.UndoLog;

/**
 * The wallets part of the state ({@link WalletDescriptor}) and each wallet's configuration. Writes go through the
 * undo log and mark the wallet's asset dirty.
 */
public final class Wallets
{
    private final UndoLog undo;
    private final Assets assets;
    private final UnsafeBuffer buffer;
    private final Long2LongHashMap indexById;
    private final long[] ids;
    private final int[] assetIndex;
    private final WalletKind[] kinds;
    private final long[] driftTolerance;
    private final int[][] ofAsset;
    private final boolean[] retired;

    /**
     * @param config a concluded configuration.
     * @param undo   the engine's undo log.
     * @param assets the assets, for wallets' asset indices and dirty marking.
     */
    public Wallets(final GuardConfig config, final UndoLog undo, final Assets assets)
    {
        this.undo = undo;
        this.assets = assets;
        final List<GuardConfig.WalletConfig> walletConfigs = config.wallets();
        final int count = walletConfigs.size();
        indexById = new Long2LongHashMap(Math.max(4, count * 2), 0.5f, -1);
        ids = new long[count];
        assetIndex = new int[count];
        kinds = new WalletKind[count];
        driftTolerance = new long[count];
        retired = new boolean[count];
        for (int i = 0; i < count; i++)
        {
            final GuardConfig.WalletConfig wallet = walletConfigs.get(i);
            ids[i] = wallet.id;
            assetIndex[i] = assets.index(config.assetByCode(wallet.asset).id);
            kinds[i] = wallet.kind;
        }
        ofAsset = new int[assets.count()][];
        rules(config);
        buffer = new UnsafeBuffer(
            BufferUtil.allocateDirectAligned(Math.max(1, count) * WalletDescriptor.WORDS * 8, 64));
        for (int i = 0; i < count; i++)
        {
            buffer.putLong(WalletDescriptor.offset(i, WalletDescriptor.ATTESTED_AT_MS), WalletDescriptor.NEVER);
        }
    }

    /**
     * Take the wallets' tolerances and retirements from the rules in force: at construction, and when a rule change
     * is installed (SPEC §13). A retired wallet keeps its place in the state's layout, but no id lookup finds it and
     * it is no longer one of its asset's wallets. The wallets and their order are the same in every rules a change
     * produces.
     *
     * @param config the rules in force from now on.
     */
    void rules(final GuardConfig config)
    {
        final List<GuardConfig.WalletConfig> walletConfigs = config.wallets();
        assert walletConfigs.size() == ids.length : "wallets " + walletConfigs.size() + " != " + ids.length;
        final List<List<Integer>> byAsset = new ArrayList<>();
        for (int i = 0; i < ofAsset.length; i++)
        {
            byAsset.add(new ArrayList<>());
        }
        indexById.clear();
        for (int i = 0; i < ids.length; i++)
        {
            final GuardConfig.WalletConfig wallet = walletConfigs.get(i);
            assert wallet.id == ids[i] : "wallet " + ids[i] + " out of place in the rules";
            driftTolerance[i] = wallet.driftToleranceMinorUnits;
            retired[i] = wallet.retired;
            if (!wallet.retired)
            {
                indexById.put(wallet.id, i);
                byAsset.get(assetIndex[i]).add(i);
            }
        }
        for (int i = 0; i < ofAsset.length; i++)
        {
            ofAsset[i] = byAsset.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * @param wallet a wallet index.
     * @return true once a rule change retired it.
     */
    public boolean isRetired(final int wallet)
    {
        return retired[wallet];
    }

    /**
     * @return the number of configured wallets.
     */
    public int count()
    {
        return ids.length;
    }

    /**
     * @param walletId a wallet id.
     * @return its index in configuration order, or -1 when there is no such wallet.
     */
    public int index(final long walletId)
    {
        return walletId > 0 ? (int)indexById.get(walletId) : -1;
    }

    public long id(final int wallet)
    {
        return ids[wallet];
    }

    public int assetIndex(final int wallet)
    {
        return assetIndex[wallet];
    }

    public WalletKind kind(final int wallet)
    {
        return kinds[wallet];
    }

    /** I4: the largest unexplained difference an attestation may show. */
    public long driftTolerance(final int wallet)
    {
        return driftTolerance[wallet];
    }

    /**
     * @param asset an asset index.
     * @return the indices of its wallets; not to be changed.
     */
    public int[] ofAsset(final int asset)
    {
        return ofAsset[asset];
    }

    public long get(final int wallet, final int word)
    {
        return buffer.getLong(WalletDescriptor.offset(wallet, word));
    }

    /**
     * Write a word of a wallet's record through the undo log, and mark its asset's figures for publication.
     */
    public void put(final int wallet, final int word, final long value)
    {
        undo.putLong(buffer, WalletDescriptor.offset(wallet, word), value);
        assets.markDirty(assetIndex[wallet]);
    }

    /**
     * @return the wallets part, whole: for snapshots and hashing, never while a command is applied.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }
}
