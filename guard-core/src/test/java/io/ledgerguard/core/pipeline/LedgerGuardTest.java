package io.ledgerguard.core.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.PipelineStreams;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.SeedReport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The multi-producer pipeline journals every command before releasing its decision, and what it decides is exactly
 * what one thread applying the journaled sequence decides: the same decision for every sequence and the same state.
 */
@ExtendWith(SeedReport.class)
class LedgerGuardTest
{
    /**
     * @return a new context for a pipeline of this test: three stages here; {@code Fused*} runs every test fused.
     */
    PipelineContext context()
    {
        return new PipelineContext().fuseStages(false);
    }

    private static final int PRODUCERS = 4;
    private static final int COMMANDS_PER_PRODUCER = 40_000;

    @ParameterizedTest
    @EnumSource(value = WaitStrategyKind.class, names = {"BLOCKING", "SLEEPING"})
    void shouldDecideAsOneThreadApplyingTheJournaledSequence(final WaitStrategyKind waitStrategy) throws Exception
    {
        final long seed = PipelineStreams.seed("LedgerGuardTest");
        final GuardEngine engine = new GuardEngine(PipelineStreams.config());
        final InMemoryJournal journal = new InMemoryJournal(256 << 20);
        final ConcurrentHashMap<Long, Integer> decided = new ConcurrentHashMap<>();
        final AtomicInteger alerts = new AtomicInteger();
        final LedgerGuard guard = new LedgerGuard(engine, context()
            .journal(journal)
            .ringSize(256)
            .waitStrategy(waitStrategy)
            .alertListener(alert -> alerts.incrementAndGet()));
        PipelineStreams.attestAll(engine, guard, decided);

        final List<Thread> producers = new ArrayList<>();
        final List<Throwable> failures = new ArrayList<>();
        for (int lane = 1; lane <= PRODUCERS; lane++)
        {
            final int producerLane = lane;
            final Thread producer = new Thread(() ->
            {
                try
                {
                    PipelineStreams.run(seed, producerLane, COMMANDS_PER_PRODUCER, guard, decided);
                }
                catch (final Throwable ex)
                {
                    synchronized (failures)
                    {
                        failures.add(ex);
                    }
                }
            }, "producer-" + lane);
            producers.add(producer);
            producer.start();
        }
        for (final Thread producer : producers)
        {
            producer.join();
        }
        guard.close();
        assertTrue(failures.isEmpty(), () -> "seed=" + seed + ": " + failures);
        assertNull(guard.failure());

        final long sequenced = guard.sequenced();
        assertEquals(sequenced, journal.count(), "every sequenced command is in the journal");
        assertEquals(sequenced, decided.size(), "every sequenced command got exactly one decision");
        assertNull(engine.checkInvariants(), () -> "seed=" + seed);

        final GuardEngine replayed = new GuardEngine(PipelineStreams.config());
        final Decision decision = new Decision();
        final AtomicLong expectedSeq = new AtomicLong(1);
        journal.forEach(command ->
        {
            assertEquals(expectedSeq.getAndIncrement(), command.seq, "journal holds the sequence in order");
            replayed.apply(command, decision);
            assertEquals(decided.get(command.seq), Integer.valueOf(decision.reason.code()),
                () -> "seed=" + seed + ": decision of seq " + command.seq + " (" + command + ") differs in replay");
        });
        assertEquals(engine.stateHash(), replayed.stateHash(), () -> "seed=" + seed);
        System.out.println("LedgerGuardTest[" + waitStrategy + "]: sequenced=" + sequenced + ", alerts=" + alerts +
            ", stateHash=" + engine.stateHash().ledgerHex());
    }

    @Test
    void shouldDeliverAsynchronousDecisionsInSequenceOrder() throws Exception
    {
        final GuardEngine engine = new GuardEngine(PipelineStreams.config());
        final InMemoryJournal journal = new InMemoryJournal(16 << 20);
        final int count = 10_000;
        final CountDownLatch done = new CountDownLatch(count);
        final AtomicLong lastSeq = new AtomicLong();
        final AtomicInteger outOfOrder = new AtomicInteger();
        final DecisionListener listener = (command, decision) ->
        {
            if (decision.seq != lastSeq.get() + 1)
            {
                outOfOrder.incrementAndGet();
            }
            lastSeq.set(decision.seq);
            done.countDown();
        };
        try (LedgerGuard guard = new LedgerGuard(engine, context().journal(journal)))
        {
            final Command command = new Command();
            for (int i = 1; i <= count; i++)
            {
                command.reset();
                command.type = CommandType.OPEN_ACCOUNT;
                command.txId = i;
                command.accountId = i;
                command.accountKind = io.ledgerguard.core.AccountKind.CUSTOMER;
                assertTrue(guard.submitAsync(command, listener) > 0);
            }
            assertTrue(done.await(30, TimeUnit.SECONDS), "all decisions delivered");
        }
        assertEquals(0, outOfOrder.get());
        assertEquals(count, engine.tableSize(io.ledgerguard.core.TableKind.ACCOUNTS));
        assertEquals(count, journal.count());
    }

    /**
     * A producer that hands its commands over (the gateway) gets a ring slot's command back each time, and fills it at
     * once: had one come back while a stage still read it, a command would be decided or journaled as another.
     */
    @Test
    void shouldTakeSubmittedCommandsAndHandBackOnlyOnesNoStageReads() throws Exception
    {
        final GuardEngine engine = new GuardEngine(PipelineStreams.config());
        final InMemoryJournal journal = new InMemoryJournal(16 << 20);
        final int count = 20_000;
        final CountDownLatch done = new CountDownLatch(count);
        final AtomicInteger mismatched = new AtomicInteger();
        final DecisionListener listener = (command, decision) ->
        {
            if (command.txId != decision.txId || command.accountId != command.txId || command.seq != decision.seq)
            {
                mismatched.incrementAndGet();
            }
            done.countDown();
        };
        final Command[] commands = {new Command()};
        final java.util.Set<Command> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        int exchanged = 0;
        final LedgerGuard guard = new LedgerGuard(engine, context().journal(journal).ringSize(64));
        for (int i = 1; i <= count; i++)
        {
            final Command command = commands[0];
            command.reset();
            command.type = CommandType.OPEN_ACCOUNT;
            command.txId = i;
            command.accountId = i;
            command.accountKind = io.ledgerguard.core.AccountKind.CUSTOMER;
            assertTrue(guard.submitAsyncTaking(commands, 0, listener) > 0);
            exchanged += commands[0] != command ? 1 : 0;
            seen.add(commands[0]);
        }
        assertTrue(done.await(30, TimeUnit.SECONDS), "all decisions delivered");
        // One that cannot hold a batch (a batch's inner command) cannot take a slot's place: it is copied.
        final Command[] inner = {new Command().addInner()};
        final Command innerCommand = inner[0];
        innerCommand.type = CommandType.OPEN_ACCOUNT;
        innerCommand.txId = count + 1;
        innerCommand.accountId = count + 1;
        innerCommand.accountKind = io.ledgerguard.core.AccountKind.CUSTOMER;
        final CountDownLatch copied = new CountDownLatch(1);
        assertTrue(guard.submitAsyncTaking(inner, 0, (c, d) -> copied.countDown()) > 0);
        assertTrue(innerCommand == inner[0], "an inner command is copied, not taken");
        assertTrue(copied.await(30, TimeUnit.SECONDS));
        guard.close();
        assertEquals(0, mismatched.get(), "every command decided is the one submitted");
        assertEquals(count, exchanged, "every command was taken, none copied");
        assertEquals(65, seen.size(), "the ring's 64 commands and the producer's own go round");
        assertEquals(count + 1, engine.tableSize(io.ledgerguard.core.TableKind.ACCOUNTS));
        final AtomicLong expected = new AtomicLong(1);
        journal.forEach(command -> assertEquals(expected.getAndIncrement(), command.accountId,
            "the journal holds each command as submitted, in order"));
        assertEquals(count + 2, expected.get());

        final Command refused = commands[0];
        assertEquals(-Reason.GUARD_CLOSED.code(), guard.submitAsyncTaking(commands, 0, listener));
        assertTrue(refused == commands[0], "a refused command is not taken");
    }

    @Test
    void shouldDrainAcceptedCommandsOnCloseAndRefuseLaterOnes() throws Exception
    {
        final GuardEngine engine = new GuardEngine(PipelineStreams.config());
        final InMemoryJournal journal = new InMemoryJournal(16 << 20);
        final AtomicInteger released = new AtomicInteger();
        final LedgerGuard guard = new LedgerGuard(engine, context().journal(journal).ringSize(64));
        final Command command = new Command();
        for (int i = 1; i <= 5_000; i++)
        {
            command.reset();
            command.type = CommandType.OPEN_ACCOUNT;
            command.txId = i;
            command.accountId = i;
            command.accountKind = io.ledgerguard.core.AccountKind.CUSTOMER;
            guard.submitAsync(command, (c, d) -> released.incrementAndGet());
        }
        guard.close();
        assertEquals(5_000, released.get(), "every accepted command was released before close returned");
        assertEquals(5_000, journal.count());

        command.txId = 9_999;
        final Decision refused = guard.submit(command);
        assertEquals(Reason.GUARD_CLOSED, refused.reason);
        assertEquals(-Reason.GUARD_CLOSED.code(), guard.submitAsync(command, (c, d) -> { }));
    }

    @Test
    void shouldRefuseWithRingFullWhenConfiguredToReject() throws Exception
    {
        final GuardEngine engine = new GuardEngine(PipelineStreams.config());
        final CountDownLatch journalBlocked = new CountDownLatch(1);
        final CountDownLatch unblock = new CountDownLatch(1);
        final Journal slowJournal = new Journal()
        {
            @Override
            public void append(final Command command, final Decision decision)
            {
                journalBlocked.countDown();
                try
                {
                    unblock.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void close()
            {
            }
        };
        final AtomicInteger released = new AtomicInteger();
        try (LedgerGuard guard = new LedgerGuard(engine, context()
            .journal(slowJournal).ringSize(8).backPressure(BackPressure.REJECT)))
        {
            final Command command = new Command();
            int accepted = 0;
            int refused = 0;
            for (int i = 1; i <= 32; i++)
            {
                command.reset();
                command.type = CommandType.OPEN_ACCOUNT;
                command.txId = i;
                command.accountId = i;
                command.accountKind = io.ledgerguard.core.AccountKind.CUSTOMER;
                final long result = guard.submitAsync(command, (c, d) -> released.incrementAndGet());
                if (result > 0)
                {
                    accepted++;
                }
                else
                {
                    assertEquals(-Reason.RING_FULL.code(), result);
                    refused++;
                }
                if (i == 1)
                {
                    assertTrue(journalBlocked.await(10, TimeUnit.SECONDS));
                }
            }
            assertEquals(8, accepted, "a stalled journal holds the ring's 8 slots");
            assertEquals(24, refused);
            assertEquals(0, released.get(), "nothing is released before it is journaled");
            unblock.countDown();
        }
        assertEquals(8, released.get());
    }

    @Test
    void shouldFailStopWhenTheJournalFails()
    {
        final GuardEngine engine = new GuardEngine(PipelineStreams.config());
        final Journal failing = new Journal()
        {
            private int appended;

            @Override
            public void append(final Command command, final Decision decision)
            {
                if (++appended == 3)
                {
                    throw new IllegalStateException("disk full");
                }
            }

            @Override
            public void close()
            {
            }
        };
        final java.util.List<String> alerts = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (LedgerGuard guard = new LedgerGuard(engine, context().journal(failing)
            .alertListener(alert -> alerts.add(alert.type + " seq=" + alert.seq))))
        {
            final Command command = new Command();
            final Reason[] reasons = new Reason[5];
            for (int i = 1; i <= 5; i++)
            {
                command.reset();
                command.type = CommandType.OPEN_ACCOUNT;
                command.txId = i;
                command.accountId = i;
                command.accountKind = io.ledgerguard.core.AccountKind.CUSTOMER;
                reasons[i - 1] = guard.submit(command).reason;
            }
            assertEquals(Reason.OK, reasons[0]);
            assertEquals(Reason.OK, reasons[1]);
            assertEquals(Reason.GUARD_FAILED, reasons[2], "the command that was not journaled is not acknowledged");
            assertEquals(Reason.GUARD_FAILED, reasons[3]);
            assertEquals(Reason.GUARD_FAILED, reasons[4]);
            assertTrue(guard.failure() instanceof IllegalStateException);
        }
        // Issue 13: the sinks hear it once, naming the first command not acknowledged.
        assertEquals(java.util.List.of("GUARD_STOPPED seq=3"), alerts);
    }

    @Test
    void shouldKeepServingWhenAListenerLeavesItsThreadInterrupted() throws Exception
    {
        // A stage's waits must not take an interrupt a listener left set on the release thread for a failure of the
        // pipeline: the commands after it are decided as before, and the guard has not stopped.
        final GuardEngine engine = new GuardEngine(PipelineStreams.config());
        final LedgerGuard guard = new LedgerGuard(engine, context()
            .journal(new InMemoryJournal(64 << 20))
            .ringSize(256));
        try
        {
            final ConcurrentHashMap<Long, Integer> decided = new ConcurrentHashMap<>();
            PipelineStreams.attestAll(engine, guard, decided);
            final Command command = new Command();
            command.type = CommandType.ATTEST;
            command.txId = 1L << 51;
            command.walletId = engine.walletId(0);
            command.assetId = engine.assetId(engine.walletAssetIndex(0));
            command.amount = 1_000_000_000_000L;
            final CountDownLatch answered = new CountDownLatch(1);
            guard.submitAsync(command, (decidedCommand, decision) ->
            {
                Thread.currentThread().interrupt();
                answered.countDown();
            });
            assertTrue(answered.await(10, TimeUnit.SECONDS), "the first command was answered");

            PipelineStreams.run(PipelineStreams.seed("LedgerGuardTest.interrupted"), 1, 2_000, guard, decided);

            assertNull(guard.failure(), "the guard kept serving");
            assertTrue(decided.values().stream().noneMatch(code -> code == Reason.GUARD_FAILED.code()),
                "no command after the interrupt was answered GUARD_FAILED");
        }
        finally
        {
            guard.close();
        }
    }
}
