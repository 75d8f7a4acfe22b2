package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §11: decided txIds are kept for the txId window and then forgotten in bounded work, a command older than the
 * window is refused so that nothing is applied twice, control commands never fail for lack of txId space, and a
 * table past 80% says so once per crossing.
 */
class RetentionTest
{
    private static final long ALICE = 1001;
    private static final long BOB = 1002;
    private static final long WINDOW_MS = 60_000;

    private static GuardFixture fixture(final long txIdsMax)
    {
        final GuardFixture f = GuardFixture.create(c ->
        {
            c.limits().txIdsMax = txIdsMax;
            c.retention().txIdWindowMs = WINDOW_MS;
        });
        // Attestations older than the window are stale: keep them fresh by attesting as time goes on.
        f.attestAll();
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000_000);
        return f;
    }

    @Test
    void shouldAnswerAResubmissionWithinTheWindowWithItsOriginalDecision()
    {
        final GuardFixture f = fixture(10_000);
        f.txId(500).transfer(ALICE, BOB, "BTC", 10);
        f.advanceMs(WINDOW_MS);

        final Decision again = f.txId(500).transfer(ALICE, BOB, "BTC", 10);

        assertTrue(again.duplicate);
        assertEquals(Reason.OK, again.reason);
        assertEquals(10, f.available(BOB, "BTC"));
    }

    @Test
    void shouldRefuseACommandWhoseOwnTimeIsOlderThanTheWindowAndForgetItsId()
    {
        final GuardFixture f = fixture(10_000);
        final long submittedAtMs = f.nowMs();
        f.txId(500).transfer(ALICE, BOB, "BTC", 10);
        f.advanceMs(WINDOW_MS + 1);
        f.attestAll();

        // The client resubmits the same command with the time it first sent it: its id may be forgotten, so it is
        // refused, never applied twice.
        final Command late = f.begin(CommandType.TRANSFER);
        late.txId = 500;
        late.debitAccountId = ALICE;
        late.creditAccountId = BOB;
        late.assetId = GuardFixture.BTC;
        late.amount = 10;
        late.submittedAtMs = submittedAtMs;
        expectRejected(Reason.COMMAND_OLDER_THAN_TX_ID_WINDOW, f.submit(late));
        assertEquals(10, f.available(BOB, "BTC"));

        // The id itself was forgotten: a new command of the client's, sent now, may use it.
        expectAccepted(f.txId(500).transfer(ALICE, BOB, "BTC", 20));
        assertEquals(30, f.available(BOB, "BTC"));
    }

    @Test
    void shouldForgetABoundedNumberOfIdsPerCommand()
    {
        final GuardFixture f = fixture(10_000);
        for (int i = 0; i < 200; i++)
        {
            f.transfer(ALICE, BOB, "BTC", 1);
        }
        final long recorded = f.engine.tableSize(TableKind.TX_IDS);
        f.advanceMs(WINDOW_MS + 1);

        f.paranoid(false).openAccount(0, AccountKind.CUSTOMER);

        // Every id so far is older than the window; one command forgets 34 of them, its own is then recorded.
        assertEquals(recorded - 34 + 1, f.engine.tableSize(TableKind.TX_IDS));
        for (int i = 0; i < 10; i++)
        {
            f.openAccount(0, AccountKind.CUSTOMER);
        }
        // The backlog is worked off at 34 a command: 200 + 6 ids, and the 11 rejections recorded since.
        assertEquals(11, f.engine.tableSize(TableKind.TX_IDS));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldKeepControlCommandsWorkingWhenOrdinaryCommandsFillTheTxIdTable()
    {
        // The reported failure: with txIdsMax 1,000 and 3,000 commands, half of them rejected, every command from the
        // 1,001st on was CAPACITY_EXHAUSTED, HALT, FREEZE and ATTEST included.
        final GuardFixture f = fixture(1_000);
        f.paranoid(false);
        int exhausted = 0;
        for (int i = 0; i < 3_000; i++)
        {
            final Decision decision = i % 2 == 0 ? f.transfer(ALICE, BOB, "BTC", 1) : f.transfer(ALICE, BOB, "BTC", 0);
            exhausted += decision.reason == Reason.CAPACITY_EXHAUSTED ? 1 : 0;
        }
        assertTrue(exhausted > 0, "the ordinary commands filled the table");
        assertTrue(f.engine.tableFull(TableKind.TX_IDS));

        expectAccepted(f.freeze(BOB));
        expectAccepted(f.unfreeze(BOB));
        expectAccepted(f.halt("BTC"));
        expectAccepted(f.resume("BTC"));
        expectAccepted(f.attest(HOT, "BTC", f.engine.walletExpected(f.walletIndex(HOT))));
        expectAccepted(f.inflow(COLD, "BTC", 5, f.newChainRef()));
        expectRejected(Reason.CAPACITY_EXHAUSTED, f.transfer(ALICE, BOB, "BTC", 1));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldWarnOncePerCrossingOfEightyPercent()
    {
        final GuardFixture f = fixture(100);
        int warnings = 0;
        for (int i = 0; i < 90; i++)
        {
            warnings += capacityWarnings(f.transfer(ALICE, BOB, "BTC", 1), TableKind.TX_IDS);
        }
        assertEquals(1, warnings);
        assertTrue(f.engine.capacityWarned(TableKind.TX_IDS));

        // Once the ids are forgotten the table falls below 80%, and the next crossing warns again.
        f.advanceMs(WINDOW_MS + 1);
        f.attestAll();
        for (int i = 0; i < 5; i++)
        {
            f.paranoid(false).openAccount(0, AccountKind.CUSTOMER);
        }
        assertFalse(f.engine.capacityWarned(TableKind.TX_IDS));
        warnings = 0;
        for (int i = 0; i < 90; i++)
        {
            warnings += capacityWarnings(f.transfer(ALICE, BOB, "BTC", 1), TableKind.TX_IDS);
        }
        assertEquals(1, warnings);
    }

    private static int capacityWarnings(final Decision decision, final TableKind table)
    {
        int count = 0;
        for (int i = 0; i < decision.alertCount; i++)
        {
            final Alert alert = decision.alert(i);
            if (alert.type == AlertType.CAPACITY_WARNING && alert.figure(0) == table.ordinal())
            {
                count++;
            }
        }
        return count;
    }

    @Test
    void shouldReverseACreditWithinItsWindowOnlyAndKeepAClaimForGood()
    {
        final GuardFixture f = GuardFixture.create(c -> c.retention().creditReversalWindowMs = WINDOW_MS);
        f.attestAll();
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);
        final long early = f.nextTxId() - 1;
        f.fund(ALICE, "BTC", 500);
        final long late = f.nextTxId() - 1;
        f.fund(BOB, "BTC", 700);
        final long spent = f.nextTxId() - 1;
        f.transfer(BOB, ALICE, "BTC", 700);
        assertEquals(3, f.engine.tableSize(TableKind.CREDITS));

        // Within the window: reversible. Bob moved his credit on, so the reversal leaves a claim on him.
        expectAccepted(f.reverse(late));
        expectAccepted(f.reverse(spent));
        assertEquals(700, f.engine.claims(BOB, f.assetIndex("BTC")));

        // After it: the credits are forgotten, but the one with a claim is kept, and nothing is reversible.
        f.advanceMs(WINDOW_MS + 1);
        f.attestAll();
        expectRejected(Reason.CREDIT_NOT_FOUND, f.reverse(early));
        assertEquals(1, f.engine.tableSize(TableKind.CREDITS));
        assertEquals(700, f.engine.claims(BOB, f.assetIndex("BTC")));
        expectRejected(Reason.CREDIT_ALREADY_REVERSED, f.reverse(spent));
        assertNull(f.engine.checkInvariants());
    }
}
