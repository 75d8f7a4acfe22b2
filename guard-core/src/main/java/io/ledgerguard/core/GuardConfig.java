package io.ledgerguard.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The guard's configuration (SPEC §9): assets, wallets and table limits. Filled in by a loader or by code, then
 * {@link #conclude()}d, which checks every value and the relations between them once, at start-up, and names the key
 * of the first problem found.
 */
public final class GuardConfig
{
    /** Most assets one guard serves. */
    public static final int ASSETS_MAX = 1024;
    /** Most wallets one guard knows. */
    public static final int WALLETS_MAX = 4096;
    /** Largest off-heap table, in bytes: tables are addressed with int offsets. */
    public static final long TABLE_BYTES_MAX = Integer.MAX_VALUE - 64;

    private static final Pattern ASSET_CODE = Pattern.compile("[A-Z0-9]{2,12}");

    private final List<AssetConfig> assets = new ArrayList<>();
    private final List<WalletConfig> wallets = new ArrayList<>();
    private final Limits limits = new Limits();
    private boolean concluded;

    /**
     * @param asset to add.
     * @return this for a fluent style.
     */
    public GuardConfig asset(final AssetConfig asset)
    {
        checkNotConcluded();
        assets.add(asset);
        return this;
    }

    /**
     * @param wallet to add.
     * @return this for a fluent style.
     */
    public GuardConfig wallet(final WalletConfig wallet)
    {
        checkNotConcluded();
        wallets.add(wallet);
        return this;
    }

    /**
     * @return the assets, in configuration order.
     */
    public List<AssetConfig> assets()
    {
        return concluded ? assets : Collections.unmodifiableList(assets);
    }

    /**
     * @return the wallets, in configuration order.
     */
    public List<WalletConfig> wallets()
    {
        return concluded ? wallets : Collections.unmodifiableList(wallets);
    }

    /**
     * @return the table limits.
     */
    public Limits limits()
    {
        return limits;
    }

    /**
     * @param code an asset code.
     * @return the asset, or {@code null}.
     */
    public AssetConfig assetByCode(final String code)
    {
        for (final AssetConfig asset : assets)
        {
            if (asset.code.equals(code))
            {
                return asset;
            }
        }
        return null;
    }

    /**
     * @param id an asset id.
     * @return the asset, or {@code null}.
     */
    public AssetConfig assetById(final int id)
    {
        for (final AssetConfig asset : assets)
        {
            if (asset.id == id)
            {
                return asset;
            }
        }
        return null;
    }

    /**
     * Check every value and relation; afterwards the configuration cannot change.
     *
     * @return this, concluded.
     * @throws ConfigurationException naming the first offending key.
     */
    public GuardConfig conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (assets.isEmpty())
        {
            throw new ConfigurationException("assets", "at least one asset is required");
        }
        if (assets.size() > ASSETS_MAX)
        {
            throw new ConfigurationException("assets", "too many assets: count=" + assets.size() + ", max=" + ASSETS_MAX);
        }
        final Set<String> codes = new HashSet<>();
        final Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < assets.size(); i++)
        {
            final AssetConfig asset = assets.get(i);
            final String key = "assets[" + i + "]";
            asset.validate(key);
            if (!codes.add(asset.code))
            {
                throw new ConfigurationException(key + ".code", "duplicate asset code '" + asset.code + "'");
            }
            if (!ids.add(asset.id))
            {
                throw new ConfigurationException(key + ".id", "duplicate asset id " + asset.id);
            }
        }
        if (wallets.size() > WALLETS_MAX)
        {
            throw new ConfigurationException("wallets", "too many wallets: count=" + wallets.size() + ", max=" + WALLETS_MAX);
        }
        final Map<Long, Integer> walletIds = new HashMap<>();
        for (int i = 0; i < wallets.size(); i++)
        {
            final WalletConfig wallet = wallets.get(i);
            final String key = "wallets[" + i + "]";
            wallet.validate(key);
            if (walletIds.put(wallet.id, i) != null)
            {
                throw new ConfigurationException(key + ".id", "duplicate wallet id " + wallet.id);
            }
            if (assetByCode(wallet.asset) == null)
            {
                throw new ConfigurationException(key + ".asset", "unknown asset '" + wallet.asset + "'");
            }
        }
        limits.validate("limits");
        concluded = true;
        return this;
    }

    /**
     * @return true once {@link #conclude()} has succeeded.
     */
    public boolean isConcluded()
    {
        return concluded;
    }

    private void checkNotConcluded()
    {
        if (concluded)
        {
            throw new IllegalStateException("configuration already concluded");
        }
    }

    static long tableBytes(final long entriesMax, final int slotBytes)
    {
        return (long)capacityFor(entriesMax) * slotBytes;
    }

    /**
     * The slot count of an open-addressing table for a number of entries: a power of two keeping the load at or
     * below 70%, so that probe sequences stay short.
     *
     * @param entriesMax the most entries the table will hold.
     * @return the number of slots.
     */
    public static int capacityFor(final long entriesMax)
    {
        final long wanted = Math.max(16, (entriesMax * 10 + 6) / 7);
        final long capacity = Long.highestOneBit(wanted - 1) << 1;
        return capacity > (1 << 30) ? -1 : (int)capacity;
    }

    /**
     * One asset (SPEC §9 {@code assets[]}).
     */
    public static final class AssetConfig
    {
        public String code;
        public int id;
        public int scale = -1;
        public long reserveBufferMinorUnits;
        public long breachToleranceMinorUnits;
        public long creditCapMinorUnits = Long.MAX_VALUE;
        public long attestationAgeMsMax = 60_000;
        public long volumeAlertWindowMs = 60_000;
        /** Volume alert multiple of holdings, in basis points (1.0 is 10000). */
        public long volumeAlertHoldingsMultipleBps = 10_000;
        public long outflowWindowMs = 3_600_000;
        public long outflowMinorUnitsMax = Long.MAX_VALUE;
        public long outflowHotShareBpsMax = 10_000;
        /** Withdrawals rejected for velocity within the window that halt the asset's outflows (SPEC §5.4). */
        public long outflowBurstRejectionsMax = 3;
        public long hotShareBpsMax = 2_000;

        /**
         * @param code  the asset code, [A-Z0-9]{2,12}.
         * @param id    the asset id, &gt; 0.
         * @param scale decimal places of the minor unit.
         */
        public AssetConfig(final String code, final int id, final int scale)
        {
            this.code = code;
            this.id = id;
            this.scale = scale;
        }

        /**
         * An asset to be filled in field by field by a loader.
         */
        public AssetConfig()
        {
        }

        void validate(final String key)
        {
            if (code == null || !ASSET_CODE.matcher(code).matches())
            {
                throw new ConfigurationException(key + ".code", "must match [A-Z0-9]{2,12}, was " +
                    (code == null ? "missing" : "'" + code + "'"));
            }
            if (id <= 0)
            {
                throw new ConfigurationException(key + ".id", "must be an integer > 0, was " + id);
            }
            if (scale < 0 || scale > 18)
            {
                throw new ConfigurationException(key + ".scale", "must be 0..18, was " + (scale < 0 ? "missing" : scale));
            }
            requireNotNegative(key + ".reserveBufferMinorUnits", reserveBufferMinorUnits);
            requireNotNegative(key + ".breachToleranceMinorUnits", breachToleranceMinorUnits);
            requirePositive(key + ".creditCapMinorUnits", creditCapMinorUnits);
            requirePositive(key + ".attestationAgeMsMax", attestationAgeMsMax);
            requirePositive(key + ".volumeAlert.windowMs", volumeAlertWindowMs);
            requirePositive(key + ".volumeAlert.holdingsMultiple", volumeAlertHoldingsMultipleBps);
            requirePositive(key + ".outflow.windowMs", outflowWindowMs);
            requirePositive(key + ".outflow.minorUnitsMax", outflowMinorUnitsMax);
            requireBps(key + ".outflow.hotShareBpsMax", outflowHotShareBpsMax);
            requirePositive(key + ".outflow.burstRejections", outflowBurstRejectionsMax);
            requireBps(key + ".hotShareBpsMax", hotShareBpsMax);
        }
    }

    /**
     * One wallet (SPEC §9 {@code wallets[]}).
     */
    public static final class WalletConfig
    {
        public long id;
        public String asset;
        public WalletKind kind;
        public long driftToleranceMinorUnits;

        /**
         * @param id    the wallet id, &gt; 0.
         * @param asset the asset code.
         * @param kind  hot, cold, custodian or bank.
         */
        public WalletConfig(final long id, final String asset, final WalletKind kind)
        {
            this.id = id;
            this.asset = asset;
            this.kind = kind;
        }

        /**
         * A wallet to be filled in field by field by a loader.
         */
        public WalletConfig()
        {
        }

        void validate(final String key)
        {
            if (id <= 0)
            {
                throw new ConfigurationException(key + ".id", "must be an integer > 0, was " + id);
            }
            if (asset == null)
            {
                throw new ConfigurationException(key + ".asset", "is required");
            }
            if (kind == null)
            {
                throw new ConfigurationException(key + ".kind", "is required: one of HOT, COLD, CUSTODIAN, BANK");
            }
            requireNotNegative(key + ".driftToleranceMinorUnits", driftToleranceMinorUnits);
        }
    }

    /**
     * Capacities of the off-heap tables (SPEC §9 {@code limits}); each table is sized for its limit up front.
     */
    public static final class Limits
    {
        public long accountsMax = 1_000_000;
        public long positionsMax = 4_000_000;
        public long holdsMax = 1_000_000;
        public long txIdsMax = 16_000_000;
        public long inflowsMax = 1_000_000;
        /** Reversible credits (deposits and crediting adjustments) kept for REVERSE (SPEC §5.6). */
        public long creditsMax = 1_000_000;

        /**
         * @param table a table.
         * @return its configured limit.
         */
        public long limitOf(final TableKind table)
        {
            switch (table)
            {
                case ACCOUNTS: return accountsMax;
                case POSITIONS: return positionsMax;
                case HOLDS: return holdsMax;
                case TX_IDS: return txIdsMax;
                case INFLOWS: return inflowsMax;
                case CREDITS: return creditsMax;
                default: throw new IllegalArgumentException(String.valueOf(table));
            }
        }

        void validate(final String key)
        {
            for (final TableKind table : TableKind.values())
            {
                final String limitKey = key + "." + table.limitKey();
                final long max = limitOf(table);
                requirePositive(limitKey, max);
                final int capacity = capacityFor(max);
                final long bytes = capacity < 0 ? Long.MAX_VALUE : tableBytes(max, io.ledgerguard.core.internal.Descriptors.slotBytes(table));
                if (bytes > TABLE_BYTES_MAX)
                {
                    throw new ConfigurationException(limitKey, "too large for one table: " + table.limitKey() + "=" +
                        max + " needs " + bytes + " bytes, more than " + TABLE_BYTES_MAX);
                }
            }
        }
    }

    private static void requireNotNegative(final String key, final long value)
    {
        if (value < 0)
        {
            throw new ConfigurationException(key, "must be >= 0, was " + value);
        }
    }

    private static void requirePositive(final String key, final long value)
    {
        if (value <= 0)
        {
            throw new ConfigurationException(key, "must be > 0, was " + value);
        }
    }

    private static void requireBps(final String key, final long value)
    {
        if (value < 0 || value > 10_000)
        {
            throw new ConfigurationException(key, "must be 0..10000 basis points, was " + value);
        }
    }
}
