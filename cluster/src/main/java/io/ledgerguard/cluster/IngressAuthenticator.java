package io.ledgerguard.cluster;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.aeron.cluster.codecs.BackupQueryDecoder;
import io.aeron.cluster.codecs.HeartbeatRequestDecoder;
import io.aeron.cluster.codecs.MessageHeaderDecoder;
import io.aeron.security.AuthorisationService;
import io.aeron.security.Authenticator;
import io.aeron.security.SessionProxy;
import org.agrona.collections.Long2ObjectHashMap;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
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
 * <p>
 * This checks who opens a session, not who sends each message: Aeron's leader takes an ingress message for any open
 * session by its id and term, whichever connection it came on. It keeps protocol-following clients to their roles
 * and names them in the evidence; against a hostile host that reaches the nodes' ports, the ports must not be
 * reachable (spec §10).
 */
final class IngressAuthenticator implements Authenticator
{
    static final int CHALLENGE_LENGTH = 32;
    /**
     * A session with no verdict is forgotten after this: past the consensus module's own session timeout (10 s), which
     * drops a pending session without telling the authenticator.
     */
    private static final long PENDING_MS_MAX = 15_000;
    /** Sessions between their connect request and a verdict, at most: a new one beyond them evicts the oldest. */
    private static final int PENDING_MAX = 4_096;
    /** An Ed25519 signature: a longer answer to the challenge is not kept, and fails. */
    private static final int RESPONSE_LENGTH_MAX = 64;
    private static final byte[] NO_PRINCIPAL = new byte[0];

    private final Supplier<GuardConfig> rules;
    private final Consumer<String> refusals;
    private final SecureRandom random = new SecureRandom();
    private final Long2ObjectHashMap<Pending> pending = new Long2ObjectHashMap<>();
    /** What each client may send, for the authorisation service: this thread's own, apart from the service's. */
    private final ClientRoles backupRoles = new ClientRoles();
    private volatile long refused;

    /**
     * @param rules    the rules in force, read from this thread while the service changes them on its own.
     * @param refusals told of each session refused, and why, naming the client id it claimed.
     */
    IngressAuthenticator(final Supplier<GuardConfig> rules, final Consumer<String> refusals)
    {
        this.rules = rules;
        this.refusals = refusals;
    }

    /**
     * @return sessions this node refused as leader since it started: any thread.
     */
    long refused()
    {
        return refused;
    }

    @Override
    public void onConnectRequest(final long sessionId, final byte[] encodedCredentials, final long nowMs)
    {
        pending.values().removeIf(session -> nowMs - session.sinceMs > PENDING_MS_MAX);
        if (pending.size() >= PENDING_MAX && !pending.containsKey(sessionId))
        {
            // A flood of connections that never answer: the oldest is forgotten (and refused if it comes back), so
            // that a client whose handshake takes milliseconds still gets in.
            evictOldest();
        }
        // Only an id that could name a client is kept; any other fails (or is admitted with no principal while the
        // rules name no clients).
        final boolean possible = encodedCredentials != null && encodedCredentials.length > 0 &&
            encodedCredentials.length <= Command.CLIENT_ID_LENGTH_MAX;
        pending.put(sessionId, new Pending(possible ? encodedCredentials : NO_PRINCIPAL, nowMs));
    }

    @Override
    public void onConnectedSession(final SessionProxy sessionProxy, final long nowMs)
    {
        final Pending session = pending.get(sessionProxy.sessionId());
        if (session == null)
        {
            refused++;
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
            session.response = encodedCredentials == null || encodedCredentials.length > RESPONSE_LENGTH_MAX ?
                NO_PRINCIPAL : encodedCredentials;
        }
    }

    @Override
    public void onChallengedSession(final SessionProxy sessionProxy, final long nowMs)
    {
        final Pending session = pending.get(sessionProxy.sessionId());
        if (session == null)
        {
            refused++;
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
        refused++;
        sessionProxy.reject();
        refusals.accept("cluster session " + sessionProxy.sessionId() + " refused: " + refusal);
    }

    /**
     * What an admitted session may ask of the consensus module itself, besides sending commands: a cluster backup's
     * query (and its heartbeat), which copies the whole state ({@link ClusterSeed}). Anyone while the rules name no
     * clients; once they do, only a client whose role may send {@code CONFIGURE}, the operator's. Nothing else (no
     * standby snapshots, no admin requests), as Aeron's default.
     *
     * @return the consensus module's authorisation service, reading the same rules.
     */
    AuthorisationService authorisation()
    {
        return (protocolId, actionId, type, principal) ->
        {
            if (protocolId != MessageHeaderDecoder.SCHEMA_ID ||
                (actionId != BackupQueryDecoder.TEMPLATE_ID && actionId != HeartbeatRequestDecoder.TEMPLATE_ID))
            {
                return false;
            }
            final GuardConfig inForce = rules.get();
            if (inForce.clients().isEmpty() || backupRoles.allows(inForce, principal, CommandType.CONFIGURE))
            {
                return true;
            }
            refused++;
            refusals.accept("cluster backup by '" + printable(principal) + "' refused: the rules in force give it no " +
                "role that may send CONFIGURE, which copying the cluster's state requires");
            return false;
        };
    }

    private void evictOldest()
    {
        long oldestId = 0;
        long oldestMs = Long.MAX_VALUE;
        for (final Long2ObjectHashMap<Pending>.EntryIterator it = pending.entrySet().iterator(); it.hasNext(); )
        {
            it.next();
            if (it.getValue().sinceMs < oldestMs)
            {
                oldestMs = it.getValue().sinceMs;
                oldestId = it.getLongKey();
            }
        }
        pending.remove(oldestId);
    }

    private static String refusal(final List<GuardConfig.ClientConfig> clients, final Pending session)
    {
        if (session.claimedId.length == 0)
        {
            return "no client id of 1.." + Command.CLIENT_ID_LENGTH_MAX + " bytes (the rules name clients: a client " +
                "connects with its id and key)";
        }
        final String claimed = printable(session.claimedId);
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

    /** Printable ASCII in what is logged: the id comes from whoever connected. */
    private static String printable(final byte[] id)
    {
        return new String(id, StandardCharsets.US_ASCII).replaceAll("[^ -~]", "?");
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
