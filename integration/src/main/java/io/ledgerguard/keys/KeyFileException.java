package io.ledgerguard.keys;

/**
 * A key file or a line to sign that cannot be used; the message names the file, line or field.
 */
public final class KeyFileException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the file, line or field.
     */
    public KeyFileException(final String message)
    {
        super(message);
    }
}
