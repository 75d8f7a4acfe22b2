package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Any modified, inserted, deleted or reordered journal entry breaks the hash chain at that entry: the reader, the
 * replay and a reopening journal all stop there and name the entry's index.
 */
class JournalChainTest
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
            new GuardEngine(JournalFixture.config()), 10, 1);
        excerpts = JournalFixture.rawExcerpts(journal);
        assertTrue(excerpts.size() > 20, "excerpts=" + excerpts.size());
    }

    @Test
    void shouldVerifyAnUntouchedJournal()
    {
        try (JournalReader reader = JournalReader.open(journal))
        {
            assertEquals(excerpts.size() - 1, reader.verifyAll());
            assertEquals(excerpts.size(), reader.entries());
            assertEquals(JournalFixture.independentChainHead(excerpts), reader.chainHeadHex());
        }
    }

    /**
     * The admin server's {@code /status} shows the chain head the journal publishes: the chain value of the last entry
     * written, as an independent hash of the entries computes it, with the last command's sequence; a journal reopened
     * publishes the head it verified.
     */
    @Test
    void shouldPublishTheChainHeadOfTheLastEntryWritten()
    {
        final Path second = temporary.resolve("second");
        final byte[] head = new byte[JournalEntryDescriptor.CHAIN_LENGTH];
        final long[] published = new long[1];
        JournalFixture.runPipeline(
            new ChronicleJournal(new ChronicleJournalContext().directory(second)), 1,
            new GuardEngine(JournalFixture.config()), 3, 1, null,
            guard -> published[0] = guard.journalChainHead(head));
        final List<byte[]> written = JournalFixture.rawExcerpts(second);
        assertEquals(JournalFixture.independentChainHead(written), java.util.HexFormat.of().formatHex(head));
        try (JournalReader reader = JournalReader.open(second))
        {
            reader.verifyAll();
            assertEquals(reader.lastSeq(), published[0]);
        }

        try (ChronicleJournal reopened = new ChronicleJournal(new ChronicleJournalContext().directory(second)))
        {
            final byte[] again = new byte[JournalEntryDescriptor.CHAIN_LENGTH];
            assertEquals(published[0], reopened.chainHead(again));
            assertEquals(java.util.HexFormat.of().formatHex(head), java.util.HexFormat.of().formatHex(again));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {
        JournalEntryDescriptor.KIND_OFFSET,
        JournalEntryDescriptor.SEQ_OFFSET,
        JournalEntryDescriptor.BODY_OFFSET + CommandCodec.AMOUNT_OFFSET,
        JournalEntryDescriptor.BODY_OFFSET + CommandCodec.ACCOUNT_ID_OFFSET + 7,
        -1})
    void shouldDetectAFlippedByteAtItsEntry(final int offset)
    {
        final int index = 13;
        final byte[] excerpt = excerpts.get(index);
        // -1 stands for the last byte of the stored chain value itself.
        JournalFixture.flipByte(journal, excerpt, offset < 0 ? excerpt.length - 1 : offset);

        final JournalCorruptException corrupt = verifyFails(journal);

        assertEquals(index, corrupt.entryIndex(), corrupt.getMessage());
        assertTrue(corrupt.problem().startsWith("chain mismatch"), corrupt.getMessage());
    }

    @Test
    void shouldDetectAFlippedByteInTheHeader()
    {
        JournalFixture.flipByte(journal, excerpts.get(0), excerpts.get(0).length - 1);

        assertEquals(0, verifyFails(journal).entryIndex());
    }

    @Test
    void shouldDetectADeletedEntry()
    {
        final List<byte[]> forged = new ArrayList<>(excerpts);
        forged.remove(7);

        assertEquals(7, verifyFails(forge(forged)).entryIndex());
    }

    @Test
    void shouldDetectAnInsertedEntry()
    {
        final List<byte[]> forged = new ArrayList<>(excerpts);
        forged.add(9, excerpts.get(4));

        assertEquals(9, verifyFails(forge(forged)).entryIndex());
    }

    @Test
    void shouldDetectReorderedEntries()
    {
        final List<byte[]> forged = new ArrayList<>(excerpts);
        Collections.swap(forged, 5, 11);

        assertEquals(5, verifyFails(forge(forged)).entryIndex());
    }

    @Test
    void shouldDetectATruncatedJournalByItsEndOnlyThroughCheckpoints()
    {
        // Dropping the tail leaves a valid shorter chain: only a chain head recorded elsewhere (a checkpoint, a
        // published head) shows it. The reader reports the head it reached so that it can be compared.
        final List<byte[]> forged = new ArrayList<>(excerpts.subList(0, 10));
        try (JournalReader reader = JournalReader.open(forge(forged)))
        {
            assertEquals(9, reader.verifyAll());
            assertEquals(JournalFixture.independentChainHead(forged), reader.chainHeadHex());
            assertTrue(!reader.chainHeadHex().equals(JournalFixture.independentChainHead(excerpts)));
        }
    }

    @Test
    void shouldRefuseToAppendToACorruptJournalAndToReplayIt()
    {
        final int amountOffset = JournalEntryDescriptor.BODY_OFFSET + CommandCodec.AMOUNT_OFFSET;
        JournalFixture.flipByte(journal, excerpts.get(3), amountOffset);

        final JournalCorruptException reopening = assertThrows(JournalCorruptException.class,
            () -> new ChronicleJournal(new ChronicleJournalContext().directory(journal)));
        assertEquals(3, reopening.entryIndex());
        assertTrue(reopening.getMessage().contains("directory=" + journal), reopening.getMessage());

        final JournalCorruptException replaying = assertThrows(JournalCorruptException.class,
            () -> JournalReplay.replay(journal, new GuardEngine(JournalFixture.config())));
        assertEquals(3, replaying.entryIndex());
    }

    private Path forge(final List<byte[]> forged)
    {
        final Path forgedJournal = temporary.resolve("forged");
        JournalFixture.writeRawExcerpts(forgedJournal, forged);
        return forgedJournal;
    }

    private static JournalCorruptException verifyFails(final Path directory)
    {
        try (JournalReader reader = JournalReader.open(directory))
        {
            return assertThrows(JournalCorruptException.class, reader::verifyAll);
        }
    }
}
