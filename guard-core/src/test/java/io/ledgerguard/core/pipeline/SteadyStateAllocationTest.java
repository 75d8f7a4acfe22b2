package io.ledgerguard.core.pipeline;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.PipelineStreams;
import io.ledgerguard.core.Reason;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Once warm, submitting through the pipeline allocates nothing per command on any of its threads: the producer, the
 * journal, guard and release stages (counted with the JVM's per-thread allocation counters, which do not depend on
 * timing).
 * <p>
 * The bound is one byte per command per thread, not zero: now and then the JVM itself allocates one small object on a
 * waiting stage thread (about 150 bytes once in a run, seen on the journal and guard threads with a journal that does
 * nothing). Any allocation made per command, 16 bytes at the least, would show as hundreds of kilobytes here.
 */
class SteadyStateAllocationTest
{
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 20_000;

    @Test
    void shouldSubmitWithoutAllocatingInSteadyState()
    {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assertTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)bean;
        final List<Thread> stageThreads = new CopyOnWriteArrayList<>();
        final Journal discard = new Journal()
        {
            @Override
            public void append(final Command command, final Decision decision)
            {
            }

            @Override
            public void close()
            {
            }
        };
        final GuardEngine engine = new GuardEngine(PipelineStreams.config());
        try (LedgerGuard guard = new LedgerGuard(engine, new PipelineContext()
            .journal(discard)
            .ringSize(256)
            .threadFactory(runnable ->
            {
                final Thread thread = new Thread(runnable, "stage-" + stageThreads.size());
                thread.setDaemon(true);
                stageThreads.add(thread);
                return thread;
            })))
        {
            final Command command = new Command();
            long txId = 0;
            // Open an account and hold/release on it: every command is accepted and nothing grows without bound.
            command.reset();
            command.type = CommandType.OPEN_ACCOUNT;
            command.txId = ++txId;
            command.accountId = 1;
            command.accountKind = AccountKind.CREDIT_LINE;
            command.addCreditLimit(1, Long.MAX_VALUE / 4);
            assertEquals(Reason.OK, guard.submit(command).reason);

            final long[] before = new long[stageThreads.size() + 1];
            for (int round = 0; round < 2; round++)
            {
                if (round == 1)
                {
                    for (int i = 0; i < stageThreads.size(); i++)
                    {
                        before[i] = threads.getThreadAllocatedBytes(stageThreads.get(i).getId());
                    }
                    before[stageThreads.size()] = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                }
                final int count = round == 0 ? WARM_UP : MEASURED;
                for (int i = 0; i < count; i++)
                {
                    command.reset();
                    command.type = (i & 1) == 0 ? CommandType.HOLD : CommandType.RELEASE;
                    command.txId = ++txId;
                    command.holdId = 1_000_000 + (i >> 1);
                    command.accountId = (i & 1) == 0 ? 1 : 0;
                    command.assetId = (i & 1) == 0 ? 1 : 0;
                    command.amount = 10;
                    final Reason reason = guard.submit(command).reason;
                    if (reason != Reason.OK)
                    {
                        throw new AssertionError("command " + i + " rejected: " + reason);
                    }
                }
            }
            final long producerBytes =
                threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before[stageThreads.size()];
            final StringBuilder stages = new StringBuilder();
            long stageBytes = 0;
            for (int i = 0; i < stageThreads.size(); i++)
            {
                final long bytes = threads.getThreadAllocatedBytes(stageThreads.get(i).getId()) - before[i];
                stages.append(stageThreads.get(i).getName()).append('=').append(bytes).append(' ');
                stageBytes += bytes;
            }
            System.out.println("SteadyStateAllocationTest: " + MEASURED + " submits, producer=" + producerBytes +
                " bytes, stages: " + stages);
            assertEquals(3, stageThreads.size(), "journal, guard and release stages");
            assertTrue(stageBytes < MEASURED, () -> "stage threads allocated per command: " + stages);
            assertTrue(producerBytes < MEASURED, () -> "the producer allocated per command: " + producerBytes);
        }
    }
}
