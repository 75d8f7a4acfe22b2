package io.ledgerguard.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A queue file cut inside its header, empty, or not a queue file at all stops the journal from opening, for appending
 * and for reading, with a message that names the file, the last whole entry before it and what to do. It is never
 * taken for an empty journal, never waited on, and never renamed or written to: the directory is left as it was.
 */
class DamagedQueueFileTest
{
    /** Opening a damaged journal must fail at once; this bound only turns a hang into a failure. */
    private static final Duration HANG = Duration.ofSeconds(60);
    private static final DateTimeFormatter FAST_DAILY = DateTimeFormatter.ofPattern("yyyyMMdd'F'");

    @TempDir
    Path directory;

    @Test
    void shouldNameAQueueFileCutInsideItsHeaderAndTheLastWholeEntryBeforeIt() throws Exception
    {
        final long[] lastWhole = writeTwoCycles();
        final Path newest = JournalFixture.cycleFiles(directory).get(1);
        cut(newest, 150);
        final Map<String, Long> before = listing();

        final RuntimeException refused = assertRefused(JournalCorruptException.class);

        assertNames(refused, newest, "cut inside its header");
        assertContains(refused, "last whole entry: index=" + lastWhole[0] + " seq=" + lastWhole[1]);
        assertContains(refused, "audit repair");
        assertContains(refused, "--truncate-after " + lastWhole[1]);
        assertEquals(before, listing(), "the directory is left as it was");
    }

    @Test
    void shouldNameAnEmptyQueueFileRatherThanTakeItForAnEmptyJournal() throws Exception
    {
        JournalFixture.runPipeline(open(), 1, new GuardEngine(JournalFixture.config()), 3, 1);
        final Path file = JournalFixture.cycleFiles(directory).get(0);
        cut(file, 0);
        final Map<String, Long> before = listing();

        final RuntimeException refused = assertRefused(JournalCorruptException.class);

        assertNames(refused, file, "is empty");
        assertEquals(before, listing(), "the directory is left as it was: no header written into the empty file");
    }

    @Test
    void shouldNameAnEmptyQueueFileAfterTheLastCycleWithoutWaitingForIt() throws Exception
    {
        final long[] lastWhole = writeTwoCycles();
        final Path newest = JournalFixture.cycleFiles(directory).get(1);
        cut(newest, 0);
        final Map<String, Long> before = listing();

        final RuntimeException refused = assertRefused(JournalCorruptException.class);

        assertNames(refused, newest, "is empty");
        assertContains(refused, "last whole entry: index=" + lastWhole[0] + " seq=" + lastWhole[1]);
        assertEquals(before, listing(), "the directory is left as it was: nothing renamed to *.discard");
    }

    @Test
    void shouldNameAnEmptyQueueFileOfAnEarlierCycleWithoutWaitingForIt() throws Exception
    {
        JournalFixture.runPipeline(open(), 1, new GuardEngine(JournalFixture.config()), 3, 1);
        final Path file = JournalFixture.cycleFiles(directory).get(0);
        final Path earlier = file.resolveSibling(previousCycle(file));
        Files.createFile(earlier);
        final Map<String, Long> before = listing();

        final RuntimeException refused = assertRefused(JournalCorruptException.class);

        assertNames(refused, earlier, "is empty");
        assertEquals(before, listing(), "the directory is left as it was: nothing renamed to *.discard");
    }

    @Test
    void shouldNameAFileWithAQueueFileNameThatIsNotAQueueFile() throws Exception
    {
        JournalFixture.runPipeline(open(), 1, new GuardEngine(JournalFixture.config()), 3, 1);
        final Path file = JournalFixture.cycleFiles(directory).get(0);
        final Path foreign = file.resolveSibling(previousCycle(file));
        Files.writeString(foreign, "these are not the queue files you are looking for\n".repeat(20));
        final Map<String, Long> before = listing();

        final RuntimeException refused = assertRefused(JournalFormatException.class);

        assertNames(refused, foreign, "not a Chronicle Queue file");
        assertEquals(before, listing(), "the directory is left as it was");
    }

    /**
     * Opening for appending and opening for reading are both refused, each naming the file, without waiting.
     */
    private RuntimeException assertRefused(final Class<? extends RuntimeException> expected)
    {
        final RuntimeException appending = assertTimeoutPreemptively(HANG, () -> refusal(expected, () ->
        {
            try (ChronicleJournal journal = open())
            {
                return "opened for appending as a journal ending at seq=" + journal.lastSeq() + " with " +
                    journal.commands() + " commands";
            }
        }), "opening the journal for appending");
        final RuntimeException reading = assertTimeoutPreemptively(HANG, () -> refusal(expected, () ->
        {
            try (JournalReader reader = JournalReader.open(directory))
            {
                reader.verifyAll();
                return "read as a journal ending at seq=" + reader.lastSeq() + " with " + reader.entries() +
                    " entries";
            }
        }), "reading the journal");
        assertEquals(appending.getMessage(), reading.getMessage());
        return appending;
    }

    /**
     * @return what opening threw, or a failure saying what opening made of the damaged journal instead.
     */
    private static RuntimeException refusal(
        final Class<? extends RuntimeException> expected, final java.util.concurrent.Callable<String> opening)
    {
        final String outcome;
        try
        {
            outcome = opening.call();
        }
        catch (final Exception ex)
        {
            if (expected.isInstance(ex))
            {
                return (RuntimeException)ex;
            }
            throw new AssertionError("expected " + expected.getSimpleName() + ", was " + ex, ex);
        }
        throw new AssertionError("expected " + expected.getSimpleName() + ", but the damaged journal was " + outcome);
    }

    private ChronicleJournal open()
    {
        return new ChronicleJournal(new ChronicleJournalContext().directory(directory));
    }

    /**
     * Write a journal over two daily cycle files: the first run's file is moved to the day before, as if it had
     * been written then, and the second run starts a file for today.
     *
     * @return the index and seq of the last entry in the first file.
     */
    private long[] writeTwoCycles() throws Exception
    {
        final JournalFixture.Run first = JournalFixture.runPipeline(open(), 1,
            new GuardEngine(JournalFixture.config()), 3, 1);
        final long entries = JournalFixture.rawExcerpts(directory).size();
        final Path today = JournalFixture.cycleFiles(directory).get(0);
        Files.move(today, today.resolveSibling(previousCycle(today)));
        Files.delete(directory.resolve("metadata.cq4t"));
        final GuardEngine engine = new GuardEngine(JournalFixture.config());
        final ChronicleJournal journal = open();
        Recovery.recover(journal, null, engine);
        JournalFixture.runPipeline(journal, first.lastSeq() + 1, engine, 3, 10_000);
        assertEquals(2, JournalFixture.cycleFiles(directory).size(), "two cycle files");
        return new long[] {entries - 1, first.lastSeq()};
    }

    private static String previousCycle(final Path file)
    {
        final String name = file.getFileName().toString();
        final LocalDate day = LocalDate.parse(name.substring(0, name.length() - ".cq4".length()), FAST_DAILY);
        return FAST_DAILY.format(day.minusDays(1)) + ".cq4";
    }

    private static void cut(final Path file, final long length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(length);
        }
    }

    private Map<String, Long> listing()
    {
        try (Stream<Path> files = Files.list(directory))
        {
            final Map<String, Long> sizes = new TreeMap<>();
            for (final Path file : files.toList())
            {
                sizes.put(file.getFileName().toString(), Files.size(file));
            }
            return sizes;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private void assertNames(final RuntimeException refused, final Path file, final String what)
    {
        assertContains(refused, "directory=" + directory);
        assertContains(refused, file.getFileName().toString());
        assertContains(refused, what);
    }

    private static void assertContains(final RuntimeException refused, final String text)
    {
        assertTrue(refused.getMessage() != null && refused.getMessage().contains(text),
            "expected \"" + text + "\" in: " + refused.getMessage());
    }
}
