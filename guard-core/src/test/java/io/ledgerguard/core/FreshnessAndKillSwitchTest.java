package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.AGE_MS_MAX;
import static io.ledgerguard.core.GuardFixture.BANK;
import static io.ledgerguard.core.GuardFixture.BTC;
import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.alertOf;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static io.ledgerguard.core.RejectScenario.ALICE;
import static io.ledgerguard.core.RejectScenario.BOB;
import static io.ledgerguard.core.RejectScenario.LENDER;
import static io.ledgerguard.core.RejectScenario.ORDER_HOLD;
import static io.ledgerguard.core.RejectScenario.WITHDRAWAL_HOLD;
import static io.ledgerguard.core.RejectScenario.world;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * I5 freshness (RESTRICTED past the attestation age, NORMAL again after a fresh ATTEST, with alerts) and the kill
 * switches: HALT and RESUME by asset, wallet or all, and FREEZE, which stops funds leaving an account but not arriving.
 */
class FreshnessAndKillSwitchTest
{
    @Test
    void shouldBeRestrictedBeforeEveryWalletIsAttested()
    {
        final GuardFixture f = GuardFixture.create();
        assertEquals(AssetStatus.RESTRICTED, f.status("BTC"));
        f.attest(HOT, "BTC", 0);
        assertEquals(AssetStatus.RESTRICTED, f.status("BTC"), "the cold wallet has never been attested");
        f.attest(COLD, "BTC", 0);
        assertEquals(AssetStatus.NORMAL, f.status("BTC"));
        assertEquals(AssetStatus.RESTRICTED, f.status("USD"));
    }

    @Test
    void shouldRestrictOnlyPastTheAttestationAge()
    {
        final GuardFixture f = world();
        f.inflow(HOT, "BTC", 100, "late");
        final long attestedAt = f.nowMs();

        // The engine's clock is the last command's time: the status reads as of then.
        f.atMs(attestedAt + AGE_MS_MAX);
        expectAccepted(f.deposit(ALICE, "BTC", 10, "late"));
        assertEquals(AssetStatus.NORMAL, f.status("BTC"), "exactly the age is still fresh");

        f.atMs(attestedAt + AGE_MS_MAX + 1);
        final Decision stale = f.deposit(ALICE, "BTC", 10, "late");
        expectRejected(Reason.ASSET_RESTRICTED, stale);
        assertEquals(AssetStatus.RESTRICTED, f.status("BTC"));
        final Alert alert = alertOf(stale, AlertType.ATTESTATION_STALE);
        assertNotNull(alert);
        assertEquals(BTC, alert.assetId);
        assertEquals(attestedAt, alert.figure(0));
        assertEquals(f.nowMs(), alert.figure(1));
        assertEquals(AGE_MS_MAX, alert.figure(2));

        // Raised once, not on every rejection.
        final Decision again = f.deposit(ALICE, "BTC", 10, "late");
        expectRejected(Reason.ASSET_RESTRICTED, again);
        assertNull(alertOf(again, AlertType.ATTESTATION_STALE));
    }

    @Test
    void shouldBeNormalAgainAfterAFreshAttestation()
    {
        final GuardFixture f = world();
        f.inflow(HOT, "BTC", 100, "late");
        f.advanceMs(AGE_MS_MAX + 1);
        expectRejected(Reason.ASSET_RESTRICTED, f.deposit(ALICE, "BTC", 10, "late"));

        // One wallet fresh is not enough.
        final Decision hot = expectAccepted(f.attest(HOT, "BTC", f.expected(HOT)));
        assertNull(alertOf(hot, AlertType.ATTESTATION_FRESH));
        assertEquals(AssetStatus.RESTRICTED, f.status("BTC"));

        final Decision cold = expectAccepted(f.attest(COLD, "BTC", 0));
        final Alert fresh = alertOf(cold, AlertType.ATTESTATION_FRESH);
        assertNotNull(fresh);
        assertEquals(BTC, fresh.assetId);
        assertEquals(AssetStatus.NORMAL, f.status("BTC"));
        expectAccepted(f.deposit(ALICE, "BTC", 10, "late"));
    }

    @Test
    void shouldLetEverythingButObligationsAndOutflowsThroughWhenRestricted()
    {
        final GuardFixture f = world();
        f.inflow(COLD, "BTC", 1_000, "reserve");
        f.advanceMs(AGE_MS_MAX + 1);

        expectAccepted(f.transfer(ALICE, BOB, "BTC", 10));
        expectAccepted(f.hold(5, ALICE, "BTC", 10));
        expectAccepted(f.release(5, 10));
        expectAccepted(f.adjust(ALICE, "BTC", -10));
        expectAccepted(f.settle(WITHDRAWAL_HOLD));
        expectAccepted(f.inflow(HOT, "BTC", 5, "more"));
        expectRejected(Reason.ASSET_RESTRICTED, f.transfer(LENDER, BOB, "BTC", 1));
        expectRejected(Reason.ASSET_RESTRICTED, f.adjust(ALICE, "BTC", 1));
        expectRejected(Reason.ASSET_RESTRICTED, f.withdraw(6, ALICE, HOT, "BTC", 1));
        // USD is attested separately and stays usable... except that it is just as old.
        expectRejected(Reason.ASSET_RESTRICTED, f.adjust(ALICE, "USD", 1));
    }

    @Test
    void shouldHaltAnAssetAndLetOnlyTheAllowedCommandsThrough()
    {
        final GuardFixture f = world();
        expectAccepted(f.halt("BTC"));
        assertEquals(AssetStatus.HALTED, f.status("BTC"));

        expectRejected(Reason.ASSET_HALTED, f.transfer(ALICE, BOB, "BTC", 1));
        expectRejected(Reason.ASSET_HALTED, f.hold(5, ALICE, "BTC", 1));
        expectRejected(Reason.ASSET_HALTED, f.withdraw(5, ALICE, HOT, "BTC", 1));
        expectRejected(Reason.ASSET_HALTED, f.adjust(ALICE, "BTC", -1));
        expectRejected(Reason.ASSET_HALTED, f.adjust(ALICE, "BTC", 1));
        expectAccepted(f.inflow(HOT, "BTC", 10, "in"));
        expectRejected(Reason.ASSET_HALTED, f.deposit(ALICE, "BTC", 10, "in"));
        expectAccepted(f.attest(COLD, "BTC", 0));
        expectAccepted(f.release(ORDER_HOLD, 1));
        expectAccepted(f.cancel(WITHDRAWAL_HOLD));
        expectAccepted(f.transfer(ALICE, BOB, "USD", 1));

        expectAccepted(f.resume("BTC"));
        assertEquals(AssetStatus.NORMAL, f.status("BTC"));
        expectAccepted(f.transfer(ALICE, BOB, "BTC", 1));
    }

    @Test
    void shouldSettleAWithdrawalAlreadyUnderWayDuringAHalt()
    {
        final GuardFixture f = world();
        f.halt("BTC");
        expectAccepted(f.settle(WITHDRAWAL_HOLD));
        assertEquals(1_900, f.holdings("BTC"));
    }

    @Test
    void shouldHaltOneWalletsWithdrawalsOnly()
    {
        final GuardFixture f = world();
        f.inflow(COLD, "BTC", 500, "cold");
        expectAccepted(f.haltWallet(HOT));

        assertEquals(AssetStatus.NORMAL, f.status("BTC"));
        expectRejected(Reason.WALLET_HALTED, f.withdraw(5, ALICE, HOT, "BTC", 1));
        expectAccepted(f.withdraw(6, ALICE, COLD, "BTC", 1));
        expectAccepted(f.transfer(ALICE, BOB, "BTC", 1));
        expectAccepted(f.settle(WITHDRAWAL_HOLD));

        expectAccepted(f.resumeWallet(HOT));
        expectAccepted(f.withdraw(5, ALICE, HOT, "BTC", 1));
    }

    @Test
    void shouldHaltEverythingAndResumeEverything()
    {
        final GuardFixture f = world();
        expectAccepted(f.haltAll());

        assertEquals(AssetStatus.HALTED, f.status("BTC"));
        assertEquals(AssetStatus.HALTED, f.status("USD"));
        expectRejected(Reason.ASSET_HALTED, f.transfer(ALICE, BOB, "USD", 1));
        final AssetCounters.Snapshot snapshot = new AssetCounters.Snapshot();
        f.engine.counters().read(f.assetIndex("USD"), snapshot);
        assertEquals(AssetStatus.HALTED, snapshot.status, "a global halt is published for every asset");

        expectAccepted(f.resumeAll());
        assertEquals(AssetStatus.NORMAL, f.status("USD"));
        expectAccepted(f.transfer(ALICE, BOB, "USD", 1));
    }

    @Test
    void shouldKeepAnAssetHaltAfterAGlobalResume()
    {
        final GuardFixture f = world();
        f.halt("BTC");
        f.haltAll();
        f.resumeAll();
        assertEquals(AssetStatus.HALTED, f.status("BTC"), "scopes are lifted separately");
        assertEquals(AssetStatus.NORMAL, f.status("USD"));
    }

    @Test
    void shouldStopFundsLeavingAFrozenAccountButLetCreditsLand()
    {
        final GuardFixture f = world();
        expectAccepted(f.freeze(ALICE));
        assertEquals(AccountStatus.FROZEN, f.engine.accountStatus(ALICE));

        expectRejected(Reason.ACCOUNT_FROZEN, f.transfer(ALICE, BOB, "BTC", 1));
        expectRejected(Reason.ACCOUNT_FROZEN, f.transferFromHold(ORDER_HOLD, ALICE, BOB, "BTC", 1));
        expectRejected(Reason.ACCOUNT_FROZEN, f.hold(5, ALICE, "BTC", 1));
        expectRejected(Reason.ACCOUNT_FROZEN, f.withdraw(5, ALICE, HOT, "BTC", 1));
        expectRejected(Reason.ACCOUNT_FROZEN, f.adjust(ALICE, "BTC", -1));

        f.fund(BOB, "BTC", 100);
        expectAccepted(f.transfer(BOB, ALICE, "BTC", 50));
        expectAccepted(f.fund(ALICE, "USD", 5));
        f.attest(BANK, "USD", f.expected(BANK) + 10);
        expectAccepted(f.adjust(ALICE, "USD", 10));
        expectAccepted(f.release(ORDER_HOLD, 200));
        expectAccepted(f.settle(WITHDRAWAL_HOLD));
        assertEquals(950, f.available(ALICE, "BTC"));
        assertEquals(0, f.held(ALICE, "BTC"));

        expectAccepted(f.unfreeze(ALICE));
        expectAccepted(f.transfer(ALICE, BOB, "BTC", 1));
    }

    @Test
    void shouldCancelAWithdrawalOfAFrozenAccount()
    {
        final GuardFixture f = world();
        f.freeze(ALICE);
        expectAccepted(f.cancel(WITHDRAWAL_HOLD));
        assertEquals(800, f.available(ALICE, "BTC"));
        assertEquals(0, f.pending(HOT));
    }
}
