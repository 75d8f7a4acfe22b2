package io.ledgerguard.audit;

/**
 * The journal, or its replay, is not what the audit needs it to be: a txId that is not in it, a replayed decision that
 * differs from the recorded one. The message names the directory and the entry, seq or txId.
 */
public final class AuditException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the directory and the entry, seq or txId.
     */
    public AuditException(final String message)
    {
        super(message);
    }
}
