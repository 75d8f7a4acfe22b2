package io.ledgerguard.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.ledgerguard.core.GuardFixture.BANK;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.SOL;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Assets listed and wallets added by rule changes (SPEC §13), mid-stream: funded and traded at once, part of the
 * state, its snapshot and its hash, and replayed exactly; and assets retired once nothing is owed or held in them.
 */
class AssetListingTest
{
    private static final long ALICE = 1001;
    private static final long BOB = 1002;
    private static final long SOL_HOT = 301;
    private static final long SOL_COLD = 302;
    private static final long BTC_HOT_2 = 4;

    /** Approvers for CONFIGURE; the fixture's configure() passes the verifier's count. */
    private static void approvers(final GuardConfig config)
    {
        final List<String> ops = List.of("ops-1", "ops-2");
        config.key(new GuardConfig.KeyConfig("ops-1", keyOf(1)))
            .key(new GuardConfig.KeyConfig("ops-2", keyOf(2)))
            .approvals(ApprovalClass.CONFIGURE, new GuardConfig.ApprovalRule(2, ops));
    }

    private static java.security.PublicKey keyOf(final int seed)
    {
        try
        {
            final java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("Ed25519");
            final java.security.SecureRandom random = java.security.SecureRandom.getInstance("SHA1PRNG");
            random.setSeed(seed);
            generator.initialize(255, random);
            return generator.generateKeyPair().getPublic();
        }
        catch (final java.security.GeneralSecurityException ex)
        {
            throw new AssertionError(ex);
        }
    }

    /** Records every command submitted, for a replay. */
    private static final class Recorder
    {
        final GuardFixture f;
        final List<Command> journal = new ArrayList<>();
        final List<Reason> decided = new ArrayList<>();

        Recorder(final GuardFixture f)
        {
            this.f = f;
        }

        Decision record(final Decision decision)
        {
            final Command copy = new Command();
            copy.copyFrom(f.lastCommand());
            journal.add(copy);
            decided.add(decision.reason);
            return decision;
        }
    }

    /**
     * @return the settings of a change listing SOL with a hot and a cold wallet, as {@code config propose} writes
     *     them: every setting of the new asset and wallets, and the lists they are appended to.
     */
    private static String listSol(final GuardConfig now)
    {
        final GuardConfig.AssetConfig sol = new GuardConfig.AssetConfig("SOL", SOL, 9);
        sol.attestationAgeMsMax = GuardFixture.AGE_MS_MAX;
        sol.outflowMinorUnitsMax = 1_000_000;
        sol.creditCapMinorUnits = 5_000;
        final GuardConfig withSol = Rules.build(Rules.settings(now), now.limits());
        final GuardConfig next = new GuardConfig();
        for (final GuardConfig.AssetConfig asset : withSol.assets())
        {
            next.asset(asset);
        }
        next.asset(sol);
        for (final GuardConfig.WalletConfig wallet : withSol.wallets())
        {
            next.wallet(wallet);
        }
        next.wallet(new GuardConfig.WalletConfig(SOL_HOT, "SOL", WalletKind.HOT))
            .wallet(new GuardConfig.WalletConfig(SOL_COLD, "SOL", WalletKind.COLD));
        final SortedMap<String, String> after = Rules.settings(next);
        final SortedMap<String, String> change = new TreeMap<>();
        for (final Map.Entry<String, String> setting : Rules.changed(Rules.settings(now), after).entrySet())
        {
            if (setting.getKey().startsWith("assets") || setting.getKey().startsWith("wallets"))
            {
                change.put(setting.getKey(), setting.getValue());
            }
        }
        return Rules.text(change);
    }

    private static GuardFixture world(final Recorder[] recorder)
    {
        final GuardFixture f = GuardFixture.attested(AssetListingTest::approvers);
        recorder[0] = new Recorder(f);
        final Recorder r = recorder[0];
        expectAccepted(r.record(f.openAccount(ALICE, AccountKind.CUSTOMER)));
        expectAccepted(r.record(f.openAccount(BOB, AccountKind.CUSTOMER)));
        expectAccepted(r.record(f.inflow(HOT, "BTC", 50_000, "btc-1")));
        expectAccepted(r.record(f.deposit(ALICE, "BTC", 10_000, "btc-1")));
        return f;
    }

    @Test
    void shouldListAnAssetMidStreamThenFundAndTradeIt()
    {
        final Recorder[] holder = new Recorder[1];
        final GuardFixture f = world(holder);
        final Recorder r = holder[0];
        // The same genesis, its wallets attested as the world's were: the journal below is replayed into it.
        final GuardEngine genesis = GuardFixture.attested(AssetListingTest::approvers).engine;
        expectRejected(Reason.ASSET_NOT_FOUND, r.record(f.inflow(SOL_HOT, "SOL", 1_000, "sol-0")));

        final String listing = listSol(f.engine.config());
        assertTrue(listing.contains("assets=BTC,USD,SOL\n"), listing);
        assertTrue(listing.contains("wallets=1,2,3,301,302\n"), listing);
        expectAccepted(r.record(f.configure(listing)));
        assertEquals(3, f.engine.assetCount());
        assertEquals(5, f.engine.walletCount());
        assertEquals(3, f.engine.counters().assetCount());
        assertEquals(SOL, f.engine.counters().assetId(2));
        assertEquals(AssetStatus.NORMAL, f.engine.assetStatus(2));

        // Funded and traded at once: the wallets added count as attested empty at the change.
        expectAccepted(r.record(f.inflow(SOL_HOT, "SOL", 1_000, "sol-1")));
        expectAccepted(r.record(f.inflow(SOL_COLD, "SOL", 19_000, "sol-2")));
        expectAccepted(r.record(f.deposit(ALICE, "SOL", 1_000, "sol-1")));
        expectAccepted(r.record(f.deposit(ALICE, "SOL", 4_000, "sol-2")));
        // Its caps are the listing's: a credit above 5,000 is refused.
        expectRejected(Reason.CREDIT_CAP_EXCEEDED, r.record(f.deposit(BOB, "SOL", 5_001, "sol-2")));
        expectAccepted(r.record(f.transfer(ALICE, BOB, "SOL", 2_500)));
        expectAccepted(r.record(f.hold(77, BOB, "SOL", 500)));
        expectAccepted(r.record(f.withdraw(78, BOB, SOL_HOT, "SOL", 400)));
        expectAccepted(r.record(f.settle(78)));
        expectAccepted(r.record(f.transfer(ALICE, BOB, "BTC", 1_000)));
        // Its caps hold for an operator's credit too.
        expectRejected(Reason.CREDIT_CAP_EXCEEDED, r.record(f.adjust(ALICE, "SOL", 100_000)));
        assertEquals(4_600, f.engine.obligations(2));
        assertEquals(19_600, f.engine.holdings(2));
        f.assertInvariants();

        // Replayed from the genesis, every decision and the state hash again.
        final Decision decision = new Decision();
        final List<Reason> replayed = new ArrayList<>();
        for (final Command command : r.journal)
        {
            genesis.apply(command, decision);
            replayed.add(decision.reason);
        }
        assertEquals(r.decided, replayed);
        assertEquals(f.engine.stateHash(), genesis.stateHash());
        assertEquals(Rules.settings(f.engine.config()), Rules.settings(genesis.config()));

        // A snapshot's entries hold the listed asset: restored into an engine of the genesis, the same state.
        final GuardEngine restored = new GuardEngine(f.engine.genesisRules());
        ResizeTest.Snapshot.of(f.engine).restoreInto(restored, f.engine.commandsApplied());
        assertEquals(f.engine.stateHash(), restored.stateHash());
        assertEquals(3, restored.assetCount());
        assertEquals(3, restored.counters().assetCount());
        assertEquals(null, restored.checkInvariants());
        // A copy, as a snapshot takes it, too; and a copy of the genesis undoes the listing in that engine.
        final GuardEngine copy = new GuardEngine(f.engine.genesisRules());
        f.engine.copyStateTo(copy);
        assertEquals(f.engine.stateHash(), copy.stateHash());
        new GuardEngine(f.engine.genesisRules()).copyStateTo(copy);
        assertEquals(2, copy.assetCount());
        assertEquals(new GuardEngine(f.engine.genesisRules()).stateHash(), copy.stateHash());
    }

    @Test
    void shouldRestrictAListedAssetWhoseWalletsAreNotAttestedWithinTheAgeLimit()
    {
        final GuardFixture f = world(new Recorder[1]);
        expectAccepted(f.configure(listSol(f.engine.config())));
        expectAccepted(f.inflow(SOL_HOT, "SOL", 1_000, "sol-1"));
        f.advanceMs(GuardFixture.AGE_MS_MAX + 1);
        expectRejected(Reason.ASSET_RESTRICTED, f.deposit(ALICE, "SOL", 100, "sol-1"));
        expectAccepted(f.attest(SOL_HOT, "SOL", 1_000));
        expectAccepted(f.attest(SOL_COLD, "SOL", 0));
        f.advanceMs(1);
        expectAccepted(f.deposit(ALICE, "SOL", 100, "sol-1"));
    }

    @Test
    void shouldAddAWalletToAnAssetInUseWithoutRestrictingIt()
    {
        final GuardFixture f = world(new Recorder[1]);
        final GuardEngine genesis = new GuardEngine(f.engine.genesisRules());
        expectRejected(Reason.WALLET_NOT_FOUND, f.inflow(BTC_HOT_2, "BTC", 10, "w-0"));
        expectAccepted(f.configure("wallets=1,2,3," + BTC_HOT_2 + "\nwallets." + BTC_HOT_2 + ".asset=BTC\n" +
            "wallets." + BTC_HOT_2 + ".kind=HOT\nwallets." + BTC_HOT_2 + ".driftToleranceMinorUnits=0\n"));
        expectAccepted(f.inflow(BTC_HOT_2, "BTC", 10, "w-1"));
        expectAccepted(f.deposit(BOB, "BTC", 10, "w-1"));
        assertEquals(50_010, f.engine.holdings(0));
        f.assertInvariants();
        assertFalse(f.engine.stateHash().equals(genesis.stateHash()));
    }

    @Test
    void shouldRetireAnAssetOnlyOnceNothingIsOwedOrHeldInItAndItsWalletsWithIt()
    {
        final GuardFixture f = world(new Recorder[1]);
        // Its wallet still listed: invalid, naming the wallet.
        expectRejected(Reason.CONFIGURATION_INVALID, f.configure("assets.USD.retired=true\n"));
        // Owed to a customer although the bank account was found empty: refused.
        expectAccepted(f.inflow(BANK, "USD", 100, "usd-1"));
        expectAccepted(f.deposit(BOB, "USD", 100, "usd-1"));
        expectAccepted(f.attest(BANK, "USD", 0));
        expectRejected(Reason.ASSET_NOT_EMPTY,
            f.configure("assets.USD.retired=true\nwallets." + BANK + ".retired=true\n"));
        assertEquals(2, f.engine.indexOfAsset(GuardFixture.USD) + 1);

        final GuardFixture clean = world(new Recorder[1]);
        final String hash = clean.engine.stateHash().toString();
        expectAccepted(clean.configure("assets.USD.retired=true\nwallets." + BANK + ".retired=true\n"));
        assertEquals(-1, clean.engine.indexOfAsset(GuardFixture.USD));
        expectRejected(Reason.ASSET_NOT_FOUND, clean.deposit(BOB, "USD", 1, "usd-1"));
        expectRejected(Reason.ASSET_NOT_FOUND, clean.inflow(BANK, "USD", 1, "usd-2"));
        assertTrue(clean.engine.config().assetByCode("USD").retired);
        assertFalse(hash.equals(clean.engine.stateHash().toString()));
        // Retired for good, and no wallet is added to it.
        expectRejected(Reason.CONFIGURATION_INVALID, clean.configure("assets.USD.creditCapMinorUnits=5\n"));
        expectRejected(Reason.CONFIGURATION_INVALID, clean.configure("wallets=1,2,3,9\nwallets.9.asset=USD\n" +
            "wallets.9.kind=BANK\nwallets.9.driftToleranceMinorUnits=0\n"));
        clean.assertInvariants();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "assets=USD,BTC\n",
        "assets=BTC\n",
        "wallets=1,2\n",
        "wallets=2,1,3\n",
        "assets=BTC,USD,ETH\n",
        "assets.ETH.id=9\n",
        "wallets.9.asset=BTC\nwallets.9.kind=HOT\nwallets.9.driftToleranceMinorUnits=0\n",
        "wallets=1,2,3,9\nwallets.9.asset=XRP\nwallets.9.kind=HOT\nwallets.9.driftToleranceMinorUnits=0\n",
        "wallets=1,2,3,1\n",
        "wallets=1,2,3,9\nwallets.9.asset=BTC\nwallets.9.kind=HOT\nwallets.9.driftToleranceMinorUnits=0\n" +
            "wallets.9.retired=true\n"})
    void shouldRefuseAListingThatDoesNotOnlyAppend(final String settings)
    {
        final GuardFixture f = world(new Recorder[1]);
        final String hash = f.ledgerHash();
        final GuardConfig before = f.engine.config();
        expectRejected(Reason.CONFIGURATION_INVALID, f.configure(settings));
        assertEquals(hash, f.ledgerHash());
        assertEquals(before, f.engine.config());
        assertEquals(2, f.engine.assetCount());
        assertEquals(3, f.engine.walletCount());
    }

    @Test
    void shouldNameTheListWhenAListingWouldPassTheMostAssetsThereCanBe()
    {
        final GuardConfig full = new GuardConfig();
        final StringBuilder codes = new StringBuilder();
        for (int i = 1; i <= GuardConfig.ASSETS_MAX; i++)
        {
            full.asset(new GuardConfig.AssetConfig("A" + i, i, 2));
            codes.append(i == 1 ? "" : ",").append("A").append(i);
        }
        full.conclude();
        final Map<String, String> change = new TreeMap<>();
        final GuardConfig.AssetConfig extra = new GuardConfig.AssetConfig("ZZ", GuardConfig.ASSETS_MAX + 1, 2);
        final GuardConfig one = new GuardConfig().asset(extra);
        for (final Map.Entry<String, String> setting : Rules.settings(one).entrySet())
        {
            if (setting.getKey().startsWith("assets.ZZ."))
            {
                change.put(setting.getKey(), setting.getValue());
            }
        }
        change.put("assets", codes + ",ZZ");
        final ConfigurationException refused =
            assertThrows(ConfigurationException.class, () -> Rules.change(full, change));
        assertTrue(refused.getMessage().startsWith("assets"), refused::getMessage);
    }
}
