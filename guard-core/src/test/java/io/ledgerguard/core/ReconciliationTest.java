package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.BTC;
import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.alertOf;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Reconciliation on attestation (SPEC §5.1, §5.2, I4): custody drift against expected holdings, and cover against
 * obligations, with the kill switches they engage and what each blocks.
 */
class ReconciliationTest
{
    private static final long ALICE = 1001;
    private static final long BOB = 1002;
    private static final long HOT_TOLERANCE = 50;
    private static final long BREACH_TOLERANCE = 20;

    /**
     * Armed: HOT may drift by 50 units, COLD by none; BTC tolerates obligations 20 units above holdings. ALICE holds
     * 1,000 BTC units deposited through HOT; COLD holds 5,000 attested.
     */
    private static GuardFixture armed()
    {
        final GuardFixture f = GuardFixture.attested(config ->
        {
            config.assetByCode("BTC").breachToleranceMinorUnits = BREACH_TOLERANCE;
            config.wallets().get(0).driftToleranceMinorUnits = HOT_TOLERANCE;
        });
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        expectAccepted(f.openAccount(BOB, AccountKind.CUSTOMER));
        expectAccepted(f.attest(COLD, "BTC", 5_000));
        f.fund(ALICE, "BTC", 1_000);
        assertEquals(1_000, f.expected(HOT));
        return f;
    }

    @Test
    void shouldAcceptAttestationsWithinTheWalletsTolerance()
    {
        final GuardFixture f = armed();
        final Decision within = expectAccepted(f.attest(HOT, "BTC", 1_000 - HOT_TOLERANCE));
        assertEquals(0, within.alertCount, within::toString);
        final Decision up = expectAccepted(f.attest(HOT, "BTC", 1_000));
        assertEquals(0, up.alertCount, up::toString);
        expectAccepted(f.withdraw(7, ALICE, HOT, "BTC", 10));
    }

    @Test
    void shouldHaltOutflowsAtOnceOnAnUnexplainedDecrease()
    {
        final GuardFixture f = armed();
        f.advanceMs(1_000);
        final long drainedAt = f.nowMs();

        // The hot wallet drained: 600 gone with no settled withdrawal.
        final Decision drained = expectAccepted(f.attest(HOT, "BTC", 400));

        final Alert drift = alertOf(drained, AlertType.CUSTODY_DRIFT);
        assertNotNull(drift, drained::toString);
        assertEquals(AlertScope.WALLET, drift.scope);
        assertEquals(HOT, drift.walletId);
        assertEquals(400, drift.figure(0));
        assertEquals(1_000, drift.figure(1));
        assertEquals(HOT_TOLERANCE, drift.figure(2));
        final Alert engaged = alertOf(drained, AlertType.KILL_SWITCH_ENGAGED);
        assertNotNull(engaged, drained::toString);
        assertEquals(AlertScope.ASSET, engaged.scope);
        assertEquals(BTC, engaged.assetId);
        assertEquals(KillSwitchCause.CUSTODY_DRIFT.code(), engaged.figure(0));
        assertEquals(1, engaged.figure(1), "outflows only");

        expectRejected(Reason.ASSET_HALTED, f.withdraw(7, ALICE, HOT, "BTC", 10));
        expectRejected(Reason.ASSET_HALTED, f.withdraw(8, ALICE, COLD, "BTC", 10));
        // Only outflows stop: trading goes on, and the asset's status is not HALTED.
        expectAccepted(f.transfer(ALICE, BOB, "BTC", 10));
        assertEquals(AssetStatus.NORMAL, f.status("BTC"));
        // A second drifted attestation does not engage it again.
        final Decision again = expectAccepted(f.attest(HOT, "BTC", 300));
        assertNotNull(alertOf(again, AlertType.CUSTODY_DRIFT));
        assertNull(alertOf(again, AlertType.KILL_SWITCH_ENGAGED));

        f.advanceMs(5_000);
        final Decision resumed = expectAccepted(f.resume("BTC"));
        final Alert released = alertOf(resumed, AlertType.KILL_SWITCH_RELEASED);
        assertNotNull(released, resumed::toString);
        assertEquals(KillSwitchCause.CUSTODY_DRIFT.code(), released.figure(0));
        assertEquals(drainedAt, released.figure(1));
        assertEquals(f.nowMs() - drainedAt, released.figure(2));
        expectAccepted(f.withdraw(7, ALICE, HOT, "BTC", 10));
        f.assertInvariants();
    }

    @Test
    void shouldOnlyAlertOnAnUnexplainedIncrease()
    {
        final GuardFixture f = armed();
        final Decision up = expectAccepted(f.attest(HOT, "BTC", 1_000 + HOT_TOLERANCE + 1));
        final Alert drift = alertOf(up, AlertType.CUSTODY_DRIFT);
        assertNotNull(drift);
        assertEquals(1_000 + HOT_TOLERANCE + 1, drift.figure(0));
        assertNull(alertOf(up, AlertType.KILL_SWITCH_ENGAGED));
        expectAccepted(f.withdraw(7, ALICE, HOT, "BTC", 10));
    }

    @Test
    void shouldExplainWithdrawalsAndInflowsSinceTheLastAttestation()
    {
        final GuardFixture f = armed();
        expectAccepted(f.withdraw(7, ALICE, HOT, "BTC", 300));
        expectAccepted(f.settle(7));
        f.inflow(HOT, "BTC", 120, "late-inflow");
        // 1,000 - 300 settled + 120 observed: exactly what the chain shows.
        assertEquals(820, f.expected(HOT));
        final Decision reconciled = expectAccepted(f.attest(HOT, "BTC", 820));
        assertEquals(0, reconciled.alertCount, reconciled::toString);
    }

    @Test
    void shouldHaltTheAssetWhenAnAttestationLeavesObligationsUncovered()
    {
        final GuardFixture f = armed();
        expectAccepted(f.hold(9, ALICE, "BTC", 10));
        expectAccepted(f.withdraw(8, ALICE, HOT, "BTC", 10));
        // COLD emptied: custody drift (its tolerance is 0) halts outflows, but holdings of 1,000 in HOT still cover
        // obligations of 1,000, so the asset itself is not halted.
        final Decision emptied = expectAccepted(f.attest(COLD, "BTC", 0));
        assertNotNull(alertOf(emptied, AlertType.CUSTODY_DRIFT));
        assertEquals(AssetStatus.NORMAL, f.status("BTC"), emptied::toString);
        // Now HOT attests within its own drift tolerance but 21 below obligations: beyond the breach tolerance.
        final Decision uncovered = expectAccepted(f.attest(HOT, "BTC", 1_000 - BREACH_TOLERANCE - 1));

        final Alert cover = alertOf(uncovered, AlertType.RESERVE_COVER_BREACH);
        assertNotNull(cover, uncovered::toString);
        assertEquals(1_000 - BREACH_TOLERANCE - 1, cover.figure(0));
        assertEquals(1_000, cover.figure(1));
        assertEquals(0, cover.figure(3), "the reserve buffer");
        final Alert engaged = alertOf(uncovered, AlertType.KILL_SWITCH_ENGAGED);
        assertNotNull(engaged);
        assertEquals(KillSwitchCause.COVER_BREACH.code(), engaged.figure(0));
        assertEquals(0, engaged.figure(1));
        assertEquals(BREACH_TOLERANCE, engaged.figure(2), "the tolerance exceeded");
        assertEquals(AssetStatus.HALTED, f.status("BTC"));
        expectRejected(Reason.ASSET_HALTED, f.transfer(ALICE, BOB, "BTC", 1));
        // What reduces risk still works: releases, cancels, attestations, inflows.
        expectAccepted(f.release(9, 10));
        expectAccepted(f.cancel(8));
        f.inflow(HOT, "BTC", 500, "top-up");
        expectAccepted(f.attest(HOT, "BTC", 1_479));
        expectAccepted(f.resume("BTC"));
        expectAccepted(f.transfer(ALICE, BOB, "BTC", 1));
        f.assertInvariants();
    }

    @Test
    void shouldNotHaltWithinTheBreachTolerance()
    {
        final GuardFixture f = armed();
        expectAccepted(f.attest(COLD, "BTC", 0));
        final Decision within = expectAccepted(f.attest(HOT, "BTC", 1_000 - BREACH_TOLERANCE));
        assertNull(alertOf(within, AlertType.RESERVE_COVER_BREACH), within::toString);
        assertEquals(AssetStatus.NORMAL, f.status("BTC"));
    }

    @Test
    void shouldRecordWhenAndWhyAnOperatorsKillSwitchEngagedAndHowLongItHeld()
    {
        final GuardFixture f = armed();
        final long haltedAt = f.nowMs();
        final Alert engaged = alertOf(expectAccepted(f.halt("BTC")), AlertType.KILL_SWITCH_ENGAGED);
        assertNotNull(engaged);
        assertEquals(KillSwitchCause.OPERATOR.code(), engaged.figure(0));
        f.advanceMs(60_000);
        final Alert released = alertOf(expectAccepted(f.resume("BTC")), AlertType.KILL_SWITCH_RELEASED);
        assertNotNull(released);
        assertEquals(haltedAt, released.figure(1));
        assertEquals(60_000, released.figure(2));

        final Alert all = alertOf(expectAccepted(f.haltAll()), AlertType.KILL_SWITCH_ENGAGED);
        assertEquals(AlertScope.ALL, all.scope);
        f.advanceMs(10);
        assertEquals(10, alertOf(expectAccepted(f.resumeAll()), AlertType.KILL_SWITCH_RELEASED).figure(2));
        final Alert wallet = alertOf(expectAccepted(f.haltWallet(HOT)), AlertType.KILL_SWITCH_ENGAGED);
        assertEquals(AlertScope.WALLET, wallet.scope);
        assertEquals(HOT, wallet.walletId);
        // Resuming what is not halted says nothing.
        assertEquals(0, expectAccepted(f.resume("BTC")).alertCount);
    }

    @Test
    void shouldRecordEachOfAnAssetsTwoSwitchesOnItsOwn()
    {
        final GuardFixture f = armed();
        final long driftAt = f.nowMs();
        expectAccepted(f.attest(HOT, "BTC", 400));
        f.advanceMs(1_000);
        final long haltAt = f.nowMs();
        final Alert halted = alertOf(expectAccepted(f.halt("BTC")), AlertType.KILL_SWITCH_ENGAGED);
        assertEquals(KillSwitchCause.OPERATOR.code(), halted.figure(0));
        assertEquals(0, halted.figure(1));
        f.advanceMs(1_000);

        final Decision resumed = expectAccepted(f.resume("BTC"));

        assertEquals(2, resumed.alertCount, resumed::toString);
        final Alert first = resumed.alert(0);
        final Alert second = resumed.alert(1);
        assertEquals(AlertType.KILL_SWITCH_RELEASED, first.type);
        assertEquals(KillSwitchCause.OPERATOR.code(), first.figure(0));
        assertEquals(haltAt, first.figure(1));
        assertEquals(0, first.figure(3));
        assertEquals(AlertType.KILL_SWITCH_RELEASED, second.type);
        assertEquals(KillSwitchCause.CUSTODY_DRIFT.code(), second.figure(0));
        assertEquals(driftAt, second.figure(1));
        assertEquals(2_000, second.figure(2));
        assertEquals(1, second.figure(3));
    }

    @Test
    void shouldCheckAWalletsFirstAttestationForAnUnexplainedDecrease()
    {
        final GuardFixture f = GuardFixture.create(config -> config.wallets().get(0).driftToleranceMinorUnits = 5);
        // 10 units recorded arriving in HOT before the custody feed ever reported it.
        f.inflow(HOT, "BTC", 10, "early");
        final Decision first = expectAccepted(f.attest(HOT, "BTC", 0));
        final Alert drift = alertOf(first, AlertType.CUSTODY_DRIFT);
        assertNotNull(drift, first::toString);
        assertEquals(10, drift.figure(1));
        assertNotNull(alertOf(first, AlertType.KILL_SWITCH_ENGAGED));
        // A first attestation above what was recorded is the baseline, not drift.
        final Decision cold = expectAccepted(f.attest(COLD, "BTC", 1_000_000));
        assertNull(alertOf(cold, AlertType.CUSTODY_DRIFT), cold::toString);
    }

    @Test
    void shouldDropTheAlertsOfARolledBackBatchButKeepThoseOfItsFailure()
    {
        final GuardFixture f = armed();
        final String ledger = f.ledgerHash();
        final Decision batch = f.batch(() ->
        {
            f.attest(HOT, "BTC", 400);                          // drift: would halt outflows
            f.transfer(ALICE, BOB, "BTC", 1_000_000);           // fails: INSUFFICIENT_AVAILABLE
        });

        expectRejected(Reason.INSUFFICIENT_AVAILABLE, batch);
        assertEquals(0, batch.alertCount, "nothing the undone attestation raised: " + batch);
        assertEquals(ledger, f.ledgerHash());
        expectAccepted(f.withdraw(7, ALICE, HOT, "BTC", 10));

        final Decision explained = f.batch(() ->
        {
            f.transfer(ALICE, BOB, "BTC", 1);
            f.adjust(BOB, "BTC", 1_000_000_000_000L);           // uncovered: the breach alert explains the failure
        });
        expectRejected(Reason.RESERVE_COVER_EXCEEDED, explained);
        assertEquals(1, explained.alertCount, explained::toString);
        assertNotNull(alertOf(explained, AlertType.RESERVE_COVER_BREACH), explained::toString);
    }
}
