package io.ledgerguard.cluster;

/**
 * The cluster's leader refused this client's session (SPEC §12): its rules name clients, and this one sent no id, an
 * id they do not name or have revoked, or a signature not made with that id's key. Connecting again will not help
 * until the rules or the client's credentials change.
 */
public final class ClusterRefusedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message who was refused, by which cluster, and what the leader said.
     * @param cause   what the cluster client reported.
     */
    public ClusterRefusedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }

    static ClusterRefusedException of(
        final ClusterMembers members, final ClusterCredentials credentials, final Throwable cause)
    {
        return new ClusterRefusedException("the cluster " + members + " refused " + (credentials == null ?
            "a client without credentials (its rules name clients: connect with a client id and its key)" :
            "client '" + credentials.clientId() + "'") + ": " + cause.getMessage() + " (the leader logs why)", cause);
    }
}
