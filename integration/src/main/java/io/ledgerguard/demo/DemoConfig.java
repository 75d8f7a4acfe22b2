package io.ledgerguard.demo;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.WalletKind;

/**
 * The embedded default configuration of the demo: four assets, seven wallets, limits sized for the simulation.
 */
final class DemoConfig
{
    static final int BTC = 1;
    static final int ETH = 2;
    static final int USDT = 3;
    static final int KRW = 4;
    static final long SATOSHI_PER_BTC = 100_000_000L;
    /** An asset whose wallets are not all attested within this is restricted (I5). */
    static final long ATTESTATION_AGE_MS_MAX = 60_000;

    static final long BTC_HOT_WALLET = 1;
    static final long BTC_COLD_WALLET = 2;
    static final long ETH_HOT_WALLET = 3;
    static final long ETH_COLD_WALLET = 4;
    static final long USDT_HOT_WALLET = 5;
    static final long USDT_COLD_WALLET = 6;
    static final long KRW_BANK_ACCOUNT = 7;

    private DemoConfig()
    {
    }

    static GuardConfig create(final int accounts)
    {
        final GuardConfig config = new GuardConfig();
        config.asset(asset("BTC", BTC, 8, 10 * SATOSHI_PER_BTC, 1_000 * SATOSHI_PER_BTC));
        config.asset(asset("ETH", ETH, 8, 100 * SATOSHI_PER_BTC, 10_000 * SATOSHI_PER_BTC));
        config.asset(asset("USDT", USDT, 6, 100_000_000_000L, 50_000_000_000_000L));
        config.asset(asset("KRW", KRW, 0, 100_000_000L, 100_000_000_000L));
        config.wallet(new GuardConfig.WalletConfig(BTC_HOT_WALLET, "BTC", WalletKind.HOT));
        config.wallet(new GuardConfig.WalletConfig(BTC_COLD_WALLET, "BTC", WalletKind.COLD));
        config.wallet(new GuardConfig.WalletConfig(ETH_HOT_WALLET, "ETH", WalletKind.HOT));
        config.wallet(new GuardConfig.WalletConfig(ETH_COLD_WALLET, "ETH", WalletKind.COLD));
        config.wallet(new GuardConfig.WalletConfig(USDT_HOT_WALLET, "USDT", WalletKind.HOT));
        config.wallet(new GuardConfig.WalletConfig(USDT_COLD_WALLET, "USDT", WalletKind.COLD));
        config.wallet(new GuardConfig.WalletConfig(KRW_BANK_ACCOUNT, "KRW", WalletKind.BANK));
        final GuardConfig.Limits limits = config.limits();
        limits.accountsMax = accounts + 1_000;
        limits.positionsMax = (accounts + 1_000) * 4L + 1_000;
        limits.holdsMax = 200_000;
        limits.txIdsMax = 4_000_000;
        limits.inflowsMax = 200_000;
        limits.creditsMax = 400_000;
        return config;
    }

    private static GuardConfig.AssetConfig asset(
        final String code, final int id, final int scale, final long reserveBuffer, final long creditCap)
    {
        final GuardConfig.AssetConfig asset = new GuardConfig.AssetConfig(code, id, scale);
        asset.reserveBufferMinorUnits = reserveBuffer;
        asset.creditCapMinorUnits = creditCap;
        asset.attestationAgeMsMax = ATTESTATION_AGE_MS_MAX;
        return asset;
    }
}
