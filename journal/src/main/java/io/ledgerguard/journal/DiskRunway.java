package io.ledgerguard.journal;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps the stretch of a cycle file just after the journal's last entry allocated on the device before Chronicle
 * Queue's memory-mapped writes reach it, and the file system's free space above a margin.
 * <p>
 * Why: Chronicle Queue grows its files sparsely ({@code setLength}) and writes through a memory mapping, so a disk
 * block is first allocated when a write touches its page. On a full file system that touch cannot be backed and the
 * kernel sends SIGBUS: the JVM turns it into an {@link InternalError} at some later instruction, or dies, and the
 * entry being written is half there. Chronicle's own {@code DiskSpaceMonitor} only logs, once a second, on a thread of
 * its own. Here the journal thread itself writes zeros, with ordinary {@code write} calls, over the
 * {@value #RUNWAY_BYTES} bytes after the last entry before any entry goes there: a full disk is then an
 * {@code IOException} (ENOSPC) on a write that changes nothing, not a fault in the middle of an entry. Each time, and
 * before the write that starts a new cycle file (which Chronicle creates and maps itself), the free space must stay
 * above {@code journal.diskFreeBytesMin}, so that the journal stops, with its reason, while there is still room for
 * a snapshot, a log line and an operator.
 * <p>
 * The zeros go only where Chronicle has not written: past the end of the last entry, where its files hold zeros
 * anyway (the end of data is where the next excerpt header reads zero). Called on the journal thread only.
 */
final class DiskRunway implements AutoCloseable
{
    /** Bytes allocated ahead of the last entry at a time. */
    static final long RUNWAY_BYTES = 1 << 20;
    /**
     * The runway is extended once fewer bytes than this are left: more than the longest entry plus the index array
     * Chronicle may write before it (4,096 longs and a header for the default roll cycles).
     */
    static final long LOW_WATER_BYTES = 256 << 10;
    /** What a new cycle file takes before its first entry: its header, index-to-index and first index arrays. */
    static final long NEW_FILE_BYTES = 256 << 10;
    /** Bytes after the last entry left alone: Chronicle pads an excerpt and clears the 8 bytes after it on close. */
    private static final long AFTER_ENTRY_BYTES = 64;

    private final Path directory;
    private final long freeBytesMin;
    private final DiskSpaceProbe probe;
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(64 << 10);
    private FileChannel channel;
    private File file;
    private long end;

    /**
     * @param directory    the journal's directory.
     * @param freeBytesMin free space the journal leaves on its file system.
     * @param probe        asks the file system for its free space.
     */
    DiskRunway(final Path directory, final long freeBytesMin, final DiskSpaceProbe probe)
    {
        this.directory = directory;
        this.freeBytesMin = freeBytesMin;
        this.probe = probe;
    }

    /**
     * @param position where the last entry written ends, in the runway's file.
     * @return true when the runway must be extended before the next entry: one comparison, the hot path's cost.
     */
    boolean lowAfter(final long position)
    {
        return position + LOW_WATER_BYTES > end;
    }

    /**
     * Allocate the {@value #RUNWAY_BYTES} bytes after the last entry of a cycle file.
     *
     * @param cycleFile the file the last entry went to.
     * @param position  where that entry ends.
     * @param lastSeq   the journal's last sequence, for the message.
     * @throws JournalStoppedException when the space would fall below the margin, or the write fails.
     */
    void extend(final File cycleFile, final long position, final long lastSeq)
    {
        if (!cycleFile.equals(file))
        {
            closeChannel();
            file = cycleFile;
            end = 0;
            try
            {
                channel = FileChannel.open(cycleFile.toPath(), StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            catch (final IOException ex)
            {
                throw stopped("I/O error", "cannot open the cycle file to allocate space: " + ex, lastSeq, ex);
            }
        }
        final long from = Math.max(end, position + AFTER_ENTRY_BYTES);
        final long to = position + RUNWAY_BYTES;
        requireNothingWrittenAt(position);
        requireFree(to - from, lastSeq);
        try
        {
            long at = from;
            while (at < to)
            {
                zeros.clear().limit((int)Math.min(zeros.capacity(), to - at));
                at += channel.write(zeros, at);
            }
        }
        catch (final IOException ex)
        {
            throw stopped("cannot allocate disk space", "writing the " + (to - from) + " bytes after the last " +
                "entry failed: " + ex.getMessage(), lastSeq, ex);
        }
        end = to;
    }

    /**
     * The zeros must never land on an entry: where the next excerpt header would go, the file must still read zero.
     */
    private void requireNothingWrittenAt(final long position)
    {
        final ByteBuffer word = ByteBuffer.allocate(Integer.BYTES);
        final long next = QueueFileWalker.align(position);
        try
        {
            while (word.hasRemaining() && channel.read(word, next + word.position()) >= 0)
            {
                assert word.position() <= Integer.BYTES : "read past the word";
            }
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException("cannot read journal cycle file: file=" + file, ex);
        }
        if (word.position() == Integer.BYTES && word.getInt(0) != 0)
        {
            // A programmer error (a wrong position), caught before it could destroy evidence.
            throw new IllegalStateException("journal disk runway would overwrite data: file=" + file +
                ", position=" + position + ", word=0x" + Integer.toHexString(word.getInt(0)));
        }
    }

    /**
     * Before a write that starts a new cycle file: Chronicle creates and maps it, so only the free space can be
     * checked.
     *
     * @param lastSeq the journal's last sequence, for the message.
     * @throws JournalStoppedException when the space would fall below the margin.
     */
    void beforeNewFile(final long lastSeq)
    {
        requireFree(NEW_FILE_BYTES, lastSeq);
    }

    /**
     * Before the journal is opened: refuse to start on a file system already short of space.
     *
     * @param existing the journal's directory, or its nearest existing parent when it is new.
     * @throws JournalStoppedException when the space is below the margin.
     */
    void requireFreeToOpen(final Path existing)
    {
        final long usable;
        try
        {
            usable = probe.usableBytes(existing);
        }
        catch (final IOException ex)
        {
            throw new JournalStoppedException("journal not opened: cannot read the file system's free space: " +
                "directory=" + directory + ": " + ex, ex);
        }
        if (usable - NEW_FILE_BYTES < freeBytesMin)
        {
            throw new JournalStoppedException("journal not opened: disk space low: directory=" + directory +
                ", usableBytes=" + usable + ", diskFreeBytesMin=" + freeBytesMin + "; free space on that file " +
                "system, or lower journal.diskFreeBytesMin", null);
        }
    }

    /**
     * @param needed  bytes about to be taken.
     * @param lastSeq the journal's last sequence, for the message.
     * @throws JournalStoppedException when the file system has less free space than the margin.
     */
    void requireFree(final long needed, final long lastSeq)
    {
        final long usable;
        try
        {
            usable = probe.usableBytes(directory);
        }
        catch (final IOException ex)
        {
            throw stopped("I/O error", "cannot read the file system's free space: " + ex, lastSeq, ex);
        }
        if (usable - needed < freeBytesMin)
        {
            throw stopped("disk space low", "usableBytes=" + usable + ", neededBytes=" + needed +
                ", diskFreeBytesMin=" + freeBytesMin, lastSeq, null);
        }
    }

    private JournalStoppedException stopped(
        final String reason, final String detail, final long lastSeq, final Throwable cause)
    {
        return new JournalStoppedException("journal stopped accepting: " + reason + ": directory=" + directory +
            (file == null ? "" : ", file=" + file.getName()) + ", " + detail + "; nothing after seq=" + lastSeq +
            " was written or acknowledged: free space on that file system (or fix the I/O error) and restart; the " +
            "journal reopens where it stopped", cause);
    }

    @Override
    public void close()
    {
        closeChannel();
    }

    private void closeChannel()
    {
        if (channel != null)
        {
            final FileChannel closing = channel;
            channel = null;
            try
            {
                closing.close();
            }
            catch (final IOException ex)
            {
                throw new java.io.UncheckedIOException("cannot close journal cycle file: directory=" + directory +
                    ", file=" + file, ex);
            }
        }
    }
}
