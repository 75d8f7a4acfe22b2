package io.ledgerguard.core;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ledgerguard.core.approval.ApprovalVerifier;

import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.alertOf;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rules that change without a restart (SPEC §13): {@code CONFIGURE} commands approved by the current approvers,
 * in force from their sequence on, part of the state, and replayed exactly.
 */
class RulesChangeTest
{
    private static final long ALICE = 1001;
    private static final KeyPair OPS_1 = keyPair();
    private static final KeyPair OPS_2 = keyPair();
    private static final KeyPair OPS_3 = keyPair();
    private static final KeyPair OPS_4 = keyPair();

    private static KeyPair keyPair()
    {
        try
        {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static void approvers(final GuardConfig config)
    {
        final List<String> ops = List.of("ops-1", "ops-2", "ops-3");
        config.key(new GuardConfig.KeyConfig("ops-1", OPS_1.getPublic()))
            .key(new GuardConfig.KeyConfig("ops-2", OPS_2.getPublic()))
            .key(new GuardConfig.KeyConfig("ops-3", OPS_3.getPublic()))
            .approvals(ApprovalClass.ADJUST, new GuardConfig.ApprovalRule(2, ops))
            .approvals(ApprovalClass.CONFIGURE, new GuardConfig.ApprovalRule(2, ops));
    }

    private static GuardFixture world()
    {
        final GuardFixture f = GuardFixture.attested(RulesChangeTest::approvers);
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        f.fund(ALICE, "BTC", 10_000);
        expectAccepted(f.inflow(HOT, "BTC", 50_000, f.newChainRef()));
        return f;
    }

    private static String publicKey(final KeyPair key)
    {
        return Base64.getEncoder().encodeToString(key.getPublic().getEncoded());
    }

    private static Command signed(final GuardFixture f, final Command c, final Object... keyIdsAndKeys)
    {
        c.expiresAtMs = f.nowMs() + 30_000;
        for (int i = 0; i < keyIdsAndKeys.length; i += 2)
        {
            final KeyPair key = (KeyPair)keyIdsAndKeys[i + 1];
            assertTrue(c.addApproval((String)keyIdsAndKeys[i],
                ApprovalVerifier.sign(c, f.engine.config(), key.getPrivate())));
        }
        return c;
    }

    private static Command configure(final GuardFixture f, final String settings, final Object... keyIdsAndKeys)
    {
        final Command c = f.begin(CommandType.CONFIGURE);
        c.settings(settings);
        return signed(f, c, keyIdsAndKeys);
    }

    private static Command adjust(final GuardFixture f, final long amount, final Object... keyIdsAndKeys)
    {
        final Command c = f.begin(CommandType.ADJUST);
        c.accountId = ALICE;
        c.assetId = GuardFixture.BTC;
        c.amount = amount;
        c.memo("goodwill");
        return signed(f, c, keyIdsAndKeys);
    }

    /** Verifies as a gateway does, against the rules in force now, then sequences and applies; keeps a copy. */
    private static Decision verifyAndSubmit(final GuardFixture f, final Command c, final List<Command> journal)
    {
        new ApprovalVerifier(f.engine::rulesInForce).verify(c);
        return submit(f, c, journal);
    }

    private static Decision submit(final GuardFixture f, final Command c, final List<Command> journal)
    {
        final Decision decision = f.submit(c);
        final Command copy = new Command();
        copy.copyFrom(c);
        journal.add(copy);
        return decision;
    }

    private static ApprovalFault unauthorized(final Decision decision)
    {
        expectRejected(Reason.UNAUTHORIZED, decision);
        final Alert alert = alertOf(decision, AlertType.UNAUTHORIZED);
        assertNotNull(alert, decision::toString);
        return ApprovalFault.fromCode((int)alert.figure(0));
    }

    @Test
    void shouldRotateASuspectedKeyOutFromTheChangesSequenceOnAndReplayWhatItApprovedBefore()
    {
        final GuardFixture f = world();
        final GuardFixture twin = world();
        final List<Command> journal = new ArrayList<>();
        expectAccepted(verifyAndSubmit(f, adjust(f, 100, "ops-1", OPS_1, "ops-2", OPS_2), journal));
        // Verified at the gateway before the rotation, sequenced after it.
        // The fixture reuses one command for everything it begins: this one is kept aside.
        final Command inFlight = new Command();
        inFlight.copyFrom(adjust(f, 7, "ops-1", OPS_1, "ops-2", OPS_2));
        new ApprovalVerifier(f.engine::rulesInForce).verify(inFlight);
        assertEquals(2, inFlight.approvalsVerified);

        // ops-2 is suspected: ops-4 replaces it everywhere; the current approvers (ops-1, ops-3) approve.
        final String rotation = "approvals.ADJUST.keys=ops-1,ops-3,ops-4\n" +
            "approvals.CONFIGURE.keys=ops-1,ops-3,ops-4\n" +
            "keys=ops-1,ops-3,ops-4\n" +
            "keys.ops-4.publicKey=" + publicKey(OPS_4) + "\n";
        final Decision rotated = verifyAndSubmit(f, configure(f, rotation, "ops-1", OPS_1, "ops-3", OPS_3), journal);
        expectAccepted(rotated);
        final long rotationSeq = rotated.seq;
        assertEquals(rotationSeq, f.engine.approversSeq());
        assertEquals(1, f.engine.rulesVersion());
        assertEquals(null, f.engine.config().keyById("ops-2"));

        assertEquals(ApprovalFault.APPROVERS_CHANGED, unauthorized(submit(f, inFlight, journal)));
        assertEquals(ApprovalFault.UNKNOWN_KEY,
            unauthorized(verifyAndSubmit(f, adjust(f, 7, "ops-1", OPS_1, "ops-2", OPS_2), journal)));
        expectAccepted(verifyAndSubmit(f, adjust(f, 9, "ops-1", OPS_1, "ops-4", OPS_4), journal));
        assertEquals(10_109, f.available(ALICE, "BTC"));

        // Replayed under the genesis, the journal decides every command as the guard did: the approvals before the
        // rotation still count, those after it do not. No key is needed: the counts are journaled.
        final GuardEngine replayed = twin.engine;
        final Decision decision = new Decision();
        final List<Reason> reasons = new ArrayList<>();
        for (final Command command : journal)
        {
            replayed.apply(command, decision);
            reasons.add(decision.reason);
        }
        assertEquals(List.of(Reason.OK, Reason.OK, Reason.UNAUTHORIZED, Reason.UNAUTHORIZED, Reason.OK), reasons);
        assertEquals(f.engine.stateHash(), replayed.stateHash());
        assertEquals(rotationSeq, replayed.approversSeq());
    }

    @Test
    void shouldRefuseAChangeOfApproversSignedByTheKeysItWouldAdd()
    {
        final GuardFixture f = world();
        final List<Command> journal = new ArrayList<>();
        final String takeover = "approvals.CONFIGURE.keys=ops-4,ops-1\n" + "keys=ops-1,ops-2,ops-3,ops-4\n" +
            "keys.ops-4.publicKey=" + publicKey(OPS_4) + "\n";
        final String hash = f.ledgerHash();
        assertEquals(ApprovalFault.UNKNOWN_KEY,
            unauthorized(verifyAndSubmit(f, configure(f, takeover, "ops-4", OPS_4, "ops-1", OPS_1), journal)));
        assertEquals(ApprovalFault.TOO_FEW,
            unauthorized(verifyAndSubmit(f, configure(f, takeover, "ops-1", OPS_1), journal)));
        assertEquals(0, f.engine.rulesVersion());
        assertEquals(hash, f.ledgerHash());
    }

    @Test
    void shouldRefuseAndAlertAChangeWhenNoApproversAreConfigured()
    {
        final GuardFixture f = GuardFixture.attested();
        final Command c = f.begin(CommandType.CONFIGURE);
        c.settings("assets.BTC.creditCapMinorUnits=5\n");
        c.expiresAtMs = f.nowMs() + 30_000;
        assertEquals(ApprovalFault.NO_APPROVERS, unauthorized(f.submit(c)));
        assertEquals(Long.MAX_VALUE, f.engine.config().assetByCode("BTC").creditCapMinorUnits);
    }

    @Test
    void shouldHaltAtANewVelocityLimitTightenedDuringADrain()
    {
        final GuardFixture f = GuardFixture.attested(config ->
        {
            approvers(config);
            final GuardConfig.AssetConfig btc = config.assetByCode("BTC");
            btc.outflowWindowMs = 160_000;
            btc.outflowBurstRejectionsMax = 2;
        });
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        f.fund(ALICE, "BTC", 10_000);
        expectAccepted(f.attest(COLD, "BTC", 5_000));
        // The drain: withdrawals pass under the configured (unlimited) velocity.
        expectAccepted(f.withdraw(1, ALICE, COLD, "BTC", 400));
        expectAccepted(f.withdraw(2, ALICE, COLD, "BTC", 400));
        expectAccepted(f.configure("assets.BTC.outflow.minorUnitsMax=1000\n"));
        assertEquals(1_000, f.engine.config().assetByCode("BTC").outflowMinorUnitsMax);
        expectAccepted(f.withdraw(3, ALICE, COLD, "BTC", 200));
        final Decision crossing = expectRejected(Reason.OUTFLOW_VELOCITY_EXCEEDED, f.withdraw(4, ALICE, COLD, "BTC",
            1));
        assertEquals(1_000, alertOf(crossing, AlertType.OUTFLOW_VELOCITY).figure(1));
        f.paranoid(false);
        final Decision burst = expectRejected(Reason.OUTFLOW_VELOCITY_EXCEEDED, f.withdraw(4, ALICE, COLD, "BTC", 1));
        final Alert engaged = alertOf(burst, AlertType.KILL_SWITCH_ENGAGED);
        assertNotNull(engaged, burst::toString);
        assertEquals(KillSwitchCause.VELOCITY_BURST.code(), engaged.figure(0));
        f.paranoid(true);
        expectRejected(Reason.ASSET_HALTED, f.withdraw(5, ALICE, COLD, "BTC", 1));
        f.assertInvariants();
    }

    @Test
    void shouldRetireAnEmptyWalletAndRefuseToRetireOneThatHoldsCoins()
    {
        final GuardFixture f = GuardFixture.attested(RulesChangeTest::approvers);
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        f.fund(ALICE, "BTC", 1_000);
        final String hash = f.ledgerHash();
        expectRejected(Reason.WALLET_NOT_EMPTY, f.configure("wallets." + HOT + ".retired=true\n"));
        assertEquals(hash, f.ledgerHash());
        assertEquals(0, f.engine.rulesVersion());

        expectAccepted(f.configure("wallets." + COLD + ".retired=true\n"));
        assertTrue(f.engine.config().wallets().get(1).retired);
        expectRejected(Reason.WALLET_NOT_FOUND, f.inflow(COLD, "BTC", 5, f.newChainRef()));
        expectRejected(Reason.WALLET_NOT_FOUND, f.attest(COLD, "BTC", 0));
        expectAccepted(f.inflow(HOT, "BTC", 5, f.newChainRef()));
        expectRejected(Reason.CONFIGURATION_INVALID, f.configure("wallets." + COLD + ".driftToleranceMinorUnits=3\n"));
        f.assertInvariants();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "assets.BTC.id=9\n",
        "assets.BTC.outflow.windowMs=5\n",
        "assets=BTC,USD,ETH\n",
        "wallets.1.kind=COLD\n",
        "approvals.domain=other\n",
        "retention.txIdWindowMs=5\n",
        "assets.BTC.creditCapMinorUnits=-1\n",
        "assets.BTC.creditCapMinorUnits=many\n",
        "assets.XRP.creditCapMinorUnits=1\n",
        "limits.accountsMax=5\n",
        "approvals.ADJUST.required=1\n",
        "keys.ops-1.publicKey=" + "AAAA" + "\n",
        "keys.ops-9.publicKey=MCowBQYDK2VwAyEAeGiduziUHx4woY1iGHTDuJtwRImbreOYz/Pgg0XDuYE=\n",
        "nonsense\n"})
    void shouldRefuseAnInvalidChangeWithoutChangingAnything(final String settings)
    {
        final GuardFixture f = world();
        final String hash = f.ledgerHash();
        final GuardConfig before = f.engine.config();
        expectRejected(Reason.CONFIGURATION_INVALID, f.configure(settings));
        assertEquals(hash, f.ledgerHash());
        assertEquals(before, f.engine.config());
        final ConfigurationException named = assertThrows(ConfigurationException.class,
            () -> Rules.change(before, Rules.parse(settings)));
        assertTrue(named.getMessage().length() > 10, named::getMessage);
    }

    @Test
    void shouldReplayTwentyChangesUnderTheGenesisAndReproduceEveryDecisionAndTheStateHash()
    {
        final GuardFixture f = world();
        final GuardConfig genesis = f.engine.config();
        final GuardFixture twin = world();
        assertEquals(f.engine.stateHash(), twin.engine.stateHash());
        final List<Command> journal = new ArrayList<>();
        final List<Reason> decided = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            // Alternately a change of the credit cap and the reserve buffer, and traffic it decides.
            final String setting = i % 2 == 0 ? "assets.BTC.creditCapMinorUnits=" + (50 + 25 * i) :
                "assets.BTC.reserveBufferMinorUnits=" + (i * 1_000);
            decided.add(submit(f, configureCommand(f, setting + "\n"), journal).reason);
            for (int j = 0; j < 3; j++)
            {
                final Command deposit = f.begin(CommandType.INFLOW);
                deposit.walletId = HOT;
                deposit.assetId = GuardFixture.BTC;
                deposit.amount = 100;
                final String chainRef = f.newChainRef();
                deposit.chainRef(chainRef);
                decided.add(submit(f, deposit, journal).reason);
                final Command credit = f.begin(CommandType.DEPOSIT);
                credit.accountId = ALICE;
                credit.assetId = GuardFixture.BTC;
                credit.amount = 40 + 30 * j + i;
                credit.chainRef(chainRef);
                decided.add(submit(f, credit, journal).reason);
            }
        }
        assertEquals(20, f.engine.rulesVersion());
        assertTrue(decided.contains(Reason.CREDIT_CAP_EXCEEDED), decided::toString);
        assertTrue(decided.contains(Reason.OK));
        assertNotEquals(genesis, f.engine.config());

        final Decision decision = new Decision();
        final List<Reason> replayed = new ArrayList<>();
        for (final Command command : journal)
        {
            twin.engine.apply(command, decision);
            replayed.add(decision.reason);
        }
        assertEquals(decided, replayed);
        assertEquals(f.engine.stateHash(), twin.engine.stateHash());
        assertEquals(Rules.settings(f.engine.config()), Rules.settings(twin.engine.config()));

        // The rules travel with the state: a copy (as a snapshot takes it) holds them.
        final GuardEngine copy = new GuardEngine(genesis);
        f.engine.copyStateTo(copy);
        assertEquals(f.engine.stateHash(), copy.stateHash());
        assertEquals(Rules.settings(f.engine.config()), Rules.settings(copy.config()));
        assertEquals(20, copy.rulesVersion());
    }

    private static Command configureCommand(final GuardFixture f, final String settings)
    {
        final Command c = f.begin(CommandType.CONFIGURE);
        c.settings(settings);
        c.expiresAtMs = f.nowMs() + 30_000;
        c.addApproval("ops-1", new byte[Command.SIGNATURE_LENGTH]);
        c.addApproval("ops-2", new byte[Command.SIGNATURE_LENGTH]);
        c.approvalsVerified = 2;
        c.approversSeq = f.engine.approversSeq();
        return c;
    }

    @Test
    void shouldNotCountAKeyNoClassNamesAsAChangeOfApprovers()
    {
        final GuardFixture f = world();
        final Command verified = new Command();
        verified.copyFrom(adjust(f, 5, "ops-1", OPS_1, "ops-2", OPS_2));
        new ApprovalVerifier(f.engine::rulesInForce).verify(verified);
        // A spare key, named by no class: the approvers are the same, approvals counted before stay good.
        expectAccepted(f.configure("keys=ops-1,ops-2,ops-3,ops-4\nkeys.ops-4.publicKey=" + publicKey(OPS_4) + "\n"));
        assertEquals(0, f.engine.approversSeq());
        expectAccepted(f.submit(verified));
    }

    @Test
    void shouldTakeARetiredWalletsAttestationOutOfItsAssetsFreshness()
    {
        // COLD was never attested, so BTC is restricted (I5); retired, it no longer holds the asset back.
        final GuardFixture f = GuardFixture.create(RulesChangeTest::approvers);
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        expectAccepted(f.attest(HOT, "BTC", 0));
        expectAccepted(f.inflow(HOT, "BTC", 100, "retire-1"));
        expectRejected(Reason.ASSET_RESTRICTED, f.deposit(ALICE, "BTC", 10, "retire-1"));
        expectAccepted(f.configure("wallets." + COLD + ".retired=true\n"));
        expectAccepted(f.deposit(ALICE, "BTC", 10, "retire-1"));
        f.assertInvariants();
    }

    @Test
    void shouldRefuseSettingsOnACommandThatIsNotARuleChange()
    {
        final Command c = new Command();
        c.type = CommandType.CONFIGURE;
        c.settings("assets.BTC.creditCapMinorUnits=5\n");
        assertEquals(null, c.checkShape());
        c.type = CommandType.TRANSFER;
        assertEquals(Reason.MALFORMED_COMMAND, c.checkShape());
    }

    @Test
    void shouldGoBackToTheGenesisWhenACopyReplacesAHalfRestoredState()
    {
        final GuardFixture f = world();
        expectAccepted(f.configure("assets.BTC.creditCapMinorUnits=99\n"));
        final GuardEngine fresh = new GuardEngine(f.engine.genesisRules());
        fresh.copyStateTo(f.engine);
        assertEquals(0, f.engine.rulesVersion());
        assertEquals(Long.MAX_VALUE, f.engine.config().assetByCode("BTC").creditCapMinorUnits);
    }

    @Test
    void shouldHashTheRulesOnceTheyChanged()
    {
        final GuardFixture f = world();
        final GuardFixture other = world();
        expectAccepted(f.configure("assets.BTC.creditCapMinorUnits=77\n"));
        expectAccepted(other.configure("assets.BTC.creditCapMinorUnits=78\n"));
        assertEquals(f.ledgerHash().length(), other.ledgerHash().length());
        assertNotEquals(f.engine.stateHash(), other.engine.stateHash());
    }

    @Test
    void shouldKeepTheRulesTextCanonicalAndRoundTrip()
    {
        final GuardConfig config = GuardFixture.attested(RulesChangeTest::approvers).engine.config();
        final SortedMap<String, String> settings = Rules.settings(config);
        final GuardConfig rebuilt = Rules.build(Rules.parse(Rules.text(config)), config.limits());
        assertEquals(settings, Rules.settings(rebuilt));
        assertEquals(Rules.text(config), Rules.text(rebuilt));
        final GuardConfig fromGenesis = Rules.build(Rules.parse(Rules.genesis(config)), null);
        assertEquals(config.limits().txIdsMax, fromGenesis.limits().txIdsMax);
        final Map<String, String> changed = new TreeMap<>(settings);
        changed.put("assets.BTC.creditCapMinorUnits", "5");
        assertEquals(List.of("assets.BTC.creditCapMinorUnits: " + Long.MAX_VALUE + " -> 5"),
            Rules.diff(settings, changed));
        assertEquals(Map.of("assets.BTC.creditCapMinorUnits", "5"), Rules.changed(settings, changed));
    }
}
