package io.ledgerguard.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.security.MessageDigest;
import java.util.zip.CRC32C;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.StateDoesNotFitException;

/**
 * Snapshot files of the guard's off-heap state, one per file, named by the sequence they were taken after. A file is
 * written under a temporary name, synced, and renamed into place, so that a file under its final name is whole unless
 * the disk itself corrupted it; the CRC-32C over every byte before it, and the state hash recorded in it and
 * recomputed on loading, catch that. Little-endian:
 * <pre>
 *   "LEDGER-GUARD-SNAPSHOT\0\0\0" (24) | formatVersion int | partCount int | seq long | stateHash 64 hex bytes
 *   then per part: nameLength short | name | entryBytes int | entryCount long | entries
 *   then: CRC-32C of all the above, as a long
 * </pre>
 * The parts are the engine's state parts, each as its entries ({@link GuardEngine#forEachStateEntry}): the live
 * entries of a table, not its capacity, so a file is proportional to the live state, and it restores into an engine
 * whose limits hold that state, the ones it was taken with or larger ones (SPEC §11, resizing). Limits below the live
 * state are refused with {@link io.ledgerguard.core.StateDoesNotFitException}, naming the limit. The last part is the
 * rules in force ({@code rules}, SPEC §13); a file written before it existed has one part fewer and restores with the
 * engine's own rules.
 */
public final class SnapshotStore
{
    static final byte[] MAGIC = "LEDGER-GUARD-SNAPSHOT\0\0\0".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 3;
    private static final String PREFIX = "snapshot-";
    private static final String SUFFIX = ".lgs";
    private static final String TEMP_SUFFIX = ".tmp";
    private static final int IO_CHUNK = 1 << 20;

    private final Path directory;

    /**
     * @param directory where snapshots are kept; created when missing.
     */
    public SnapshotStore(final Path directory)
    {
        this.directory = directory;
    }

    /**
     * @param journalDirectory a journal directory.
     * @return the store in its {@code snapshots} subdirectory.
     */
    public static SnapshotStore inJournal(final Path journalDirectory)
    {
        return new SnapshotStore(journalDirectory.resolve(JournalDirectory.SNAPSHOTS));
    }

    /**
     * @return where snapshots are kept.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * Write a snapshot of an engine that nothing is applying to (the guard's copy of its state).
     *
     * @param engine       the state.
     * @param seq          the sequence it is the state after.
     * @param stateHashHex its state hash.
     * @return the file written.
     */
    public Path write(final GuardEngine engine, final long seq, final String stateHashHex)
    {
        return writeDigested(engine, seq, stateHashHex).file();
    }

    /**
     * As {@link #write(GuardEngine, long, String)}, returning the SHA-256 of the file too, for the checkpoint that
     * vouches for it.
     *
     * @param engine       the state.
     * @param seq          the sequence it is the state after.
     * @param stateHashHex its state hash.
     * @return the file written and its digest.
     */
    public Written writeDigested(final GuardEngine engine, final long seq, final String stateHashHex)
    {
        final Path file = directory.resolve(fileName(seq));
        final Path temp = directory.resolve(fileName(seq) + TEMP_SUFFIX);
        final String digestHex;
        try
        {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
            {
                final CRC32C crc = new CRC32C();
                final MessageDigest sha256 = Sha256.digest();
                final ByteBuffer header = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
                header.put(MAGIC).putInt(FORMAT_VERSION).putInt(engine.statePartCount()).putLong(seq)
                    .put(stateHashHex.getBytes(StandardCharsets.US_ASCII));
                writeChecked(channel, crc, sha256, header.flip());
                final EntryWriter entries = new EntryWriter(channel, crc, sha256);
                for (int i = 0; i < engine.statePartCount(); i++)
                {
                    final byte[] name = engine.statePartName(i).getBytes(StandardCharsets.US_ASCII);
                    final ByteBuffer partHeader =
                        ByteBuffer.allocate(2 + name.length + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
                    partHeader.putShort((short)name.length).put(name).putInt(engine.stateEntryBytes(i))
                        .putLong(engine.stateEntryCount(i));
                    writeChecked(channel, crc, sha256, partHeader.flip());
                    entries.part(engine.stateEntryBytes(i));
                    engine.forEachStateEntry(i, entries);
                    entries.flush();
                    if (entries.written() != engine.stateEntryCount(i))
                    {
                        throw new IllegalStateException("part " + engine.statePartName(i) + ": " + entries.written() +
                            " entries written, " + engine.stateEntryCount(i) + " counted");
                    }
                }
                final ByteBuffer trailer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                trailer.putLong(crc.getValue());
                trailer.flip();
                sha256.update(trailer.duplicate());
                writeAll(channel, trailer);
                channel.force(true);
                digestHex = Sha256.hex(sha256.digest(), 0, Sha256.LENGTH);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(directory);
            return new Written(file, digestHex);
        }
        catch (final IOException | UncheckedIOException ex)
        {
            try
            {
                Files.deleteIfExists(temp);
            }
            catch (final IOException ignored)
            {
                // The write failed already; a leftover temporary file is ignored by list() and removed by prune().
            }
            final IOException cause =
                ex instanceof IOException ? (IOException)ex : ((UncheckedIOException)ex).getCause();
            throw new UncheckedIOException("cannot write snapshot: file=" + file + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * Keep a snapshot file's bytes, written elsewhere (a cluster's snapshot a seeded node started from), under its
     * name in this store: written to a temporary file, synced, renamed, and the directory (and its parent, which may
     * have had to create it) synced, as {@link #write} does. Its contents are not checked here: {@link #load} does.
     *
     * @param bytes the whole file.
     * @param seq   the sequence it is the state after.
     * @return the file kept.
     */
    public Path keep(final byte[] bytes, final long seq)
    {
        final Path file = directory.resolve(fileName(seq));
        final Path temp = directory.resolve(fileName(seq) + TEMP_SUFFIX);
        try
        {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
            {
                writeAll(channel, ByteBuffer.wrap(bytes));
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(directory);
            forceDirectory(directory.toAbsolutePath().getParent());
            return file;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot keep snapshot: file=" + file + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Load a snapshot into a fresh engine built from the limits it was taken with or larger ones, checking it whole:
     * magic and version, every part's name and entry length, the CRC-32C, and the state hash recomputed from what was
     * loaded.
     *
     * @param file   a snapshot file.
     * @param engine receives the state; on failure its state is undefined and it must not be used.
     * @return the snapshot's sequence and state hash.
     * @throws SnapshotCorruptException naming the file and what is wrong.
     * @throws io.ledgerguard.core.StateDoesNotFitException when the engine's limits are below the state it holds.
     */
    public static Loaded load(final Path file, final GuardEngine engine)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long size = channel.size();
            final CRC32C crc = new CRC32C();
            final MessageDigest sha256 = Sha256.digest();
            final ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 4 + 4 + 8 + 64).order(ByteOrder.LITTLE_ENDIAN);
            readChecked(channel, crc, sha256, header, file, "header");
            header.flip();
            final byte[] magic = new byte[MAGIC.length];
            header.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC))
            {
                throw new SnapshotCorruptException(file, "not a ledger-guard snapshot (magic)");
            }
            final int version = header.getInt();
            if (version != FORMAT_VERSION)
            {
                throw new SnapshotCorruptException(file, "formatVersion=" + version + ", expected=" + FORMAT_VERSION);
            }
            final int partCount = header.getInt();
            final long seq = header.getLong();
            if (seqOf(file) >= 0 && seqOf(file) != seq)
            {
                throw new SnapshotCorruptException(file, "holds seq=" + seq + ", its name says seq=" + seqOf(file));
            }
            final byte[] hashBytes = new byte[64];
            header.get(hashBytes);
            final String stateHashHex = new String(hashBytes, StandardCharsets.US_ASCII);
            // A snapshot written before rule changes existed ends without the rules part (SPEC §13): its rules are
            // the journal's genesis, which the engine was built with.
            if (partCount != engine.statePartCount() && partCount != engine.statePartCount() - 1)
            {
                throw new SnapshotCorruptException(file, "partCount=" + partCount + ", expected=" +
                    engine.statePartCount() + " (or " + (engine.statePartCount() - 1) + ", without rules)");
            }
            for (int i = 0; i < partCount; i++)
            {
                readPart(channel, crc, sha256, file, engine, i, size);
            }
            final ByteBuffer trailer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, trailer, file, "checksum");
            trailer.flip();
            sha256.update(trailer.duplicate());
            final long stored = trailer.getLong();
            if (stored != crc.getValue())
            {
                throw new SnapshotCorruptException(file, "checksum mismatch: stored=" + Long.toHexString(stored) +
                    ", computed=" + Long.toHexString(crc.getValue()));
            }
            if (channel.position() != size)
            {
                throw new SnapshotCorruptException(file, (size - channel.position()) + " bytes after the checksum");
            }
            try
            {
                engine.stateRestored(seq);
            }
            catch (final StateDoesNotFitException ex)
            {
                throw ex;
            }
            catch (final IllegalStateException ex)
            {
                throw new SnapshotCorruptException(file, ex.getMessage());
            }
            final String recomputed = engine.stateHash().hex();
            if (!recomputed.equals(stateHashHex))
            {
                throw new SnapshotCorruptException(file, "state hash mismatch: recorded=" + stateHashHex +
                    ", recomputed=" + recomputed);
            }
            return new Loaded(file, seq, stateHashHex, Sha256.hex(sha256.digest(), 0, Sha256.LENGTH));
        }
        catch (final IOException ex)
        {
            throw new SnapshotCorruptException(file, "cannot read: " + ex);
        }
    }

    /**
     * @return the snapshot files, newest (highest sequence) first; temporary files are left out.
     */
    public List<Path> list()
    {
        final List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(directory))
        {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, PREFIX + "*" + SUFFIX))
        {
            for (final Path file : stream)
            {
                if (seqOf(file) >= 0)
                {
                    files.add(file);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list snapshots: directory=" + directory, ex);
        }
        files.sort(Comparator.comparingLong((Path file) -> seqOf(file)).reversed());
        return files;
    }

    /**
     * Keep the newest snapshots and delete the rest, leftover temporary files included.
     *
     * @param kept how many to keep, at least 1.
     * @return how many files were deleted.
     */
    public int prune(final int kept)
    {
        return prune(kept, Long.MAX_VALUE);
    }

    /**
     * Keep the newest snapshots the journal vouches for, and every newer one (its checkpoint may be on its way), and
     * delete the rest, leftover temporary files included.
     *
     * @param kept        how many vouched-for snapshots to keep, at least 1.
     * @param vouchedUpTo the journal's last checkpoint sequence: snapshots up to it are vouched for.
     * @return how many files were deleted.
     */
    public int prune(final int kept, final long vouchedUpTo)
    {
        if (kept < 1)
        {
            throw new IllegalArgumentException("snapshotsKept must be >= 1, was " + kept);
        }
        int deleted = 0;
        try
        {
            final List<Path> files = list();
            int vouched = 0;
            for (final Path file : files)
            {
                if (seqOf(file) > vouchedUpTo)
                {
                    continue;
                }
                if (++vouched > kept)
                {
                    Files.deleteIfExists(file);
                    deleted++;
                }
            }
            if (Files.isDirectory(directory))
            {
                final long newest = files.isEmpty() ? Long.MAX_VALUE : seqOf(files.get(0));
                try (DirectoryStream<Path> temps = Files.newDirectoryStream(directory, PREFIX + "*" + TEMP_SUFFIX))
                {
                    for (final Path temp : temps)
                    {
                        // Only temporaries older than the newest snapshot: a newer one may be being written.
                        final String name = temp.getFileName().toString();
                        final long seq = seqOf(name.substring(0, name.length() - TEMP_SUFFIX.length()));
                        if (seq >= 0 && seq < newest)
                        {
                            Files.deleteIfExists(temp);
                            deleted++;
                        }
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot prune snapshots: directory=" + directory, ex);
        }
        return deleted;
    }

    /**
     * @param file a snapshot file.
     * @return the sequence in its name, or -1 when the name is not a snapshot's.
     */
    public static long seqOf(final Path file)
    {
        return seqOf(file.getFileName().toString());
    }

    private static long seqOf(final String name)
    {
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX) ||
            name.length() != PREFIX.length() + 20 + SUFFIX.length())
        {
            return -1;
        }
        try
        {
            return Long.parseLong(name.substring(PREFIX.length(), PREFIX.length() + 20));
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    /**
     * @param seq a snapshot's sequence.
     * @return the name of its file: {@code snapshot-<seq, 20 digits>} and the suffix.
     */
    public static String fileName(final long seq)
    {
        return String.format("%s%020d%s", PREFIX, seq, SUFFIX);
    }

    /**
     * Read one part's header and restore its entries.
     */
    private static void readPart(
        final FileChannel channel, final CRC32C crc, final MessageDigest sha256, final Path file,
        final GuardEngine engine, final int i, final long size) throws IOException
    {
        final ByteBuffer nameLength = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
        readChecked(channel, crc, sha256, nameLength, file, "part " + i + " name length");
        final int length = nameLength.flip().getShort();
        if (length < 0 || length > 64)
        {
            throw new SnapshotCorruptException(file, "part " + i + " name length=" + length);
        }
        final ByteBuffer nameBytes = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        readChecked(channel, crc, sha256, nameBytes, file, "part " + i + " name");
        nameBytes.flip();
        final byte[] name = new byte[length];
        nameBytes.get(name);
        final String partName = new String(name, StandardCharsets.US_ASCII);
        final ByteBuffer shape = ByteBuffer.allocate(4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        readChecked(channel, crc, sha256, shape, file, "part " + partName + " header");
        shape.flip();
        final int entryBytes = shape.getInt();
        final long count = shape.getLong();
        if (!partName.equals(engine.statePartName(i)) || entryBytes != engine.stateEntryBytes(i))
        {
            throw new SnapshotCorruptException(file, "part " + i + " is " + partName + " of " + entryBytes +
                "-byte entries, expected " + engine.statePartName(i) + " of " + engine.stateEntryBytes(i));
        }
        if (count < 0 || count > (size - channel.position()) / entryBytes)
        {
            throw new SnapshotCorruptException(file, "truncated or corrupt: part " + partName + " claims " +
                count + " entries of " + entryBytes + " bytes, more than the " + (size - channel.position()) +
                " bytes left");
        }
        try
        {
            engine.beginStateRestore(i, count);
            readEntries(channel, crc, sha256, file, engine, i, entryBytes, count, partName);
        }
        catch (final StateDoesNotFitException ex)
        {
            // Limits below the state, or a corrupt count: only a file whose checksum holds says the former.
            throw checksumHolds(channel, crc, size) ? ex : new SnapshotCorruptException(file,
                "checksum mismatch (and, read as it is, " + ex.getMessage() + ")");
        }
    }

    /**
     * Read the rest of the file into the checksum and compare it with the stored one.
     *
     * @return true when the file is whole as written.
     */
    private static boolean checksumHolds(final FileChannel channel, final CRC32C crc, final long size)
        throws IOException
    {
        final ByteBuffer chunk = ByteBuffer.allocate(IO_CHUNK);
        long left = size - Long.BYTES - channel.position();
        while (left > 0)
        {
            chunk.clear().limit((int)Math.min(IO_CHUNK, left));
            final int read = channel.read(chunk);
            if (read < 0)
            {
                return false;
            }
            chunk.flip();
            crc.update(chunk);
            left -= read;
        }
        final ByteBuffer trailer = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (trailer.hasRemaining())
        {
            if (channel.read(trailer) < 0)
            {
                return false;
            }
        }
        return left == 0 && trailer.flip().getLong() == crc.getValue();
    }

    private static void readEntries(
        final FileChannel channel, final CRC32C crc, final MessageDigest sha256, final Path file,
        final GuardEngine engine, final int part, final int entryBytes, final long count, final String partName)
        throws IOException
    {
        final int perChunk = Math.max(1, IO_CHUNK / entryBytes);
        final ByteBuffer chunk = ByteBuffer.allocateDirect(perChunk * entryBytes).order(ByteOrder.LITTLE_ENDIAN);
        final UnsafeBuffer entries = new UnsafeBuffer(chunk);
        long restored = 0;
        while (restored < count)
        {
            final int n = (int)Math.min(perChunk, count - restored);
            chunk.clear().limit(n * entryBytes);
            readChecked(channel, crc, sha256, chunk, file, "part " + partName);
            for (int e = 0; e < n; e++)
            {
                try
                {
                    engine.restoreStateEntry(part, restored + e, entries, e * entryBytes);
                }
                catch (final StateDoesNotFitException ex)
                {
                    throw ex;
                }
                catch (final IllegalStateException | IndexOutOfBoundsException ex)
                {
                    throw new SnapshotCorruptException(file, "part " + partName + " entry " + (restored + e) + ": " +
                        ex.getMessage());
                }
            }
            restored += n;
        }
    }

    /**
     * Writes a part's entries in chunks of about {@link #IO_CHUNK} bytes, checksummed as they go.
     */
    private static final class EntryWriter implements GuardEngine.StateEntryVisitor
    {
        private final FileChannel channel;
        private final CRC32C crc;
        private final MessageDigest sha256;
        private final ByteBuffer chunk = ByteBuffer.allocateDirect(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        private final UnsafeBuffer bytes = new UnsafeBuffer(chunk);
        private int entryBytes;
        private int used;
        private long written;

        EntryWriter(final FileChannel channel, final CRC32C crc, final MessageDigest sha256)
        {
            this.channel = channel;
            this.crc = crc;
            this.sha256 = sha256;
        }

        void part(final int entryBytes)
        {
            assert used == 0 : "part begun before the last was flushed";
            assert entryBytes <= IO_CHUNK : "entryBytes=" + entryBytes;
            this.entryBytes = entryBytes;
            written = 0;
        }

        long written()
        {
            return written;
        }

        @Override
        public void entry(final DirectBuffer buffer, final int offset)
        {
            if (used + entryBytes > IO_CHUNK)
            {
                flush();
            }
            bytes.putBytes(used, buffer, offset, entryBytes);
            used += entryBytes;
            written++;
        }

        void flush()
        {
            chunk.clear().limit(used);
            try
            {
                writeChecked(channel, crc, sha256, chunk);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            used = 0;
        }
    }

    private static void writeChecked(
        final FileChannel channel, final CRC32C crc, final MessageDigest sha256, final ByteBuffer buffer)
        throws IOException
    {
        crc.update(buffer.duplicate());
        sha256.update(buffer.duplicate());
        writeAll(channel, buffer);
    }

    private static void writeAll(final FileChannel channel, final ByteBuffer buffer) throws IOException
    {
        final int limit = buffer.limit();
        while (buffer.position() < limit)
        {
            buffer.limit(Math.min(limit, buffer.position() + IO_CHUNK));
            channel.write(buffer);
            buffer.limit(limit);
        }
    }

    private static void readChecked(
        final FileChannel channel, final CRC32C crc, final MessageDigest sha256, final ByteBuffer buffer,
        final Path file, final String what)
        throws IOException
    {
        final ByteBuffer start = buffer.duplicate();
        readFully(channel, buffer, file, what);
        start.limit(buffer.position());
        sha256.update(start.duplicate());
        crc.update(start);
    }

    private static void readFully(
        final FileChannel channel, final ByteBuffer buffer, final Path file, final String what) throws IOException
    {
        while (buffer.hasRemaining())
        {
            if (channel.read(buffer) < 0)
            {
                throw new SnapshotCorruptException(file, "truncated in " + what + " at byte " + channel.position());
            }
        }
    }

    private static void forceDirectory(final Path directory) throws IOException
    {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    /**
     * A snapshot file written, with its SHA-256.
     */
    public static final class Written
    {
        private final Path file;
        private final String digestHex;

        Written(final Path file, final String digestHex)
        {
            this.file = file;
            this.digestHex = digestHex;
        }

        /**
         * @return the file.
         */
        public Path file()
        {
            return file;
        }

        /**
         * @return the SHA-256 of the whole file, 64 hex digits.
         */
        public String digestHex()
        {
            return digestHex;
        }
    }

    /**
     * What {@link #load(Path, GuardEngine)} restored.
     */
    public static final class Loaded
    {
        private final Path file;
        private final long seq;
        private final String stateHashHex;
        private final String digestHex;

        Loaded(final Path file, final long seq, final String stateHashHex, final String digestHex)
        {
            this.file = file;
            this.seq = seq;
            this.stateHashHex = stateHashHex;
            this.digestHex = digestHex;
        }

        /**
         * @return the SHA-256 of the whole file, 64 hex digits.
         */
        public String digestHex()
        {
            return digestHex;
        }

        /**
         * @return the file.
         */
        public Path file()
        {
            return file;
        }

        /**
         * @return the sequence the state is as of.
         */
        public long seq()
        {
            return seq;
        }

        /**
         * @return the state hash, 64 hex digits.
         */
        public String stateHashHex()
        {
            return stateHashHex;
        }
    }
}
