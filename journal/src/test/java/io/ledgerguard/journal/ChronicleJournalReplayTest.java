package io.ledgerguard.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Chronicle journal written by a real pipeline, in either durability mode, replays into a fresh engine with the
 * same decision for every sequence and the same state hash (SPEC §3 I7), also across a reopening.
 */
class ChronicleJournalReplayTest
{
    private static final int ROUNDS = 60;
    /** The smallest chunk Chronicle allows for FAST_DAILY (32 bytes per index entry, 4096 entries per index). */
    private static final long CHUNK_BYTES = 128 << 10;

    @TempDir
    Path directory;

    @ParameterizedTest
    @EnumSource(JournalDurability.class)
    void shouldReplayEveryDecisionAndTheStateHash(final JournalDurability durability)
    {
        final ChronicleJournal journal = open(durability);
        final JournalFixture.Run run =
            JournalFixture.runPipeline(journal, 1, new GuardEngine(JournalFixture.config()), ROUNDS, 1);
        assertEquals(run.reasons.size(), journal.commands(), "every sequenced command journaled");
        assertTrue(run.reasons.contains(Reason.OK), "the stream has acceptances");
        assertTrue(run.reasons.stream().anyMatch(reason -> reason != Reason.OK), "the stream has rejections");

        final JournalReplay.Result replay = JournalReplay.replay(directory, new GuardEngine(JournalFixture.config()));

        assertEquals(run.reasons.size(), replay.commands());
        assertEquals(1, replay.firstSeq());
        for (long seq = 1; seq <= run.lastSeq(); seq++)
        {
            assertEquals(run.reason(seq), replay.reason(seq), "decision of seq " + seq);
        }
        assertEquals(run.engine.stateHash(), replay.stateHash());
        assertNull(replay.invariantViolation());
        // Paired across the boundary: the reader's chain equals one recomputed from the raw excerpts.
        assertEquals(JournalFixture.independentChainHead(JournalFixture.rawExcerpts(directory)),
            replay.chainHeadHex());
    }

    @ParameterizedTest
    @EnumSource(JournalDurability.class)
    void shouldContinueTheChainWhenReopened(final JournalDurability durability)
    {
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final JournalFixture.Run first = JournalFixture.runPipeline(open(durability), 1, engine, ROUNDS / 2, 1);
        final ChronicleJournal reopened = open(durability);
        assertEquals(first.reasons.size(), reopened.commands());
        assertEquals(first.lastSeq(), reopened.lastSeq());

        final JournalFixture.Run second =
            JournalFixture.runPipeline(reopened, reopened.lastSeq() + 1, engine, ROUNDS / 2, 1_000_000);

        final JournalReplay.Result replay = JournalReplay.replay(directory, new GuardEngine(JournalFixture.config()));
        assertEquals(first.reasons.size() + second.reasons.size(), replay.commands());
        for (long seq = 1; seq <= first.lastSeq(); seq++)
        {
            assertEquals(first.reason(seq), replay.reason(seq), "decision of seq " + seq);
        }
        for (long seq = second.firstSeq; seq <= second.lastSeq(); seq++)
        {
            assertEquals(second.reason(seq), replay.reason(seq), "decision of seq " + seq);
        }
        assertEquals(engine.stateHash(), replay.stateHash());
    }

    @Test
    void shouldRefuseASequenceThatDoesNotFollow()
    {
        JournalFixture.runPipeline(open(JournalDurability.PROCESS), 1, new GuardEngine(JournalFixture.config()), 2, 1);
        try (ChronicleJournal journal = open(JournalDurability.PROCESS))
        {
            final Command command = new Command();
            command.type = CommandType.OPEN_ACCOUNT;
            command.txId = 99;
            command.seq = 1;
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> journal.append(command, decisionFor(command)));
            assertTrue(refused.getMessage().contains("seq=1, lastSeq=" + journal.lastSeq()), refused.getMessage());
        }
    }

    @Test
    void shouldWriteOnlyTheHeaderWhenNothingIsAppended()
    {
        open(JournalDurability.OS).close();
        assertEquals(1, JournalFixture.rawExcerpts(directory).size());
        try (JournalReader reader = JournalReader.open(directory))
        {
            assertFalse(reader.next(new Command()));
            assertTrue(reader.headerRead());
            assertEquals(1, reader.entries());
        }
    }

    @Test
    void shouldSyncEveryChunkItWritesAcrossInOsMode()
    {
        final int commands = 1_500;
        final Command command = new Command();
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext()
            .directory(directory).durability(JournalDurability.OS).blockSizeBytes(CHUNK_BYTES)))
        {
            assertEquals(1, journal.directorySyncs(), "the new journal's directory entry synced when it was created");
            for (int i = 1; i <= commands; i++)
            {
                command.reset();
                command.type = CommandType.OPEN_ACCOUNT;
                command.txId = i;
                command.accountId = i;
                command.seq = i;
                command.timestampNs = i * 1_000L;
                command.memo("x".repeat(Command.MEMO_LENGTH_MAX));
                journal.append(command, decisionFor(command));
                if (i % 10 == 0)
                {
                    journal.flush();
                }
            }
            // ~400-byte entries in 128 KiB chunks: the appender moved to a new chunk a few times.
            final long mappingSyncs = journal.mappingSyncs();
            assertTrue(mappingSyncs >= 3 && mappingSyncs < 20, "one per chunk change: mappingSyncs=" + mappingSyncs);
            assertEquals(1, journal.directorySyncs(), "one cycle file, its directory synced once");
        }
        try (JournalReader reader = JournalReader.open(directory))
        {
            assertEquals(commands, reader.verifyAll());
            assertEquals(commands, reader.lastSeq());
        }
    }

    /**
     * {@code force()} syncs what {@code process} durability leaves to the kernel (a cluster node forces its journal
     * before each snapshot): the first force since opening every queue file, a later one the files entries went to
     * since, each time with the directory; a closed journal refuses.
     */
    @Test
    void shouldForceEveryQueueFileThenThoseWrittenSinceInProcessMode() throws IOException
    {
        try (ChronicleJournal journal = open(JournalDurability.PROCESS))
        {
            JournalFixture.appendOpenAccounts(journal, 1, 10);
        }
        // Moved to yesterday: the reopened queue writes today's entries to a new file.
        final Path today = JournalFixture.cycleFiles(directory).get(0);
        final String name = today.getFileName().toString();
        final java.time.format.DateTimeFormatter daily = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'F'");
        final java.time.LocalDate day = java.time.LocalDate.parse(name.substring(0, name.length() - 4), daily);
        final String yesterday = daily.format(day.minusDays(1)) + ".cq4";
        Files.move(today, today.resolveSibling(yesterday));
        Files.delete(directory.resolve("metadata.cq4t"));
        final ChronicleJournal journal = open(JournalDurability.PROCESS);
        try
        {
            JournalFixture.appendOpenAccounts(journal, 11, 20);
            final List<String> files = JournalFixture.cycleFiles(directory).stream()
                .map(file -> file.getFileName().toString()).toList();
            assertEquals(2, files.size(), "yesterday's file and today's: " + files);
            final long directorySyncs = journal.directorySyncs();

            journal.force();
            assertEquals(files, journal.filesForced().stream().sorted().toList(), "every file, the first time");
            JournalFixture.appendOpenAccounts(journal, 21, 25);
            journal.force();
            assertFalse(journal.filesForced().contains(yesterday), "not yesterday's again: " + journal.filesForced());
            assertTrue(journal.filesForced().contains(files.get(1)), "today's: " + journal.filesForced());
            assertEquals(directorySyncs + 2, journal.directorySyncs(), "the directory at each force");
        }
        finally
        {
            journal.close();
        }
        assertThrows(IllegalStateException.class, journal::force, "a closed journal syncs nothing more");
        try (JournalReader reader = JournalReader.open(directory))
        {
            assertEquals(25, reader.verifyAll());
        }
    }

    private ChronicleJournal open(final JournalDurability durability)
    {
        return new ChronicleJournal(new ChronicleJournalContext().directory(directory).durability(durability));
    }

    private static Decision decisionFor(final Command command)
    {
        final Decision decision = new Decision();
        decision.reset(command.seq, command.txId, command.timestampNs);
        return decision;
    }
}
