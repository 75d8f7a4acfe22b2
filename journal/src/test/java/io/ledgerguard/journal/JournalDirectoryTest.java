package io.ledgerguard.journal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardEngine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A directory that is not a ledger-guard journal, or is one of an incompatible version, is refused with a message
 * naming the directory and what was found, and nothing is written to it; the roll cycle and durability are chosen by
 * name.
 */
class JournalDirectoryTest
{
    @TempDir
    Path directory;

    @Test
    void shouldRefuseADirectoryHoldingOtherFiles() throws Exception
    {
        Files.writeString(directory.resolve("notes.txt"), "not a journal");

        final JournalFormatException refused = assertThrows(JournalFormatException.class, () -> open(directory));

        assertEquals("not a ledger-guard journal: directory=" + directory + ", foreignFile=notes.txt, " +
            "expected=only Chronicle Queue files (*.cq4, *.cq4t)", refused.getMessage());
        assertEquals(List.of(directory.resolve("notes.txt")), listing());
    }

    @Test
    void shouldRefuseAFile() throws Exception
    {
        final Path file = Files.writeString(directory.resolve("journal"), "x");

        final JournalFormatException refused = assertThrows(JournalFormatException.class, () -> open(file));

        assertTrue(refused.getMessage().contains("directory=" + file + ", found=a file"), refused.getMessage());
    }

    @Test
    void shouldRefuseAQueueWrittenByAnotherProgram()
    {
        try (ChronicleQueue queue = ChronicleQueue.singleBuilder(directory).build();
             ExcerptAppender appender = queue.createAppender())
        {
            appender.writeText("an order book event from some other program");
        }

        final JournalFormatException refused = assertThrows(JournalFormatException.class, () -> open(directory));

        assertTrue(refused.getMessage().startsWith("not a ledger-guard journal: directory=" + directory +
            ", firstEntry=\""), refused.getMessage());
        assertTrue(refused.getMessage().contains("an order book event"), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("expected=a first entry with magic LEDGER-GUARD-JOURNAL"),
            refused.getMessage());
        assertEquals(1, JournalFixture.rawExcerpts(directory).size(), "nothing appended to a foreign queue");
        assertThrows(JournalFormatException.class, () -> JournalReplay.replay(directory, engine()));
    }

    @Test
    void shouldRefuseAJournalOfAnotherFormatVersion()
    {
        JournalFixture.writeRawExcerpts(directory, List.of(header(JournalEntryDescriptor.FORMAT_VERSION + 1,
            CommandCodec.VERSION)));

        final JournalFormatException refused = assertThrows(JournalFormatException.class, () -> open(directory));

        assertEquals("incompatible ledger-guard journal: directory=" + directory + ", formatVersion=" +
            (JournalEntryDescriptor.FORMAT_VERSION + 1) + ", expected=" + JournalEntryDescriptor.FORMAT_VERSION +
            ", codecVersion=" + CommandCodec.VERSION + ", expected=" + CommandCodec.VERSION + " (or " +
            CommandCodec.VERSION_3 + ")" +
            ", decisionCodecVersion=0, expected=" + DecisionCodec.VERSION, refused.getMessage());
    }

    @Test
    void shouldReadAJournalBegunBeforeClientIds()
    {
        // Codec 3 wrote no client ids; its journals are read (and continued) as naming none.
        JournalFixture.writeRawExcerpts(directory, List.of(header(JournalEntryDescriptor.FORMAT_VERSION,
            CommandCodec.VERSION_3, io.ledgerguard.core.DecisionCodec.VERSION)));

        assertEquals(0, JournalReader.open(directory).verifyAll());
    }

    @Test
    void shouldContinueAJournalBegunBeforeClientIdsAndReadBothKindsOfEntry()
    {
        JournalFixture.writeRawExcerpts(directory, List.of(header(JournalEntryDescriptor.FORMAT_VERSION,
            CommandCodec.VERSION_3, DecisionCodec.VERSION)));
        final io.ledgerguard.core.Command command = new io.ledgerguard.core.Command();
        command.type = io.ledgerguard.core.CommandType.HALT;
        command.seq = 1;
        command.txId = 1;
        final byte[] id = "ops-desk".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        command.clientId(id, id.length);
        final io.ledgerguard.core.Decision decision = new io.ledgerguard.core.Decision();
        decision.reset(1, 1, 0);
        try (ChronicleJournal journal = open(directory))
        {
            journal.append(command, decision);
            journal.flush();
        }

        final JournalReader reader = JournalReader.open(directory);
        final io.ledgerguard.core.Command read = new io.ledgerguard.core.Command();
        assertTrue(reader.next(read));
        assertEquals("ops-desk", read.clientIdString());
        assertEquals(CommandCodec.VERSION_3, reader.headerCodecVersion(), "the header still says where it began");
    }

    @Test
    void shouldRefuseAJournalOfAnotherCommandEncoding()
    {
        JournalFixture.writeRawExcerpts(directory, List.of(header(JournalEntryDescriptor.FORMAT_VERSION,
            (byte)(CommandCodec.VERSION + 1))));

        final JournalFormatException refused = assertThrows(JournalFormatException.class,
            () -> JournalReader.open(directory).verifyAll());

        assertTrue(refused.getMessage().contains("codecVersion=" + (CommandCodec.VERSION + 1)), refused.getMessage());
    }

    @Test
    void shouldRefuseToReadAMissingDirectory()
    {
        final Path missing = directory.resolve("missing");

        final JournalFormatException refused = assertThrows(JournalFormatException.class,
            () -> JournalReader.open(missing));

        assertEquals("no journal: directory=" + missing + ", found=nothing", refused.getMessage());
        assertFalse(Files.exists(missing));
    }

    @Test
    void shouldRollByTheNamedCycle()
    {
        final Path hourly = directory.resolve("hourly");
        new ChronicleJournal(new ChronicleJournalContext().directory(hourly).rollCycle("FAST_HOURLY")).close();

        final List<Path> files = JournalFixture.cycleFiles(hourly);
        assertEquals(1, files.size());
        // FAST_HOURLY names its files yyyyMMdd-HH'F'.
        assertTrue(files.get(0).getFileName().toString().matches("\\d{8}-\\d{2}F\\.cq4"), files.toString());
        try (JournalReader reader = JournalReader.open(hourly))
        {
            assertEquals(0, reader.verifyAll());
        }
    }

    @Test
    void shouldRejectAnUnknownRollCycleOrDurabilityByName()
    {
        final ConfigurationException rollCycle = assertThrows(ConfigurationException.class,
            () -> new ChronicleJournalContext().directory(directory).rollCycle("FORTNIGHTLY").conclude());
        assertTrue(rollCycle.getMessage().startsWith("journal.rollCycle: unknown roll cycle FORTNIGHTLY, known: "),
            rollCycle.getMessage());
        assertTrue(rollCycle.getMessage().contains("FAST_DAILY"), rollCycle.getMessage());

        assertEquals(JournalDurability.OS, JournalDurability.fromName("os"));
        assertEquals(JournalDurability.PROCESS, JournalDurability.fromName("process"));
        final ConfigurationException durability = assertThrows(ConfigurationException.class,
            () -> JournalDurability.fromName("disk"));
        assertEquals("journal.durability: must be process or os, was disk", durability.getMessage());
    }

    private static ChronicleJournal open(final Path path)
    {
        return new ChronicleJournal(new ChronicleJournalContext().directory(path));
    }

    private static GuardEngine engine()
    {
        return new GuardEngine(JournalFixture.config());
    }

    private List<Path> listing() throws Exception
    {
        try (var files = Files.list(directory))
        {
            return files.toList();
        }
    }

    /**
     * A header entry as a journal of other versions would write it, its chain value computed independently.
     */
    private static byte[] header(final int formatVersion, final byte codecVersion)
    {
        return header(formatVersion, codecVersion, (byte)0);
    }

    private static byte[] header(final int formatVersion, final byte codecVersion, final byte decisionCodecVersion)
    {
        final int bodyLength = JournalEntryDescriptor.HEADER_BODY_LENGTH;
        final ByteBuffer entry = ByteBuffer.allocate(JournalEntryDescriptor.entryLength(bodyLength))
            .order(ByteOrder.LITTLE_ENDIAN);
        entry.put(JournalEntryDescriptor.KIND_OFFSET, JournalEntryDescriptor.KIND_HEADER);
        entry.putInt(JournalEntryDescriptor.BODY_LENGTH_OFFSET, bodyLength);
        entry.put(JournalEntryDescriptor.BODY_OFFSET, JournalEntryDescriptor.MAGIC);
        entry.putInt(JournalEntryDescriptor.BODY_OFFSET + JournalEntryDescriptor.HEADER_FORMAT_VERSION_OFFSET,
            formatVersion);
        entry.put(JournalEntryDescriptor.BODY_OFFSET + JournalEntryDescriptor.HEADER_CODEC_VERSION_OFFSET,
            codecVersion);
        entry.put(JournalEntryDescriptor.BODY_OFFSET + JournalEntryDescriptor.HEADER_DECISION_CODEC_VERSION_OFFSET,
            decisionCodecVersion);
        final byte[] bytes = entry.array();
        final String chain = JournalFixture.independentChainHead(List.of(bytes));
        for (int i = 0; i < JournalEntryDescriptor.CHAIN_LENGTH; i++)
        {
            bytes[bytes.length - JournalEntryDescriptor.CHAIN_LENGTH + i] =
                (byte)Integer.parseInt(chain.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }
}
