package io.ledgerguard.journal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static io.ledgerguard.journal.JournalEntryDescriptor.BYTE_ORDER;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_COMMAND;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.SEQ_OFFSET;

/**
 * Walks the excerpts of a journal's cycle files in order with plain reads ({@link QueueFileReader}), handing out the
 * data excerpts (the journal's entries) and stopping at the first that is not whole in its file, which
 * {@link #damage()} then describes. It reads Chronicle Queue's framing as Chronicle Wire writes it (the constants of
 * {@code net.openhft.chronicle.wire.Wires} and {@code BinaryWireCode}):
 * <pre>
 *   a file:    header excerpt | excerpt | excerpt | ... | 0 (nothing written yet) or the end-of-file marker
 *   excerpt:   int header, little-endian: bit 31 not complete, bit 30 metadata, bits 0..29 length
 *              | length bytes | padding to the next multiple of 4 (files of dataFormat 1, those Chronicle writes now)
 *   header:    the first excerpt, metadata, complete: the event "header" typed !SCQStore (!STStore in metadata.cq4t),
 *              whose first field, writePosition, is an int64 array holding the position of the last excerpt written
 * </pre>
 * Metadata excerpts (the header, Chronicle's indexes) are skipped; an excerpt still being written (not complete: a
 * process killed mid-append) ends a file's data, as it does for Chronicle, which overwrites it on the next append.
 */
final class QueueFileWalker implements AutoCloseable
{
    static final int NOT_COMPLETE = 0x8000_0000;
    static final int META_DATA = 0x4000_0000;
    static final int LENGTH_MASK = 0x3FFF_FFFF;
    static final int END_OF_DATA = NOT_COMPLETE | META_DATA;
    static final int HEADER_BYTES = 4;
    /** Chronicle refuses a file header longer than this ({@code AbstractWire.readFirstHeader}). */
    static final int FILE_HEADER_LENGTH_MAX = 64 << 10;
    private static final int EVENT_NAME = 0xB9;
    private static final int TYPE_PREFIX = 0xB6;
    private static final int FIELD_NAME_WRITE_POSITION = 0xC0 + 13;
    private static final int PADDING = 0x8F;
    private static final int PADDING32 = 0x8E;
    private static final int I64_ARRAY = 0x8D;
    private static final byte[] HEADER_EVENT = "header".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WRITE_POSITION = "writePosition".getBytes(StandardCharsets.US_ASCII);
    /** The type of a cycle file's header. */
    static final String CYCLE_FILE_TYPE = "SCQStore";
    /** The type of the metadata file's header. */
    static final String METADATA_FILE_TYPE = "STStore";

    private final List<Path> files;
    private int fileIndex = -1;
    private QueueFileReader reader;
    private long position;
    private long entries;
    private long lastCommandSeq;
    private long lastEntryIndex = -1;
    private Path lastEntryFile;
    private QueueFileCheck.Damage damage;
    private boolean ended;

    /**
     * @param files the journal's cycle files, in cycle order.
     */
    QueueFileWalker(final List<Path> files)
    {
        this.files = files;
    }

    /**
     * Read the next entry.
     *
     * @param into receives the entry's bytes, as many as fit.
     * @return the entry's length, or -1 at the end of the journal or at the first damaged file (see
     *         {@link #damage()}).
     */
    int next(final byte[] into)
    {
        while (!ended)
        {
            if (reader == null && !openNextFile())
            {
                continue;
            }
            final long length = reader.length();
            if (position + HEADER_BYTES > length)
            {
                damaged(QueueFileCheck.Problem.CUT_AT_EXCERPT, position, position);
                continue;
            }
            final int header = reader.intAt(position);
            if (header == 0 || header == END_OF_DATA || (header & NOT_COMPLETE) != 0)
            {
                // Nothing written after this; the end-of-file marker; or an append that never completed.
                closeFile();
                continue;
            }
            final long start = position + HEADER_BYTES;
            final long end = start + (header & LENGTH_MASK);
            final boolean metaData = (header & META_DATA) != 0;
            if (end > length)
            {
                damaged(metaData ? QueueFileCheck.Problem.CUT_INSIDE_INDEX : QueueFileCheck.Problem.CUT_INSIDE_ENTRY,
                    position, end);
                continue;
            }
            position = align(end);
            if (metaData)
            {
                continue;
            }
            final int excerptLength = (int)(end - start);
            reader.read(start, into, 0, Math.min(excerptLength, into.length));
            noteEntry(into, excerptLength);
            return excerptLength;
        }
        return -1;
    }

    /**
     * @return the first damage found, or {@code null} when every file read so far was whole.
     */
    QueueFileCheck.Damage damage()
    {
        return damage;
    }

    /**
     * @return entries read, the journal header included.
     */
    long entries()
    {
        return entries;
    }

    /**
     * @return the file the entry read last is in, or {@code null} before the first.
     */
    Path currentFile()
    {
        return reader == null ? lastEntryFile : reader.file();
    }

    @Override
    public void close()
    {
        if (reader != null)
        {
            reader.close();
            reader = null;
        }
        ended = true;
    }

    private void noteEntry(final byte[] entry, final int excerptLength)
    {
        lastEntryIndex = entries++;
        lastEntryFile = reader.file();
        if (excerptLength >= SEQ_OFFSET + Long.BYTES && entry.length >= SEQ_OFFSET + Long.BYTES &&
            entry[KIND_OFFSET] == KIND_COMMAND)
        {
            lastCommandSeq = littleEndianLong(entry, SEQ_OFFSET);
        }
    }

    private boolean openNextFile()
    {
        fileIndex++;
        if (fileIndex >= files.size())
        {
            ended = true;
            return false;
        }
        reader = new QueueFileReader(files.get(fileIndex));
        final FileHeader header = readFileHeader(reader, CYCLE_FILE_TYPE);
        if (header.problem != null)
        {
            damage = new QueueFileCheck.Damage(header.problem, reader.file(), reader.length(), header.end, header.end,
                entries, lastEntryIndex, lastCommandSeq, lastEntryFile, fileIndex == files.size() - 1)
                .found(header.found);
            closeFile();
            ended = true;
            return false;
        }
        position = header.dataStart;
        return true;
    }

    private void damaged(final QueueFileCheck.Problem problem, final long from, final long to)
    {
        damage = new QueueFileCheck.Damage(problem, reader.file(), reader.length(), from, to, entries,
            lastEntryIndex, lastCommandSeq, lastEntryFile, fileIndex == files.size() - 1);
        closeFile();
        ended = true;
    }

    private void closeFile()
    {
        if (reader != null)
        {
            reader.close();
            reader = null;
        }
    }

    /**
     * @return the position of the next excerpt header after one that ends at {@code end}: excerpts start on 4-byte
     *         boundaries.
     */
    static long align(final long end)
    {
        return (end + HEADER_BYTES - 1) & -HEADER_BYTES;
    }

    /**
     * What a queue file's header says, or why it cannot be read.
     */
    static final class FileHeader
    {
        final QueueFileCheck.Problem problem;
        /** Where the header ends, or where the file does when the header is cut. */
        final long end;
        /** Where the first excerpt after the header starts. */
        final long dataStart;
        /** The position of the last excerpt written, as the header records it; -1 when it cannot be read. */
        final long writePosition;
        /** The header's type, for a foreign file's message. */
        final String found;

        FileHeader(final QueueFileCheck.Problem problem, final long end, final long dataStart, final long writePosition,
            final String found)
        {
            this.problem = problem;
            this.end = end;
            this.dataStart = dataStart;
            this.writePosition = writePosition;
            this.found = found;
        }
    }

    /**
     * Read and check a queue file's header excerpt.
     *
     * @param reader the file.
     * @param type   the header type the file must have: {@link #CYCLE_FILE_TYPE} or {@link #METADATA_FILE_TYPE}.
     * @return the header, or the problem with it.
     */
    static FileHeader readFileHeader(final QueueFileReader reader, final String type)
    {
        final long length = reader.length();
        if (length == 0)
        {
            return new FileHeader(QueueFileCheck.Problem.EMPTY, 0, 0, -1, null);
        }
        if (length < HEADER_BYTES)
        {
            return new FileHeader(QueueFileCheck.Problem.CUT_HEADER, length, 0, -1, null);
        }
        final int word = reader.intAt(0);
        if (word == 0 || word == NOT_COMPLETE)
        {
            return new FileHeader(QueueFileCheck.Problem.NO_HEADER, 0, 0, -1, "0x" + Integer.toHexString(word));
        }
        final int headerLength = word & LENGTH_MASK;
        if ((word & (META_DATA | NOT_COMPLETE)) != META_DATA || headerLength > FILE_HEADER_LENGTH_MAX)
        {
            return new FileHeader(QueueFileCheck.Problem.FOREIGN, 0, 0, -1, "first word 0x" +
                Integer.toHexString(word));
        }
        final long end = HEADER_BYTES + (long)headerLength;
        if (end > length)
        {
            return new FileHeader(QueueFileCheck.Problem.CUT_HEADER, end, 0, -1, null);
        }
        final byte[] header = new byte[headerLength];
        reader.read(HEADER_BYTES, header, 0, headerLength);
        final String found = headerType(header);
        if (!type.equals(found))
        {
            return new FileHeader(QueueFileCheck.Problem.FOREIGN, end, 0, -1, found == null ?
                "a first excerpt that is not a Chronicle Queue file header" : "a header of type " + found);
        }
        return new FileHeader(null, end, align(end), writePosition(header), found);
    }

    /**
     * @return the type of a header excerpt's body ({@code header: !SCQStore {...}}), or {@code null} when it is not
     *         one.
     */
    private static String headerType(final byte[] header)
    {
        int at = 0;
        if (header.length < 2 + HEADER_EVENT.length + 2 || (header[at++] & 0xFF) != EVENT_NAME ||
            header[at++] != HEADER_EVENT.length || !regionEquals(header, at, HEADER_EVENT))
        {
            return null;
        }
        at += HEADER_EVENT.length;
        if ((header[at++] & 0xFF) != TYPE_PREFIX)
        {
            return null;
        }
        final int typeLength = header[at++];
        if (typeLength <= 0 || at + typeLength > header.length)
        {
            return null;
        }
        return new String(header, at, typeLength, StandardCharsets.US_ASCII);
    }

    /**
     * @return the first value of the header's {@code writePosition} field (an int64 array of the position and
     *         sequence of the last excerpt written), or -1 when the field is not found as expected.
     */
    private static long writePosition(final byte[] header)
    {
        for (int i = 0; i + 1 + WRITE_POSITION.length < header.length; i++)
        {
            if ((header[i] & 0xFF) != FIELD_NAME_WRITE_POSITION || !regionEquals(header, i + 1, WRITE_POSITION))
            {
                continue;
            }
            int at = i + 1 + WRITE_POSITION.length;
            while (at < header.length && ((header[at] & 0xFF) == PADDING || (header[at] & 0xFF) == PADDING32))
            {
                if ((header[at] & 0xFF) == PADDING)
                {
                    at++;
                }
                else
                {
                    if (at + 5 > header.length)
                    {
                        return -1;
                    }
                    at += 5 + littleEndianInt(header, at + 1);
                }
            }
            // I64_ARRAY, capacity, used, then the values.
            if (at < 0 || at + 1 + 3 * Long.BYTES > header.length || (header[at] & 0xFF) != I64_ARRAY)
            {
                return -1;
            }
            final long used = littleEndianLong(header, at + 1 + Long.BYTES);
            return used < 1 ? -1 : littleEndianLong(header, at + 1 + 2 * Long.BYTES);
        }
        return -1;
    }

    private static boolean regionEquals(final byte[] bytes, final int at, final byte[] expected)
    {
        return at + expected.length <= bytes.length &&
            java.util.Arrays.equals(bytes, at, at + expected.length, expected, 0, expected.length);
    }

    private static int littleEndianInt(final byte[] bytes, final int at)
    {
        return (int)littleEndian(bytes, at, Integer.BYTES);
    }

    static long littleEndianLong(final byte[] bytes, final int at)
    {
        return littleEndian(bytes, at, Long.BYTES);
    }

    private static long littleEndian(final byte[] bytes, final int at, final int count)
    {
        assert BYTE_ORDER == java.nio.ByteOrder.LITTLE_ENDIAN : "the journal is little-endian";
        long value = 0;
        for (int i = count - 1; i >= 0; i--)
        {
            value = (value << 8) | (bytes[at + i] & 0xFF);
        }
        return count == Integer.BYTES ? (int)value : value;
    }
}
