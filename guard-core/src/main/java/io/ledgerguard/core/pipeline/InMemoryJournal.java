package io.ledgerguard.core.pipeline;

import org.agrona.ExpandableDirectByteBuffer;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.Decision;

/**
 * A journal of the commands (not their decisions) kept in memory, in {@link CommandCodec} form: for tests, the demo,
 * and embedders that journal elsewhere. Nothing survives the process. Bounded: appending beyond {@code bytesMax}
 * fails the guard rather than losing a command silently.
 */
public final class InMemoryJournal implements Journal
{
    private final ExpandableDirectByteBuffer buffer;
    private final int bytesMax;
    private int length;
    private long count;
    private volatile long published;

    /**
     * @param bytesMax most bytes the journal may hold.
     */
    public InMemoryJournal(final int bytesMax)
    {
        this(bytesMax, Math.min(bytesMax, 1 << 20));
    }

    /**
     * @param bytesMax     most bytes the journal may hold.
     * @param initialBytes bytes allocated up front; the buffer grows beyond them up to {@code bytesMax}.
     */
    public InMemoryJournal(final int bytesMax, final int initialBytes)
    {
        this.bytesMax = bytesMax;
        this.buffer = new ExpandableDirectByteBuffer(Math.min(bytesMax, initialBytes));
    }

    @Override
    public void append(final Command command, final Decision decision)
    {
        if (length > bytesMax - CommandCodec.ENCODED_LENGTH_MAX)
        {
            throw new IllegalStateException("in-memory journal full: bytesMax=" + bytesMax + ", commands=" + count);
        }
        buffer.checkLimit(length + CommandCodec.ENCODED_LENGTH_MAX);
        length += CommandCodec.encode(command, buffer, length);
        count++;
    }

    @Override
    public void flush()
    {
        // Volatile write: a reader that sees the count sees the bytes before it.
        published = count;
    }

    /**
     * @return commands appended and flushed.
     */
    public long count()
    {
        return published;
    }

    /**
     * Decode every flushed command in order. Call when the pipeline is stopped, or from the journal thread.
     *
     * @param consumer receives each command; the holder is reused.
     */
    public void forEach(final CommandConsumer consumer)
    {
        final long total = published;
        final Command command = new Command();
        int offset = 0;
        for (long i = 0; i < total; i++)
        {
            offset += CommandCodec.decode(buffer, offset, command);
            consumer.accept(command);
        }
    }

    @Override
    public void close()
    {
    }

    /**
     * Receives commands from {@link #forEach(CommandConsumer)}.
     */
    @FunctionalInterface
    public interface CommandConsumer
    {
        /**
         * @param command the next command; only valid during the call.
         */
        void accept(Command command);
    }
}
