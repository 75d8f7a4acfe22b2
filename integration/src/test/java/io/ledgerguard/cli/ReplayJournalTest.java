package io.ledgerguard.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.journal.JournalReplay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code replay --journal DIR} writes the journal a serving guard writes: replaying that journal on a fresh guard
 * reproduces the replay's decisions and state, and a journal that already holds commands is never appended to.
 */
class ReplayJournalTest
{
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final Pattern STATE_HASH = Pattern.compile("stateHash=([0-9a-f]{64})");
    private static final Pattern DECISION = Pattern.compile("^\\{\"seq\":(\\d+),.*?\"reason\":\"([A-Z_]+)\"");

    @TempDir
    Path temp;

    @Test
    void shouldWriteAJournalThatReplaysToTheSameState() throws Exception
    {
        for (final String durability : new String[]{"process", "os"})
        {
            final Path journal = temp.resolve("journal-" + durability);
            final Path decisions = temp.resolve("decisions-" + durability + ".jsonl");
            final String[] result = execute("replay", "--config", EXAMPLES.resolve("config.yaml").toString(),
                "--commands", EXAMPLES.resolve("commands.jsonl").toString(), "--decisions", decisions.toString(),
                "--journal", journal.toString(), "--journal-durability", durability);
            assertEquals("0", result[0], result[2]);
            final Matcher matcher = STATE_HASH.matcher(result[2]);
            assertTrue(matcher.find(), result[2]);

            final GuardEngine engine = new GuardEngine(ConfigLoader.load(EXAMPLES.resolve("config.yaml")));
            final JournalReplay.Result replayed = JournalReplay.replay(journal, engine);
            assertEquals(matcher.group(1), replayed.stateHash().hex(), "the journal replays to the replay's state");
            assertNull(replayed.invariantViolation());
            long sequenced = 0;
            for (final String line : Files.readAllLines(decisions))
            {
                final Matcher decision = DECISION.matcher(line);
                if (decision.find())
                {
                    sequenced++;
                    final long seq = Long.parseLong(decision.group(1));
                    assertEquals(Reason.valueOf(decision.group(2)), replayed.reason(seq), "decision of seq " + seq);
                }
            }
            assertTrue(sequenced > 30, "sequenced=" + sequenced);
            assertEquals(sequenced, replayed.commands(), "every sequenced command, and only those, journaled");
        }
    }

    @Test
    void shouldRefuseAJournalThatAlreadyHoldsCommands()
    {
        final Path journal = temp.resolve("journal");
        final String[] args = {"replay", "--config", EXAMPLES.resolve("config.yaml").toString(),
            "--commands", EXAMPLES.resolve("commands.jsonl").toString(), "--journal", journal.toString()};
        assertEquals("0", execute(args)[0]);
        final String[] again = execute(args);
        assertEquals("2", again[0]);
        assertTrue(again[2].contains("already holds") && again[2].contains(journal.toString()), again[2]);
    }

    @Test
    void shouldRefuseAnUnknownDurabilityNamingTheSetting()
    {
        final String[] result = execute("replay", "--config", EXAMPLES.resolve("config.yaml").toString(),
            "--commands", EXAMPLES.resolve("commands.jsonl").toString(), "--journal", temp.resolve("j").toString(),
            "--journal-durability", "disk");
        assertEquals("2", result[0]);
        assertTrue(result[2].contains("journal.durability: must be process or os, was disk"), result[2]);
    }

    private static String[] execute(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = new CommandLine(new LedgerGuardCli());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exitCode = commandLine.execute(args);
        return new String[]{String.valueOf(exitCode), out.toString(), err.toString()};
    }
}
