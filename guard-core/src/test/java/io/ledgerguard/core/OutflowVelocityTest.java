package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.alertOf;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Outflow velocity (SPEC §5.4): withdrawals limited per asset and per hot wallet in a sliding window, and a burst of
 * rejections halting the asset's outflows.
 */
class OutflowVelocityTest
{
    private static final long ALICE = 1001;
    private static final long WINDOW_MS = 160_000;

    /**
     * BTC: at most 300 units out per 160 s window, a hot wallet at most 50% of its expected holdings, 3 rejections
     * halt. ALICE holds 10,000 units; HOT and COLD hold 1,000 each (attested).
     */
    private static GuardFixture limited()
    {
        final GuardFixture f = GuardFixture.attested(config ->
        {
            final GuardConfig.AssetConfig btc = config.assetByCode("BTC");
            btc.outflowWindowMs = WINDOW_MS;
            btc.outflowMinorUnitsMax = 300;
            btc.outflowHotShareBpsMax = 5_000;
            btc.outflowBurstRejectionsMax = 3;
        });
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        f.fund(ALICE, "BTC", 10_000);
        expectAccepted(f.attest(HOT, "BTC", f.expected(HOT)));
        expectAccepted(f.attest(COLD, "BTC", 1_000));
        return f;
    }

    @Test
    void shouldRejectTheWithdrawalThatCrossesTheAssetsLimitAndAllowItOnceTheWindowHasPassed()
    {
        final GuardFixture f = limited();
        expectAccepted(f.withdraw(1, ALICE, COLD, "BTC", 200));
        expectAccepted(f.withdraw(2, ALICE, COLD, "BTC", 100));
        final Decision crossing =
            expectRejected(Reason.OUTFLOW_VELOCITY_EXCEEDED, f.withdraw(3, ALICE, COLD, "BTC", 1));
        final Alert alert = alertOf(crossing, AlertType.OUTFLOW_VELOCITY);
        assertNotNull(alert);
        assertEquals(301, alert.figure(0));
        assertEquals(300, alert.figure(1));
        // A cancel does not give the window back.
        expectAccepted(f.cancel(2));
        expectRejected(Reason.OUTFLOW_VELOCITY_EXCEEDED, f.withdraw(3, ALICE, COLD, "BTC", 1));

        f.advanceMs(WINDOW_MS);
        reattest(f);
        expectAccepted(f.withdraw(3, ALICE, COLD, "BTC", 300));
        f.assertInvariants();
    }

    @Test
    void shouldLimitAHotWalletToItsShareOfItsExpectedHoldings()
    {
        // No asset limit; HOT may pay out 10% of the 10,000 it expects (ALICE's deposit) per window.
        final GuardFixture g = GuardFixture.attested(config ->
        {
            final GuardConfig.AssetConfig btc = config.assetByCode("BTC");
            btc.outflowWindowMs = WINDOW_MS;
            btc.outflowHotShareBpsMax = 1_000;
        });
        expectAccepted(g.openAccount(ALICE, AccountKind.CUSTOMER));
        g.fund(ALICE, "BTC", 10_000);
        expectAccepted(g.withdraw(1, ALICE, HOT, "BTC", 600));
        expectAccepted(g.withdraw(2, ALICE, HOT, "BTC", 400));
        final Decision crossing = expectRejected(Reason.OUTFLOW_VELOCITY_EXCEEDED, g.withdraw(3, ALICE, HOT, "BTC", 1));
        final Alert alert = alertOf(crossing, AlertType.OUTFLOW_VELOCITY);
        assertEquals(HOT, alert.walletId);
        assertEquals(1_001, alert.figure(0));
        assertEquals(1_000, alert.figure(1));
        // The cold wallet has no share limit.
        g.inflow(COLD, "BTC", 5_000, "cold");
        expectAccepted(g.withdraw(3, ALICE, COLD, "BTC", 2_000));
    }

    @Test
    void shouldHaltOutflowsOnABurstOfVelocityRejections()
    {
        final GuardFixture f = limited();
        expectAccepted(f.withdraw(1, ALICE, COLD, "BTC", 300));
        assertNull(alertOf(expectRejected(Reason.OUTFLOW_VELOCITY_EXCEEDED, f.withdraw(2, ALICE, COLD, "BTC", 1)),
            AlertType.KILL_SWITCH_ENGAGED));
        expectRejected(Reason.OUTFLOW_VELOCITY_EXCEEDED, f.withdraw(2, ALICE, COLD, "BTC", 1));
        // The third rejection halts the outflows: a rejection that changes the ledger, on purpose.
        f.paranoid(false);
        final Decision third = expectRejected(Reason.OUTFLOW_VELOCITY_EXCEEDED, f.withdraw(2, ALICE, COLD, "BTC", 1));
        final Alert engaged = alertOf(third, AlertType.KILL_SWITCH_ENGAGED);
        assertNotNull(engaged, third::toString);
        assertEquals(KillSwitchCause.VELOCITY_BURST.code(), engaged.figure(0));
        assertEquals(1, engaged.figure(1));

        f.paranoid(true);
        f.advanceMs(WINDOW_MS);
        reattest(f);
        expectRejected(Reason.ASSET_HALTED, f.withdraw(2, ALICE, COLD, "BTC", 1));
        expectAccepted(f.resume("BTC"));
        expectAccepted(f.withdraw(2, ALICE, COLD, "BTC", 1));
        f.assertInvariants();
    }

    @Test
    void shouldCountARejectionInsideABatchTowardsTheBurst()
    {
        final GuardFixture f = limited();
        expectAccepted(f.withdraw(1, ALICE, COLD, "BTC", 300));
        f.paranoid(false);
        for (int i = 0; i < 2; i++)
        {
            final int holdId = 10 + i;
            final Decision batch = f.batch(() -> f.withdraw(holdId, ALICE, COLD, "BTC", 1));
            expectRejected(Reason.OUTFLOW_VELOCITY_EXCEEDED, batch);
            assertNull(alertOf(batch, AlertType.KILL_SWITCH_ENGAGED));
        }
        final Decision third = f.batch(() -> f.withdraw(12, ALICE, COLD, "BTC", 1));
        final Alert engaged = alertOf(third, AlertType.KILL_SWITCH_ENGAGED);
        assertNotNull(engaged, "a burst cannot be dodged one batch at a time: " + third);
        assertEquals(true, f.engine.outflowsHalted(f.assetIndex("BTC")), "and the halt it announces holds");

        // RESUME deals with the burst: the next rejection is the first of a new count.
        f.paranoid(true);
        expectAccepted(f.resume("BTC"));
        f.paranoid(false);
        assertNull(alertOf(expectRejected(Reason.OUTFLOW_VELOCITY_EXCEEDED, f.withdraw(13, ALICE, COLD, "BTC", 1)),
            AlertType.KILL_SWITCH_ENGAGED));
    }

    /**
     * The window outlasts the fixture's attestation age: the custody feed reports again, what the ledger expects.
     */
    private static void reattest(final GuardFixture f)
    {
        for (final long wallet : new long[] {HOT, COLD, GuardFixture.BANK})
        {
            expectAccepted(f.attest(wallet, wallet == GuardFixture.BANK ? "USD" : "BTC", f.expected(wallet)));
        }
    }
}
