package io.ledgerguard.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
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

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.TableKind;

/**
 * Measures {@link GuardEngine#apply(Command, Decision)} alone, on the calling thread (the linked use: no ring, no
 * journal), for the command mix of a crypto exchange over a book of 250,000 accounts funded in four assets, that is
 * 1,000,000 positions: order holds, cancels, linked four-leg trades, transfers, deposits, withdrawals, attestations
 * and about 2% of commands rejected on purpose. One operation is one top-level command, a trade batch included; see
 * {@link ExchangeWorkload} for the mix. Run with {@code -prof gc}: the apply path must allocate nothing, so
 * {@code gc.alloc.rate.norm} should be about 0 B/op.
 * <p>
 * Every command applied has a txId never seen before (and fresh hold ids, inner txIds and chain references), so no
 * command is answered from the idempotency table as a duplicate. The {@code accepted} and {@code rejected} counters
 * give the acceptance share of the mix; a summary by reason is printed after each iteration.
 * <p>
 * Not {@code final}, and its fields not {@code private final} where JMH sets them: JMH generates subclasses of state
 * classes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ApplyBenchmark
{
    /**
     * The txId table never deletes, so the engine is rebuilt and funded again before every iteration (warm-up ones
     * included) and one iteration must fit in it: about 1.8 txIds per command (a trade takes five), beyond the five per
     * account that setup takes (its opening and four deposits). An iteration that fills it fails in
     * {@link #tearDownIteration()} rather than measure rejections. Shorten {@code -r} if it does.
     */
    static final long TX_IDS_MEASURED = 10_000_000;
    static final long SEED = 20_240_601L;

    /** log2 of the number of pre-built commands replayed in a ring. */
    @Param("16")
    public int ringBits;

    /** Accounts in the book, each funded in four assets: 1,000,000 and 10,000,000 positions. */
    @Param({"250000", "2500000"})
    public int accounts;

    private ExchangeWorkload workload;
    private GuardEngine engine;
    private final Decision decision = new Decision();
    private final long[] reasonCounts = new long[Reason.values().length];

    /**
     * Accepted and rejected commands in an iteration: their share is the mix's acceptance share.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Outcomes
    {
        public long accepted;
        public long rejected;

        /**
         * JMH leaves counters as they are between iterations.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            accepted = 0;
            rejected = 0;
        }
    }

    /**
     * Plan the command ring once, and show that the forked JVM has the flags from jvm.properties.
     */
    @Setup(Level.Trial)
    public void setUpTrial()
    {
        System.out.println("fork JVM arguments: " + ManagementFactory.getRuntimeMXBean().getInputArguments());
        workload = new ExchangeWorkload(SEED, ringBits, accounts);
        final int[] mix = workload.mixCounts();
        final StringBuilder sb = new StringBuilder("mix of " + workload.ringSize() + " commands:");
        for (final CommandType type : CommandType.values())
        {
            if (mix[type.ordinal()] > 0)
            {
                sb.append(' ').append(type).append('=').append(mix[type.ordinal()]);
            }
        }
        System.out.println(sb);
    }

    /**
     * A new engine, funded: the txId table never deletes, so every iteration starts from an empty one.
     */
    @Setup(Level.Iteration)
    public void setUpIteration()
    {
        engine = new GuardEngine(ExchangeWorkload.config(5L * accounts + TX_IDS_MEASURED, accounts));
        workload.fund(engine);
        workload.rewind();
        Arrays.fill(reasonCounts, 0);
    }

    /**
     * Print what the iteration's commands were decided, and fail if a table filled (it would be measuring rejects).
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration()
    {
        long total = 0;
        for (final long count : reasonCounts)
        {
            total += count;
        }
        final StringBuilder sb = new StringBuilder(256).append("  decisions=").append(total);
        for (final Reason reason : Reason.values())
        {
            final long count = reasonCounts[reason.ordinal()];
            if (count > 0)
            {
                sb.append(' ').append(reason).append('=').append(count)
                    .append(String.format(" (%.2f%%)", 100.0 * count / total));
            }
        }
        sb.append(", txIds=").append(engine.tableSize(TableKind.TX_IDS))
            .append(", holds=").append(engine.tableSize(TableKind.HOLDS))
            .append(", positions=").append(engine.tableSize(TableKind.POSITIONS));
        System.out.println(sb);
        if (reasonCounts[Reason.CAPACITY_EXHAUSTED.ordinal()] > 0)
        {
            throw new IllegalStateException("a table filled during the iteration: shorten the iteration (-r) or " +
                "raise TX_IDS_MEASURED; " + sb);
        }
    }

    /**
     * Apply the next command of the mix.
     *
     * @param outcomes counts accepted and rejected commands.
     */
    @Benchmark
    public void apply(final Outcomes outcomes)
    {
        final Decision decision = this.decision;
        engine.apply(workload.next(engine), decision);
        final Reason reason = decision.reason;
        reasonCounts[reason.ordinal()]++;
        if (reason == Reason.OK)
        {
            outcomes.accepted++;
        }
        else
        {
            outcomes.rejected++;
        }
    }
}
