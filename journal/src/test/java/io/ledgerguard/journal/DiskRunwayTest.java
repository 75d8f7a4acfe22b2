package io.ledgerguard.journal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The disk runway writes its zeros only after the journal's last entry: the journal knows where that entry ends in its
 * cycle file, the zeros leave every entry as it was, and a position inside the written data is refused.
 */
class DiskRunwayTest
{
    @TempDir
    Path directory;

    @Test
    void shouldKnowWhereTheLastEntryEndsInItsFileAndLeaveEveryEntryAsItWas() throws Exception
    {
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
        // Enough entries for the runway to be extended several times.
        JournalFixture.runPipeline(journal, 1, new GuardEngine(JournalFixture.config()), 4_000, 1);
        final List<byte[]> excerpts = JournalFixture.rawExcerpts(directory);
        final byte[] last = excerpts.get(excerpts.size() - 1);
        final Path file = JournalFixture.cycleFiles(directory).get(0);
        final byte[] content = Files.readAllBytes(file);

        assertEquals(offsetOf(content, last) + last.length, journal.lastEnd(), "the last entry ends there");
        assertTrue(journal.lastEnd() > 2 * DiskRunway.RUNWAY_BYTES, "the runway was extended: " + journal.lastEnd());
        assertEquals(JournalFixture.independentChainHead(excerpts),
            JournalReplay.replay(directory, new GuardEngine(JournalFixture.config())).chainHeadHex(),
            "every entry reads back whole");
    }

    @Test
    void shouldRefuseToWriteOverAnEntry() throws Exception
    {
        JournalFixture.runPipeline(new ChronicleJournal(new ChronicleJournalContext().directory(directory)), 1,
            new GuardEngine(JournalFixture.config()), 5, 1);
        final Path file = JournalFixture.cycleFiles(directory).get(0);
        final byte[] before = Files.readAllBytes(file);
        final byte[] first = JournalFixture.rawExcerpts(directory).get(1);
        // Where the first command entry ends: the second one starts right after.
        final long insideTheData = offsetOf(before, first) + first.length;

        try (DiskRunway runway = new DiskRunway(directory, 0, path -> Long.MAX_VALUE))
        {
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> runway.extend(file.toFile(), insideTheData, 6));
            assertTrue(refused.getMessage().startsWith("journal disk runway would overwrite data"),
                refused.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(file), "the file is unchanged");
    }

    private static long offsetOf(final byte[] content, final byte[] excerpt)
    {
        for (int i = 0; i <= content.length - excerpt.length; i++)
        {
            if (Arrays.equals(content, i, i + excerpt.length, excerpt, 0, excerpt.length))
            {
                return i;
            }
        }
        throw new AssertionError("excerpt not found");
    }
}
