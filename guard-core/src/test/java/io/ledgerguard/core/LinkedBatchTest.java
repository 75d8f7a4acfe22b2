package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static io.ledgerguard.core.RejectScenario.ALICE;
import static io.ledgerguard.core.RejectScenario.BOB;
import static io.ledgerguard.core.RejectScenario.ORDER_HOLD;
import static io.ledgerguard.core.RejectScenario.world;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A linked batch is all-or-nothing: a failing inner command rolls every earlier one back, its reason is the batch's
 * and the others are LINKED_COMMAND_FAILED; a trade fill (two hold legs and fees) applies completely.
 */
class LinkedBatchTest
{
    private static final long SELLER = 2001;
    private static final long BUYER = 2002;
    private static final long FEES = 2003;
    private static final long SELL_ORDER = 501;
    private static final long BUY_ORDER = 502;

    @Test
    void shouldRollBackEverythingWhenTheThirdInnerFails()
    {
        final GuardFixture f = world();
        final String ledger = f.ledgerHash();
        final long accounts = f.engine.tableSize(TableKind.ACCOUNTS);

        final Decision decision = f.batch(() ->
        {
            f.openAccount(3001, AccountKind.CUSTOMER);
            f.transfer(ALICE, 3001, "BTC", 100);
            f.transfer(ALICE, BOB, "BTC", 601);
            f.transfer(ALICE, BOB, "USD", 1);
        });

        expectRejected(Reason.INSUFFICIENT_AVAILABLE, decision);
        assertEquals(4, decision.linkedCount);
        assertEquals(Reason.LINKED_COMMAND_FAILED, decision.linkedReasons[0]);
        assertEquals(Reason.LINKED_COMMAND_FAILED, decision.linkedReasons[1]);
        assertEquals(Reason.INSUFFICIENT_AVAILABLE, decision.linkedReasons[2]);
        assertEquals(Reason.LINKED_COMMAND_FAILED, decision.linkedReasons[3]);
        assertEquals(ledger, f.ledgerHash());
        assertEquals(accounts, f.engine.tableSize(TableKind.ACCOUNTS));
        assertNull(f.engine.accountStatus(3001));
        assertEquals(700, f.available(ALICE, "BTC"));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldSeeEarlierInnerCommandsInLaterOnes()
    {
        final GuardFixture f = world();

        expectAccepted(f.batch(() ->
        {
            f.openAccount(3001, AccountKind.CUSTOMER);
            f.transfer(ALICE, 3001, "BTC", 100);
            f.hold(3, 3001, "BTC", 60);
            f.transferFromHold(3, 3001, BOB, "BTC", 60);
        }));

        assertEquals(40, f.available(3001, "BTC"));
        assertEquals(60, f.available(BOB, "BTC"));
        assertEquals(0, f.engine.holdRemaining(3));
    }

    private static GuardFixture market()
    {
        final GuardFixture f = GuardFixture.attested();
        f.openAccount(SELLER, AccountKind.CUSTOMER);
        f.openAccount(BUYER, AccountKind.CUSTOMER);
        f.openAccount(FEES, AccountKind.OPERATOR);
        f.fund(SELLER, "BTC", 100_000_000);
        f.fund(BUYER, "USD", 5_000_000);
        // Order placement is a hold.
        expectAccepted(f.hold(SELL_ORDER, SELLER, "BTC", 100_000_000));
        expectAccepted(f.hold(BUY_ORDER, BUYER, "USD", 4_000_000));
        return f;
    }

    private static Decision fill(final GuardFixture f, final long baseAmount, final long quoteAmount)
    {
        return f.batch(() ->
        {
            f.transferFromHold(SELL_ORDER, SELLER, BUYER, "BTC", baseAmount);
            f.transferFromHold(BUY_ORDER, BUYER, SELLER, "USD", quoteAmount);
            f.transfer(SELLER, FEES, "USD", quoteAmount / 1000);
            f.transfer(BUYER, FEES, "BTC", baseAmount / 1000);
        });
    }

    @Test
    void shouldApplyATradeFillCompletely()
    {
        final GuardFixture f = market();

        final Decision decision = expectAccepted(fill(f, 40_000_000, 1_600_000));

        assertEquals(4, decision.linkedCount);
        for (int i = 0; i < 4; i++)
        {
            assertEquals(Reason.OK, decision.linkedReasons[i]);
        }
        assertEquals(60_000_000, f.held(SELLER, "BTC"));
        assertEquals(0, f.available(SELLER, "BTC"));
        assertEquals(1_600_000 - 1_600, f.available(SELLER, "USD"));
        assertEquals(40_000_000 - 40_000, f.available(BUYER, "BTC"));
        assertEquals(2_400_000, f.held(BUYER, "USD"));
        assertEquals(1_000_000, f.available(BUYER, "USD"));
        assertEquals(40_000, f.available(FEES, "BTC"));
        assertEquals(1_600, f.available(FEES, "USD"));
        assertEquals(100_000_000, f.obligations("BTC"));
        assertEquals(5_000_000, f.obligations("USD"));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldRemoveHoldsEmptiedInsideABatchAfterItCommits()
    {
        final GuardFixture f = market();
        final long holds = f.engine.tableSize(TableKind.HOLDS);

        expectAccepted(fill(f, 100_000_000, 4_000_000));

        assertEquals(holds - 2, f.engine.tableSize(TableKind.HOLDS));
        assertEquals(0, f.engine.holdRemaining(SELL_ORDER));
        assertEquals(0, f.engine.holdRemaining(BUY_ORDER));
        assertEquals(0, f.assetHeld("BTC"));
        assertEquals(0, f.assetHeld("USD"));
        // The ids are free again.
        expectAccepted(f.hold(SELL_ORDER, BUYER, "BTC", 1));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldRestoreHoldsEmptiedInsideABatchThatRollsBack()
    {
        final GuardFixture f = market();
        final String ledger = f.ledgerHash();
        final long holds = f.engine.tableSize(TableKind.HOLDS);

        final Decision decision = f.batch(() ->
        {
            f.transferFromHold(SELL_ORDER, SELLER, BUYER, "BTC", 100_000_000);
            f.transferFromHold(BUY_ORDER, BUYER, SELLER, "USD", 4_000_000);
            // The emptied hold is gone for the rest of the batch.
            f.release(SELL_ORDER, 1);
        });

        expectRejected(Reason.HOLD_NOT_FOUND, decision);
        assertEquals(3, decision.linkedCount);
        assertEquals(Reason.HOLD_NOT_FOUND, decision.linkedReasons[2]);
        assertEquals(ledger, f.ledgerHash());
        assertEquals(holds, f.engine.tableSize(TableKind.HOLDS));
        assertEquals(100_000_000, f.engine.holdRemaining(SELL_ORDER));
        assertEquals(4_000_000, f.engine.holdRemaining(BUY_ORDER));
        assertNull(f.engine.checkInvariants());

        // And they still work afterwards.
        expectAccepted(fill(f, 100_000_000, 4_000_000));
    }

    @Test
    void shouldSettleAWithdrawalInsideABatch()
    {
        final GuardFixture f = world();
        f.withdraw(90, ALICE, HOT, "BTC", 50);

        expectAccepted(f.batch(() ->
        {
            f.settle(90);
            f.release(ORDER_HOLD, 200);
        }));

        assertEquals(0, f.engine.holdRemaining(90));
        assertEquals(0, f.engine.holdRemaining(ORDER_HOLD));
        assertEquals(1950, f.holdings("BTC"));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldRejectABatchThatCannotRecordItsInnerIds()
    {
        final GuardFixture f = GuardFixture.attested(c -> c.limits().txIdsMax = 5);
        // Three ATTESTs used three txIds; a batch of two needs three more.
        final String hash = f.engine.stateHash().hex();
        final Decision decision = f.batch(() ->
        {
            f.openAccount(1, AccountKind.CUSTOMER);
            f.openAccount(2, AccountKind.CUSTOMER);
        });
        expectRejected(Reason.CAPACITY_EXHAUSTED, decision);
        assertEquals(TableKind.TX_IDS, decision.exhaustedTable);
        assertEquals(hash, f.engine.stateHash().hex());
    }
}
