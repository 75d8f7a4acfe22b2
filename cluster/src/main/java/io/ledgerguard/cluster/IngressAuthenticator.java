package io.ledgerguard.cluster;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.aeron.security.Authenticator;
import io.aeron.security.SessionProxy;
import org.agrona.collections.Long2ObjectHashMap;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardConfig;

/**
 * Who may open a session on a guard cluster (SPEC §12), decided by the leader's consensus module as a client connects.
 * While the rules in force name no clients every session is admitted, with no principal. Once they name clients, a
 * client sends its id ({@link ClusterCredentials}), the leader challenges it with 32 fresh random bytes, and admits it
 * only if it signed them with the key the rules name for that id, and the id is not revoked; its id becomes the
 * session's principal, which the log carries to every node. What each admitted client may send is then checked by its
 * role on every node ({@link GuardClusteredService}).
 * <p>
 * The randomness and the rules read here are not part of the replicated state: only the outcome is, as the session's
 * principal in the log. Runs on the consensus module's thread only.
 */
final class IngressAuthenticator implements Authenticator
{
    static final int CHALLENGE_LENGTH = 32;
    /** A client that connected and never answered its challenge is forgotten after this. */
    private static final long PENDING_MS_MAX = 60_000;
    /** Sessions between their connect request and a verdict, at most: beyond them a new one is refused. */
    private static final int PENDING_MAX = 4_096;
    private static final byte[] NO_PRINCIPAL = new byte[0];

    private final Supplier<GuardConfig> rules;
    private final Consumer<String> refusals;
    private final SecureRandom random = new SecureRandom();
    private final Long2ObjectHashMap<Pending> pending = new Long2ObjectHashMap<>();

    /**
     * @param rules    the rules in force, read from this thread while the service changes them on its own.
     * @param refusals told of each session refused, and why, naming the client id it claimed.
     */
    IngressAuthenticator(final Supplier<GuardConfig> rules, final Consumer<String> refusals)
    {
        this.rules = rules;
        this.refusals = refusals;
    }

    @Override
    public void onConnectRequest(final long sessionId, final byte[] encodedCredentials, final long nowMs)
    {
        pending.values().removeIf(session -> nowMs - session.sinceMs > PENDING_MS_MAX);
        if (pending.size() >= PENDING_MAX)
        {
            // A flood of connections that never answer: this one is refused when the module asks about it.
            return;
        }
        pending.put(sessionId, new Pending(encodedCredentials == null ? NO_PRINCIPAL : encodedCredentials, nowMs));
    }

    @Override
    public void onConnectedSession(final SessionProxy sessionProxy, final long nowMs)
    {
        final Pending session = pending.get(sessionProxy.sessionId());
        if (session == null)
        {
            sessionProxy.reject();
            return;
        }
        if (rules.get().clients().isEmpty())
        {
            if (sessionProxy.authenticate(NO_PRINCIPAL))
            {
                pending.remove(sessionProxy.sessionId());
            }
            return;
        }
        if (session.challenge == null)
        {
            session.challenge = new byte[CHALLENGE_LENGTH];
            random.nextBytes(session.challenge);
        }
        // Offered again on the next call when the egress pushed back.
        sessionProxy.challenge(session.challenge);
    }

    @Override
    public void onChallengeResponse(final long sessionId, final byte[] encodedCredentials, final long nowMs)
    {
        final Pending session = pending.get(sessionId);
        if (session != null)
        {
            session.response = encodedCredentials == null ? NO_PRINCIPAL : encodedCredentials;
        }
    }

    @Override
    public void onChallengedSession(final SessionProxy sessionProxy, final long nowMs)
    {
        final Pending session = pending.get(sessionProxy.sessionId());
        if (session == null)
        {
            sessionProxy.reject();
            return;
        }
        if (session.response == null)
        {
            return;
        }
        final String refusal = refusal(rules.get().clients(), session);
        if (refusal == null)
        {
            if (sessionProxy.authenticate(session.claimedId))
            {
                pending.remove(sessionProxy.sessionId());
            }
            return;
        }
        pending.remove(sessionProxy.sessionId());
        sessionProxy.reject();
        refusals.accept("cluster session " + sessionProxy.sessionId() + " refused: " + refusal);
    }

    private static String refusal(final List<GuardConfig.ClientConfig> clients, final Pending session)
    {
        if (session.claimedId.length == 0 || session.claimedId.length > Command.CLIENT_ID_LENGTH_MAX)
        {
            return "no client id of 1.." + Command.CLIENT_ID_LENGTH_MAX + " bytes (the rules name clients: a client " +
                "connects with its id and key)";
        }
        // Printable ASCII in what is logged: the id comes from whoever connected.
        final String claimed = new String(session.claimedId, StandardCharsets.US_ASCII).replaceAll("[^ -~]", "?");
        for (final GuardConfig.ClientConfig client : clients)
        {
            if (client.id.equals(claimed))
            {
                if (client.revoked)
                {
                    return "client '" + claimed + "' is revoked";
                }
                return ClusterCredentials.verify(client.publicKey, session.claimedId, session.challenge,
                    session.response) ? null : "client '" + claimed + "' did not sign the challenge with its key";
            }
        }
        return "client '" + claimed + "' is not named under clients:";
    }

    /** A session between its connect request and the leader's verdict. */
    private static final class Pending
    {
        final byte[] claimedId;
        final long sinceMs;
        byte[] challenge;
        byte[] response;

        Pending(final byte[] claimedId, final long sinceMs)
        {
            this.claimedId = claimedId;
            this.sinceMs = sinceMs;
        }
    }
}
