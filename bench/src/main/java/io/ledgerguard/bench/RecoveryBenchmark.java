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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.JournalReplay;
import io.ledgerguard.journal.Recovery;
import io.ledgerguard.journal.SnapshotStore;

/**
 * Replay and recovery of a guard holding 1,000,000 positions. Once per trial a journal is written: the book opened and
 * funded (250,000 accounts in four assets, about 1.25 million setup commands), then {@link #commands} commands of the
 * exchange mix (750,000 or 18,750,000: journals of 2M and 20M entries over the same positions), with a snapshot taken
 * {@link #AFTER_SNAPSHOT} commands before the end (and its checkpoint recorded). The retention windows are a second
 * and two (a million and two million commands of the workload's clock), so that txIds, credits and inflows turn over
 * as they would over weeks. The setup also prints the snapshot's size (its live entries) beside what a copy of the
 * whole tables was (snapshot format 2), and the median of five copies of the state into a second engine: the pause a
 * snapshot costs the guard thread.
 * Each measured operation starts from a new, empty engine:
 * <ul>
 *     <li>{@code replayAll}: the whole journal replayed and every recorded decision compared (the throughput of
 *     replay is the journal's command count over this time; printed once);</li>
 *     <li>{@code recoverFromSnapshot}: what start-up does: the journal opened for appending (which verifies its
 *     whole chain), the snapshot loaded and checked (CRC-32C, state hash recomputed) and the commands after it
 *     read from the snapshot's checkpoint on and replayed.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class RecoveryBenchmark
{
    static final int AFTER_SNAPSHOT = 100_000;
    static final long TX_IDS_MAX = 4_000_000;

    /** Commands of the mix after the setup. */
    @Param({"750000", "18750000"})
    public int commands;

    private Path directory;
    private long journalCommands;
    private GuardEngine fresh;
    private String expectedHash;

    /**
     * Write the journal and the snapshot.
     */
    @Setup(Level.Trial)
    public void setUpTrial() throws IOException
    {
        directory = Files.createTempDirectory("ledger-guard-recovery-bench");
        final ExchangeWorkload workload = new ExchangeWorkload(ApplyBenchmark.SEED, 16);
        final GuardEngine engine = new GuardEngine(config());
        final Decision decision = new Decision();
        final long startNs = System.nanoTime();
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)))
        {
            workload.fund(engine, journal);
            for (int i = 0; i < commands; i++)
            {
                final Command command = workload.next(engine);
                engine.apply(command, decision);
                journal.append(command, decision);
                if (i == commands - AFTER_SNAPSHOT - 1)
                {
                    journal.snapshotTaken(command.seq);
                    final String hash = engine.stateHash().hex();
                    final SnapshotStore.Written written =
                        SnapshotStore.inJournal(directory).writeDigested(engine, command.seq, hash);
                    journal.postCheckpoint(command.seq, hash, written.digestHex());
                    journal.flush();
                    reportSnapshot(engine, written.file());
                }
            }
            journalCommands = journal.lastSeq();
        }
        expectedHash = engine.stateHash().hex();
        System.out.printf("%njournal: %,d commands, %,d positions, written in %.1f s; snapshot at seq=%d%n",
            journalCommands, engine.tableSize(io.ledgerguard.core.TableKind.POSITIONS),
            (System.nanoTime() - startNs) / 1e9, journalCommands - AFTER_SNAPSHOT);
    }

    /**
     * Every operation starts from an empty engine, allocated outside the measurement.
     */
    @Setup(Level.Invocation)
    public void setUpInvocation()
    {
        fresh = new GuardEngine(config());
    }

    private static io.ledgerguard.core.GuardConfig config()
    {
        final io.ledgerguard.core.GuardConfig config = ExchangeWorkload.config(TX_IDS_MAX);
        config.retention().txIdWindowMs = 1_000;
        config.retention().creditReversalWindowMs = 2_000;
        return config;
    }

    /**
     * The snapshot file's size against the whole tables', and the pause of copying the state into a second engine.
     */
    private static void reportSnapshot(final GuardEngine engine, final Path file) throws IOException
    {
        long wholeTables = 0;
        for (int i = 0; i < engine.statePartCount(); i++)
        {
            wholeTables += engine.statePart(i).capacity();
        }
        final GuardEngine copy = new GuardEngine(engine.config());
        final long[] pausesNs = new long[5];
        for (int i = 0; i < pausesNs.length; i++)
        {
            final long startNs = System.nanoTime();
            engine.copyStateTo(copy);
            pausesNs[i] = System.nanoTime() - startNs;
        }
        java.util.Arrays.sort(pausesNs);
        System.out.printf("%nsnapshot at %,d positions: file %,d bytes (live entries), whole tables %,d bytes " +
            "(%.1f%%); copying the state into a second engine, median of 5: %.1f ms%n",
            engine.tableSize(io.ledgerguard.core.TableKind.POSITIONS), Files.size(file), wholeTables,
            100.0 * Files.size(file) / wholeTables, pausesNs[2] / 1e6);
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
     * Replay the whole journal.
     *
     * @return the state hash.
     */
    @Benchmark
    public String replayAll()
    {
        final long startNs = System.nanoTime();
        final JournalReplay.Result result = JournalReplay.replay(directory, fresh);
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        check(result.stateHash().hex(), result.mismatches());
        System.out.printf("  replayed %,d commands in %.2f s: %,.0f commands/s%n", result.commands(), seconds,
            result.commands() / seconds);
        return result.stateHash().hex();
    }

    /**
     * Recover as start-up does.
     *
     * @return the state hash.
     */
    @Benchmark
    public String recoverFromSnapshot()
    {
        final Recovery.Result result;
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)))
        {
            result = Recovery.recover(journal, SnapshotStore.inJournal(directory), fresh);
        }
        if (result.snapshot() == null)
        {
            throw new IllegalStateException("no snapshot used: " + result.describe());
        }
        check(result.stateHashHex(), 0);
        System.out.println("  " + String.join("\n  ", result.describe()));
        return result.stateHashHex();
    }

    private void check(final String hash, final long mismatches)
    {
        if (!hash.equals(expectedHash) || mismatches != 0)
        {
            throw new IllegalStateException("replay differs: hash=" + hash + ", expected=" + expectedHash +
                ", mismatches=" + mismatches);
        }
    }
}
