package io.ledgerguard.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import io.ledgerguard.audit.AuditJournals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code audit repair} on journals of the example commands with a corrupt or torn tail: the new journal passes
 * {@code audit verify} (its decisions replayed with the configuration), states the loss in a cut entry that verify and
 * dump show, and {@code serve} recovers from it and goes on at the next sequence; the damaged journal is not touched.
 */
class AuditRepairTest
{
    private static final String CONFIG = AuditJournals.EXAMPLE_CONFIG.toString();

    @TempDir
    Path temp;

    @Test
    void shouldRepairACorruptTailIntoAJournalThatVerifiesAndServes() throws Exception
    {
        final Path journal = writeJournal();
        final List<byte[]> excerpts = AuditJournals.rawExcerpts(journal);
        AuditJournals.flipByte(journal, excerpts.get(33), 30);
        final byte[] evidence = Files.readAllBytes(AuditJournals.cycleFiles(journal).get(0));
        final String[] failed = execute("audit", "verify", journal.toString());
        assertEquals("1", failed[0], failed[1]);
        assertTrue(failed[1].contains("--truncate-after 32"), "verify names the seq to keep up to: " + failed[1]);

        final Path repaired = temp.resolve("repaired");
        final String[] repair = execute("audit", "repair", journal.toString(), "--truncate-after", "32",
            "--out", repaired.toString());

        assertEquals("0", repair[0], repair[1] + repair[2]);
        assertTrue(repair[1].startsWith("repair: wrote " + repaired + " from " + journal), repair[1]);
        assertTrue(repair[1].contains("dropped       4 whole entries after it, seq 33..36"), repair[1]);
        assertTrue(repair[1].contains("damage        entry 33: chain mismatch"), repair[1]);
        assertTrue(java.util.Arrays.equals(evidence, Files.readAllBytes(AuditJournals.cycleFiles(journal).get(0))),
            "the damaged journal is not touched");

        final String[] verified = execute("audit", "verify", repaired.toString(), "--config", CONFIG);
        assertEquals("0", verified[0], verified[1] + verified[2]);
        assertTrue(verified[1].contains(
            "entries       34: the header, no genesis rules, 32 commands, 0 checkpoints, 1 cut"),
            verified[1]);
        assertTrue(verified[1].contains("cut           entry 33: after seq=32"), verified[1]);
        assertTrue(verified[1].contains("dropped 4 whole entries, seq 33..36; source=" + journal), verified[1]);
        assertTrue(verified[1].contains("replay        32 decisions equal to the recorded ones"), verified[1]);
        final String[] dump = execute("audit", "dump", repaired.toString(), "--from", "32");
        assertTrue(dump[1].contains("entry 33     CUT        after seq=32"), dump[1]);

        final String[] served = execute("serve", "--config", CONFIG, "--journal", repaired.toString(),
            "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--for-seconds", "1");
        assertEquals("0", served[0], served[2]);
        assertTrue(served[2].contains("replayed 32 journal entries up to seq=32"), served[2]);
        assertTrue(served[2].contains("next seq 33"), served[2]);
    }

    @Test
    void shouldRepairAFileCutInsideAnEntry()
    {
        final Path journal = writeJournal();
        final List<byte[]> excerpts = AuditJournals.rawExcerpts(journal);
        AuditJournals.truncateCycleFile(journal, AuditJournals.offsetInFile(journal, excerpts.get(30)) + 10);
        final String[] failed = execute("audit", "verify", journal.toString());
        assertTrue(failed[1].startsWith("verify: FAILED at entry 30: queue file "), failed[1]);

        final Path repaired = temp.resolve("repaired");
        final String[] repair = execute("audit", "repair", journal.toString(), "--truncate-after", "29",
            "--out", repaired.toString());

        assertEquals("0", repair[0], repair[1] + repair[2]);
        assertTrue(repair[1].contains("dropped       no whole entry after it"), repair[1]);
        assertTrue(repair[1].contains("inside entry 30"), repair[1]);
        assertEquals("0", execute("audit", "verify", repaired.toString(), "--config", CONFIG)[0]);
    }

    @Test
    void shouldRefuseToKeepPastTheDamageOrToWriteIntoTheJournal()
    {
        final Path journal = writeJournal();
        final List<byte[]> excerpts = AuditJournals.rawExcerpts(journal);
        AuditJournals.flipByte(journal, excerpts.get(20), 30);

        final String[] pastTheDamage = execute("audit", "repair", journal.toString(), "--truncate-after", "25",
            "--out", temp.resolve("repaired").toString());
        final String[] intoTheJournal = execute("audit", "repair", journal.toString(), "--truncate-after", "10",
            "--out", journal.resolve("x").toString());

        assertEquals("1", pastTheDamage[0], pastTheDamage[2]);
        assertTrue(pastTheDamage[2].contains("keep at most up to seq=19"), pastTheDamage[2]);
        assertFalse(Files.exists(temp.resolve("repaired")));
        assertEquals("2", intoTheJournal[0], intoTheJournal[2]);
        assertTrue(intoTheJournal[2].contains("must be a new directory outside journal"), intoTheJournal[2]);
    }

    private Path writeJournal()
    {
        final Path journal = temp.resolve("journal");
        AuditJournals.writeJournal(journal, AuditJournals.EXAMPLE_CONFIG, AuditJournals.EXAMPLE_COMMANDS, 0);
        return journal;
    }

    /**
     * @return the exit code, standard output and standard error.
     */
    private static String[] execute(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cli = new CommandLine(new LedgerGuardCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        final int code = cli.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }
}
