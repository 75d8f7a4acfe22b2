package io.ledgerguard.core;

/**
 * A snapshot's state cannot be restored into this engine: the limits are below the live state it holds (SPEC §11,
 * resizing: limits can be raised, never lowered below what is live), or the assets and wallets differ from those it
 * was taken with. An operating error: the message names the limit and the figures.
 */
public final class StateDoesNotFitException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what does not fit, naming the configuration key.
     */
    public StateDoesNotFitException(final String message)
    {
        super(message);
    }
}
