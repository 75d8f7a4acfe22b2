package io.ledgerguard.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.config.JournalSettings;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.MemoryBudget;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.journal.JournalCorruptException;
import io.ledgerguard.journal.JournalDurability;
import io.ledgerguard.journal.JournalFormatException;
import io.ledgerguard.journal.JournalStoppedException;
import io.ledgerguard.replay.Replay;
import io.ledgerguard.replay.ReplaySummary;

/**
 * {@code ledger-guard replay}: applies a command file to a fresh guard and writes the decisions, the alerts and the
 * final state (SPEC §9). The one-line summary always goes to standard error.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
        "Applies a command file (JSON Lines) in order, time taken from each command's atMs; writes one decision " +
            "per command, the alerts, and a final state summary.",
        "A line that cannot be parsed is answered MALFORMED_COMMAND with its line number, and replay goes on.",
        "A one-line summary goes to standard error."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:runtime failure (I/O error, an invariant found broken)",
        "2:usage or configuration error, unreadable commands file"
    })
final class ReplayCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The configuration (YAML).")
    private Path config;

    @Option(names = "--commands", required = true, paramLabel = "FILE", description = "The command file (JSON Lines).")
    private Path commands;

    @Option(names = "--decisions", paramLabel = "FILE",
        description = "Where to write the decisions (JSON Lines); standard output when omitted.")
    private Path decisions;

    @Option(names = "--alerts", paramLabel = "FILE",
        description = "Where to write the alerts (JSON Lines); not written when omitted.")
    private Path alerts;

    @Option(names = "--state", paramLabel = "FILE",
        description = "Where to write the final state (JSON); not written when omitted.")
    private Path state;

    @Option(names = "--journal", paramLabel = "DIR",
        description = "Also write the journal a serving guard would write (Chronicle Queue, hash-chained) to this " +
            "directory, which must be new or empty.")
    private Path journal;

    @Option(names = "--journal-durability", paramLabel = "MODE",
        description = "process (memory-mapped; survives the process being killed) or os (synced to disk per " +
            "flush); default: the configuration's journal.durability, else process.")
    private String journalDurability;

    @Override
    public Integer call()
    {
        final PrintWriter err = spec.commandLine().getErr();
        final GuardConfig guardConfig;
        final JournalSettings journalSettings;
        try
        {
            guardConfig = ConfigLoader.load(config);
            journalSettings = ConfigLoader.loadJournalSettings(config);
            MemoryBudget.of(guardConfig).checkFits(1); // one engine, no snapshots: before anything is allocated
        }
        catch (final ConfigurationException ex)
        {
            err.println("ledger-guard: configuration error: " + ex.getMessage());
            err.flush();
            return LedgerGuardCli.EXIT_USAGE;
        }

        final Replay replay;
        ChronicleJournal chronicle = null;
        try
        {
            replay = new Replay(guardConfig);
            chronicle = openJournal(journalSettings, guardConfig);
            if (chronicle != null)
            {
                if (chronicle.commands() > 0)
                {
                    err.println("ledger-guard: --journal " + journal + " already holds " + chronicle.commands() +
                        " commands; replay writes a new journal: give a new or empty directory");
                    err.flush();
                    chronicle.close();
                    return LedgerGuardCli.EXIT_USAGE;
                }
                replay.journal(chronicle);
            }
        }
        catch (final ConfigurationException | JournalFormatException | JournalCorruptException |
            JournalStoppedException ex)
        {
            err.println("ledger-guard: " + (journal != null ? "--journal " + journal + ": " : "") + ex.getMessage());
            err.flush();
            // A damaged journal or a full disk is a failure at run time; the rest are usage errors.
            return ex instanceof JournalCorruptException || ex instanceof JournalStoppedException ?
                LedgerGuardCli.EXIT_FAILURE : LedgerGuardCli.EXIT_USAGE;
        }
        catch (final OutOfMemoryError ex)
        {
            // The guard's tables are allocated up front from the configured limits; say which setting to lower.
            err.println("ledger-guard: cannot allocate the guard's tables for the configured limits: " +
                ex.getMessage());
            err.flush();
            return LedgerGuardCli.EXIT_FAILURE;
        }

        try (InputStream in = open(commands, err))
        {
            if (in == null)
            {
                return LedgerGuardCli.EXIT_USAGE;
            }
            final ReplaySummary summary;
            try (Writer decisionsOut = create(decisions, "decisions", err);
                Writer alertsOut = create(alerts, "alerts", err))
            {
                if ((decisions != null && decisionsOut == null) || (alerts != null && alertsOut == null))
                {
                    return LedgerGuardCli.EXIT_USAGE;
                }
                final Writer decisionsTarget = decisionsOut != null ? decisionsOut : spec.commandLine().getOut();
                summary = replay.run(in, decisionsTarget, alertsOut);
            }
            if (state != null)
            {
                try (Writer stateOut = create(state, "state", err))
                {
                    if (stateOut == null)
                    {
                        return LedgerGuardCli.EXIT_USAGE;
                    }
                    replay.writeState(stateOut);
                }
            }
            err.println(summary.line());
            err.flush();
            return summary.invariantViolation() == null ? LedgerGuardCli.EXIT_OK : LedgerGuardCli.EXIT_FAILURE;
        }
        catch (final IOException ex)
        {
            err.println("ledger-guard: replay failed: " + describe(ex));
            err.flush();
            return LedgerGuardCli.EXIT_FAILURE;
        }
        finally
        {
            if (chronicle != null)
            {
                chronicle.close();
            }
        }
    }

    /**
     * @return the journal to write, or {@code null} when none was asked for.
     */
    private ChronicleJournal openJournal(final JournalSettings settings, final GuardConfig rules)
    {
        if (journal == null)
        {
            return null;
        }
        // SPEC §13: the journal records the file's rules as its genesis; one begun with other rules is not continued.
        final Genesis genesis = Genesis.of(journal, rules);
        final List<String> differences = Genesis.differences(genesis.rules(), rules);
        if (genesis.toRecord() == null && genesis.inJournal() && !differences.isEmpty())
        {
            throw new ConfigurationException("journal", "begun with other rules than the configuration file's (" +
                differences.size() + " differ, first: " + differences.get(0) + "); replay writes a new journal: " +
                "give a new or empty directory");
        }
        return new ChronicleJournal(new ChronicleJournalContext()
            .directory(journal)
            .genesisRules(genesis.toRecord())
            .rollCycle(settings.rollCycle())
            .diskFreeBytesMin(settings.diskFreeBytesMin())
            .durability(journalDurability == null ? settings.durability() :
                JournalDurability.fromName(journalDurability)));
    }

    private static InputStream open(final Path file, final PrintWriter err)
    {
        try
        {
            return new BufferedInputStream(Files.newInputStream(file));
        }
        catch (final IOException ex)
        {
            err.println("ledger-guard: cannot read commands file " + file + ": " + describe(ex));
            err.flush();
            return null;
        }
    }

    private static Writer create(final Path file, final String what, final PrintWriter err)
    {
        if (file == null)
        {
            return null;
        }
        try
        {
            return Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            err.println("ledger-guard: cannot write " + what + " file " + file + ": " + describe(ex));
            err.flush();
            return null;
        }
    }

    private static String describe(final IOException ex)
    {
        if (ex instanceof NoSuchFileException)
        {
            return "no such file";
        }
        if (ex instanceof AccessDeniedException)
        {
            return "permission denied";
        }
        return ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
    }
}
