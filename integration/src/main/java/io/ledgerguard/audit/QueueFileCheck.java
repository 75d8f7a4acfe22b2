package io.ledgerguard.audit;

import java.io.File;
import java.nio.file.Path;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Checks that every excerpt of a journal's queue lies inside its file, before anything reads an excerpt's bytes.
 * <p>
 * Why: Chronicle Queue maps its files and preallocates them, so the end of the data is where the next excerpt header
 * reads as zero. A file cut short exactly at an entry boundary therefore reads as a valid, shorter journal (its chain
 * verifies), and one cut inside a page that is then gone makes the mapped read fault (an {@link InternalError} from
 * the JVM, not an exception the queue throws). Comparing each excerpt's extent with its file's length catches both,
 * and names the first entry lost. Only excerpt headers are read here; the reader that verifies the chain comes after.
 */
final class QueueFileCheck
{
    /** Excerpt headers are 4 bytes and excerpts start on 4-byte boundaries (Chronicle Wire's header alignment). */
    private static final int HEADER_LENGTH = 4;

    private final long entryIndex;
    private final String problem;

    private QueueFileCheck(final long entryIndex, final String problem)
    {
        this.entryIndex = entryIndex;
        this.problem = problem;
    }

    /**
     * @param directory a journal directory, already accepted by {@link io.ledgerguard.journal.JournalReader#open}.
     * @return the first entry that is not whole in its file, or {@code null} when every entry is.
     */
    static QueueFileCheck firstTruncatedEntry(final Path directory)
    {
        long index = 0;
        try (ChronicleQueue queue = ChronicleQueue.singleBuilder(directory).readOnly(true).build();
            ExcerptTailer tailer = queue.createTailer())
        {
            File previousFile = null;
            long previousEnd = 0;
            while (true)
            {
                if (previousFile != null)
                {
                    // The next header (or the end-of-cycle marker) starts right after the previous excerpt.
                    final long nextHeader = (previousEnd + HEADER_LENGTH - 1) & -HEADER_LENGTH;
                    final long fileLength = previousFile.length();
                    if (nextHeader + HEADER_LENGTH > fileLength)
                    {
                        return new QueueFileCheck(index, "queue file " + previousFile.getName() + " ends at byte " +
                            fileLength + ", where the header of entry " + index + " (or the file's end marker) " +
                            "starts at byte " + nextHeader + ": the file was cut short after entry " + (index - 1) +
                            ", entries from " + index + " on are missing");
                    }
                }
                try (DocumentContext context = tailer.readingDocument())
                {
                    if (!context.isPresent())
                    {
                        return null;
                    }
                    final Bytes<?> bytes = context.wire().bytes();
                    final File file = tailer.currentFile();
                    final long start = bytes.readPosition();
                    final long end = bytes.readLimit();
                    if (file != null)
                    {
                        final long fileLength = file.length();
                        if (end > fileLength)
                        {
                            return new QueueFileCheck(index, "queue file " + file.getName() + " ends at byte " +
                                fileLength + ", inside entry " + index + " (bytes " + (start - HEADER_LENGTH) + ".." +
                                end + "): the file was cut short, entry " + index + " and any after it are missing");
                        }
                    }
                    previousFile = file;
                    previousEnd = end;
                }
                index++;
            }
        }
        catch (final InternalError ex)
        {
            // The JVM's report of a fault on a mapped page past the end of a file.
            return new QueueFileCheck(index, "unreadable: " + ex.getMessage() + ": a queue file is shorter than " +
                "its contents, cut short at or before entry " + index);
        }
    }

    /**
     * @return the index of the first entry not whole in its file.
     */
    long entryIndex()
    {
        return entryIndex;
    }

    /**
     * @return what is wrong, naming the file and the bytes.
     */
    String problem()
    {
        return problem;
    }
}
