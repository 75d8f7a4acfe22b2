package io.ledgerguard.journal;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import net.openhft.chronicle.core.time.TimeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The wall clock steps back (an NTP correction after a machine's clock ran ahead) past a roll: Chronicle Queue would
 * put the entries that follow in an earlier cycle's file, which readers take before the later file, so that the
 * chain no longer verifies and the journal cannot be opened again. The journal keeps the queue's clock from going
 * back, across a restart too: the entries stay in order, in the file of the latest cycle seen.
 */
class JournalClockStepTest
{
    private static final long DAY_MS = 86_400_000L;

    @TempDir
    Path directory;

    @Test
    void shouldKeepEntriesInOrderWhenTheClockStepsBackPastARoll()
    {
        final SteppingClock clock = new SteppingClock(Instant.parse("2026-12-01T12:00:00Z").toEpochMilli());
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)
            .clock(clock)))
        {
            JournalFixture.appendOpenAccounts(journal, 1, 2);
            clock.millis += 2 * DAY_MS;
            JournalFixture.appendOpenAccounts(journal, 3, 4);
            clock.millis -= DAY_MS;
            JournalFixture.appendOpenAccounts(journal, 5, 6);
        }

        final List<Path> files = JournalFixture.cycleFiles(directory);
        assertEquals(2, files.size(), "the first day's file and the third's, none made for the day stepped back to: " +
            files);
        try (JournalReader reader = JournalReader.open(directory))
        {
            assertEquals(6, reader.verifyAll(), "every command, chained in order");
            assertEquals(6, reader.lastSeq());
        }
        // Opened again while the clock is still behind the newest file: the next entries go on in that file.
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)
            .clock(clock)))
        {
            assertEquals(6, journal.lastSeq());
            JournalFixture.appendOpenAccounts(journal, 7, 8);
        }
        assertEquals(files, JournalFixture.cycleFiles(directory), "no file for the day behind the newest");
        try (JournalReader reader = JournalReader.open(directory))
        {
            assertEquals(8, reader.verifyAll());
        }
    }

    /**
     * A force after a roll syncs the file the roll closed (Chronicle marks its end) and the file it opened, without
     * listing the directory again: each file entries went to since the force before.
     */
    @Test
    void shouldForceBothFilesOfARollSinceTheLastForce()
    {
        final SteppingClock clock = new SteppingClock(Instant.parse("2026-12-01T12:00:00Z").toEpochMilli());
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)
            .durability(JournalDurability.PROCESS).clock(clock)))
        {
            JournalFixture.appendOpenAccounts(journal, 1, 2);
            journal.force();
            assertEquals(List.of("20261201F.cq4"), journal.filesForced());
            clock.millis += DAY_MS;
            JournalFixture.appendOpenAccounts(journal, 3, 4);
            journal.force();
            assertEquals(List.of("20261201F.cq4", "20261202F.cq4"), journal.filesForced().stream().sorted().toList());
            JournalFixture.appendOpenAccounts(journal, 5, 5);
            journal.force();
            assertEquals(List.of("20261202F.cq4"), journal.filesForced(), "only the file written since");
            assertEquals(3, journal.forces());
        }
    }

    /** A wall clock a test sets, back as well as forward (Chronicle's SetTimeProvider refuses to go back). */
    private static final class SteppingClock implements TimeProvider
    {
        volatile long millis;

        SteppingClock(final long millis)
        {
            this.millis = millis;
        }

        @Override
        public long currentTimeMillis()
        {
            return millis;
        }

        @Override
        public long currentTimeMicros()
        {
            return millis * 1_000L;
        }

        @Override
        public long currentTimeNanos()
        {
            return millis * 1_000_000L;
        }
    }
}
