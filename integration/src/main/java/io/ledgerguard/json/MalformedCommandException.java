package io.ledgerguard.json;

/**
 * A command line that cannot be turned into a {@link io.ledgerguard.core.Command}; the message names the field and
 * the problem, as in {@code field 'amount': expected an integer in minor units, was 1.5}. Such a line is not
 * sequenced: its decision is {@code MALFORMED_COMMAND} with the line number.
 */
public class MalformedCommandException extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the field.
     */
    public MalformedCommandException(final String message)
    {
        super(message);
    }
}
