package io.ledgerguard.core;

/**
 * One consistent reading of the guard's state beyond the per-asset counters, for monitors on other threads: the kill
 * switch for everything, the number of frozen accounts, every wallet's figures and kill switch, and, when asked for,
 * one account's status and positions. Filled by {@link GuardEngine#readState(StateView)}, which gives either the state
 * between two commands or nothing. Allocated once per reader (its arrays are sized by the configuration) and reused.
 */
public final class StateView
{
    /** The account to read, set by the caller; 0 for none. */
    public long accountId;

    /** Commands applied, duplicates and rejections included: the reading is as of the last of them. */
    public long commandsApplied;
    /** The guard's time of the last command applied, epoch nanoseconds. */
    public long lastTimestampNs;
    /** The kill switch for everything (a HALT of scope ALL) is engaged. */
    public boolean haltedAll;
    /** Since when, epoch ms; 0 when not engaged. */
    public long haltedAllSinceMs;
    /** Accounts FROZEN, by an operator or by a reversal's shortfall. */
    public long frozenAccounts;

    /** Per table, by {@link TableKind} ordinal: its entries (SPEC §11). */
    public final long[] tableSizes = new long[TableKind.values().length];
    /** Per table, by {@link TableKind} ordinal: its limit for ordinary commands (for txIds, without the reserve). */
    public final long[] tableLimits = new long[TableKind.values().length];
    /** Per table, by {@link TableKind} ordinal: past 80% of its limit, a {@code CAPACITY_WARNING} raised. */
    public final boolean[] tableWarned = new boolean[TableKind.values().length];

    /** The configuration: wallet ids, their assets' indexes and kinds, and the assets' ids and codes, by index. */
    public final long[] walletIds;
    public final int[] walletAssetIndex;
    public final WalletKind[] walletKinds;
    public final int[] assetIds;
    public final String[] assetCodes;

    /** Per wallet, by index. */
    public final long[] walletAttested;
    /** When last attested, epoch ms, or {@link Long#MIN_VALUE} when never. */
    public final long[] walletAttestedAtMs;
    public final long[] walletExpected;
    public final long[] walletPending;
    /** The wallet's own kill switch is engaged. */
    public final boolean[] walletHalted;
    /** Since when, epoch ms; 0 when not engaged. */
    public final long[] walletHaltedSinceMs;

    /** Whether {@link #accountId} exists. */
    public boolean accountFound;
    /** The account's kind (bits 0-7) and status (bits 8-15) as stored; read through {@link #accountKind()}. */
    public long accountKindStatus;
    /** Per asset, in configuration order: whether the account has a position in it. */
    public final boolean[] hasPosition;
    public final long[] available;
    public final long[] held;

    /**
     * @param engine the engine whose configuration sizes the arrays.
     */
    public StateView(final GuardEngine engine)
    {
        for (final TableKind table : TableKind.values())
        {
            tableLimits[table.ordinal()] = engine.config().limits().limitOf(table);
        }
        final int wallets = engine.walletCount();
        walletIds = new long[wallets];
        walletAssetIndex = new int[wallets];
        walletKinds = new WalletKind[wallets];
        for (int w = 0; w < wallets; w++)
        {
            walletIds[w] = engine.walletId(w);
            walletAssetIndex[w] = engine.walletAssetIndex(w);
            walletKinds[w] = engine.walletKind(w);
        }
        walletAttested = new long[wallets];
        walletAttestedAtMs = new long[wallets];
        walletExpected = new long[wallets];
        walletPending = new long[wallets];
        walletHalted = new boolean[wallets];
        walletHaltedSinceMs = new long[wallets];
        final int assets = engine.assetCount();
        assetIds = new int[assets];
        assetCodes = new String[assets];
        for (int a = 0; a < assets; a++)
        {
            assetIds[a] = engine.assetId(a);
            assetCodes[a] = engine.assetCode(a);
        }
        hasPosition = new boolean[assets];
        available = new long[assets];
        held = new long[assets];
    }

    /**
     * @return the account's kind, or {@code null} when it was not found.
     */
    public AccountKind accountKind()
    {
        return accountFound ? AccountKind.fromCode((int)(accountKindStatus & 0xFF)) : null;
    }

    /**
     * @return the account's status, or {@code null} when it was not found.
     */
    public AccountStatus accountStatus()
    {
        return accountFound ? AccountStatus.fromCode((int)((accountKindStatus >>> 8) & 0xFF)) : null;
    }

    /**
     * @param source a view of the same engine; its reading is copied here, {@link #accountId} included.
     */
    public void copyFrom(final StateView source)
    {
        accountId = source.accountId;
        commandsApplied = source.commandsApplied;
        lastTimestampNs = source.lastTimestampNs;
        haltedAll = source.haltedAll;
        haltedAllSinceMs = source.haltedAllSinceMs;
        frozenAccounts = source.frozenAccounts;
        System.arraycopy(source.tableSizes, 0, tableSizes, 0, tableSizes.length);
        System.arraycopy(source.tableWarned, 0, tableWarned, 0, tableWarned.length);
        System.arraycopy(source.walletAttested, 0, walletAttested, 0, walletAttested.length);
        System.arraycopy(source.walletAttestedAtMs, 0, walletAttestedAtMs, 0, walletAttestedAtMs.length);
        System.arraycopy(source.walletExpected, 0, walletExpected, 0, walletExpected.length);
        System.arraycopy(source.walletPending, 0, walletPending, 0, walletPending.length);
        System.arraycopy(source.walletHalted, 0, walletHalted, 0, walletHalted.length);
        System.arraycopy(source.walletHaltedSinceMs, 0, walletHaltedSinceMs, 0, walletHaltedSinceMs.length);
        accountFound = source.accountFound;
        accountKindStatus = source.accountKindStatus;
        System.arraycopy(source.hasPosition, 0, hasPosition, 0, hasPosition.length);
        System.arraycopy(source.available, 0, available, 0, available.length);
        System.arraycopy(source.held, 0, held, 0, held.length);
    }

    /**
     * @param table a table.
     * @return true when ordinary commands can add nothing more to it: they are refused {@code CAPACITY_EXHAUSTED}.
     */
    public boolean tableFull(final TableKind table)
    {
        return tableSizes[table.ordinal()] >= tableLimits[table.ordinal()];
    }
}
