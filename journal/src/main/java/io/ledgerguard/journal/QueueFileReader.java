package io.ledgerguard.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a Chronicle Queue file with plain positional reads through a window of its bytes, never mapping it: a file
 * shorter than its contents then reads short instead of faulting (a SIGBUS on a mapped page past its end), and a file
 * whose header is missing is read instead of being waited on. The one place the journal reads queue files without
 * Chronicle Queue; {@link QueueFileCheck} and {@link QueueFileWalker} interpret what it reads.
 */
final class QueueFileReader implements AutoCloseable
{
    /** Bytes read at a time: excerpts are read in order, so one read serves many. */
    private static final int WINDOW_BYTES = 1 << 16;

    private final Path file;
    private final FileChannel channel;
    private final long length;
    private final ByteBuffer window = ByteBuffer.allocate(WINDOW_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long windowStart;
    private int windowLength;

    /**
     * @param file a queue file.
     * @throws UncheckedIOException when it cannot be opened for reading.
     */
    QueueFileReader(final Path file)
    {
        this.file = file;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            length = channel.size();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read queue file: file=" + file, ex);
        }
    }

    /**
     * @return the file's length in bytes, as it was when opened.
     */
    long length()
    {
        return length;
    }

    /**
     * @return the file.
     */
    Path file()
    {
        return file;
    }

    /**
     * @param position where the little-endian int starts; {@code position + 4 <= length()}.
     * @return the int there.
     */
    int intAt(final long position)
    {
        assert position >= 0 && position + Integer.BYTES <= length : "position=" + position + ", length=" + length;
        fill(position, Integer.BYTES);
        return window.getInt((int)(position - windowStart));
    }

    /**
     * @param position where the little-endian long starts; {@code position + 8 <= length()}.
     * @return the long there.
     */
    long longAt(final long position)
    {
        assert position >= 0 && position + Long.BYTES <= length : "position=" + position + ", length=" + length;
        fill(position, Long.BYTES);
        return window.getLong((int)(position - windowStart));
    }

    /**
     * Copy bytes of the file.
     *
     * @param position where they start; {@code position + count <= length()}.
     * @param into     receives them.
     * @param offset   where in {@code into}.
     * @param count    how many.
     */
    void read(final long position, final byte[] into, final int offset, final int count)
    {
        assert position >= 0 && position + count <= length : "position=" + position + ", count=" + count;
        int done = 0;
        while (done < count)
        {
            final int chunk = Math.min(count - done, WINDOW_BYTES);
            fill(position + done, chunk);
            window.get((int)(position + done - windowStart), into, offset + done, chunk);
            done += chunk;
        }
    }

    private void fill(final long position, final int count)
    {
        if (position >= windowStart && position + count <= windowStart + windowLength)
        {
            return;
        }
        window.clear();
        final int wanted = (int)Math.min(WINDOW_BYTES, length - position);
        window.limit(wanted);
        try
        {
            while (window.hasRemaining())
            {
                if (channel.read(window, position + window.position()) < 0)
                {
                    throw new IOException("end of file at byte " + (position + window.position()) +
                        " before its length " + length + ": the file shrank while being read");
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read queue file: file=" + file + ", position=" + position, ex);
        }
        windowStart = position;
        windowLength = wanted;
    }

    @Override
    public void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot close queue file: file=" + file, ex);
        }
    }
}
