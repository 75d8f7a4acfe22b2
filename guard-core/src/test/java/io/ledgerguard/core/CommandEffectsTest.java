package io.ledgerguard.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.BANK;
import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each command type, accepted, has exactly its SPEC §4 effect on available, held, obligations, holdings and the
 * wallets' expected and pending figures.
 */
class CommandEffectsTest
{
    private static final long ALICE = 1001;
    private static final long BOB = 1002;

    private final GuardFixture f = GuardFixture.attested();

    @AfterEach
    void invariantsHold()
    {
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldOpenAccountsOfEveryKind()
    {
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        expectAccepted(f.openAccount(9, AccountKind.OPERATOR));
        expectAccepted(f.openCreditLine(7, "BTC", 500));

        assertEquals(AccountKind.CUSTOMER, f.engine.accountKind(ALICE));
        assertEquals(AccountStatus.ACTIVE, f.engine.accountStatus(ALICE));
        assertEquals(AccountKind.OPERATOR, f.engine.accountKind(9));
        assertEquals(AccountKind.CREDIT_LINE, f.engine.accountKind(7));
        assertNull(f.engine.accountStatus(12345));
        assertEquals(3, f.engine.tableSize(TableKind.ACCOUNTS));
        // The credit line's position exists with its limit and nothing in it.
        assertEquals(1, f.engine.tableSize(TableKind.POSITIONS));
        assertEquals(0, f.available(7, "BTC"));
        assertEquals(0, f.obligations("BTC"));
    }

    @Test
    void shouldRaiseExpectedHoldingsOnInflow()
    {
        expectAccepted(f.inflow(HOT, "BTC", 700, "btc:tx1:0"));

        assertEquals(700, f.expected(HOT));
        assertEquals(0, f.attested(HOT));
        assertEquals(700, f.holdings("BTC"));
        assertEquals(0, f.obligations("BTC"));
        assertEquals(0, f.holdings("USD"));
        assertEquals(1, f.engine.tableSize(TableKind.INFLOWS));
    }

    @Test
    void shouldCreditCustomerOnDepositUpToTheInflow()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.inflow(COLD, "BTC", 1000, "btc:tx2:1");

        expectAccepted(f.deposit(ALICE, "BTC", 600, "btc:tx2:1"));
        expectAccepted(f.deposit(ALICE, "BTC", 400, "btc:tx2:1"));

        assertEquals(1000, f.available(ALICE, "BTC"));
        assertEquals(0, f.held(ALICE, "BTC"));
        assertEquals(1000, f.obligations("BTC"));
        assertEquals(1000, f.holdings("BTC"));
        assertEquals(1000, f.expected(COLD));
    }

    @Test
    void shouldMoveAvailableOnTransfer()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.fund(ALICE, "USD", 10_000);

        expectAccepted(f.transfer(ALICE, BOB, "USD", 2_500));

        assertEquals(7_500, f.available(ALICE, "USD"));
        assertEquals(2_500, f.available(BOB, "USD"));
        assertEquals(10_000, f.obligations("USD"));
        assertEquals(10_000, f.holdings("USD"));
    }

    @Test
    void shouldReserveOnHoldAndGiveBackOnRelease()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);

        expectAccepted(f.hold(77, ALICE, "BTC", 300));
        assertEquals(700, f.available(ALICE, "BTC"));
        assertEquals(300, f.held(ALICE, "BTC"));
        assertEquals(300, f.assetHeld("BTC"));
        assertEquals(300, f.engine.holdRemaining(77));
        assertEquals(1_000, f.obligations("BTC"));

        expectAccepted(f.release(77, 100));
        assertEquals(800, f.available(ALICE, "BTC"));
        assertEquals(200, f.held(ALICE, "BTC"));
        assertEquals(200, f.engine.holdRemaining(77));

        expectAccepted(f.release(77, 200));
        assertEquals(1_000, f.available(ALICE, "BTC"));
        assertEquals(0, f.held(ALICE, "BTC"));
        assertEquals(0, f.assetHeld("BTC"));
        assertEquals(0, f.engine.tableSize(TableKind.HOLDS), "an emptied hold is removed");
        assertEquals(1_000, f.obligations("BTC"));
    }

    @Test
    void shouldTransferFromHold()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);
        f.hold(77, ALICE, "BTC", 1_000);

        expectAccepted(f.transferFromHold(77, ALICE, BOB, "BTC", 600));
        assertEquals(0, f.available(ALICE, "BTC"));
        assertEquals(400, f.held(ALICE, "BTC"));
        assertEquals(600, f.available(BOB, "BTC"));
        assertEquals(400, f.engine.holdRemaining(77));

        expectAccepted(f.transferFromHold(77, ALICE, BOB, "BTC", 400));
        assertEquals(0, f.held(ALICE, "BTC"));
        assertEquals(1_000, f.available(BOB, "BTC"));
        assertEquals(0, f.engine.tableSize(TableKind.HOLDS));
        assertEquals(1_000, f.obligations("BTC"));
    }

    @Test
    void shouldReserveWalletFundsOnWithdraw()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);

        expectAccepted(f.withdraw(78, ALICE, HOT, "BTC", 400));

        assertEquals(600, f.available(ALICE, "BTC"));
        assertEquals(400, f.held(ALICE, "BTC"));
        assertEquals(400, f.pending(HOT));
        assertEquals(1_000, f.expected(HOT));
        assertEquals(1_000, f.holdings("BTC"));
        assertEquals(1_000, f.obligations("BTC"));
    }

    @Test
    void shouldTakeFundsOutOfCustodyOnSettle()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);
        f.withdraw(78, ALICE, HOT, "BTC", 400);

        expectAccepted(f.settle(78));

        assertEquals(600, f.available(ALICE, "BTC"));
        assertEquals(0, f.held(ALICE, "BTC"));
        assertEquals(0, f.pending(HOT));
        assertEquals(600, f.expected(HOT));
        assertEquals(600, f.holdings("BTC"));
        assertEquals(600, f.obligations("BTC"));
        assertEquals(0, f.engine.tableSize(TableKind.HOLDS));
    }

    @Test
    void shouldGiveWithdrawalBackOnCancel()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);
        f.withdraw(78, ALICE, HOT, "BTC", 400);

        expectAccepted(f.cancel(78));

        assertEquals(1_000, f.available(ALICE, "BTC"));
        assertEquals(0, f.held(ALICE, "BTC"));
        assertEquals(0, f.pending(HOT));
        assertEquals(1_000, f.expected(HOT));
        assertEquals(1_000, f.obligations("BTC"));
        assertEquals(0, f.engine.tableSize(TableKind.HOLDS));
    }

    @Test
    void shouldCreditAndDebitOnAdjust()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.attest(BANK, "USD", 5_000);

        expectAccepted(f.adjust(ALICE, "USD", 3_000));
        assertEquals(3_000, f.available(ALICE, "USD"));
        assertEquals(3_000, f.obligations("USD"));

        expectAccepted(f.adjust(ALICE, "USD", -1_000));
        assertEquals(2_000, f.available(ALICE, "USD"));
        assertEquals(2_000, f.obligations("USD"));
        assertEquals(5_000, f.holdings("USD"));
    }

    @Test
    void shouldReplaceExpectedHoldingsOnAttest()
    {
        f.inflow(HOT, "BTC", 100, "a");
        f.advanceMs(5);

        expectAccepted(f.attest(HOT, "BTC", 250));

        assertEquals(250, f.attested(HOT));
        assertEquals(250, f.expected(HOT));
        assertEquals(250, f.holdings("BTC"));
        assertEquals(f.nowMs(), f.engine.walletAttestedAtMs(f.walletIndex(HOT)));

        f.inflow(HOT, "BTC", 50, "b");
        expectAccepted(f.attest(COLD, "BTC", 1_000));
        assertEquals(300, f.expected(HOT));
        assertEquals(1_300, f.holdings("BTC"));
    }

    @Test
    void shouldFreezeAndUnfreeze()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);

        expectAccepted(f.freeze(ALICE));
        assertEquals(AccountStatus.FROZEN, f.engine.accountStatus(ALICE));

        expectAccepted(f.unfreeze(ALICE));
        assertEquals(AccountStatus.ACTIVE, f.engine.accountStatus(ALICE));
    }

    @Test
    void shouldHaltAndResumeAnAsset()
    {
        expectAccepted(f.halt("BTC"));
        assertEquals(AssetStatus.HALTED, f.status("BTC"));
        assertEquals(AssetStatus.NORMAL, f.status("USD"));

        expectAccepted(f.resume("BTC"));
        assertEquals(AssetStatus.NORMAL, f.status("BTC"));
    }

    @Test
    void shouldApplyALinkedBatchWhole()
    {
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);

        final Decision decision = f.batch(() ->
        {
            f.transfer(ALICE, BOB, "BTC", 100);
            f.transfer(BOB, ALICE, "BTC", 30);
        });

        expectAccepted(decision);
        assertEquals(2, decision.linkedCount);
        assertEquals(Reason.OK, decision.linkedReasons[0]);
        assertEquals(Reason.OK, decision.linkedReasons[1]);
        assertEquals(930, f.available(ALICE, "BTC"));
        assertEquals(70, f.available(BOB, "BTC"));
    }

    @Test
    void shouldCountCommandsAndKeepTheClockMonotonic()
    {
        final long before = f.engine.commandsApplied();
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.advanceMs(-10);
        f.openAccount(BOB, AccountKind.CUSTOMER);

        assertEquals(before + 2, f.engine.commandsApplied());
        assertEquals((f.nowMs() + 10) * 1_000_000L, f.engine.nowNs(), "time never goes back");
    }

    @Test
    void shouldReverseACreditThatIsStillAvailable()
    {
        f.openAccount(1001, AccountKind.CUSTOMER);
        final Decision deposit = f.fund(1001, "BTC", 500);
        final long obligations = f.obligations("BTC");
        final Decision reversed = f.reverse(deposit.txId);
        assertTrue(reversed.accepted(), reversed::toString);
        assertEquals(0, reversed.alertCount);
        assertEquals(0, f.available(1001, "BTC"));
        assertEquals(obligations - 500, f.obligations("BTC"));
        assertEquals(AccountStatus.ACTIVE, f.engine.accountStatus(1001));
    }
}
