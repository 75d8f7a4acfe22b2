package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.BANK;
import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Sums that would pass Long.MAX_VALUE are rejected AMOUNT_OVERFLOW with the state unchanged, never wrapped, and the
 * extreme amounts (Long.MAX_VALUE, Long.MIN_VALUE) are rejected cleanly.
 */
class OverflowTest
{
    private static final long MAX = Long.MAX_VALUE;
    private static final long ALICE = 1001;
    private static final long BOB = 1002;

    private final GuardFixture f = GuardFixture.attested(GuardFixture.DISARMED);

    @Test
    void shouldRejectAnInflowPastMaximumHoldings()
    {
        expectAccepted(f.attest(COLD, "BTC", MAX - 10));

        expectRejected(Reason.AMOUNT_OVERFLOW, f.inflow(HOT, "BTC", 11, "a"));
        expectAccepted(f.inflow(HOT, "BTC", 10, "a"));
        assertEquals(MAX, f.holdings("BTC"));
        expectRejected(Reason.AMOUNT_OVERFLOW, f.inflow(HOT, "BTC", 1, "b"));
        expectRejected(Reason.AMOUNT_OVERFLOW, f.inflow(COLD, "BTC", MAX, "c"));
        assertEquals(MAX, f.holdings("BTC"));
    }

    @Test
    void shouldRejectTwoInflowsOfMaximumIntoOneWallet()
    {
        expectAccepted(f.inflow(BANK, "USD", MAX, "a"));
        expectRejected(Reason.AMOUNT_OVERFLOW, f.inflow(BANK, "USD", 1, "b"));
        assertEquals(MAX, f.expected(BANK));
    }

    @Test
    void shouldRejectAnAttestationOfMaximumOnTwoWallets()
    {
        expectAccepted(f.attest(HOT, "BTC", MAX));
        expectRejected(Reason.AMOUNT_OVERFLOW, f.attest(COLD, "BTC", MAX));
        expectRejected(Reason.AMOUNT_OVERFLOW, f.attest(COLD, "BTC", 1));
        // Replacing the same wallet's figure does not add to it.
        expectAccepted(f.attest(HOT, "BTC", MAX));
        expectAccepted(f.attest(HOT, "BTC", 1));
        expectAccepted(f.attest(COLD, "BTC", MAX - 1));
        assertEquals(MAX, f.holdings("BTC"));
    }

    @Test
    void shouldRejectADepositPastMaximumBalance()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.attest(COLD, "BTC", MAX);
        expectAccepted(f.adjust(ALICE, "BTC", MAX - 100));
        // The custody feed lowers holdings; new money arrives.
        f.attest(COLD, "BTC", 0);
        f.inflow(HOT, "BTC", 200, "in");

        expectRejected(Reason.AMOUNT_OVERFLOW, f.deposit(ALICE, "BTC", 101, "in"));
        assertEquals(MAX - 100, f.available(ALICE, "BTC"));
    }

    @Test
    void shouldRejectAnAdjustmentPastMaximumBalance()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.attest(COLD, "BTC", MAX);
        expectAccepted(f.adjust(ALICE, "BTC", MAX - 1));
        expectAccepted(f.adjust(ALICE, "BTC", 1));
        expectRejected(Reason.AMOUNT_OVERFLOW, f.adjust(ALICE, "BTC", 1));
        expectRejected(Reason.AMOUNT_OVERFLOW, f.adjust(ALICE, "BTC", MAX));
        assertEquals(MAX, f.available(ALICE, "BTC"));
        assertEquals(MAX, f.obligations("BTC"));
    }

    @Test
    void shouldRejectAnAdjustmentOfMinimumCleanly()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);

        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.adjust(ALICE, "BTC", Long.MIN_VALUE));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.adjust(ALICE, "BTC", -MAX));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.adjust(ALICE, "BTC", -1_001));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.adjust(ALICE, "USD", Long.MIN_VALUE));
        expectAccepted(f.adjust(ALICE, "BTC", -1_000));
        assertEquals(0, f.available(ALICE, "BTC"));
    }

    @Test
    void shouldRejectAnAdjustmentOfMinimumOnAnUnlimitedCreditLine()
    {
        f.openCreditLine(7, "BTC", MAX);

        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.adjust(7, "BTC", Long.MIN_VALUE));
        expectAccepted(f.adjust(7, "BTC", -MAX));
        assertEquals(-MAX, f.available(7, "BTC"));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.adjust(7, "BTC", -1));
        assertEquals(0, f.obligations("BTC"));
    }

    @Test
    void shouldRejectATransferPastTheReceiversMaximumBalance()
    {
        f.openCreditLine(7, "BTC", MAX);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.attest(COLD, "BTC", MAX);
        expectAccepted(f.adjust(BOB, "BTC", MAX - 5));

        expectRejected(Reason.AMOUNT_OVERFLOW, f.transfer(7, BOB, "BTC", 6));
        expectAccepted(f.transfer(7, BOB, "BTC", 5));
        assertEquals(MAX, f.available(BOB, "BTC"));
        assertEquals(-5, f.available(7, "BTC"));
    }

    @Test
    void shouldRejectHoldsPastMaximumHeld()
    {
        f.openCreditLine(7, "BTC", MAX);
        f.openCreditLine(8, "BTC", MAX);

        expectAccepted(f.hold(1, 7, "BTC", MAX));
        expectRejected(Reason.AMOUNT_OVERFLOW, f.hold(2, 8, "BTC", 1));
        assertEquals(MAX, f.assetHeld("BTC"));
        expectAccepted(f.release(1, MAX));
        expectAccepted(f.hold(2, 8, "BTC", 1));
    }

    @Test
    void shouldRejectTransfersOfMaximumAndMinimum()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.fund(ALICE, "USD", 10);

        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.transfer(ALICE, BOB, "USD", MAX));
        expectRejected(Reason.AMOUNT_MUST_BE_POSITIVE, f.transfer(ALICE, BOB, "USD", Long.MIN_VALUE));
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.withdraw(1, ALICE, BANK, "USD", MAX));
        expectRejected(Reason.AMOUNT_MUST_BE_POSITIVE, f.withdraw(1, ALICE, BANK, "USD", Long.MIN_VALUE));
        expectRejected(Reason.AMOUNT_MUST_BE_POSITIVE, f.hold(1, ALICE, "USD", Long.MIN_VALUE));
        expectRejected(Reason.AMOUNT_MUST_BE_POSITIVE, f.inflow(BANK, "USD", Long.MIN_VALUE, "min"));
        expectRejected(Reason.BALANCE_MUST_NOT_BE_NEGATIVE, f.attest(BANK, "USD", Long.MIN_VALUE));
        assertEquals(10, f.available(ALICE, "USD"));
    }

    @Test
    void shouldKeepInvariants()
    {
        assertNull(f.engine.checkInvariants());
    }
}
