package io.ledgerguard.journal;

/**
 * The journal stopped accepting entries before writing one it could not have made whole: its file system is short of
 * space, or allocating or syncing the journal's files failed. Nothing after the journal's last entry was written, so
 * nothing acknowledged is lost and the journal reopens where it stopped once the cause is gone. The message says
 * which, with the directory, the file, the figures and what to do.
 */
public final class JournalStoppedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message why, as {@code journal stopped accepting: <reason>: key=value, ...; what to do}.
     * @param cause   the I/O error, or {@code null}.
     */
    public JournalStoppedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
