package io.ledgerguard.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks that a directory can be a journal before Chronicle Queue writes anything into it: it holds nothing but
 * Chronicle Queue files ({@code *.cq4} cycle files, {@code *.cq4t} metadata). Whether those are ours is decided by
 * the first entry ({@link JournalReader}). A {@value #SNAPSHOTS} subdirectory may hold the guard's snapshots.
 */
final class JournalDirectory
{
    /** The subdirectory snapshots go to by default: the one thing in a journal directory that is not a queue file. */
    static final String SNAPSHOTS = "snapshots";

    private JournalDirectory()
    {
    }

    /**
     * @param directory the journal directory; it may not exist yet.
     * @throws JournalFormatException when it is a file or holds anything a journal does not.
     */
    static void checkOnlyQueueFiles(final Path directory)
    {
        if (!Files.exists(directory))
        {
            return;
        }
        if (!Files.isDirectory(directory))
        {
            throw new JournalFormatException("not a ledger-guard journal: directory=" + directory +
                ", found=a file, expected=a directory");
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                if (name.equals(SNAPSHOTS) && Files.isDirectory(file))
                {
                    continue;
                }
                if (!Files.isRegularFile(file) || !(name.endsWith(".cq4") || name.endsWith(".cq4t")))
                {
                    throw new JournalFormatException("not a ledger-guard journal: directory=" + directory +
                        ", foreignFile=" + name + ", expected=only Chronicle Queue files (*.cq4, *.cq4t)");
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list journal directory: directory=" + directory, ex);
        }
    }
}
