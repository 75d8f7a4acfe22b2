package io.ledgerguard.journal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A read-ahead hands out what a reader on the caller's thread reads, in order, its ring wrapped around many times
 * (both sides then wait for each other), throws the reader's exception only once every command before the bad entry
 * was handed out, and stops when closed early.
 */
class JournalReadAheadTest
{
    /** The smallest ring: the journal below wraps it several times. */
    private static final int SMALL_RING_BYTES = 128 * 1024;

    @TempDir
    Path temporary;

    private Path journal;
    private List<byte[]> excerpts;

    @BeforeEach
    void writeJournal()
    {
        journal = temporary.resolve("journal");
        JournalFixture.runPipeline(
            new ChronicleJournal(new ChronicleJournalContext().directory(journal)), 1,
            new GuardEngine(JournalFixture.config()), 800, 1);
        excerpts = JournalFixture.rawExcerpts(journal);
        long bytes = 0;
        for (final byte[] excerpt : excerpts)
        {
            bytes += excerpt.length;
        }
        assertTrue(bytes > 3 * SMALL_RING_BYTES, "bytes=" + bytes);
        assertTrue(SMALL_RING_BYTES >= 4 * JournalReadAhead.RECORD_LENGTH_MAX);
    }

    @ParameterizedTest
    @ValueSource(ints = {JournalReadAhead.RING_BYTES, SMALL_RING_BYTES})
    void shouldHandOutWhatAReaderReads(final int ringBytes)
    {
        assertSameAsReader(0, ringBytes);
    }

    @ParameterizedTest
    @ValueSource(ints = {JournalReadAhead.RING_BYTES, SMALL_RING_BYTES})
    void shouldSkipTheCommandsUpToAfterSeq(final int ringBytes)
    {
        assertSameAsReader(excerpts.size() / 3, ringBytes);
    }

    @Test
    void shouldHandOutWhatAReaderReadsToASlowCaller()
    {
        final Command expected = new Command();
        final Decision expectedDecision = new Decision();
        try (JournalReader reader = JournalReader.open(journal);
            JournalReadAhead readAhead = JournalReadAhead.start(journal, null, 0, SMALL_RING_BYTES))
        {
            while (reader.next(expected, expectedDecision))
            {
                // The read-ahead fills the ring and parks until the caller frees half of it.
                if (expected.seq % 100 == 0)
                {
                    sleep();
                }
                assertTrue(readAhead.next(), "seq=" + expected.seq);
                assertEquals(expected.seq, readAhead.command().seq);
                assertEquals(expected.fingerprint(), readAhead.command().fingerprint(), "seq=" + expected.seq);
            }
            assertFalse(readAhead.next());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {JournalReadAhead.RING_BYTES, SMALL_RING_BYTES})
    void shouldThrowTheBadEntrysExceptionAfterEveryCommandBeforeIt(final int ringBytes)
    {
        final int index = excerpts.size() / 2;
        JournalFixture.flipByte(journal, excerpts.get(index),
            JournalEntryDescriptor.BODY_OFFSET + CommandCodec.AMOUNT_OFFSET);

        long handedOut = 0;
        try (JournalReadAhead readAhead = JournalReadAhead.start(journal, null, 0, ringBytes))
        {
            while (handedOut < index - 1)
            {
                assertTrue(readAhead.next(), "handedOut=" + handedOut);
                handedOut++;
                assertEquals(handedOut, readAhead.command().seq);
            }
            final JournalCorruptException corrupt = assertThrows(JournalCorruptException.class, readAhead::next);
            assertEquals(index, corrupt.entryIndex(), corrupt.getMessage());
        }
    }

    @Test
    void shouldRefuseADirectoryThatIsNotAJournalWhenStarted()
    {
        assertThrows(JournalFormatException.class, () -> JournalReadAhead.start(temporary.resolve("missing"), null, 0));
    }

    @Test
    void shouldStopWhenClosedEarly()
    {
        final JournalReadAhead readAhead = JournalReadAhead.start(journal, null, 0, SMALL_RING_BYTES);
        assertTrue(readAhead.next());
        assertEquals(1, readAhead.command().seq);
        sleep();

        // The read-ahead filled the small ring and parked for room: closing wakes it, and it stops.
        assertTimeoutPreemptively(Duration.ofSeconds(30), readAhead::close);

        final long readUpTo = readAhead.reader().lastSeq();
        assertTrue(readUpTo > 1 && readUpTo < excerpts.size() - 1, "readUpTo=" + readUpTo);
    }

    private void assertSameAsReader(final long afterSeq, final int ringBytes)
    {
        final Command expected = new Command();
        final Decision expectedDecision = new Decision();
        long handedOut = 0;
        try (JournalReader reader = JournalReader.open(journal);
            JournalReadAhead readAhead = JournalReadAhead.start(journal, null, afterSeq, ringBytes))
        {
            while (reader.next(expected, expectedDecision))
            {
                if (expected.seq <= afterSeq)
                {
                    continue;
                }
                assertTrue(readAhead.next(), "seq=" + expected.seq);
                final Command command = readAhead.command();
                assertEquals(expected.seq, command.seq);
                assertEquals(expected.txId, command.txId);
                assertEquals(expected.type, command.type);
                assertEquals(expected.fingerprint(), command.fingerprint(), "seq=" + expected.seq);
                assertTrue(DecisionCodec.sameOutcome(expectedDecision, readAhead.recorded()), "seq=" + expected.seq);
                handedOut++;
            }
            assertFalse(readAhead.next());
            assertFalse(readAhead.next(), "still at the end");
            assertEquals(reader.lastSeq() - afterSeq, handedOut);
            assertEquals(reader.lastSeq(), readAhead.reader().lastSeq());
            assertEquals(reader.chainHeadHex(), readAhead.reader().chainHeadHex());
            assertEquals(reader.checkpoints().size(), readAhead.reader().checkpoints().size());
        }
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(20);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }
}
