package io.ledgerguard.core;

/**
 * One consistent reading of the guard's state beyond the per-asset counters, for monitors on other threads: the kill
 * switch for everything, the number of frozen accounts, every wallet's figures and kill switch, and, when asked for,
 * one account's status and positions. Filled by {@link GuardEngine#readState(StateView)}, which gives either the state
 * between two commands or nothing. Allocated once per reader and reused: its arrays are sized for the most assets and
 * wallets there can be, so that it reads the assets a rule change lists and the wallets it adds.
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

    /** How many wallets and assets the rules in force list, retired ones included: the arrays' entries in use. */
    public int walletCount;
    public int assetCount;
    /**
     * The rules in force: wallet ids, their assets' indexes and kinds, and the assets' ids and codes, by index. A
     * retired wallet or asset keeps its index.
     */
    public final long[] walletIds;
    public final int[] walletAssetIndex;
    public final WalletKind[] walletKinds;
    public final boolean[] walletRetired;
    public final int[] assetIds;
    public final String[] assetCodes;
    public final boolean[] assetRetired;
    /**
     * Per asset, by index: its own kill switch (SPEC §5.1: a cover breach or an operator's HALT) and the halt of its
     * outflows (§5.2, §5.4): since when, epoch ms, 0 when not engaged, and the {@link KillSwitchCause} code, 0 then.
     */
    public final long[] assetHaltedSinceMs;
    public final int[] assetHaltCause;
    public final long[] assetOutflowsHaltedSinceMs;
    public final int[] assetOutflowsHaltCause;

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
     * @param engine the engine to read; the arrays are sized for the most wallets and assets there can be.
     */
    public StateView(final GuardEngine engine)
    {
        for (final TableKind table : TableKind.values())
        {
            tableLimits[table.ordinal()] = engine.config().limits().limitOf(table);
        }
        final int wallets = GuardConfig.WALLETS_MAX;
        walletIds = new long[wallets];
        walletAssetIndex = new int[wallets];
        walletKinds = new WalletKind[wallets];
        walletRetired = new boolean[wallets];
        walletAttested = new long[wallets];
        walletAttestedAtMs = new long[wallets];
        walletExpected = new long[wallets];
        walletPending = new long[wallets];
        walletHalted = new boolean[wallets];
        walletHaltedSinceMs = new long[wallets];
        final int assets = GuardConfig.ASSETS_MAX;
        assetIds = new int[assets];
        assetCodes = new String[assets];
        assetRetired = new boolean[assets];
        assetHaltedSinceMs = new long[assets];
        assetHaltCause = new int[assets];
        assetOutflowsHaltedSinceMs = new long[assets];
        assetOutflowsHaltCause = new int[assets];
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
        walletCount = source.walletCount;
        assetCount = source.assetCount;
        System.arraycopy(source.walletIds, 0, walletIds, 0, walletCount);
        System.arraycopy(source.walletAssetIndex, 0, walletAssetIndex, 0, walletCount);
        System.arraycopy(source.walletKinds, 0, walletKinds, 0, walletCount);
        System.arraycopy(source.walletRetired, 0, walletRetired, 0, walletCount);
        System.arraycopy(source.assetIds, 0, assetIds, 0, assetCount);
        System.arraycopy(source.assetCodes, 0, assetCodes, 0, assetCount);
        System.arraycopy(source.assetRetired, 0, assetRetired, 0, assetCount);
        System.arraycopy(source.assetHaltedSinceMs, 0, assetHaltedSinceMs, 0, assetCount);
        System.arraycopy(source.assetHaltCause, 0, assetHaltCause, 0, assetCount);
        System.arraycopy(source.assetOutflowsHaltedSinceMs, 0, assetOutflowsHaltedSinceMs, 0, assetCount);
        System.arraycopy(source.assetOutflowsHaltCause, 0, assetOutflowsHaltCause, 0, assetCount);
        System.arraycopy(source.walletAttested, 0, walletAttested, 0, walletCount);
        System.arraycopy(source.walletAttestedAtMs, 0, walletAttestedAtMs, 0, walletCount);
        System.arraycopy(source.walletExpected, 0, walletExpected, 0, walletCount);
        System.arraycopy(source.walletPending, 0, walletPending, 0, walletCount);
        System.arraycopy(source.walletHalted, 0, walletHalted, 0, walletCount);
        System.arraycopy(source.walletHaltedSinceMs, 0, walletHaltedSinceMs, 0, walletCount);
        accountFound = source.accountFound;
        accountKindStatus = source.accountKindStatus;
        System.arraycopy(source.hasPosition, 0, hasPosition, 0, assetCount);
        System.arraycopy(source.available, 0, available, 0, assetCount);
        System.arraycopy(source.held, 0, held, 0, assetCount);
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
