package io.ledgerguard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.LinkedGuard;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.JournalDurability;

/**
 * The guard linked into the caller as a matching engine links it: {@link LinkedGuard} on the producer's own thread,
 * every command applied and appended to a Chronicle journal with {@code process} durability (a temporary directory,
 * deleted afterwards), no ring. Beside {@code engine}, the difference is the journal's append.
 */
final class LinkedTarget implements LoadTarget
{
    private final long seed;
    private ExchangeWorkload workload;
    private GuardEngine engine;
    private Path directory;
    private ChronicleJournal journal;
    private LinkedGuard guard;

    LinkedTarget(final long seed)
    {
        this.seed = seed;
    }

    @Override
    public String name()
    {
        return "linked";
    }

    @Override
    public String description()
    {
        return "LinkedGuard on the caller's thread: apply, then append to a Chronicle journal (process durability), " +
            "no ring";
    }

    @Override
    public int producersMax()
    {
        return 1;
    }

    @Override
    public void start(final int producers, final long txIdsMax)
    {
        workload = new ExchangeWorkload(seed, LoadHarness.WORKLOAD_RING_BITS);
        engine = new GuardEngine(LoadHarness.config(txIdsMax));
        try
        {
            directory = Files.createTempDirectory("ledger-guard-linked");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)
            .durability(JournalDurability.PROCESS));
        workload.fund(engine, journal);
        journal.flush();
        // The workload's own time for each command, as the engine target applies it: the same decisions, command by
        // command.
        final LinkedGuard[] self = new LinkedGuard[1];
        guard = new LinkedGuard(engine, journal, workload.seq() + 1, null, null,
            () -> ExchangeWorkload.START_NS + self[0].nextSeq() * ExchangeWorkload.COMMAND_INTERVAL_NS);
        self[0] = guard;
    }

    @Override
    public boolean next(final int producer)
    {
        final Decision decision = guard.apply(workload.next(engine));
        return decision.accepted();
    }

    @Override
    public String problem()
    {
        return guard == null || guard.failure() == null ? null : "the linked guard stopped: " + guard.failure();
    }

    @Override
    public void close()
    {
        if (guard != null)
        {
            guard.close();
        }
        if (journal != null)
        {
            journal.close();
        }
        if (directory != null)
        {
            JournalBenchmark.delete(directory);
        }
        guard = null;
        journal = null;
        directory = null;
        engine = null;
        workload = null;
    }
}
