package io.ledgerguard.core;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static io.ledgerguard.core.GuardFixture.HOT;
import static io.ledgerguard.core.GuardFixture.expectAccepted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-asset counters published for monitors match the engine's own figures after every command, and a reader on
 * another thread only ever sees one command's complete set of figures, never a torn mix.
 */
class AssetCountersTest
{
    private static final long ALICE = 1001;
    private static final long BOB = 1002;

    private static void assertPublished(final GuardFixture f)
    {
        final AssetCounters counters = f.engine.counters();
        final AssetCounters.Snapshot snapshot = new AssetCounters.Snapshot();
        assertEquals(f.engine.assetCount(), counters.assetCount());
        for (int i = 0; i < counters.assetCount(); i++)
        {
            assertTrue(counters.read(i, snapshot));
            assertEquals(f.engine.assetId(i), snapshot.assetId);
            assertEquals(f.engine.obligations(i), snapshot.obligations, "obligations");
            assertEquals(f.engine.holdings(i), snapshot.holdings, "holdings");
            assertEquals(f.engine.held(i), snapshot.held, "held");
            assertEquals(f.engine.assetStatus(i), snapshot.status, "status");
        }
    }

    @Test
    void shouldPublishTheEnginesFiguresAfterEveryCommand()
    {
        final GuardFixture f = GuardFixture.create();
        assertPublished(f);
        f.attestAll();
        assertPublished(f);
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        f.openAccount(BOB, AccountKind.CUSTOMER);
        f.fund(ALICE, "BTC", 1_000);
        assertPublished(f);
        f.fund(ALICE, "USD", 5_000);
        f.hold(1, ALICE, "BTC", 300);
        assertPublished(f);
        f.withdraw(2, ALICE, HOT, "BTC", 100);
        f.settle(2);
        assertPublished(f);
        f.transferFromHold(1, ALICE, BOB, "BTC", 300);
        f.halt("USD");
        assertPublished(f);
        f.haltAll();
        assertPublished(f);
        f.resumeAll();
        f.resume("USD");
        assertPublished(f);
        // A rejected batch publishes the rolled-back figures.
        f.batch(() ->
        {
            f.adjust(BOB, "BTC", -100);
            f.transfer(ALICE, BOB, "USD", 5_001);
        });
        assertPublished(f);
        assertNull(f.engine.checkInvariants());
    }

    @Test
    void shouldStampTheSnapshotWithTheCommandThatPublishedIt()
    {
        final GuardFixture f = GuardFixture.attested();
        f.atMs(GuardFixture.START_MS + 42);
        final Decision decision = expectAccepted(f.inflow(HOT, "BTC", 5, "a"));
        final AssetCounters.Snapshot snapshot = new AssetCounters.Snapshot();

        f.engine.counters().read(f.assetIndex("BTC"), snapshot);

        assertEquals(decision.seq, snapshot.seq);
        assertEquals(decision.timestampNs, snapshot.timestampNs);
        assertEquals(5, snapshot.headroom());
        assertEquals(-1, snapshot.coverageBps(), "no obligations yet");
    }

    /**
     * The writer repeats three commands: a batch that records an inflow of 1 and deposits it (holdings and obligations
     * rise together), a hold of 1 and its release. So the figures are a function of the publishing command's seq:
     * obligations == holdings == the number of batches so far, held is 1 after a hold and 0 otherwise. A torn read
     * would break one of these.
     */
    @Test
    void shouldNeverShowAReaderATornSnapshot() throws InterruptedException
    {
        final int rounds = 5_000;
        final GuardFixture f = GuardFixture.create(c ->
        {
            c.limits().txIdsMax = 6L * rounds;
            c.limits().inflowsMax = rounds + 1;
            c.limits().creditsMax = rounds + 1;
        }).paranoid(false);
        f.attestAll();
        f.openAccount(ALICE, AccountKind.CUSTOMER);
        final long baseSeq = expectAccepted(f.openAccount(BOB, AccountKind.CUSTOMER)).seq;
        final int btc = f.assetIndex("BTC");
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<String> failure = new AtomicReference<>();
        final AtomicLong reads = new AtomicLong();

        final Thread reader = new Thread(() ->
        {
            final AssetCounters.Snapshot snapshot = new AssetCounters.Snapshot();
            long lastSeq = 0;
            while (failure.get() == null)
            {
                final boolean finished = done.get();
                if (f.engine.counters().read(btc, snapshot))
                {
                    reads.incrementAndGet();
                    final String problem = check(snapshot, baseSeq, lastSeq);
                    if (problem != null)
                    {
                        failure.set(problem);
                    }
                    lastSeq = Math.max(lastSeq, snapshot.seq);
                }
                if (finished)
                {
                    break;
                }
            }
        }, "counters-reader");
        reader.start();

        for (int i = 1; i <= rounds && failure.get() == null; i++)
        {
            final String chainRef = "r" + i;
            expectAccepted(f.batch(() ->
            {
                f.inflow(HOT, "BTC", 1, chainRef);
                f.deposit(ALICE, "BTC", 1, chainRef);
            }));
            expectAccepted(f.hold(i, ALICE, "BTC", 1));
            expectAccepted(f.release(i, 1));
        }
        done.set(true);
        reader.join();

        assertNull(failure.get());
        assertTrue(reads.get() > 0);
        assertEquals(rounds, f.obligations("BTC"));
        assertNull(f.engine.checkInvariants());
    }

    private static String check(final AssetCounters.Snapshot snapshot, final long baseSeq, final long lastSeq)
    {
        if (snapshot.seq < lastSeq)
        {
            return "seq went back: " + snapshot.seq + " < " + lastSeq;
        }
        if (snapshot.seq <= baseSeq)
        {
            return snapshot.obligations == 0 && snapshot.holdings == 0 && snapshot.held == 0 ? null :
                "figures before the run: " + describe(snapshot);
        }
        final long step = snapshot.seq - baseSeq - 1;
        final long batches = step / 3 + 1;
        final long held = step % 3 == 1 ? 1 : 0;
        if (snapshot.obligations != batches || snapshot.holdings != batches || snapshot.held != held ||
            snapshot.status != AssetStatus.NORMAL)
        {
            return "torn or wrong snapshot: " + describe(snapshot) + ", expected obligations=holdings=" + batches +
                ", held=" + held;
        }
        return null;
    }

    private static String describe(final AssetCounters.Snapshot snapshot)
    {
        return "seq=" + snapshot.seq + ", obligations=" + snapshot.obligations + ", holdings=" + snapshot.holdings +
            ", held=" + snapshot.held + ", status=" + snapshot.status;
    }
}
