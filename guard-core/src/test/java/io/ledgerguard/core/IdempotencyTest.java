package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static io.ledgerguard.core.RejectScenario.ALICE;
import static io.ledgerguard.core.RejectScenario.BOB;
import static io.ledgerguard.core.RejectScenario.world;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Invariant I6: a txId is applied at most once; resubmitting the same command returns the original decision and
 * changes nothing, a txId reused with other fields is rejected, and batches record their inner ids only when accepted.
 */
class IdempotencyTest
{
    private final GuardFixture f = world();

    @Test
    void shouldReturnTheOriginalAcceptedDecisionForTheSameCommandLater()
    {
        final Decision original = expectAccepted(f.txId(500).transfer(ALICE, BOB, "BTC", 10));
        final Command again = f.lastCommand();
        final String hash = f.engine.stateHash().hex();
        f.advanceMs(1_000);

        final Decision duplicate = f.submit(again);

        assertEquals(Reason.OK, duplicate.reason);
        assertTrue(duplicate.duplicate);
        assertFalse(original.duplicate);
        assertEquals(500, duplicate.txId);
        assertEquals(hash, f.engine.stateHash().hex(), "a duplicate changes nothing, decisions included");
        assertEquals(690, f.available(ALICE, "BTC"));
        assertEquals(10, f.available(BOB, "BTC"));
    }

    @Test
    void shouldReturnTheOriginalRejectionEvenWhenTheCommandWouldNowPass()
    {
        expectRejected(Reason.INSUFFICIENT_AVAILABLE, f.txId(500).transfer(BOB, ALICE, "BTC", 10));
        final Command again = f.lastCommand();
        f.fund(BOB, "BTC", 100);
        final String hash = f.engine.stateHash().hex();

        final Decision duplicate = f.submit(again);

        assertEquals(Reason.INSUFFICIENT_AVAILABLE, duplicate.reason);
        assertTrue(duplicate.duplicate);
        assertEquals(hash, f.engine.stateHash().hex());
        assertEquals(100, f.available(BOB, "BTC"));
    }

    @Test
    void shouldReturnTheOriginalAcceptanceEvenWhenTheAssetIsNowHalted()
    {
        expectAccepted(f.txId(500).transfer(ALICE, BOB, "BTC", 10));
        final Command again = f.lastCommand();
        f.halt("BTC");

        final Decision duplicate = f.submit(again);

        assertEquals(Reason.OK, duplicate.reason);
        assertTrue(duplicate.duplicate);
        assertEquals(10, f.available(BOB, "BTC"));
    }

    @Test
    void shouldReturnTheTableOfAnOriginalCapacityRejection()
    {
        final GuardFixture small = world(c -> c.limits().accountsMax = 4);
        expectRejected(Reason.CAPACITY_EXHAUSTED, small.openAccount(50, AccountKind.CUSTOMER));
        final Decision duplicate = small.submit(small.lastCommand());

        assertTrue(duplicate.duplicate);
        assertEquals(Reason.CAPACITY_EXHAUSTED, duplicate.reason);
        assertEquals(TableKind.ACCOUNTS, duplicate.exhaustedTable);
    }

    @Test
    void shouldRejectTheSameTxIdWithOtherFields()
    {
        expectAccepted(f.txId(500).transfer(ALICE, BOB, "BTC", 10));
        final Command other = f.lastCommand();
        other.amount = 11;
        final String hash = f.engine.stateHash().hex();

        final Decision reused = f.submit(other);

        assertEquals(Reason.TX_ID_REUSED, reused.reason);
        assertFalse(reused.duplicate);
        assertEquals(hash, f.engine.stateHash().hex(), "not even recorded");

        // The original is still what the txId answers.
        final Command original = f.lastCommand();
        original.amount = 10;
        assertEquals(Reason.OK, f.submit(original).reason);
    }

    @Test
    void shouldRejectTheSameTxIdWithAnotherType()
    {
        expectAccepted(f.txId(500).freeze(BOB));
        expectRejected(Reason.TX_ID_REUSED, f.txId(500).unfreeze(BOB));
        assertEquals(AccountStatus.FROZEN, f.engine.accountStatus(BOB));
    }

    @Test
    void shouldRecordTheInnerIdsOfAnAcceptedBatch()
    {
        final long batchId = f.nextTxId();
        final Decision batch = expectAccepted(f.batch(() ->
        {
            f.transfer(ALICE, BOB, "BTC", 10);
            f.transfer(ALICE, BOB, "USD", 20);
        }));
        assertEquals(batchId + 1, batch.linkedTxIds[0]);
        assertEquals(batchId + 2, batch.linkedTxIds[1]);
        final String hash = f.engine.stateHash().hex();

        // The second leg alone, as it was inside the batch, is a duplicate of an accepted command.
        final Decision inner = f.txId(batchId + 2).transfer(ALICE, BOB, "USD", 20);
        assertEquals(Reason.OK, inner.reason);
        assertTrue(inner.duplicate);
        assertEquals(hash, f.engine.stateHash().hex());
        assertEquals(20, f.available(BOB, "USD"));

        // With other fields it is a reused id.
        expectRejected(Reason.TX_ID_REUSED, f.txId(batchId + 2).transfer(ALICE, BOB, "USD", 21));
    }

    @Test
    void shouldReturnTheWholeOriginalDecisionOfABatch()
    {
        expectAccepted(f.batch(() ->
        {
            f.transfer(ALICE, BOB, "BTC", 10);
            f.transfer(ALICE, BOB, "USD", 20);
        }));
        final Decision duplicate = f.submit(f.lastCommand());

        assertTrue(duplicate.duplicate);
        assertEquals(Reason.OK, duplicate.reason);
        assertEquals(2, duplicate.linkedCount);
        assertEquals(Reason.OK, duplicate.linkedReasons[1]);
        assertEquals(10, f.available(BOB, "BTC"));
    }

    @Test
    void shouldRecordOnlyItsOwnIdForARejectedBatch()
    {
        final long batchId = f.nextTxId();
        final Decision batch = f.batch(() ->
        {
            f.transfer(ALICE, BOB, "BTC", 10);
            f.transfer(ALICE, BOB, "USD", 0);
        });
        expectRejected(Reason.AMOUNT_MUST_BE_POSITIVE, batch);
        final Command rejected = f.lastCommand();

        // The inner ids are free: the first leg alone is applied now, not a duplicate.
        final Decision alone = expectAccepted(f.txId(batchId + 1).transfer(ALICE, BOB, "BTC", 10));
        assertFalse(alone.duplicate);
        assertEquals(10, f.available(BOB, "BTC"));

        // The batch's own id answers with the original rejection, failing index included.
        final Decision duplicate = f.submit(rejected);
        assertTrue(duplicate.duplicate);
        assertEquals(Reason.AMOUNT_MUST_BE_POSITIVE, duplicate.reason);
        assertEquals(Reason.LINKED_COMMAND_FAILED, duplicate.linkedReasons[0]);
        assertEquals(Reason.AMOUNT_MUST_BE_POSITIVE, duplicate.linkedReasons[1]);
    }

    @Test
    void shouldNotRecordACommandWithoutAValidTxId()
    {
        final long before = f.engine.tableSize(TableKind.TX_IDS);
        expectRejected(Reason.TX_ID_MUST_BE_POSITIVE, f.txId(0).freeze(BOB));
        assertEquals(before, f.engine.tableSize(TableKind.TX_IDS));
        assertEquals(AccountStatus.ACTIVE, f.engine.accountStatus(BOB));
    }

    @Test
    void shouldRecordTheTxIdOfARejection()
    {
        final String ledger = f.ledgerHash();
        final String all = f.engine.stateHash().hex();
        final long before = f.engine.tableSize(TableKind.TX_IDS);

        expectRejected(Reason.ACCOUNT_NOT_FOUND, f.freeze(4242));

        assertEquals(before + 1, f.engine.tableSize(TableKind.TX_IDS));
        assertEquals(ledger, f.ledgerHash());
        assertFalse(all.equals(f.engine.stateHash().hex()), "the decisions part records the txId");
    }
}
