package io.ledgerguard.journal;

import java.nio.file.Path;

/**
 * A snapshot file that cannot be used: truncated, corrupted, of another version or for other limits. Recovery moves
 * on to an older snapshot, or to a full replay of the journal.
 */
public final class SnapshotCorruptException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * @param file    the snapshot.
     * @param problem what is wrong with it.
     */
    public SnapshotCorruptException(final Path file, final String problem)
    {
        super("unusable snapshot: file=" + file + ": " + problem);
        this.file = file;
    }

    /**
     * @return the snapshot file.
     */
    public Path file()
    {
        return file;
    }
}
