package io.ledgerguard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.DecisionListener;
import io.ledgerguard.core.pipeline.InMemoryJournal;
import io.ledgerguard.core.pipeline.Journal;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.JournalDurability;

/**
 * Pipeline throughput with the Chronicle journal against the in-memory one: one producer (the benchmark thread)
 * submits the exchange mix asynchronously through the ring (guard, then journal, then release stages, default
 * blocking wait strategy); one operation is one command submitted, and the ring's back-pressure makes the producer's
 * rate the pipeline's. Each iteration ends by waiting until every decision was released. The book is funded directly
 * on the engine before the pipeline starts; the journals record the mix only.
 * <p>
 * The workload reads the engine for the hot wallets' expected balances when it attests, which here is racy (the guard
 * thread owns the engine): wallets get an unlimited drift tolerance so that a stale read cannot halt an asset.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
public class PipelineJournalBenchmark
{
    static final long TX_IDS_MAX = 11_000_000;
    static final int IN_MEMORY_BYTES = 1 << 30;

    /** memory, process or os. */
    @Param({"memory", "process", "os"})
    public String journal;

    private ExchangeWorkload workload;
    private GuardEngine engine;
    private LedgerGuard guard;
    private Path directory;
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private long submitted;
    private final DecisionListener listener = (command, decision) ->
    {
        if (decision.accepted())
        {
            accepted.lazySet(accepted.get() + 1);
        }
        released.lazySet(released.get() + 1);
    };

    /**
     * Plan the command ring once.
     */
    @Setup(Level.Trial)
    public void setUpTrial()
    {
        workload = new ExchangeWorkload(ApplyBenchmark.SEED, 16);
    }

    /**
     * A new funded engine, an empty journal and a started pipeline for every iteration.
     */
    @Setup(Level.Iteration)
    public void setUpIteration() throws IOException
    {
        final GuardConfig config = ExchangeWorkload.config(TX_IDS_MAX);
        for (final GuardConfig.WalletConfig wallet : config.wallets())
        {
            wallet.driftToleranceMinorUnits = Long.MAX_VALUE / 4;
        }
        engine = new GuardEngine(config);
        final Journal store;
        if ("memory".equals(journal))
        {
            // Allocated up front, so that the buffer's growth is not measured as the in-memory journal's cost.
            store = new InMemoryJournal(Integer.MAX_VALUE - 8, IN_MEMORY_BYTES);
        }
        else
        {
            directory = Files.createTempDirectory("ledger-guard-pipeline-bench");
            store = new ChronicleJournal(new ChronicleJournalContext()
                .directory(directory).durability(JournalDurability.fromName(journal)));
        }
        // Funded directly: the journal (whose appender belongs to the journal stage's thread) starts after setup.
        workload.fund(engine);
        workload.rewind();
        released.set(0);
        accepted.set(0);
        submitted = 0;
        guard = new LedgerGuard(engine, new PipelineContext().journal(store).firstSeq(workload.seq() + 1));
    }

    /**
     * Wait until everything submitted was released, then stop the pipeline and delete the journal.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration()
    {
        while (released.get() < submitted)
        {
            LockSupport.parkNanos(100_000);
        }
        guard.close();
        System.out.printf("  %,d commands released, %.1f%% accepted%n", submitted, 100.0 * accepted.get() / submitted);
        if (directory != null)
        {
            JournalBenchmark.delete(directory);
            directory = null;
        }
    }

    /**
     * Submit the next command.
     *
     * @return its sequence.
     */
    @Benchmark
    public long submit()
    {
        final long seq = guard.submitAsync(workload.next(engine), listener);
        if (seq <= 0)
        {
            throw new IllegalStateException("command refused: reason code " + -seq + ", failure=" + guard.failure());
        }
        submitted++;
        return seq;
    }
}
