package io.ledgerguard.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import io.ledgerguard.audit.AuditJournals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serve} on a damaged journal stops at start-up with exit 1 and one message naming the file or entry, the last
 * good entry and what to do: a queue file cut inside its header or empty is not taken for an empty journal (which
 * would accept old txIds again), is not waited on, and a corrupt last entry is named without a stack trace.
 */
class ServeDamagedJournalTest
{
    /** Start-up must stop at once; this bound only turns a hang into a failure. */
    private static final Duration HANG = Duration.ofSeconds(90);

    @TempDir
    Path temp;

    @Test
    void shouldStopAtAQueueFileCutInsideItsHeader()
    {
        final Path journal = writeJournal();
        AuditJournals.truncateCycleFile(journal, 150);

        final String[] served = serve(journal);

        assertRefused(served, AuditJournals.cycleFiles(journal).get(0).getFileName().toString(),
            "cut inside its header", "restore 20");
    }

    @Test
    void shouldStopAtAnEmptyQueueFile()
    {
        final Path journal = writeJournal();
        AuditJournals.truncateCycleFile(journal, 0);

        final String[] served = serve(journal);

        assertRefused(served, AuditJournals.cycleFiles(journal).get(0).getFileName().toString(), "is empty",
            "move it out of the journal directory");
    }

    @Test
    void shouldNameACorruptLastEntryWithoutAStackTrace()
    {
        final Path journal = writeJournal();
        final List<byte[]> excerpts = AuditJournals.rawExcerpts(journal);
        AuditJournals.flipByte(journal, excerpts.get(excerpts.size() - 1), 30);

        final String[] served = serve(journal);

        assertRefused(served, "entryIndex=" + (excerpts.size() - 1), "chain mismatch", "audit repair");
        assertTrue(served[1].contains("the last good entry: index=35 seq=35"), served[1]);
        assertTrue(served[1].contains("--truncate-after 35"), served[1]);
    }

    /**
     * A cluster node's journal seeded from the cluster's snapshot begins at an anchor: serving from it would replay its
     * commands onto an empty book. Refused at start-up, naming the anchor.
     */
    @Test
    void shouldRefuseAJournalThatBeginsAtAnAnchor()
    {
        final Path journal = temp.resolve("journal");
        final io.ledgerguard.journal.Genesis genesis = io.ledgerguard.journal.Genesis.of(journal,
            io.ledgerguard.config.ConfigLoader.load(AuditJournals.EXAMPLE_CONFIG));
        try (io.ledgerguard.journal.ChronicleJournal seeded = new io.ledgerguard.journal.ChronicleJournal(
            new io.ledgerguard.journal.ChronicleJournalContext().directory(journal).genesisRules(genesis.toRecord())))
        {
            seeded.anchor(5, new byte[32], "ab".repeat(32));
        }

        final String[] served = serve(journal);

        assertEquals("1", served[0], served[1]);
        assertTrue(served[1].contains("begins at an anchor after seq=5") &&
            served[1].contains("cannot be replayed from its start") && served[1].contains("audit verify"), served[1]);
        assertFalse(served[1].contains("\tat "), "no stack trace: " + served[1]);
    }

    private static void assertRefused(final String[] served, final String names, final String what,
        final String whatToDo)
    {
        assertEquals("1", served[0], served[1]);
        assertTrue(served[1].contains(names), served[1]);
        assertTrue(served[1].contains(what), served[1]);
        assertTrue(served[1].contains(whatToDo), "says what to do: " + served[1]);
        assertFalse(served[1].contains("replayed"), "recovery did not run: " + served[1]);
        assertFalse(served[1].contains("\tat "), "no stack trace: " + served[1]);
    }

    private Path writeJournal()
    {
        final Path journal = temp.resolve("journal");
        AuditJournals.writeJournal(journal, AuditJournals.EXAMPLE_CONFIG, AuditJournals.EXAMPLE_COMMANDS, 0);
        return journal;
    }

    /**
     * @return the exit code and standard error of {@code serve} on the journal, stopped after a second if it starts.
     */
    private static String[] serve(final Path journal)
    {
        return assertTimeoutPreemptively(HANG, () ->
        {
            final StringWriter err = new StringWriter();
            final CommandLine cli = new CommandLine(new LedgerGuardCli());
            cli.setErr(new PrintWriter(err, true));
            cli.setOut(new PrintWriter(new StringWriter(), true));
            final int exit = cli.execute("serve", "--config", AuditJournals.EXAMPLE_CONFIG.toString(),
                "--journal", journal.toString(), "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                "--for-seconds", "1");
            return new String[] {String.valueOf(exit), err.toString()};
        }, "serve stops at start-up");
    }
}
