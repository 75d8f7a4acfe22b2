package io.ledgerguard.protocol;

/**
 * A message that cannot be taken: the server answers it with an error frame carrying {@link #code()} and the message,
 * which names the field.
 */
public final class ProtocolException extends Exception
{
    private static final long serialVersionUID = 1L;

    /** The frame is shorter than its header or its fields say. */
    public static final int TRUNCATED = 1;
    /** An SBE header of another schema, template or version. */
    public static final int UNKNOWN_MESSAGE = 2;
    /** A field holds a value the guard's command cannot: an unknown kind, a count or a length beyond its maximum. */
    public static final int INVALID_FIELD = 3;
    /** Bytes after the message's last field. */
    public static final int TRAILING_BYTES = 4;

    private final int code;

    /**
     * @param code    one of the codes above.
     * @param message what is wrong, naming the field.
     */
    public ProtocolException(final int code, final String message)
    {
        super(message, null, false, false);
        this.code = code;
    }

    /**
     * @return the error code sent in the error frame.
     */
    public int code()
    {
        return code;
    }
}
