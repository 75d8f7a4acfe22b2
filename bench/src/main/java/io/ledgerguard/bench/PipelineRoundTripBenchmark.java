package io.ledgerguard.bench;

import java.util.concurrent.TimeUnit;

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

import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.InMemoryJournal;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.core.pipeline.WaitStrategyKind;

/**
 * The pipeline's synchronous round trip: the benchmark thread submits one command of the exchange mix with
 * {@link LedgerGuard#submit} and waits for its decision, through the guard, journal (in memory) and release stages,
 * as a caller linked into a matching engine does. Sampled, so that JMH reports the distribution (p50 to p99.99), not
 * only the mean. Three stage threads and the caller share this machine's two cores: the figure is mostly the hand-offs.
 * <p>
 * As in {@link PipelineJournalBenchmark}, wallets get an unlimited drift tolerance: the workload's attestations read
 * the engine racily.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
public class PipelineRoundTripBenchmark
{
    private static final int JOURNAL_BYTES = 1 << 30;

    /** The stages' wait strategy. */
    @Param({"BLOCKING", "SLEEPING"})
    public String waitStrategy;

    /**
     * {@code three}: the guard, journal and release stages on three threads; {@code fused}: on one (issue 15), as a
     * journal durable on append ({@code process} durability) runs them.
     */
    @Param({"three", "fused"})
    public String stages;

    private ExchangeWorkload workload;
    private GuardEngine engine;
    private LedgerGuard guard;
    private long submitted;
    private long accepted;

    /**
     * One funded engine and one started pipeline for the whole trial, so that the gc profiler sees the round trip
     * alone: the book and the journal's 1 GiB buffer are allocated here, outside every measured iteration.
     */
    @Setup(Level.Trial)
    public void setUpPipeline()
    {
        final GuardConfig config = ExchangeWorkload.config(PipelineJournalBenchmark.TX_IDS_MAX);
        for (final GuardConfig.WalletConfig wallet : config.wallets())
        {
            wallet.driftToleranceMinorUnits = Long.MAX_VALUE / 4;
        }
        workload = new ExchangeWorkload(ApplyBenchmark.SEED, 16);
        engine = new GuardEngine(config);
        workload.fund(engine);
        workload.rewind();
        submitted = 0;
        accepted = 0;
        guard = new LedgerGuard(engine, new PipelineContext()
            .journal(new InMemoryJournal(Integer.MAX_VALUE - 8, JOURNAL_BYTES))
            .waitStrategy(WaitStrategyKind.valueOf(waitStrategy))
            .fuseStages("fused".equals(stages))
            .firstSeq(workload.seq() + 1));
    }

    /**
     * Report the iteration's round trips.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration()
    {
        System.out.printf("  %,d round trips, %.1f%% accepted%n", submitted, 100.0 * accepted / submitted);
        submitted = 0;
        accepted = 0;
    }

    /**
     * Stop the pipeline.
     */
    @TearDown(Level.Trial)
    public void tearDownPipeline()
    {
        guard.close();
    }

    /**
     * Submit the next command and wait for its decision.
     *
     * @return its sequence.
     */
    @Benchmark
    public long submit()
    {
        final Decision decision = guard.submit(workload.next(engine));
        if (decision.seq <= 0)
        {
            throw new IllegalStateException("command refused: " + decision.reason + ", failure=" + guard.failure());
        }
        submitted++;
        if (decision.accepted())
        {
            accepted++;
        }
        return decision.seq;
    }
}
