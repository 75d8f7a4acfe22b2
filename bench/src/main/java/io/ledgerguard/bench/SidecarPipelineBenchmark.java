package io.ledgerguard.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.core.pipeline.DecisionListener;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.StageHost;
import io.ledgerguard.core.pipeline.WaitStrategyKind;
import io.ledgerguard.gateway.GatewayServer;
import io.ledgerguard.gateway.GatewaySettings;
import io.ledgerguard.protocol.GatewayDecision;

/**
 * Pipelined throughput, the sidecar against the embedded pipeline it fronts, side by side in one run: one producer
 * (the benchmark thread) submits the exchange mix asynchronously with at most {@link #inFlight} commands unanswered,
 * either straight into the pipeline ({@code pipeline}) or through one {@link GatewayClient} connection over loopback
 * TCP ({@code sidecar}: the client proves its Ed25519 key and every command is role-checked, as in production). Both
 * run the load harness's pipeline (journal encoding only, blocking wait strategy); one operation is one command
 * submitted, so the ratio of the two rows is what the sidecar costs a pipelining caller.
 * <p>
 * Each iteration ends by waiting until every command is answered and then prints the bytes each group of threads
 * allocated per command: the caller (the benchmark thread), the client's reader, the gateway's I/O thread and the
 * pipeline's stages (whose release thread encodes the sidecar's answers). {@code -prof gc} reports their sum. It also
 * prints the CPU time each group used per command, which says where a pipelining caller's time goes (the client's
 * writer thread is counted with the reader).
 * <p>
 * As in {@link PipelineJournalBenchmark}, wallets get an unlimited drift tolerance: the workload's attestations read
 * the engine racily. Not {@code final}: JMH generates subclasses of state classes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
public class SidecarPipelineBenchmark
{
    /**
     * The book's txIds: one trial of the embedded pipeline at 500,000 commands/s spends about 19 million (a trade
     * takes five), at 750,000/s (2026-12-07) about 29 million. When they run out every command is refused, cheaply:
     * an iteration that sees it fails.
     */
    static final long TX_IDS_MAX = 40_000_000;
    /** Accepted share of the mix below which an iteration is taken to have measured refusals, not decisions. */
    static final double ACCEPTED_SHARE_MIN = 0.9;

    /** The groups of threads whose allocations are reported, by name. */
    private static final String[] GROUPS = {"caller", "client reader", "gateway I/O", "pipeline"};

    /**
     * {@code pipeline}: embedded, asynchronous; {@code sidecar}: one gateway connection over loopback TCP, the
     * gateway's loop on the guard's thread as {@code serve} runs it with {@code process} durability;
     * {@code sidecar-io}: the same with the gateway on an I/O thread of its own, as with {@code os} durability;
     * {@code sidecar-unix}: as {@code sidecar}, over a Unix domain socket ({@code serve --unix-socket}), as a caller
     * on the same host may reach it; not run unless asked for ({@code -p target=sidecar-unix}), as it was no faster
     * than loopback TCP here (457k against 485k commands/s in one run, 2026-12-07).
     */
    @Param({"pipeline", "sidecar", "sidecar-io"})
    public String target;

    /** Commands submitted and not yet answered, at most: the client's in-flight limit and the pipeline's window. */
    @Param({"256"})
    public int inFlight;

    private ExchangeWorkload workload;
    private GuardEngine engine;
    private LedgerGuard guard;
    private GatewayServer server;
    private GatewayClient client;
    private java.nio.file.Path socketDirectory;
    private Semaphore window;
    private boolean sidecar;
    private long submitted;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final long[] allocatedAtStart = new long[GROUPS.length];
    private final long[] cpuAtStart = new long[GROUPS.length];
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    /**
     * The live threads, listed without their stacks: {@code Thread.getAllStackTraces()} allocated tens of kilobytes
     * per look, on the caller, which its group's figure then showed (0.01 B a command). What {@code -prof gc}
     * reports beyond the groups, about 0.02 B/op (30 KB an iteration), is allocated by other threads (JMH's) or by
     * this report.
     */
    private final Thread[] live = new Thread[1024];

    private final DecisionListener embeddedListener = new DecisionListener()
    {
        @Override
        public void onDecision(final Command command, final Decision decision)
        {
            // The release thread is the only writer.
            if (decision.accepted())
            {
                accepted.lazySet(accepted.get() + 1);
            }
            answered.lazySet(answered.get() + 1);
            window.release();
        }
    };

    private final GatewayClient.Listener sidecarListener = new GatewayClient.Listener()
    {
        @Override
        public void onDecision(final GatewayDecision decision)
        {
            // The client's reader thread is the only writer.
            if (decision.accepted())
            {
                accepted.lazySet(accepted.get() + 1);
            }
            answered.lazySet(answered.get() + 1);
        }

        @Override
        public void onError(final int code, final String message)
        {
            errors.incrementAndGet();
            answered.lazySet(answered.get() + 1);
        }
    };

    /**
     * A funded engine, its pipeline and, for the sidecar, the gateway and one connected client: once for the trial,
     * so that the gc profiler sees the steady state alone.
     */
    @Setup(Level.Trial)
    public void setUpTrial() throws IOException
    {
        if (!java.util.Set.of("pipeline", "sidecar", "sidecar-io", "sidecar-unix").contains(target))
        {
            throw new IllegalArgumentException("target must be pipeline, sidecar, sidecar-io or sidecar-unix, was " +
                target);
        }
        sidecar = !"pipeline".equals(target);
        final boolean unix = "sidecar-unix".equals(target);
        final StageHost host = "sidecar-io".equals(target) ? null : new StageHost();
        workload = new ExchangeWorkload(ApplyBenchmark.SEED, 16);
        engine = new GuardEngine(LoadHarness.config(TX_IDS_MAX));
        workload.fund(engine);
        window = new Semaphore(inFlight);
        // The gateway offers a request again when the ring is full: it must never wait for it.
        guard = PipelineTarget.pipeline(workload, engine, WaitStrategyKind.BLOCKING,
            sidecar ? BackPressure.REJECT : BackPressure.BLOCK, host);
        if (sidecar)
        {
            final GatewaySettings settings = new GatewaySettings();
            settings.tcp = new InetSocketAddress("127.0.0.1", 0);
            if (unix)
            {
                socketDirectory = java.nio.file.Files.createTempDirectory("sidecar-bench");
                settings.unixSocket = socketDirectory.resolve("guard.sock");
            }
            settings.inFlightMax = inFlight;
            final java.security.PrivateKey[] keys = new java.security.PrivateKey[1];
            settings.clients = SidecarTarget.clients(1, keys);
            server = GatewayServer.start(guard, new ApprovalVerifier(engine.config()), settings, null, host);
            client = new GatewayClient(unix ? java.net.UnixDomainSocketAddress.of(settings.unixSocket) :
                server.tcpAddress(), "bench-0", keys[0]);
            client.connect();
        }
    }

    /**
     * Note what every group of threads allocated so far.
     */
    @Setup(Level.Iteration)
    public void setUpIteration()
    {
        submitted = 0;
        answered.set(0);
        accepted.set(0);
        errors.set(0);
        allocated(allocatedAtStart, cpuAtStart);
    }

    /**
     * Wait until every command submitted is answered, then report the iteration and its allocations per command.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration()
    {
        while (answered.get() < submitted)
        {
            if (guard.failure() != null)
            {
                throw new IllegalStateException("the guard failed: " + guard.failure());
            }
            LockSupport.parkNanos(100_000);
        }
        final long[] now = new long[GROUPS.length];
        final long[] cpuNow = new long[GROUPS.length];
        allocated(now, cpuNow);
        final StringBuilder line = new StringBuilder(String.format("  %,d commands, %.1f%% accepted, %d errors; " +
            "bytes per command:", submitted, 100.0 * accepted.get() / Math.max(1, submitted), errors.get()));
        for (int i = 0; i < GROUPS.length; i++)
        {
            line.append(String.format(" %s %.2f", GROUPS[i], (double)(now[i] - allocatedAtStart[i]) /
                Math.max(1, submitted)));
        }
        line.append("; CPU ns per command:");
        for (int i = 0; i < GROUPS.length; i++)
        {
            line.append(String.format(" %s %.0f", GROUPS[i], (double)(cpuNow[i] - cpuAtStart[i]) /
                Math.max(1, submitted)));
        }
        System.out.println(line);
        if (submitted > 0 && (double)accepted.get() / submitted < ACCEPTED_SHARE_MIN)
        {
            throw new IllegalStateException("only " + accepted.get() + " of " + submitted + " commands accepted: " +
                "the book's txIds ran out (TX_IDS_MAX=" + TX_IDS_MAX + "), or the gateway refused them");
        }
    }

    /**
     * Stop the client, the gateway and the pipeline.
     */
    @TearDown(Level.Trial)
    public void tearDownTrial()
    {
        if (client != null)
        {
            client.close();
        }
        if (server != null)
        {
            server.close();
        }
        guard.close();
        if (socketDirectory != null)
        {
            try
            {
                java.nio.file.Files.deleteIfExists(socketDirectory);
            }
            catch (final IOException ex)
            {
                System.out.println("  left behind: " + socketDirectory + " (" + ex.getMessage() + ")");
            }
        }
    }

    /**
     * Submit the next command without waiting for its answer; waits only for room in flight.
     *
     * @return its correlation id (sidecar) or sequence (pipeline).
     * @throws IOException when the gateway cannot be reached.
     */
    @Benchmark
    public long submit() throws IOException
    {
        final long id;
        if (sidecar)
        {
            id = client.submitAsync(workload.next(engine), sidecarListener);
        }
        else
        {
            window.acquireUninterruptibly();
            id = guard.submitAsync(workload.next(engine), embeddedListener);
            if (id <= 0)
            {
                throw new IllegalStateException("command refused: reason code " + -id + ", failure=" +
                    guard.failure());
            }
        }
        submitted++;
        return id;
    }

    /**
     * @param bytes receives, per group of {@link #GROUPS}, the bytes its live threads allocated so far.
     * @param cpuNs receives, per group, the CPU time its live threads used so far.
     */
    private void allocated(final long[] bytes, final long[] cpuNs)
    {
        java.util.Arrays.fill(bytes, 0);
        java.util.Arrays.fill(cpuNs, 0);
        final Thread caller = Thread.currentThread();
        ThreadGroup root = caller.getThreadGroup();
        while (root.getParent() != null)
        {
            root = root.getParent();
        }
        final int count = root.enumerate(live, true);
        if (count == live.length)
        {
            throw new IllegalStateException("more than " + live.length + " threads: some were not counted");
        }
        for (int i = 0; i < count; i++)
        {
            final Thread thread = live[i];
            final String name = thread.getName();
            final int group = thread == caller ? 0 : name.startsWith("gateway-client-") ? 1 :
                name.equals("gateway-io") ? 2 : name.startsWith("ledger-guard-") ? 3 : -1;
            if (group >= 0)
            {
                bytes[group] += threads.getThreadAllocatedBytes(thread.getId());
                cpuNs[group] += threads.getThreadCpuTime(thread.getId());
            }
            live[i] = null;
        }
    }
}
