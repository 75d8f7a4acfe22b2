package io.ledgerguard.core;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.ledgerguard.core.pipeline.InMemoryJournal;
import io.ledgerguard.core.pipeline.Journal;
import io.ledgerguard.core.pipeline.LinkedGuard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guard linked into its caller (issue 15): it decides exactly as {@link GuardEngine#apply} does, journals every
 * sequenced command with its decision on the caller's thread, commits as told, stops on a failure without running the
 * state ahead of the journal, and allocates nothing per command once warm.
 */
@ExtendWith(SeedReport.class)
class LinkedGuardTest
{
    /** A clock that ticks a millisecond a command, so that time-based rules move. */
    private static final class TickingClock implements EpochNanoClock
    {
        private long nowNs = 1_767_225_600_000_000_000L;

        @Override
        public long nanoTime()
        {
            nowNs += 1_000_000;
            return nowNs;
        }
    }

    /** Counts appends and flushes, and fails when told to. */
    private static final class CountingJournal implements Journal
    {
        int appends;
        int flushes;
        int handOvers;
        boolean failAppend;
        boolean failFlush;
        final List<Long> seqs = new ArrayList<>();

        @Override
        public void append(final Command command, final Decision decision)
        {
            if (failAppend)
            {
                throw new IllegalStateException("disk full");
            }
            appends++;
            seqs.add(command.seq);
        }

        @Override
        public void handOver()
        {
            handOvers++;
        }

        @Override
        public void flush()
        {
            if (failFlush)
            {
                throw new IllegalStateException("msync failed");
            }
            flushes++;
        }

        @Override
        public void close()
        {
        }
    }

    @Test
    void shouldDecideAsTheEngineAndJournalEveryCommandInSequence()
    {
        final long seed = Seeds.seed("LinkedGuardTest");
        final GuardConfig config = RandomCommandStream.config(2_000_000);
        final GuardEngine reference = new GuardEngine(config);
        final InMemoryJournal journal = new InMemoryJournal(32 << 20);
        final List<String> alerts = new ArrayList<>();
        final LinkedGuard guard = new LinkedGuard(new GuardEngine(config), journal, 101,
            alert -> alerts.add(alert.type.name()), null, new TickingClock());
        final Command copy = new Command();
        final Decision expected = new Decision();
        final Command command = new Command();
        int expectedAlerts = 0;
        for (int w = 0; w < reference.walletCount(); w++)
        {
            command.reset();
            command.type = CommandType.ATTEST;
            command.txId = (1L << 50) + w + 1;
            command.walletId = reference.walletId(w);
            command.assetId = reference.assetId(reference.walletAssetIndex(w));
            command.amount = 1_000_000_000_000L;
            final Decision attested = guard.apply(command);
            assertTrue(attested.accepted());
            copy.copyFrom(command);
            reference.apply(copy, expected);
            assertEquals(expected.alertCount, attested.alertCount);
            expectedAlerts += expected.alertCount;
        }
        final RandomCommandStream stream = new RandomCommandStream(seed, 0, 2_500);
        final int commands = 50_000;
        for (int i = 0; i < commands; i++)
        {
            stream.next(command);
            final Decision decision = guard.apply(command);
            copy.copyFrom(command);
            reference.apply(copy, expected);
            assertEquals(expected.reason, decision.reason, () -> "command " + command);
            assertEquals(expected.alertCount, decision.alertCount, () -> "alerts of " + command);
            expectedAlerts += expected.alertCount;
            stream.onDecision(command, decision);
        }
        final long total = commands + reference.walletCount();
        assertEquals(reference.stateHash().hex(), guard.engine().stateHash().hex());
        assertEquals(total, journal.count(), "every command journaled");
        assertEquals(101 + total, guard.nextSeq());
        assertEquals(expectedAlerts, alerts.size(), "every alert told");
        final long[] next = {101};
        journal.forEach(journaled ->
        {
            assertEquals(next[0]++, journaled.seq, "consecutive sequences from the first");
        });
    }

    @Test
    void shouldCommitAsToldForGroupCommit()
    {
        final CountingJournal journal = new CountingJournal();
        final LinkedGuard guard = new LinkedGuard(new GuardEngine(RandomCommandStream.config(1_000)), journal, 1,
            null);
        final Command attest = attestation(guard.engine());
        // By default every apply commits before it returns.
        guard.apply(attest);
        assertEquals(1, journal.flushes);
        // Group commit: nothing until commit(), then one flush for the whole batch.
        guard.commitEvery(0);
        for (int i = 0; i < 5; i++)
        {
            attest.txId = 100 + i;
            guard.apply(attest);
        }
        assertEquals(1, journal.flushes);
        assertTrue(guard.commit());
        assertEquals(2, journal.flushes);
        assertTrue(guard.commit(), "nothing to commit");
        assertEquals(2, journal.flushes);
        // Every third.
        guard.commitEvery(3);
        for (int i = 0; i < 6; i++)
        {
            attest.txId = 200 + i;
            guard.apply(attest);
        }
        assertEquals(4, journal.flushes);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L), journal.seqs);
    }

    @Test
    void shouldStopWithoutRunningTheStateAheadOfTheJournal()
    {
        final CountingJournal journal = new CountingJournal();
        final List<String> alerts = new ArrayList<>();
        final LinkedGuard guard = new LinkedGuard(new GuardEngine(RandomCommandStream.config(1_000)), journal, 1,
            alert -> alerts.add(alert.type + " seq=" + alert.seq));
        final Command attest = attestation(guard.engine());
        assertTrue(guard.apply(attest).accepted());

        journal.failAppend = true;
        attest.txId = 2;
        final Decision failed = guard.apply(attest);
        assertEquals(Reason.GUARD_FAILED, failed.reason);
        assertEquals(2, failed.seq);
        assertEquals("disk full", guard.failure().getMessage());
        final String hash = guard.engine().stateHash().hex();
        // From then on nothing is applied, and the stop is alerted once.
        journal.failAppend = false;
        attest.txId = 3;
        assertEquals(Reason.GUARD_FAILED, guard.apply(attest).reason);
        assertEquals(hash, guard.engine().stateHash().hex(), "nothing applied after the failure");
        assertEquals(List.of("GUARD_STOPPED seq=2"), alerts);
        assertFalse(guard.commit());
        assertEquals(1, journal.appends);
    }

    @Test
    void shouldAcknowledgeNothingSinceTheLastCommitWhenACommitFails()
    {
        final CountingJournal journal = new CountingJournal();
        final LinkedGuard guard = new LinkedGuard(new GuardEngine(RandomCommandStream.config(1_000)), journal, 1,
            null).commitEvery(0);
        final Command attest = attestation(guard.engine());
        assertTrue(guard.apply(attest).accepted());
        journal.failFlush = true;
        assertFalse(guard.commit(), "the batch is not acknowledged");
        attest.txId = 2;
        assertEquals(Reason.GUARD_FAILED, guard.apply(attest).reason);
    }

    @Test
    void shouldRefuseUnsequencedWhatItCannotHoldAndAnythingOnceClosed()
    {
        final CountingJournal journal = new CountingJournal();
        final LinkedGuard guard = new LinkedGuard(new GuardEngine(RandomCommandStream.config(1_000)), journal, 1,
            null);
        final Command command = attestation(guard.engine());
        command.batchCount = Command.BATCH_COMMANDS_MAX + 1;
        final Decision refused = guard.apply(command);
        assertEquals(0, refused.seq);
        assertEquals(Reason.BATCH_TOO_LARGE, refused.reason);
        command.batchCount = 0;
        assertEquals(0, journal.appends);
        assertEquals(1, guard.nextSeq(), "not sequenced");
        guard.close();
        assertEquals(Reason.GUARD_CLOSED, guard.apply(attestation(guard.engine())).reason);
        assertNull(guard.failure());
    }

    @Test
    void shouldBelongToTheThreadOfItsFirstCommand() throws Exception
    {
        final CountingJournal journal = new CountingJournal();
        final LinkedGuard guard = new LinkedGuard(new GuardEngine(RandomCommandStream.config(1_000)), journal, 1,
            null);
        final Command attest = attestation(guard.engine());
        // Opened here, applied on another thread (an engine's event loop): the journal is handed to it, once.
        final Thread loop = new Thread(() ->
        {
            guard.apply(attest);
            attest.txId = 2;
            guard.apply(attest);
        }, "event-loop");
        loop.start();
        loop.join();
        assertEquals(1, journal.handOvers);
        assertEquals(2, journal.appends);
        attest.txId = 3;
        final IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class, () -> guard.apply(attest));
        assertEquals("a linked guard belongs to one thread: event-loop applies its commands, " +
            Thread.currentThread().getName() + " may not", refused.getMessage());
        assertEquals(2, journal.appends, "nothing appended from another thread");
    }

    @Test
    void shouldApplyWithoutAllocatingInSteadyState()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final GuardConfig config = RandomCommandStream.config(1_000_000);
        final LinkedGuard guard = new LinkedGuard(new GuardEngine(config), new InMemoryJournal(16 << 20), 1, null);
        final Command command = new Command();
        command.type = CommandType.OPEN_ACCOUNT;
        command.txId = 1;
        command.accountId = 1;
        command.accountKind = AccountKind.CREDIT_LINE;
        command.addCreditLimit(guard.engine().assetId(0), Long.MAX_VALUE / 4);
        assertTrue(guard.apply(command).accepted());
        long txId = 1;
        long before = 0;
        final int measured = 20_000;
        for (int round = 0; round < 2; round++)
        {
            if (round == 1)
            {
                before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            }
            for (int i = 0; i < measured; i++)
            {
                command.reset();
                command.type = (i & 1) == 0 ? CommandType.HOLD : CommandType.RELEASE;
                command.txId = ++txId;
                command.holdId = 1_000_000 + (i >> 1) + round * measured;
                command.accountId = (i & 1) == 0 ? 1 : 0;
                command.assetId = (i & 1) == 0 ? guard.engine().assetId(0) : 0;
                command.amount = 10;
                final Reason reason = guard.apply(command).reason;
                if (reason != Reason.OK)
                {
                    throw new AssertionError("command " + i + " rejected: " + reason);
                }
            }
        }
        final long bytes = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        System.out.println("LinkedGuardTest: " + measured + " applies, " + bytes + " bytes allocated");
        assertTrue(bytes < measured, "allocated per command: " + bytes);
    }

    private static Command attestation(final GuardEngine engine)
    {
        final Command attest = new Command();
        attest.type = CommandType.ATTEST;
        attest.txId = 1;
        attest.walletId = engine.walletId(0);
        attest.assetId = engine.assetId(engine.walletAssetIndex(0));
        attest.amount = 0;
        return attest;
    }
}
