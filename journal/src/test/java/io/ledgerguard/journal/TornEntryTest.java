package io.ledgerguard.journal;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process killed in the middle of an append leaves an excerpt begun and never completed at the end of the journal.
 * It was never acknowledged: reopening drops it, recovery ends at the last whole entry, and appending continues the
 * chain after it.
 */
class TornEntryTest
{
    @TempDir
    Path directory;

    @Test
    void shouldRecoverToTheLastWholeEntryAndAppendAfterATornOne() throws Exception
    {
        final JournalFixture.Run first = JournalFixture.runPipeline(
            new ChronicleJournal(new ChronicleJournalContext().directory(directory)), 1,
            new GuardEngine(JournalFixture.config()), 5, 1);
        final long entriesBefore = JournalFixture.rawExcerpts(directory).size();

        tearLastEntry();

        assertEquals(entriesBefore, JournalFixture.rawExcerpts(directory).size(), "the torn excerpt is not readable");
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
        final Recovery.Result recovered = Recovery.recover(directory, null, engine);
        assertEquals(first.lastSeq(), journal.lastSeq());
        assertEquals(first.lastSeq(), recovered.lastSeq());
        assertEquals(first.engine.stateHash().hex(), recovered.stateHashHex());

        final JournalFixture.Run second = JournalFixture.runPipeline(journal, first.lastSeq() + 1, engine, 5, 10_000);

        final JournalReplay.Result replay = JournalReplay.replay(directory, new GuardEngine(JournalFixture.config()));
        assertEquals(second.lastSeq(), replay.lastSeq());
        assertEquals(0, replay.mismatches(), replay.firstMismatch());
        assertEquals(second.engine.stateHash(), replay.stateHash());
        assertNull(replay.invariantViolation());
    }

    private void tearLastEntry() throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(TornEntryWriter.class.getName());
        command.add(directory.toString());
        final Process process = new ProcessBuilder(command).inheritIO().start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "torn-entry writer exits");
        assertEquals(0, process.exitValue());
    }
}
