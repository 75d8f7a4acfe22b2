package io.ledgerguard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.Journal;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.JournalDurability;

/**
 * The journal's cost per command: the exchange mix of {@link ApplyBenchmark} applied and then appended to a Chronicle
 * journal in each durability mode, flushed every {@link #batch} commands as the journal stage flushes at the end of a
 * batch of ring events. {@code journal=none} is the apply alone, measured in the same run: the difference of the
 * inverse throughputs is the journal's cost per command (encoding, SHA-256 chaining, the excerpt write, and in
 * {@code os} mode the {@code msync} per batch).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
public class JournalBenchmark
{
    static final long TX_IDS_MAX = 11_000_000;

    /** none (apply only), process or os. */
    @Param({"none", "process", "os"})
    public String journal;

    /** Commands per flush: the journal stage flushes once per batch of ring events. */
    @Param("64")
    public int batch;

    private ExchangeWorkload workload;
    private GuardEngine engine;
    private Journal store;
    private Path directory;
    private final Decision decision = new Decision();
    private int sinceFlush;

    /**
     * Plan the command ring once.
     */
    @Setup(Level.Trial)
    public void setUpTrial()
    {
        workload = new ExchangeWorkload(ApplyBenchmark.SEED, 16);
    }

    /**
     * A new funded engine and an empty journal for every iteration.
     */
    @Setup(Level.Iteration)
    public void setUpIteration() throws IOException
    {
        engine = new GuardEngine(ExchangeWorkload.config(TX_IDS_MAX));
        if (!"none".equals(journal))
        {
            directory = Files.createTempDirectory("ledger-guard-journal-bench");
            store = new ChronicleJournal(new ChronicleJournalContext()
                .directory(directory).durability(JournalDurability.fromName(journal)));
        }
        workload.fund(engine, store);
        if (store != null)
        {
            store.flush();
        }
        workload.rewind();
        sinceFlush = 0;
    }

    /**
     * Close and delete the iteration's journal.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration()
    {
        if (store != null)
        {
            store.close();
            store = null;
            delete(directory);
        }
    }

    /**
     * Apply the next command and journal it with its decision.
     *
     * @return the decision, so that nothing is optimised away.
     */
    @Benchmark
    public Decision applyAndJournal()
    {
        final Command command = workload.next(engine);
        engine.apply(command, decision);
        final Journal store = this.store;
        if (store != null)
        {
            store.append(command, decision);
            if (++sinceFlush == batch)
            {
                sinceFlush = 0;
                store.flush();
            }
        }
        return decision;
    }

    static void delete(final Path directory)
    {
        try (Stream<Path> files = Files.walk(directory))
        {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
