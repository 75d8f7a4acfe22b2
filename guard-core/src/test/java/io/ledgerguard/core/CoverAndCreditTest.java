package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.BANK;
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
 * Invariants I1 and I2 with credit lines, the reserve buffer and the sanity cap: a credit line may go down to minus
 * its limit, lending raises obligations and needs cover, nothing raises obligations past holdings less the buffer,
 * and a single credit above the cap is rejected with an alert.
 */
class CoverAndCreditTest
{
    private static final long ALICE = 1001;
    private static final long BOB = 1002;
    private static final long LENDER = 7;
    private static final long POOL = 9;

    @Test
    void shouldLetACreditLineGoDownToMinusItsLimit()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openCreditLine(LENDER, "BTC", 500);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.inflow(COLD, "BTC", 10_000, "reserve");

        expectAccepted(f.transfer(LENDER, BOB, "BTC", 300));
        expectAccepted(f.transfer(LENDER, BOB, "BTC", 200));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.transfer(LENDER, BOB, "BTC", 1));

        assertEquals(-500, f.available(LENDER, "BTC"));
        assertEquals(500, f.available(BOB, "BTC"));
        // The receivable is not an obligation; the borrower's balance is.
        assertEquals(500, f.obligations("BTC"));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldNotLetLendingCreateCover()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openCreditLine(LENDER, "BTC", 1_000);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.inflow(COLD, "BTC", 300, "reserve");

        expectAccepted(f.transfer(LENDER, BOB, "BTC", 300));
        final Decision decision = f.transfer(LENDER, BOB, "BTC", 1);

        expectRejected(Reason.RESERVE_COVER_EXCEEDED, decision);
        final Alert alert = alertOf(decision, AlertType.RESERVE_COVER_BREACH);
        assertNotNull(alert);
        assertEquals(AlertScope.ASSET, alert.scope);
        assertEquals(BTC, alert.assetId);
        assertEquals(300, alert.figure(0), "holdings");
        assertEquals(301, alert.figure(1), "obligations after");
        assertEquals(1, alert.figure(2), "amount");
        assertEquals(0, alert.figure(3), "reserve buffer");
        assertEquals(decision.txId, alert.txId);
    }

    @Test
    void shouldNotLetACreditLineBorrowTheUnitsBackingItsPendingWithdrawal()
    {
        // Found in review: withdraw the funded balance, borrow the same amount against the limit and move it out;
        // the settlement then took holdings down with no fall in obligations.
        final GuardFixture f = GuardFixture.attested();
        f.openCreditLine(LENDER, "BTC", 100);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.fund(LENDER, "BTC", 100);
        expectAccepted(f.withdraw(77, LENDER, HOT, "BTC", 100));

        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.transfer(LENDER, ALICE, "BTC", 100));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.transfer(LENDER, ALICE, "BTC", 1));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.adjust(LENDER, "BTC", -1));
        expectAccepted(f.settle(77));

        assertEquals(0, f.obligations("BTC"), "what left custody left the obligations");
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldNotLetABorrowedOrderHoldMoveTheUnitsBackingAPendingWithdrawal()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openCreditLine(LENDER, "BTC", 100);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.fund(LENDER, "BTC", 100);
        final long coverBefore = f.holdings("BTC") - f.obligations("BTC");
        expectAccepted(f.withdraw(77, LENDER, HOT, "BTC", 100));
        // The order hold itself only reserves (balance unchanged); paying out of it is what must be refused.
        expectAccepted(f.hold(88, LENDER, "BTC", 100));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.transferFromHold(88, LENDER, ALICE, "BTC", 100));
        expectAccepted(f.release(88, 100));
        expectAccepted(f.settle(77));

        assertEquals(coverBefore, f.holdings("BTC") - f.obligations("BTC"), "a settlement never changes cover");
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldStillLetACreditLineBorrowBeyondItsPendingWithdrawals()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openCreditLine(LENDER, "BTC", 100);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.fund(LENDER, "BTC", 150);
        f.inflow(COLD, "BTC", 1_000, "reserve");
        expectAccepted(f.withdraw(77, LENDER, HOT, "BTC", 100));

        // Balance 150 backs the pending 100: 50 may move, and no borrowing can dig into the 100.
        expectAccepted(f.transfer(LENDER, ALICE, "BTC", 50));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.transfer(LENDER, ALICE, "BTC", 1));
        expectAccepted(f.cancel(77));
        // Once the withdrawal is cancelled, the whole limit is there again.
        expectAccepted(f.transfer(LENDER, ALICE, "BTC", 200));
        assertEquals(-100, f.available(LENDER, "BTC"));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldLowerObligationsWhenALoanIsRepaid()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openCreditLine(LENDER, "BTC", 1_000);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.inflow(COLD, "BTC", 300, "reserve");
        f.transfer(LENDER, BOB, "BTC", 300);

        expectAccepted(f.transfer(BOB, LENDER, "BTC", 100));

        assertEquals(-200, f.available(LENDER, "BTC"));
        assertEquals(200, f.obligations("BTC"));
        // Funds the lender really has are an obligation like any other.
        expectAccepted(f.transfer(BOB, LENDER, "BTC", 200));
        expectAccepted(f.fund(LENDER, "BTC", 50));
        assertEquals(50, f.obligations("BTC"));
        expectAccepted(f.transfer(LENDER, BOB, "BTC", 50));
        expectRejected(Reason.RESERVE_COVER_EXCEEDED, f.transfer(LENDER, BOB, "BTC", 301));
        expectAccepted(f.transfer(LENDER, BOB, "BTC", 300));
        assertEquals(350, f.obligations("BTC"));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldHoldOnACreditLineWithinItsLimitAndNotWithdrawBorrowedUnits()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openCreditLine(LENDER, "BTC", 500);
        f.inflow(HOT, "BTC", 1_000, "reserve");

        expectAccepted(f.hold(1, LENDER, "BTC", 500));
        assertEquals(-500, f.available(LENDER, "BTC"));
        assertEquals(500, f.held(LENDER, "BTC"));
        assertEquals(0, f.obligations("BTC"));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.hold(2, LENDER, "BTC", 1));
        expectAccepted(f.release(1, 500));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.withdraw(3, LENDER, HOT, "BTC", 1));
    }

    @Test
    void shouldRejectACreditPastHoldingsWithFigures()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.attest(BANK, "USD", 1_000);

        expectAccepted(f.adjust(ALICE, "USD", 1_000));
        final Decision decision = f.adjust(ALICE, "USD", 1);

        expectRejected(Reason.RESERVE_COVER_EXCEEDED, decision);
        final Alert alert = alertOf(decision, AlertType.RESERVE_COVER_BREACH);
        assertEquals(1_000, alert.figure(0));
        assertEquals(1_001, alert.figure(1));
        assertEquals(1_000, f.obligations("USD"));
    }

    @Test
    void shouldKeepTheReserveBufferFree()
    {
        final GuardFixture f = GuardFixture.attested(c -> c.assetByCode("USD").reserveBufferMinorUnits = 100);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.attest(BANK, "USD", 1_000);

        expectAccepted(f.adjust(ALICE, "USD", 900));
        final Decision decision = f.adjust(ALICE, "USD", 1);

        expectRejected(Reason.RESERVE_COVER_EXCEEDED, decision);
        assertEquals(100, alertOf(decision, AlertType.RESERVE_COVER_BREACH).figure(3));

        // A deposit of new money brings its own cover, less nothing: the buffer still applies to the total.
        f.inflow(BANK, "USD", 50, "wire:1");
        expectAccepted(f.deposit(ALICE, "USD", 50, "wire:1"));
        assertEquals(950, f.obligations("USD"));
        assertEquals(1_050, f.holdings("USD"));
    }

    @Test
    void shouldRejectADepositWhoseHoldingsWereAttestedAway()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.inflow(HOT, "BTC", 100, "in");
        // The custody feed says the wallet is empty after all: the inflow is no cover.
        f.attest(HOT, "BTC", 0);

        expectRejected(Reason.RESERVE_COVER_EXCEEDED, f.deposit(ALICE, "BTC", 100, "in"));
    }

    @Test
    void shouldNeverFailCoverForCommandsThatDoNotRaiseObligations()
    {
        final GuardFixture f = GuardFixture.attested(GuardFixture.DISARMED);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);
        // Holdings fall below obligations.
        f.attest(HOT, "BTC", 10);

        expectAccepted(f.transfer(ALICE, BOB, "BTC", 500));
        expectAccepted(f.hold(1, ALICE, "BTC", 100));
        expectAccepted(f.release(1, 100));
        expectAccepted(f.adjust(ALICE, "BTC", -100));
        expectAccepted(f.withdraw(2, ALICE, HOT, "BTC", 10));
        expectAccepted(f.settle(2));
        expectRejected(Reason.RESERVE_COVER_EXCEEDED, f.adjust(ALICE, "BTC", 1));
        assertEquals(890, f.obligations("BTC"));
        assertEquals(0, f.holdings("BTC"));
    }

    @Test
    void shouldRejectADepositAboveTheCapWithASanityCapAlert()
    {
        final GuardFixture f = GuardFixture.attested(c -> c.assetByCode("BTC").creditCapMinorUnits = 1_000);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.inflow(HOT, "BTC", 5_000, "big");

        expectAccepted(f.deposit(ALICE, "BTC", 1_000, "big"));
        final Decision decision = f.deposit(ALICE, "BTC", 1_001, "big");

        expectRejected(Reason.CREDIT_CAP_EXCEEDED, decision);
        final Alert alert = alertOf(decision, AlertType.SANITY_CAP);
        assertNotNull(alert);
        assertEquals(AlertScope.ACCOUNT, alert.scope);
        assertEquals(ALICE, alert.accountId);
        assertEquals(1_001, alert.figure(0));
        assertEquals(1_000, alert.figure(1));
    }

    @Test
    void shouldRejectAnAdjustmentAboveTheCapEvenWithCover()
    {
        final GuardFixture f = GuardFixture.attested(c -> c.assetByCode("BTC").creditCapMinorUnits = 1_000);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.attest(COLD, "BTC", 1_000_000_000);

        // The unit-error guard: a payout keyed in the wrong unit.
        final Decision decision = f.adjust(ALICE, "BTC", 620_000_000);

        expectRejected(Reason.CREDIT_CAP_EXCEEDED, decision);
        assertNotNull(alertOf(decision, AlertType.SANITY_CAP));
        expectAccepted(f.adjust(ALICE, "BTC", 1_000));
    }

    @Test
    void shouldCapTransfersOutOfOperatorPoolsOnly()
    {
        final GuardFixture f = GuardFixture.attested(c -> c.assetByCode("BTC").creditCapMinorUnits = 1_000);
        f.openAccount(POOL, AccountKind.OPERATOR);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        for (int i = 0; i < 3; i++)
        {
            f.fund(POOL, "BTC", 1_000);
        }
        f.fund(ALICE, "BTC", 1_000);
        f.fund(ALICE, "BTC", 1_000);

        final Decision payout = f.transfer(POOL, BOB, "BTC", 1_001);
        expectRejected(Reason.CREDIT_CAP_EXCEEDED, payout);
        assertEquals(POOL, alertOf(payout, AlertType.SANITY_CAP).accountId);
        expectAccepted(f.transfer(POOL, BOB, "BTC", 1_000));
        // A customer's own transfer is not a credit by the house.
        expectAccepted(f.transfer(ALICE, BOB, "BTC", 2_000));
        // A payout can never exceed the pool.
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.transfer(POOL, BOB, "BTC", 2_001));
        assertEquals(3_000, f.available(BOB, "BTC"));
    }
}
