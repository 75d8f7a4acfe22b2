package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A read-ahead hands out what a reader on the caller's thread reads, in order and around its ring many times over,
 * throws the reader's exception only once every command before the bad entry was handed out, and stops when closed
 * early.
 */
class JournalReadAheadTest
{
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
            new GuardEngine(JournalFixture.config()), 40, 1);
        excerpts = JournalFixture.rawExcerpts(journal);
        assertTrue(excerpts.size() > 4 * JournalReadAhead.SLOTS, "excerpts=" + excerpts.size());
    }

    @Test
    void shouldHandOutWhatAReaderReads()
    {
        assertSameAsReader(0);
    }

    @Test
    void shouldSkipTheCommandsUpToAfterSeq()
    {
        assertSameAsReader(JournalReadAhead.SLOTS + 5);
    }

    @Test
    void shouldThrowTheBadEntrysExceptionAfterEveryCommandBeforeIt()
    {
        final int index = 3 * JournalReadAhead.SLOTS + 7;
        JournalFixture.flipByte(journal, excerpts.get(index),
            JournalEntryDescriptor.BODY_OFFSET + CommandCodec.AMOUNT_OFFSET);

        long handedOut = 0;
        try (JournalReadAhead readAhead = JournalReadAhead.start(journal, null, 0))
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
    void shouldRefuseADirectoryThatIsNotAJournalOnTheFirstNext()
    {
        try (JournalReadAhead readAhead = JournalReadAhead.start(temporary.resolve("missing"), null, 0))
        {
            assertThrows(JournalFormatException.class, readAhead::next);
        }
    }

    @Test
    void shouldStopWhenClosedEarly()
    {
        final JournalReadAhead readAhead = JournalReadAhead.start(journal, null, 0);
        assertTrue(readAhead.next());
        assertEquals(1, readAhead.command().seq);

        readAhead.close();

        // With one slot handed out and none given back, the read-ahead filled its ring and waited for room.
        final long readUpTo = readAhead.reader().lastSeq();
        assertTrue(readUpTo >= 1 && readUpTo <= JournalReadAhead.SLOTS, "readUpTo=" + readUpTo);
    }

    private void assertSameAsReader(final long afterSeq)
    {
        final Command expected = new Command();
        final Decision expectedDecision = new Decision();
        long handedOut = 0;
        try (JournalReader reader = JournalReader.open(journal);
            JournalReadAhead readAhead = JournalReadAhead.start(journal, null, afterSeq))
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
}
