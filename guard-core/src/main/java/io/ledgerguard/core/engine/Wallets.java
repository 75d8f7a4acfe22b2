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
    /** Wallets added, retired ones included: the wallets part holds this many records. */
    private int count;

    /**
     * @param config a concluded configuration.
     * @param undo   the engine's undo log.
     * @param assets the assets, for wallets' asset indices and dirty marking.
     */
    public Wallets(final GuardConfig config, final UndoLog undo, final Assets assets)
    {
        this.undo = undo;
        this.assets = assets;
        final int capacity = GuardConfig.WALLETS_MAX;
        // Sized for the wallets configured: it grows, on the rare rule change that adds wallets past it.
        indexById = new Long2LongHashMap(Math.max(16, config.wallets().size() * 2), 0.5f, -1);
        ids = new long[capacity];
        assetIndex = new int[capacity];
        kinds = new WalletKind[capacity];
        driftTolerance = new long[capacity];
        retired = new boolean[capacity];
        ofAsset = new int[GuardConfig.ASSETS_MAX][];
        buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * WalletDescriptor.WORDS * 8, 64));
        rules(config);
        for (int i = 0; i < count; i++)
        {
            buffer.putLong(WalletDescriptor.offset(i, WalletDescriptor.ATTESTED_AT_MS), WalletDescriptor.NEVER);
        }
    }

    /**
     * Take the wallets, their tolerances and retirements from the rules in force: at construction, when a rule
     * change is installed, and when a snapshot's or another engine's rules are taken (SPEC §13). A change only
     * appends wallets, so that a wallet keeps its index and its place in the state's layout for good; the part is
     * laid out for {@link GuardConfig#WALLETS_MAX} wallets from the start. A retired wallet keeps its place, but no
     * id lookup finds it and it is no longer one of its asset's wallets. The records of the wallets this adds are
     * left as they are: see {@link #clear(int, long)}. The assets must have taken the same rules first.
     *
     * @param config the rules in force from now on.
     */
    void rules(final GuardConfig config)
    {
        final List<GuardConfig.WalletConfig> walletConfigs = config.wallets();
        final int next = walletConfigs.size();
        assert next <= ids.length : "wallets " + next + " beyond " + ids.length;
        final List<List<Integer>> byAsset = new ArrayList<>();
        final java.util.Map<String, Integer> assetByCode = new java.util.HashMap<>();
        for (int i = 0; i < assets.count(); i++)
        {
            byAsset.add(new ArrayList<>());
            assetByCode.put(assets.code(i), i);
        }
        indexById.clear();
        for (int i = 0; i < next; i++)
        {
            final GuardConfig.WalletConfig wallet = walletConfigs.get(i);
            ids[i] = wallet.id;
            final Integer asset = assetByCode.get(wallet.asset);
            assert asset != null : "wallet " + wallet.id + " of an asset not listed: " + wallet.asset;
            assetIndex[i] = asset;
            kinds[i] = wallet.kind;
            driftTolerance[i] = wallet.driftToleranceMinorUnits;
            retired[i] = wallet.retired;
            if (!wallet.retired)
            {
                indexById.put(wallet.id, i);
                byAsset.get(assetIndex[i]).add(i);
            }
        }
        for (int i = next; i < count; i++)
        {
            ids[i] = 0;
            kinds[i] = null;
            retired[i] = false;
        }
        count = next;
        for (int i = 0; i < ofAsset.length; i++)
        {
            ofAsset[i] = i < byAsset.size() ? byAsset.get(i).stream().mapToInt(Integer::intValue).toArray() : null;
        }
    }

    /**
     * Set up the record of a wallet just added, around the undo log (a rule change is never undone: it is not
     * allowed in a batch): it holds nothing, and counts as attested empty at the change, so that adding a wallet does
     * not restrict its asset before the custody feed could attest it (I5 then runs from the change).
     *
     * @param wallet  the index of a wallet just added.
     * @param nowMs   the change's sequenced time.
     */
    void clear(final int wallet, final long nowMs)
    {
        buffer.setMemory(WalletDescriptor.offset(wallet, 0), WalletDescriptor.WORDS * 8, (byte)0);
        buffer.putLong(WalletDescriptor.offset(wallet, WalletDescriptor.ATTESTED_AT_MS), nowMs);
        assets.markDirty(assetIndex[wallet]);
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
     * @return the number of wallets added, retired ones included: the indexes in use are 0 to this, excluded.
     */
    public int count()
    {
        return count;
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
