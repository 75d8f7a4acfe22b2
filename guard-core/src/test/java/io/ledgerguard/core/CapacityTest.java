package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each fixed table, once full, rejects CAPACITY_EXHAUSTED naming itself in the decision, and the state is unchanged.
 */
class CapacityTest
{
    private static final long ALICE = 1001;
    private static final long BOB = 1002;

    private static Decision expectExhausted(final TableKind table, final Decision decision)
    {
        expectRejected(Reason.CAPACITY_EXHAUSTED, decision);
        assertEquals(table, decision.exhaustedTable);
        return decision;
    }

    @Test
    void shouldReportAFullAccountTable()
    {
        final GuardFixture f = GuardFixture.attested(c -> c.limits().accountsMax = 2);
        expectAccepted(f.openAccount(ALICE, AccountKind.CUSTOMER));
        expectAccepted(f.openAccount(BOB, AccountKind.CUSTOMER));
        final String ledger = f.ledgerHash();

        expectExhausted(TableKind.ACCOUNTS, f.openAccount(3, AccountKind.CUSTOMER));

        assertEquals(ledger, f.ledgerHash());
        assertEquals(2, f.engine.tableSize(TableKind.ACCOUNTS));
        assertNull(f.engine.accountStatus(3));
    }

    @Test
    void shouldReportAFullPositionTableForEveryCommandThatCreatesAPosition()
    {
        final GuardFixture f = GuardFixture.attested(c -> c.limits().positionsMax = 2);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);
        f.fund(ALICE, "USD", 1_000);
        assertEquals(2, f.engine.tableSize(TableKind.POSITIONS));
        f.inflow(HOT, "BTC", 100, "in");
        final String ledger = f.ledgerHash();

        expectExhausted(TableKind.POSITIONS, f.transfer(ALICE, BOB, "BTC", 1));
        expectExhausted(TableKind.POSITIONS, f.deposit(BOB, "BTC", 1, "in"));
        expectExhausted(TableKind.POSITIONS, f.adjust(BOB, "BTC", 1));
        expectExhausted(TableKind.POSITIONS, f.openCreditLine(7, "BTC", 5));
        assertEquals(ledger, f.ledgerHash());
        assertNull(f.engine.accountStatus(7), "the credit line was not half opened");

        // Existing positions still work.
        expectAccepted(f.deposit(ALICE, "BTC", 1, "in"));
        assertEquals(2, f.engine.tableSize(TableKind.POSITIONS));
    }

    @Test
    void shouldReportAFullHoldTableAndFreeRoomOnRelease()
    {
        final GuardFixture f = GuardFixture.attested(c -> c.limits().holdsMax = 1);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);
        expectAccepted(f.hold(1, ALICE, "BTC", 10));
        final String ledger = f.ledgerHash();

        expectExhausted(TableKind.HOLDS, f.hold(2, ALICE, "BTC", 10));
        expectExhausted(TableKind.HOLDS, f.withdraw(3, ALICE, HOT, "BTC", 10));
        assertEquals(ledger, f.ledgerHash());

        expectAccepted(f.release(1, 10));
        expectAccepted(f.withdraw(3, ALICE, HOT, "BTC", 10));
    }

    @Test
    void shouldReportAFullInflowTable()
    {
        final GuardFixture f = GuardFixture.attested(c -> c.limits().inflowsMax = 1);
        expectAccepted(f.inflow(HOT, "BTC", 10, "a"));
        final String ledger = f.ledgerHash();

        expectExhausted(TableKind.INFLOWS, f.inflow(HOT, "BTC", 10, "b"));

        assertEquals(ledger, f.ledgerHash());
        assertEquals(10, f.holdings("BTC"));
        // A repeat of the recorded reference is still told apart from a full table.
        expectRejected(Reason.INFLOW_ALREADY_RECORDED, f.inflow(HOT, "BTC", 10, "a"));
    }

    @Test
    void shouldReportAFullTxIdTableWithoutRecordingAnything()
    {
        final GuardFixture f = GuardFixture.create(c -> c.limits().txIdsMax = 5);
        f.attestAll();
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        assertEquals(5, f.engine.tableSize(TableKind.TX_IDS));
        final String hash = f.engine.stateHash().hex();

        expectExhausted(TableKind.TX_IDS, f.openAccount(3, AccountKind.CUSTOMER));
        // The table check comes before the command's own rules.
        expectExhausted(TableKind.TX_IDS, f.openAccount(0, null));
        expectExhausted(TableKind.TX_IDS, f.batch(() -> f.freeze(ALICE)));

        assertEquals(hash, f.engine.stateHash().hex());
        assertEquals(5, f.engine.tableSize(TableKind.TX_IDS));
        // Known ids are still answered.
        final Decision duplicate = f.txId(4).openAccount(ALICE, AccountKind.CUSTOMER);
        assertTrue(duplicate.duplicate);
        assertEquals(Reason.OK, duplicate.reason);
    }

    @Test
    void shouldFillATableToItsLimitExactly()
    {
        final GuardFixture f = GuardFixture.attested(c -> c.limits().accountsMax = 40);
        for (int i = 1; i <= 40; i++)
        {
            expectAccepted(f.openAccount(i * 1_000_003L, AccountKind.CUSTOMER));
        }
        expectExhausted(TableKind.ACCOUNTS, f.openAccount(7, AccountKind.CUSTOMER));
        for (int i = 1; i <= 40; i++)
        {
            assertEquals(AccountStatus.ACTIVE, f.engine.accountStatus(i * 1_000_003L));
        }
    }
}
