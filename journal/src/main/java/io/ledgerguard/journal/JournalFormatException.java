package io.ledgerguard.journal;

/**
 * A directory that is not a ledger-guard journal, or one written by an incompatible version: refused before anything
 * is written to it.
 */
public final class JournalFormatException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message says which directory and what was found, as key=value pairs.
     */
    public JournalFormatException(final String message)
    {
        super(message);
    }
}
