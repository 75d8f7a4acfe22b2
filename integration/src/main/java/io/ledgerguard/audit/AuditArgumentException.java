package io.ledgerguard.audit;

/**
 * An argument the journal cannot satisfy, as a sequence beyond its last command: a usage error, not a fault of the
 * journal. The message names the argument, its value and what the journal holds.
 */
public final class AuditArgumentException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message which argument, its value and what the journal holds.
     */
    public AuditArgumentException(final String message)
    {
        super(message);
    }
}
