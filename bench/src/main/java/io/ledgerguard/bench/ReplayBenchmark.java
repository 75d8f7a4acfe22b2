package io.ledgerguard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.JournalReadAhead;
import io.ledgerguard.journal.JournalReader;

/**
 * Replay against {@link GuardEngine#apply}, one command at a time, on the same book and the same commands, in one
 * run: the ratio of the two throughputs is what reading a journal back costs on top of applying it. Once per trial a
 * journal is written as {@link RecoveryBenchmark}'s is: the book of {@link ApplyBenchmark} opened and funded
 * (250,000 accounts in four assets, 1,000,000 positions), a checkpoint after the funding, then
 * {@link #JOURNAL_COMMANDS} commands of the exchange mix. Every iteration starts from the funded state, copied into
 * the measured engine:
 * <ul>
 *     <li>{@code apply}: the next command of the mix applied, as {@link ApplyBenchmark} does;</li>
 *     <li>{@code replay}: the same command read back from the journal as recovery reads it after a snapshot (a
 *     {@link JournalReadAhead} started after the checkpoint, as {@link io.ledgerguard.journal.JournalReplay} uses
 *     it: the entries read and the chain verified on the read-ahead thread, the command and its recorded decision
 *     decoded on this one), replayed ({@link GuardEngine#replay}) and its decision compared with the recorded
 *     one.</li>
 * </ul>
 * Run with {@code -prof gc}: neither should allocate per command. The read-ahead (its ring, and the reader it opens)
 * is started in the iteration's setup, which the gc profiler counts: its bytes are spread over the iteration's
 * commands. The end of a whole replay (the state hash and the invariant audit, once per replay) is
 * {@link RecoveryBenchmark}'s to measure.
 * <p>
 * Not {@code final}, and its fields not {@code private final} where JMH sets them: JMH generates subclasses of state
 * classes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(3)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
public class ReplayBenchmark
{
    /** Commands of the mix journaled after the funding: more than one iteration reads at a few million a second. */
    static final int JOURNAL_COMMANDS = 4_000_000;
    /** Room for the funding's txIds and those of every journaled command (about 1.8 each, a trade takes five). */
    static final long TX_IDS_MAX = 5L * ExchangeWorkload.ACCOUNTS + 2L * JOURNAL_COMMANDS;

    private ExchangeWorkload workload;
    private Path directory;
    /** The state right after the funding, copied into {@link #engine} before every iteration. */
    private GuardEngine funded;
    private long fundedSeq;
    private JournalReader.Checkpoint afterFunding;
    private GuardEngine engine;
    private JournalReadAhead readAhead;
    private final Decision decision = new Decision();
    private long replayed;
    private long mismatches;

    /**
     * Write the journal, and keep the funded state.
     */
    @Setup(Level.Trial)
    public void setUpTrial() throws IOException
    {
        directory = Files.createTempDirectory("ledger-guard-replay-bench");
        workload = new ExchangeWorkload(ApplyBenchmark.SEED, 16);
        final GuardEngine writer = new GuardEngine(config());
        final Decision decision = new Decision();
        final long startNs = System.nanoTime();
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)))
        {
            workload.fund(writer, journal);
            fundedSeq = workload.seq();
            journal.snapshotTaken(fundedSeq);
            journal.postCheckpoint(fundedSeq, writer.stateHash().hex());
            journal.flush();
            funded = new GuardEngine(config());
            writer.copyStateTo(funded);
            funded.stateRestored(fundedSeq);
            for (int i = 0; i < JOURNAL_COMMANDS; i++)
            {
                final Command command = workload.next(writer);
                writer.apply(command, decision);
                journal.append(command, decision);
            }
        }
        try (JournalReader check = JournalReader.open(directory))
        {
            check.verifyAll();
            afterFunding = check.checkpoints().get(0);
        }
        engine = new GuardEngine(config());
        System.out.printf("%njournal: %,d commands after %,d of funding, %,d positions, written in %.1f s%n",
            JOURNAL_COMMANDS, fundedSeq, writer.tableSize(TableKind.POSITIONS), (System.nanoTime() - startNs) / 1e9);
    }

    private static GuardConfig config()
    {
        return ExchangeWorkload.config(TX_IDS_MAX);
    }

    /**
     * The measured engine back to the funded state; for {@code replay}, a read-ahead started after the funding.
     *
     * @param params which benchmark runs.
     */
    @Setup(Level.Iteration)
    public void setUpIteration(final BenchmarkParams params)
    {
        funded.copyStateTo(engine);
        engine.stateRestored(fundedSeq);
        workload.rewind(fundedSeq);
        replayed = 0;
        mismatches = 0;
        if (!params.getBenchmark().endsWith(".apply"))
        {
            readAhead = JournalReadAhead.start(directory, afterFunding, 0);
        }
    }

    /**
     * Stop the read-ahead, and fail if a replayed decision differed from the journal's.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration()
    {
        if (readAhead != null)
        {
            readAhead.close();
            readAhead = null;
            System.out.printf("  replayed %,d commands, %d decisions differ%n", replayed, mismatches);
        }
        if (mismatches != 0)
        {
            throw new IllegalStateException("replay differs from the journal: mismatches=" + mismatches);
        }
    }

    /**
     * Delete the journal.
     */
    @TearDown(Level.Trial)
    public void tearDownTrial()
    {
        JournalBenchmark.delete(directory);
    }

    /**
     * Apply the next command of the mix.
     *
     * @return the decision, so that nothing is optimised away.
     */
    @Benchmark
    public Decision apply()
    {
        final Decision decision = this.decision;
        engine.apply(workload.next(engine), decision);
        return decision;
    }

    /**
     * Read the next command and its recorded decision from the journal, replay it and compare the decisions.
     *
     * @return the decision, so that nothing is optimised away.
     */
    @Benchmark
    public Decision replay()
    {
        final JournalReadAhead readAhead = this.readAhead;
        final Decision decision = this.decision;
        if (!readAhead.next())
        {
            throw new IllegalStateException("the journal ran out after " + replayed + " commands: shorten the " +
                "iteration (-r) or raise JOURNAL_COMMANDS");
        }
        final Decision recorded = readAhead.recorded();
        engine.replay(readAhead.command(), decision, recorded);
        if (!DecisionCodec.sameOutcome(decision, recorded))
        {
            mismatches++;
        }
        replayed++;
        return decision;
    }

    /**
     * Read the next command and its recorded decision from the journal, as {@link #replay()} does, without replaying
     * it: what the read-ahead and the hand-over cost the replaying thread, and how fast the read-ahead thread reads.
     *
     * @return the command, so that nothing is optimised away.
     */
    @Benchmark
    public Command read()
    {
        final JournalReadAhead readAhead = this.readAhead;
        if (!readAhead.next())
        {
            throw new IllegalStateException("the journal ran out after " + replayed + " commands: shorten the " +
                "iteration (-r) or raise JOURNAL_COMMANDS");
        }
        replayed++;
        return readAhead.command();
    }
}
