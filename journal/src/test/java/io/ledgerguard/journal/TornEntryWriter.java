package io.ledgerguard.journal;

import java.nio.file.Path;

import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Child process of {@link TornEntryTest}: begins an excerpt in a journal, writes part of an entry into it, and halts
 * the JVM without completing it, as a SIGKILL in the middle of an append would leave it.
 */
public final class TornEntryWriter
{
    private TornEntryWriter()
    {
    }

    public static void main(final String[] args)
    {
        final Path directory = Path.of(args[0]);
        final ChronicleQueue queue = ChronicleQueue.singleBuilder(directory).build();
        final ExcerptAppender appender = queue.createAppender();
        final DocumentContext context = appender.writingDocument();
        final byte[] half = new byte[JournalEntryDescriptor.BODY_OFFSET + 40];
        half[JournalEntryDescriptor.KIND_OFFSET] = JournalEntryDescriptor.KIND_COMMAND;
        context.wire().bytes().write(half);
        // No close: the excerpt's header stays "not complete", exactly as a kill mid-append leaves it.
        Runtime.getRuntime().halt(0);
    }
}
