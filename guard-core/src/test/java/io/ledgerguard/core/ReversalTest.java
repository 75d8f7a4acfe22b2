package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.alertOf;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Reversal of an erroneous credit (SPEC §5.6): full where the funds are there; otherwise what is available, the
 * recipient frozen, the shortfall a claim on the account and an alert.
 */
class ReversalTest
{
    private static final long ALICE = 1001;
    private static final long BOB = 1002;
    private static final long CAROL = 1003;

    private static GuardFixture world()
    {
        final GuardFixture f = GuardFixture.attested();
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        expectAccepted(f.openAccount(BOB, AccountKind.CUSTOMER));
        expectAccepted(f.openAccount(CAROL, AccountKind.CUSTOMER));
        return f;
    }

    @Test
    void shouldTakeBackWhatIsLeftFreezeTheRecipientAndRecordTheShortfallOfAPartlySpentCredit()
    {
        final GuardFixture f = world();
        f.fund(BOB, "BTC", 50);
        // 1,000 credited to ALICE by mistake (meant for BOB); she moves 700 on and places an order for 100.
        f.inflow(HOT, "BTC", 1_000, "wrong");
        final long credit = expectAccepted(f.deposit(ALICE, "BTC", 1_000, "wrong")).txId;
        expectAccepted(f.transfer(ALICE, CAROL, "BTC", 700));
        expectAccepted(f.hold(1, ALICE, "BTC", 100));
        final long obligations = f.obligations("BTC");

        final Decision reversed = expectAccepted(f.reverse(credit));

        final Alert alert = alertOf(reversed, AlertType.REVERSAL_SHORTFALL);
        assertNotNull(alert, reversed::toString);
        assertEquals(AlertScope.ACCOUNT, alert.scope);
        assertEquals(ALICE, alert.accountId);
        assertEquals(1_000, alert.figure(0));
        assertEquals(200, alert.figure(1), "what was still available; the order's 100 stays held");
        assertEquals(800, alert.figure(2));
        assertEquals(0, f.available(ALICE, "BTC"));
        assertEquals(100, f.held(ALICE, "BTC"));
        assertEquals(AccountStatus.FROZEN, f.engine.accountStatus(ALICE));
        assertEquals(800, f.engine.claims(ALICE, f.assetIndex("BTC")));
        assertEquals(0, f.engine.claims(ALICE, f.assetIndex("USD")));
        assertEquals(obligations - 200, f.obligations("BTC"));
        // Followed no further: CAROL keeps what she was sent.
        assertEquals(700, f.available(CAROL, "BTC"));
        // The inflow got back what was recovered: 200 of it can be credited to the right account.
        expectAccepted(f.deposit(BOB, "BTC", 200, "wrong"));
        expectRejected(Reason.INFLOW_AMOUNT_EXCEEDED, f.deposit(BOB, "BTC", 1, "wrong"));
        // Frozen: nothing leaves; the order can still be released.
        expectRejected(Reason.ACCOUNT_FROZEN, f.transfer(ALICE, BOB, "BTC", 1));
        expectAccepted(f.release(1, 100));
        f.assertInvariants();
    }

    @Test
    void shouldRefuseToReverseTwiceOrToReverseWhatIsNotACredit()
    {
        final GuardFixture f = world();
        final long credit = f.fund(ALICE, "BTC", 10).txId;
        final long transfer = expectAccepted(f.transfer(ALICE, BOB, "BTC", 1)).txId;
        final long reversal = expectAccepted(f.reverse(credit)).txId;

        expectRejected(Reason.CREDIT_ALREADY_REVERSED, f.reverse(credit));
        expectRejected(Reason.CREDIT_NOT_FOUND, f.reverse(reversal));
        expectRejected(Reason.CREDIT_NOT_FOUND, f.reverse(transfer));
        expectRejected(Reason.REVERSED_TX_ID_MUST_BE_POSITIVE, f.reverse(-1));
        assertEquals(1, f.engine.claims(ALICE, f.assetIndex("BTC")), "the 1 ALICE sent on");
        f.assertInvariants();
    }

    @Test
    void shouldReverseWhileTheAssetIsHaltedAndRefuseACreditThatCouldNotBeReversed()
    {
        final GuardFixture f = world();
        final long credit = f.fund(ALICE, "BTC", 10).txId;
        expectAccepted(f.halt("BTC"));
        expectAccepted(f.reverse(credit));
        expectAccepted(f.resume("BTC"));

        final GuardFixture full = GuardFixture.attested(c -> c.limits().creditsMax = 1);
        expectAccepted(full.openAccount(ALICE, AccountKind.CUSTOMER));
        full.fund(ALICE, "BTC", 10);
        full.inflow(HOT, "BTC", 10, "second");
        final Decision refused = expectRejected(Reason.CAPACITY_EXHAUSTED, full.deposit(ALICE, "BTC", 10, "second"));
        assertEquals(TableKind.CREDITS, refused.exhaustedTable);
    }

    @Test
    void shouldPutACreditLinesDebtBackWhenTheCreditThatPaidItIsReversed()
    {
        final GuardFixture f = GuardFixture.attested();
        final long lender = 9_001;
        expectAccepted(f.openCreditLine(lender, "BTC", 1_000));
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        // House money in cold storage covers what the line lends.
        expectAccepted(f.attest(GuardFixture.COLD, "BTC", 10_000));
        // The line lends 800 out, then a credit of 1,000 lands on it by mistake.
        expectAccepted(f.transfer(lender, ALICE, "BTC", 800));
        final long credit = f.fund(lender, "BTC", 1_000).txId;
        assertEquals(200, f.available(lender, "BTC"));

        final Decision reversed = expectAccepted(f.reverse(credit));

        assertEquals(0, reversed.alertCount, "nothing was moved on: " + reversed);
        assertEquals(-800, f.available(lender, "BTC"), "the debt is back");
        assertEquals(AccountStatus.ACTIVE, f.engine.accountStatus(lender));
        assertEquals(0, f.engine.claims(lender, f.assetIndex("BTC")));
        f.assertInvariants();
    }

    @Test
    void shouldKeepWithdrawalsUnderWayBacked()
    {
        final GuardFixture f = world();
        final long credit = f.fund(ALICE, "BTC", 1_000).txId;
        expectAccepted(f.withdraw(7, ALICE, HOT, "BTC", 600));

        final Decision reversed = expectAccepted(f.reverse(credit));

        assertEquals(400, alertOf(reversed, AlertType.REVERSAL_SHORTFALL).figure(1), "600 back a withdrawal");
        assertEquals(600, f.held(ALICE, "BTC"));
        expectAccepted(f.settle(7));
        assertEquals(600, f.engine.claims(ALICE, f.assetIndex("BTC")));
        f.assertInvariants();
    }

    private static final long BOB_FUNDER = 1_004;
}
