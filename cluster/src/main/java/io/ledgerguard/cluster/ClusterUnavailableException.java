package io.ledgerguard.cluster;

/**
 * The cluster did not answer in time: no leader (a minority of its nodes is up), or none reachable. The outcome of an
 * unanswered request is unknown; it may be sent again with the same txId once the cluster is back.
 */
public final class ClusterUnavailableException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was waited for, and for how long.
     */
    public ClusterUnavailableException(final String message)
    {
        super(message);
    }

    /**
     * @param message what was waited for, and for how long.
     * @param cause   what the cluster client reported.
     */
    public ClusterUnavailableException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
