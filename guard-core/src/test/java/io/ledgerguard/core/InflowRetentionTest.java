package io.ledgerguard.core;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.COLD;
import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static io.ledgerguard.core.GuardFixture.expectRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * SPEC §11: an inflow is forgotten once it is older than the credit reversal window, credited in full, and no credit
 * names it any more; one not credited in full, or named by a credit that left a claim, is kept. Before this, inflows
 * never left their table and an {@code INFLOW} failed for good once {@code inflowsMax} were recorded.
 */
class InflowRetentionTest
{
    private static final long ALICE = 1001;
    private static final long BOB = 1002;
    private static final long WINDOW_MS = 60_000;

    private static GuardFixture fixture(final long inflowsMax)
    {
        final GuardFixture f = GuardFixture.create(c ->
        {
            c.limits().inflowsMax = inflowsMax;
            c.retention().creditReversalWindowMs = WINDOW_MS;
            c.retention().txIdWindowMs = WINDOW_MS;
        });
        f.attestAll();
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        return f;
    }

    /** Let the window pass and apply a command, which forgets what is due. */
    private static void passTheWindow(final GuardFixture f)
    {
        f.advanceMs(WINDOW_MS + 1);
        f.attestAll();
    }

    @Test
    void shouldTakeNewInflowsForeverOnAFullTableOnceTheOldAreCreditedAndTheirWindowPassed()
    {
        final GuardFixture f = fixture(4);
        for (int round = 0; round < 10; round++)
        {
            for (int i = 0; i < 4; i++)
            {
                final String chainRef = "in-" + round + "-" + i;
                expectAccepted(f.inflow(HOT, "BTC", 100, chainRef));
                expectAccepted(f.deposit(ALICE, "BTC", 100, chainRef));
            }
            assertEquals(4, f.engine.tableSize(TableKind.INFLOWS));
            expectRejected(Reason.CAPACITY_EXHAUSTED, f.inflow(HOT, "BTC", 100, "one-too-many-" + round));
            passTheWindow(f);
            assertEquals(0, f.engine.tableSize(TableKind.INFLOWS), "round " + round);
            assertEquals(0, f.engine.tableSize(TableKind.CREDITS), "round " + round);
            assertNull(f.engine.checkInvariants());
        }
        assertEquals(4_000, f.available(ALICE, "BTC"));
        // Forgotten: a deposit can no longer claim it.
        expectRejected(Reason.INFLOW_NOT_FOUND, f.deposit(BOB, "BTC", 1, "in-0-0"));
    }

    @Test
    void shouldKeepAnInflowUntilItIsCreditedInFullAndItsCreditsLeftTheirWindow()
    {
        final GuardFixture f = fixture(16);
        expectAccepted(f.inflow(HOT, "BTC", 100, "partly"));
        expectAccepted(f.deposit(ALICE, "BTC", 40, "partly"));
        passTheWindow(f);
        assertEquals(1, f.engine.tableSize(TableKind.INFLOWS), "60 of it are not credited yet");

        f.advanceMs(WINDOW_MS / 2);
        f.attestAll();
        expectAccepted(f.deposit(BOB, "BTC", 60, "partly"));
        f.advanceMs(WINDOW_MS / 2 + 1);
        f.attestAll();
        assertEquals(1, f.engine.tableSize(TableKind.INFLOWS), "its time is up, but its last credit's is not");
        passTheWindow(f);
        assertEquals(0, f.engine.tableSize(TableKind.INFLOWS));
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldRefuseAChainReferenceWhoseHashAnInflowHeldHas()
    {
        // Two references with one 64-bit hash are not to be found for a test: plant one, as a restored state.
        final GuardFixture f = fixture(16);
        expectAccepted(f.inflow(HOT, "BTC", 100, "planted"));
        final ResizeTest.Snapshot snapshot = ResizeTest.Snapshot.of(f.engine);
        final byte[] victim = "victim".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final long borrowed = io.ledgerguard.core.internal.InflowTable.hash(victim, victim.length);
        snapshot.part(f.engine, "inflows").putLong(0, borrowed);
        snapshot.part(f.engine, "inflowExpiry").putLong(0, borrowed);
        final GuardEngine planted = new GuardEngine(f.engine.config());
        snapshot.restoreInto(planted, f.engine.commandsApplied());

        final Command inflow = new Command();
        inflow.type = CommandType.INFLOW;
        inflow.txId = 1L << 40;
        inflow.walletId = HOT;
        inflow.assetId = GuardFixture.BTC;
        inflow.amount = 5;
        inflow.chainRef("victim");
        inflow.seq = f.engine.commandsApplied() + 1;
        inflow.timestampNs = f.engine.nowNs() + 1_000_000;
        final Decision decision = new Decision();
        planted.apply(inflow, decision);
        expectRejected(Reason.CHAIN_REF_HASH_COLLISION, decision);

        // The hash alone never names an inflow to a deposit: its chain reference is compared byte for byte.
        inflow.type = CommandType.DEPOSIT;
        inflow.accountId = ALICE;
        inflow.txId++;
        inflow.seq++;
        planted.apply(inflow, decision);
        expectRejected(Reason.INFLOW_NOT_FOUND, decision);
    }

    @Test
    void shouldKeepAnInflowWhileACreditThatLeftAClaimNamesIt()
    {
        final GuardFixture f = fixture(16);
        expectAccepted(f.inflow(HOT, "BTC", 100, "claimed"));
        expectAccepted(f.txId(700).deposit(ALICE, "BTC", 100, "claimed"));
        expectAccepted(f.transfer(ALICE, BOB, "BTC", 70));
        expectAccepted(f.reverse(700));
        // 30 came back to the inflow, 70 are a claim on ALICE; credit the 30 to the right account.
        expectAccepted(f.deposit(BOB, "BTC", 30, "claimed"));
        passTheWindow(f);
        passTheWindow(f);
        assertEquals(1, f.engine.tableSize(TableKind.INFLOWS), "the claim's credit names it");
        assertEquals(1, f.engine.tableSize(TableKind.CREDITS), "the claim's credit is evidence");
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldForgetASweepsChainReferenceOnceItsWindowPassed()
    {
        final GuardFixture f = fixture(16);
        f.fund(ALICE, "BTC", 1_000);
        passTheWindow(f);
        assertEquals(0, f.engine.tableSize(TableKind.INFLOWS));

        expectAccepted(f.sweep(HOT, COLD, "BTC", 500, "sweep-1"));
        assertEquals(1, f.engine.tableSize(TableKind.INFLOWS));
        expectRejected(Reason.INFLOW_ALREADY_RECORDED, f.inflow(COLD, "BTC", 1, "sweep-1"));
        passTheWindow(f);
        assertEquals(0, f.engine.tableSize(TableKind.INFLOWS));
        assertNull(f.engine.checkInvariants());
    }
}
