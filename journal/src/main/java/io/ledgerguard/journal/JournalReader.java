package io.ledgerguard.journal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;

import static io.ledgerguard.journal.JournalEntryDescriptor.BODY_LENGTH_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.BODY_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.BYTE_ORDER;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHAIN_LENGTH;
import static io.ledgerguard.journal.JournalEntryDescriptor.ENTRY_LENGTH_MAX;
import static io.ledgerguard.journal.JournalEntryDescriptor.FORMAT_VERSION;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_BODY_LENGTH;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_CODEC_VERSION_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_FORMAT_VERSION_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_MAGIC_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_COMMAND;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_HEADER;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.MAGIC;
import static io.ledgerguard.journal.JournalEntryDescriptor.SEQ_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.TIMESTAMP_OFFSET;

/**
 * Reads a journal's entries in order and verifies them as it goes: the header first (a directory that is not ours,
 * or of another version, is refused with a {@link JournalFormatException}), then for every entry the hash chain, the
 * layout and the sequence (the first entry that fails throws a {@link JournalCorruptException} naming its index and
 * the problem). Reading allocates nothing per entry.
 */
public final class JournalReader implements AutoCloseable
{
    private final String directory;
    private final ChronicleQueue queue;
    private final boolean ownsQueue;
    private final ExcerptTailer tailer;
    private final HashChain chain = new HashChain();
    private final byte[] entry = new byte[ENTRY_LENGTH_MAX];
    private final UnsafeBuffer entryBuffer = new UnsafeBuffer(entry);
    private final byte[] computed = new byte[CHAIN_LENGTH];
    private long entries;
    private long commands;
    private long lastSeq;
    private long lastTimestampNs;
    private boolean headerRead;

    JournalReader(final String directory, final ChronicleQueue queue, final boolean ownsQueue)
    {
        this.directory = directory;
        this.queue = queue;
        this.ownsQueue = ownsQueue;
        this.tailer = queue.createTailer();
    }

    /**
     * Open a journal directory read-only.
     *
     * @param directory the journal.
     * @return a reader positioned before the first entry.
     * @throws JournalFormatException when the directory is missing or holds anything but a journal's files.
     */
    public static JournalReader open(final Path directory)
    {
        if (!Files.isDirectory(directory))
        {
            throw new JournalFormatException("no journal: directory=" + directory + ", found=nothing");
        }
        JournalDirectory.checkOnlyQueueFiles(directory);
        final ChronicleQueue queue = ChronicleQueue.singleBuilder(directory).readOnly(true).build();
        try
        {
            return new JournalReader(directory.toString(), queue, true);
        }
        catch (final RuntimeException ex)
        {
            queue.close();
            throw ex;
        }
    }

    /**
     * Read, verify and decode the next command, reading and checking the journal header first when it has not been.
     *
     * @param command receives the command.
     * @return false at the end of the journal.
     * @throws JournalFormatException  when the first entry is not our header or is of another version.
     * @throws JournalCorruptException at the first entry that fails verification.
     */
    public boolean next(final Command command)
    {
        if (!headerRead)
        {
            final int length = readEntry();
            if (length < 0)
            {
                return false;
            }
            checkHeader(length);
            headerRead = true;
        }
        final int length = readEntry();
        if (length < 0)
        {
            return false;
        }
        final long index = entries - 1;
        if (!chain.verify(entry, length - CHAIN_LENGTH, computed))
        {
            throw corrupt(index, "chain mismatch: entry modified, or an entry before it inserted, deleted or moved");
        }
        final byte kind = entryBuffer.getByte(KIND_OFFSET);
        if (kind != KIND_COMMAND)
        {
            throw corrupt(index, "unexpected entry kind=" + kind + ", expected=" + KIND_COMMAND);
        }
        final int bodyLength = entryBuffer.getInt(BODY_LENGTH_OFFSET, BYTE_ORDER);
        if (JournalEntryDescriptor.entryLength(bodyLength) != length || bodyLength < 0)
        {
            throw corrupt(index, "bodyLength=" + bodyLength + " does not match excerptLength=" + length);
        }
        final long seq = entryBuffer.getLong(SEQ_OFFSET, BYTE_ORDER);
        final long timestampNs = entryBuffer.getLong(TIMESTAMP_OFFSET, BYTE_ORDER);
        if (commands > 0 && seq != lastSeq + 1)
        {
            throw corrupt(index, "seq=" + seq + " does not follow previous seq=" + lastSeq);
        }
        if (seq < 1)
        {
            throw corrupt(index, "seq=" + seq + " must be >= 1");
        }
        try
        {
            CommandCodec.decode(entryBuffer, BODY_OFFSET, command);
        }
        catch (final IllegalArgumentException | IndexOutOfBoundsException ex)
        {
            throw corrupt(index, "command does not decode: " + ex.getMessage());
        }
        if (command.seq != seq || command.timestampNs != timestampNs)
        {
            throw corrupt(index, "entry seq=" + seq + " timestampNs=" + timestampNs +
                " differ from the command's seq=" + command.seq + " timestampNs=" + command.timestampNs);
        }
        lastSeq = seq;
        lastTimestampNs = timestampNs;
        commands++;
        return true;
    }

    /**
     * Read and verify every remaining entry.
     *
     * @return commands in the whole journal.
     * @throws JournalFormatException  as {@link #next(Command)}.
     * @throws JournalCorruptException as {@link #next(Command)}.
     */
    public long verifyAll()
    {
        final Command command = new Command();
        while (next(command))
        {
            assert command.seq == lastSeq : "seq=" + command.seq + ", lastSeq=" + lastSeq;
        }
        return commands;
    }

    /**
     * @return entries read and verified so far, the header included.
     */
    public long entries()
    {
        return entries;
    }

    /**
     * @return commands read and verified so far.
     */
    public long commands()
    {
        return commands;
    }

    /**
     * @return the sequence of the last command read, 0 before the first.
     */
    public long lastSeq()
    {
        return lastSeq;
    }

    /**
     * @return the sequencing time of the last command read, 0 before the first.
     */
    public long lastTimestampNs()
    {
        return lastTimestampNs;
    }

    /**
     * @return true once the journal header has been read and accepted.
     */
    public boolean headerRead()
    {
        return headerRead;
    }

    /**
     * @return the chain value after the last entry read, as 64 hex digits (zeros before the first).
     */
    public String chainHeadHex()
    {
        final byte[] head = new byte[CHAIN_LENGTH];
        chain.head(head);
        final StringBuilder hex = new StringBuilder(CHAIN_LENGTH * 2);
        for (final byte b : head)
        {
            hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return hex.toString();
    }

    /**
     * Let a writer continue the chain where this reader stopped.
     *
     * @return the chain, positioned after the last entry read.
     */
    HashChain chain()
    {
        return chain;
    }

    @Override
    public void close()
    {
        tailer.close();
        if (ownsQueue)
        {
            queue.close();
        }
    }

    /**
     * @return the excerpt's length, copied into {@link #entry}, or -1 at the end of the journal.
     */
    private int readEntry()
    {
        try (DocumentContext context = tailer.readingDocument())
        {
            if (!context.isPresent())
            {
                return -1;
            }
            final long index = entries++;
            final Bytes<?> bytes = context.wire().bytes();
            final long remaining = bytes.readRemaining();
            final int length = (int)Math.min(remaining, ENTRY_LENGTH_MAX);
            final int read = bytes.read(entry, 0, length);
            if (remaining < BODY_OFFSET + CHAIN_LENGTH || remaining > ENTRY_LENGTH_MAX)
            {
                if (index == 0)
                {
                    throw notOurs("firstEntry=" + printable(read) + ", excerptLength=" + remaining);
                }
                throw corrupt(index, "excerptLength=" + remaining + " outside " + (BODY_OFFSET + CHAIN_LENGTH) + ".." +
                    ENTRY_LENGTH_MAX);
            }
            if (read != length)
            {
                throw corrupt(index, "short read: read=" + read + ", excerptLength=" + length);
            }
            return length;
        }
    }

    private void checkHeader(final int length)
    {
        final byte kind = entryBuffer.getByte(KIND_OFFSET);
        final int bodyLength = entryBuffer.getInt(BODY_LENGTH_OFFSET, BYTE_ORDER);
        if (kind != KIND_HEADER || bodyLength < HEADER_BODY_LENGTH ||
            JournalEntryDescriptor.entryLength(bodyLength) != length ||
            !Arrays.equals(entry, BODY_OFFSET + HEADER_MAGIC_OFFSET, BODY_OFFSET + HEADER_MAGIC_OFFSET + MAGIC.length,
                MAGIC, 0, MAGIC.length))
        {
            throw notOurs("firstEntry=" + printable(length) + ", excerptLength=" + length);
        }
        final int formatVersion = entryBuffer.getInt(BODY_OFFSET + HEADER_FORMAT_VERSION_OFFSET, BYTE_ORDER);
        final byte codecVersion = entryBuffer.getByte(BODY_OFFSET + HEADER_CODEC_VERSION_OFFSET);
        if (formatVersion != FORMAT_VERSION || codecVersion != CommandCodec.VERSION)
        {
            throw new JournalFormatException("incompatible ledger-guard journal: directory=" + directory +
                ", formatVersion=" + formatVersion + ", expected=" + FORMAT_VERSION + ", codecVersion=" +
                codecVersion + ", expected=" + CommandCodec.VERSION);
        }
        if (!chain.verify(entry, length - CHAIN_LENGTH, computed))
        {
            throw corrupt(0, "chain mismatch in the journal header");
        }
    }

    private JournalFormatException notOurs(final String found)
    {
        return new JournalFormatException("not a ledger-guard journal: directory=" + directory + ", " + found +
            ", expected=a first entry with magic " + new String(MAGIC, StandardCharsets.US_ASCII));
    }

    private JournalCorruptException corrupt(final long index, final String problem)
    {
        return new JournalCorruptException(directory, index, problem);
    }

    /**
     * @return the first bytes of the entry, printable ASCII kept and the rest as dots, for a message.
     */
    private String printable(final int length)
    {
        final int shown = Math.max(0, Math.min(length, 48));
        final StringBuilder text = new StringBuilder(shown + 2).append('"');
        for (int i = 0; i < shown; i++)
        {
            final int b = entry[i] & 0xFF;
            text.append(b >= 0x20 && b < 0x7F ? (char)b : '.');
        }
        return text.append('"').toString();
    }
}
