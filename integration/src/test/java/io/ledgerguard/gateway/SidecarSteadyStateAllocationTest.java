package io.ledgerguard.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.core.pipeline.Journal;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.core.pipeline.StageHost;
import io.ledgerguard.protocol.GatewayDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Once warm, a request through the sidecar allocates nothing on either side (issue 15), whether the caller waits for
 * each answer ({@link GatewayClient#submit(Command, GatewayDecision)}: alone, reading it itself, or beside another
 * thread that pipelines on the same connection, when mostly the client's reader thread reads it and wakes the caller)
 * or pipelines ({@link GatewayClient#submitAsync}): not on the caller's thread, the client's reader and writer, the
 * gateway's I/O thread or the pipeline's stages. Counted with the JVM's per-thread allocation counters, which do not
 * depend on timing.
 * <p>
 * As in {@code SteadyStateAllocationTest}, the bound is one byte per request per group of threads, not zero: the JVM
 * itself allocates a small object now and then on a thread that waits. Any allocation made per request, 16 bytes at the
 * least, would show as hundreds of kilobytes here. The journal keeps nothing, and the neighbour resubmits its txIds
 * (answered as duplicates), so that the test's off-heap state stays small.
 */
class SidecarSteadyStateAllocationTest
{
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 20_000;
    /** The neighbour's distinct txIds: after them, it sends them again. Even: a hold and its release. */
    private static final int NEIGHBOUR_TX_IDS = 1_024;
    /** The groups of threads measured; the caller is the test's own thread. */
    private static final String[] GROUPS = {"caller", "client reader", "client writer", "gateway I/O", "pipeline"};
    private static final int CALLER = 0;
    private static final int CLIENT_READER = 1;
    private static final int CLIENT_WRITER = 2;
    private static final int GATEWAY_IO = 3;
    private static final int PIPELINE = 4;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
    private final Thread[] live = new Thread[1024];

    /**
     * @param mode   {@code alone}: a synchronous caller with nothing else in flight, which reads its own answers;
     *               {@code beside}: a synchronous caller while another thread pipelines on the same connection, so
     *               that mostly the client's reader thread reads its answers and wakes it; {@code pipelined}: one
     *               caller pipelining.
     * @param hosted the gateway's loop on the guard's thread ({@code serve} with {@code process} durability), or on an
     *               I/O thread of its own.
     */
    @ParameterizedTest(name = "{0}, gateway on the guard's thread={1}")
    @CsvSource({"alone,true", "alone,false", "beside,true", "beside,false", "pipelined,true", "pipelined,false"})
    void shouldAllocateNothingPerRequestInSteadyState(final String mode, final boolean hosted) throws Exception
    {
        final GuardConfig config = config();
        final StageHost host = hosted ? new StageHost() : null;
        try (LedgerGuard guard = new LedgerGuard(new GuardEngine(config), new PipelineContext()
                .journal(new DiscardingJournal())
                .fuseStages(hosted)
                .stageHost(host)
                .backPressure(BackPressure.REJECT));
            GatewayServer server = start(guard, config, host);
            GatewayClient client = new GatewayClient(server.tcpAddress(), "steady"))
        {
            final Requests requests = new Requests(client, "pipelined".equals(mode), 0, 0);
            requests.openAccount();
            final AtomicBoolean stop = new AtomicBoolean();
            final Requests neighbourRequests = new Requests(client, true, 1L << 40, NEIGHBOUR_TX_IDS);
            final Thread neighbour = new Thread(() -> neighbourRequests.runUntil(stop), "pipelining-neighbour");
            if ("beside".equals(mode))
            {
                neighbour.start();
            }
            requests.run(WARM_UP);

            final long[] before = new long[GROUPS.length];
            final long[] after = new long[GROUPS.length];
            final boolean[] seen = new boolean[GROUPS.length];
            allocatedByGroup(before, seen);
            requests.run(MEASURED);
            allocatedByGroup(after, seen);
            stop.set(true);
            neighbour.join(60_000);

            final StringBuilder line = new StringBuilder();
            for (int g = 0; g < GROUPS.length; g++)
            {
                line.append(GROUPS[g]).append('=').append(seen[g] ? after[g] - before[g] : "none").append(' ');
            }
            System.out.println("SidecarSteadyStateAllocationTest " + mode + " hosted=" + hosted + ": " + MEASURED +
                " requests, bytes: " + line);
            assertNull(neighbourRequests.neighbourFailure, "the neighbour's requests");
            // A caller alone writes its own requests: the client's writer thread starts only once requests queue.
            assertEquals(!"alone".equals(mode), seen[CLIENT_WRITER], () -> "groups seen: " + line);
            assertEquals(!hosted, seen[GATEWAY_IO], () -> "groups seen: " + line);
            for (int g = 0; g < GROUPS.length; g++)
            {
                final int group = g;
                assertTrue(after[g] - before[g] < MEASURED, () -> GROUPS[group] + " allocated per request: " + line);
            }
        }
    }

    /**
     * A journal that keeps nothing: the gateway and pipeline are measured, not a journal.
     */
    private static final class DiscardingJournal implements Journal
    {
        @Override
        public void append(final Command command, final Decision decision)
        {
        }

        @Override
        public void close()
        {
        }
    }

    /**
     * Holds and releases on one credit line: every one accepted, and nothing grows but the txIds (or, for a
     * neighbour that cycles them, not even those: a txId sent again is answered as a duplicate, as accepted then).
     */
    private static final class Requests implements GatewayClient.Listener
    {
        private final GatewayClient client;
        private final boolean pipelined;
        private final long txIdBase;
        /** The txIds sent before they are sent again; 0 for never again. */
        private final int cycle;
        private final Command command = new Command();
        private final GatewayDecision decision = new GatewayDecision();
        private long sent;
        private long submitted;
        /** Written by the thread that reads the answers. */
        private volatile long answered;
        private volatile String failure;
        /** What a neighbour's {@link #runUntil} found wrong, or {@code null}. */
        private volatile String neighbourFailure;

        Requests(final GatewayClient client, final boolean pipelined, final long txIdBase, final int cycle)
        {
            assert cycle % 2 == 0 : "a hold and its release";
            this.client = client;
            this.pipelined = pipelined;
            this.txIdBase = txIdBase;
            this.cycle = cycle;
        }

        void openAccount() throws IOException
        {
            command.reset();
            command.type = CommandType.OPEN_ACCOUNT;
            command.txId = txIdBase + 1;
            command.accountId = 1;
            command.accountKind = AccountKind.CREDIT_LINE;
            command.addCreditLimit(1, Long.MAX_VALUE / 4);
            assertEquals(Reason.OK, client.submit(command, decision).reason);
        }

        /**
         * A neighbour: pipeline, with a few requests in flight at most, until told to stop.
         */
        void runUntil(final AtomicBoolean stop)
        {
            try
            {
                while (!stop.get())
                {
                    while (client.inFlight() > 8 && !stop.get())
                    {
                        Thread.yield();
                    }
                    next();
                    submitted++;
                    client.submitAsync(command, this);
                }
                run(0);
            }
            catch (final Exception | AssertionError ex)
            {
                neighbourFailure = ex.toString();
            }
        }

        /**
         * The next hold, or the release of the hold before it.
         */
        private void next()
        {
            final long n = cycle == 0 ? sent++ : sent++ % cycle;
            final boolean hold = (n & 1) == 0;
            command.reset();
            command.type = hold ? CommandType.HOLD : CommandType.RELEASE;
            command.txId = txIdBase + 1_000 + n;
            command.holdId = hold ? command.txId : command.txId - 1;
            command.accountId = hold ? 1 : 0;
            command.assetId = hold ? 1 : 0;
            command.amount = 10;
        }

        void run(final int count) throws Exception
        {
            for (int i = 0; i < count; i++)
            {
                next();
                submitted++;
                if (pipelined)
                {
                    client.submitAsync(command, this);
                }
                else
                {
                    assertEquals(command.txId, client.submit(command, decision).txId);
                    onDecision(decision);
                }
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answered < submitted && failure == null && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertNull(failure);
            assertEquals(submitted, answered, "every request answered");
        }

        @Override
        public void onDecision(final GatewayDecision answer)
        {
            if (answer.reason != Reason.OK && failure == null)
            {
                failure = "txId " + answer.txId + ": " + answer.reason;
            }
            answered++;
        }

        @Override
        public void onError(final int code, final String message)
        {
            failure = "error " + code + ": " + message;
            answered++;
        }
    }

    private static GatewayServer start(final LedgerGuard guard, final GuardConfig config, final StageHost host)
        throws IOException
    {
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        return GatewayServer.start(guard, new ApprovalVerifier(config), settings, null, host);
    }

    /**
     * The bytes allocated so far by the threads of each of {@link #GROUPS}, allocating (almost) nothing itself: the
     * threads are listed into an array held for it, without their stacks.
     *
     * @param bytes receives them.
     * @param seen  receives which groups have a live thread.
     */
    private void allocatedByGroup(final long[] bytes, final boolean[] seen)
    {
        final Thread caller = Thread.currentThread();
        java.util.Arrays.fill(bytes, 0);
        java.util.Arrays.fill(seen, false);
        ThreadGroup root = caller.getThreadGroup();
        while (root.getParent() != null)
        {
            root = root.getParent();
        }
        final int count = root.enumerate(live, true);
        assertTrue(count < live.length, "every thread listed");
        for (int i = 0; i < count; i++)
        {
            final String name = live[i].getName();
            final int group = live[i] == caller ? -1 : name.startsWith("gateway-client-writer-") ? CLIENT_WRITER :
                name.startsWith("gateway-client-") ? CLIENT_READER : name.equals("gateway-io") ? GATEWAY_IO :
                name.startsWith("ledger-guard-") ? PIPELINE : -1;
            if (group >= 0)
            {
                bytes[group] += threads.getThreadAllocatedBytes(live[i].getId());
                seen[group] = true;
            }
            live[i] = null;
        }
        seen[CALLER] = true;
        bytes[CALLER] = threads.getThreadAllocatedBytes(caller.getId());
    }

    private static GuardConfig config()
    {
        final GuardConfig config = new GuardConfig();
        final GuardConfig.AssetConfig btc = new GuardConfig.AssetConfig("BTC", 1, 8);
        btc.creditCapMinorUnits = Long.MAX_VALUE / 4;
        config.asset(btc);
        config.wallet(new GuardConfig.WalletConfig(1, "BTC", WalletKind.HOT));
        config.limits().accountsMax = 16;
        config.limits().positionsMax = 16;
        config.limits().holdsMax = 1_024;
        config.limits().txIdsMax = 2 * (WARM_UP + MEASURED) + NEIGHBOUR_TX_IDS + 16;
        return config;
    }
}
