package io.ledgerguard.gateway;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.core.pipeline.InMemoryJournal;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.core.pipeline.StageHost;
import io.ledgerguard.protocol.GatewayDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Once warm, a request through the sidecar allocates nothing on either side (issue 15), whether the caller waits for
 * each answer ({@link GatewayClient#submit(Command, GatewayDecision)}: reading it itself, or woken by the client's
 * reader thread while another thread pipelines) or pipelines ({@link GatewayClient#submitAsync}): not on the caller's
 * thread, the client's reader and writer, the gateway's I/O thread or the pipeline's stages. Counted with the JVM's
 * per-thread allocation counters, which do not depend on timing.
 * <p>
 * As in {@code SteadyStateAllocationTest}, the bound is one byte per request per group of threads, not zero: the JVM
 * itself allocates a small object now and then on a thread that waits. Any allocation made per request, 16 bytes at the
 * least, would show as hundreds of kilobytes here.
 */
class SidecarSteadyStateAllocationTest
{
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 20_000;

    /**
     * @param mode   {@code alone}: a synchronous caller with nothing else in flight, which reads its own answers;
     *               {@code beside}: a synchronous caller while another thread pipelines on the same connection, so
     *               that the client's reader thread reads its answers and wakes it; {@code pipelined}: one caller
     *               pipelining.
     * @param hosted the gateway's loop on the guard's thread ({@code serve} with {@code process} durability), or on an
     *               I/O thread of its own.
     */
    @ParameterizedTest(name = "{0}, gateway on the guard's thread={1}")
    @CsvSource({"alone,true", "alone,false", "beside,true", "beside,false", "pipelined,true", "pipelined,false"})
    void shouldAllocateNothingPerRequestInSteadyState(final String mode, final boolean hosted) throws Exception
    {
        final boolean pipelined = "pipelined".equals(mode);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final GuardConfig config = config();
        final StageHost host = hosted ? new StageHost() : null;
        try (LedgerGuard guard = new LedgerGuard(new GuardEngine(config), new PipelineContext()
                .journal(new InMemoryJournal(64 << 20))
                .fuseStages(hosted)
                .stageHost(host)
                .backPressure(BackPressure.REJECT));
            GatewayServer server = start(guard, config, host);
            GatewayClient client = new GatewayClient(server.tcpAddress(), "steady"))
        {
            final Requests requests = new Requests(client, pipelined, 0);
            requests.openAccount();
            final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            final Requests neighbourRequests = new Requests(client, true, 1L << 40);
            final Thread neighbour = new Thread(() -> neighbourRequests.runUntil(stop), "pipelining-neighbour");
            if ("beside".equals(mode))
            {
                neighbour.start();
            }
            requests.run(WARM_UP);

            // Once unmeasured: the first look links its method reference, tens of kilobytes once in a JVM.
            allocatedByGroup(threads);
            final Map<String, Long> before = allocatedByGroup(threads);
            requests.run(MEASURED);
            final Map<String, Long> after = allocatedByGroup(threads);
            stop.set(true);
            neighbour.join(60_000);

            final StringBuilder line = new StringBuilder();
            for (final Map.Entry<String, Long> group : after.entrySet())
            {
                line.append(group.getKey()).append('=')
                    .append(group.getValue() - before.getOrDefault(group.getKey(), 0L)).append(' ');
            }
            System.out.println("SidecarSteadyStateAllocationTest " + mode + " hosted=" + hosted + ": " + MEASURED +
                " requests, bytes: " + line);
            assertEquals(null, neighbourRequests.neighbourFailure, "the neighbour's requests");
            // A caller alone writes its own requests: the client's writer thread starts only once requests queue.
            assertEquals(!"alone".equals(mode), after.containsKey("client writer"), () -> "groups seen: " + line);
            assertEquals(!hosted, after.containsKey("gateway I/O"), () -> "thread groups seen: " + line);
            assertTrue(after.containsKey("client reader") && after.containsKey("pipeline"), () -> "groups: " + line);
            for (final Map.Entry<String, Long> group : after.entrySet())
            {
                final long bytes = group.getValue() - before.getOrDefault(group.getKey(), 0L);
                assertTrue(bytes < MEASURED, () -> group.getKey() + " allocated per request: " + line);
            }
        }
    }

    /**
     * Holds and releases on one credit line, as many as asked: every one accepted, and nothing grows but the txIds.
     */
    private static final class Requests implements GatewayClient.Listener
    {
        private final GatewayClient client;
        private final boolean pipelined;
        private final Command command = new Command();
        private final GatewayDecision decision = new GatewayDecision();
        private long txId;
        private long submitted;
        /** Written by the thread that reads the answers. */
        private volatile long answered;
        private volatile String failure;
        /** What a neighbour's {@link #runUntil} found wrong, or {@code null}. */
        private volatile String neighbourFailure;

        Requests(final GatewayClient client, final boolean pipelined, final long txIdBase)
        {
            this.client = client;
            this.pipelined = pipelined;
            this.txId = txIdBase;
        }

        void openAccount() throws java.io.IOException
        {
            command.reset();
            command.type = CommandType.OPEN_ACCOUNT;
            command.txId = ++txId;
            command.accountId = 1;
            command.accountKind = AccountKind.CREDIT_LINE;
            command.addCreditLimit(1, Long.MAX_VALUE / 4);
            assertEquals(Reason.OK, client.submit(command, decision).reason);
        }

        /**
         * A neighbour: pipeline, with a few requests in flight at most, until told to stop.
         */
        void runUntil(final java.util.concurrent.atomic.AtomicBoolean stop)
        {
            try
            {
                for (int i = 0; !stop.get(); i++)
                {
                    while (client.inFlight() > 8 && !stop.get())
                    {
                        Thread.yield();
                    }
                    next(i);
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

        private void next(final int i)
        {
            command.reset();
            command.type = (i & 1) == 0 ? CommandType.HOLD : CommandType.RELEASE;
            command.txId = ++txId;
            command.holdId = txId - (i & 1);
            command.accountId = (i & 1) == 0 ? 1 : 0;
            command.assetId = (i & 1) == 0 ? 1 : 0;
            command.amount = 10;
        }

        void run(final int count) throws Exception
        {
            for (int i = 0; i < count; i++)
            {
                next(i);
                submitted++;
                if (pipelined)
                {
                    client.submitAsync(command, this);
                }
                else
                {
                    assertEquals(txId, client.submit(command, decision).txId);
                    onDecision(decision);
                }
            }
            final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (answered < submitted && failure == null && System.nanoTime() < deadline)
            {
                Thread.sleep(1);
            }
            assertEquals(null, failure);
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
        throws java.io.IOException
    {
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        return GatewayServer.start(guard, new ApprovalVerifier(config), settings, null, host);
    }

    /**
     * @return the bytes allocated so far by the threads of each group: this caller, the client's reader and its
     *     writer, the gateway's I/O thread and the pipeline's stages. Every count is read before this allocates.
     */
    private static Map<String, Long> allocatedByGroup(final com.sun.management.ThreadMXBean threads)
    {
        final Thread caller = Thread.currentThread();
        final long callerBytes = threads.getThreadAllocatedBytes(caller.getId());
        ThreadGroup root = caller.getThreadGroup();
        while (root.getParent() != null)
        {
            root = root.getParent();
        }
        final Thread[] live = new Thread[1024];
        final int count = root.enumerate(live, true);
        assertTrue(count < live.length, "every thread listed");
        final long[] bytes = new long[count];
        for (int i = 0; i < count; i++)
        {
            bytes[i] = threads.getThreadAllocatedBytes(live[i].getId());
        }
        final Map<String, Long> groups = new LinkedHashMap<>();
        groups.put("caller", callerBytes);
        for (int i = 0; i < count; i++)
        {
            final String name = live[i].getName();
            final String group = live[i] == caller ? null : name.startsWith("gateway-client-writer-") ?
                "client writer" : name.startsWith("gateway-client-") ? "client reader" : name.equals("gateway-io") ?
                "gateway I/O" : name.startsWith("ledger-guard-") ? "pipeline" : null;
            if (group != null)
            {
                groups.merge(group, bytes[i], Long::sum);
            }
        }
        return groups;
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
        // The neighbour's too: a few hundred thousand at most in the time the caller takes.
        config.limits().txIdsMax = 1 << 22;
        return config;
    }
}
