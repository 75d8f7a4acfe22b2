package io.ledgerguard.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.exceptions.AeronException;
import io.aeron.security.AuthenticationException;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;

import io.ledgerguard.core.Command;
import io.ledgerguard.protocol.CommandMessages;
import io.ledgerguard.protocol.DecisionMessages;
import io.ledgerguard.protocol.GatewayDecision;
import io.ledgerguard.protocol.ProtocolException;

/**
 * A client of a guard cluster, one request in flight (issue 16): sends a command in the sidecar protocol's encoding to
 * the leader and waits for its decision. When the cluster announces a new leader while a request is unanswered, the
 * request's outcome is unknown, and it is sent again with the same txId: idempotency (SPEC §6) makes that safe, since
 * a command the old leader applied is answered as before, marked duplicate, and never applied twice. A session the
 * cluster closed is opened again and the request sent again the same way.
 * <p>
 * Used by one thread. Allocates nothing per request once connected: the decision returned is this client's own, valid
 * until the next request.
 */
public final class ClusterGuardClient implements AutoCloseable
{
    private static final long IDLE_NS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final Duration RECONNECT_ATTEMPT = Duration.ofSeconds(3);

    private final String aeronDir;
    private final ClusterMembers members;
    private final Duration patience;
    private final ClusterCredentials credentials;
    private final CommandMessages commands = new CommandMessages();
    private final DecisionMessages decisions = new DecisionMessages();
    private final io.ledgerguard.protocol.RulesMessages rulesMessages = new io.ledgerguard.protocol.RulesMessages();
    private final ExpandableArrayBuffer request = new ExpandableArrayBuffer(1024);
    /** The answer returned; a late answer to an earlier request is decoded into {@link #received} and dropped. */
    private GatewayDecision answer = new GatewayDecision();
    private GatewayDecision received = new GatewayDecision();
    private final IdleStrategy idle = new SleepingIdleStrategy(IDLE_NS);
    private final Listener listener = new Listener();
    private AeronCluster cluster;
    private long correlationId;
    private long awaited = -1;
    private boolean answered;
    private long newLeaders;
    private long resubmitted;
    private long reconnects;
    private int leaderMemberId = -1;

    private ClusterGuardClient(final String aeronDir, final ClusterMembers members, final Duration patience,
        final ClusterCredentials credentials)
    {
        this.aeronDir = aeronDir;
        this.members = members;
        this.patience = patience;
        this.credentials = credentials;
    }

    /**
     * A media driver for clients in this process, on loopback: shared threading and a sleeping idle strategy, fit
     * for a small machine. Several clients may share it.
     *
     * @param dir its directory (deleted on start and on close).
     * @return the driver; close it after its clients.
     */
    public static MediaDriver launchDriver(final Path dir)
    {
        return MediaDriver.launchEmbedded(new MediaDriver.Context()
            .aeronDirectoryName(dir.toString())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new SleepingIdleStrategy(IDLE_NS))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
    }

    /**
     * How a client of a guard cluster connects: to every member's ingress, answered on this machine's address on the
     * route to the members.
     *
     * @param aeronDir           a running media driver's directory.
     * @param members            the cluster's members.
     * @param credentials        the client's id and key, for a cluster whose rules name clients; {@code null} for one
     *                           whose rules do not.
     * @param listener           hears the answers and new leaders.
     * @param messageTimeoutNs   how long connecting, and any one message, may take.
     * @param newLeaderTimeoutNs how long the session waits for a new leader before it closes.
     * @return the context for {@link AeronCluster#connect}.
     * @throws IllegalArgumentException when no local address routes to member 0.
     */
    static AeronCluster.Context context(final String aeronDir, final ClusterMembers members,
        final ClusterCredentials credentials, final EgressListener listener, final long messageTimeoutNs,
        final long newLeaderTimeoutNs)
    {
        final AeronCluster.Context context = new AeronCluster.Context()
            .aeronDirectoryName(aeronDir)
            .egressListener(listener)
            .egressChannel("aeron:udp?endpoint=" + members.localAddressFacing(0) + ":0")
            .ingressChannel("aeron:udp")
            .ingressEndpoints(members.ingressEndpoints())
            .messageTimeoutNs(messageTimeoutNs)
            .newLeaderTimeoutNs(newLeaderTimeoutNs);
        return credentials == null ? context : context.credentialsSupplier(credentials);
    }

    /**
     * Connect to the cluster's leader, as a client of a cluster whose rules name no clients.
     *
     * @param aeronDir a running media driver's directory ({@link #launchDriver(Path)}).
     * @param members  the cluster's members.
     * @param patience how long to wait for a leader, and for any one answer.
     * @return the connected client.
     * @throws ClusterUnavailableException when no leader answered within {@code patience}.
     */
    public static ClusterGuardClient connect(final String aeronDir, final ClusterMembers members,
        final Duration patience)
    {
        return connect(aeronDir, members, null, patience);
    }

    /**
     * Connect to the cluster's leader.
     *
     * @param aeronDir    a running media driver's directory ({@link #launchDriver(Path)}).
     * @param members     the cluster's members.
     * @param credentials the client's id and key, which a cluster whose rules name clients asks for; or {@code null}.
     * @param patience    how long to wait for a leader, and for any one answer.
     * @return the connected client.
     * @throws ClusterUnavailableException when no leader answered within {@code patience}.
     * @throws ClusterRefusedException     when the leader refused the client (no credentials, an unknown or revoked
     *                                     id, or the wrong key).
     */
    public static ClusterGuardClient connect(final String aeronDir, final ClusterMembers members,
        final ClusterCredentials credentials, final Duration patience)
    {
        final ClusterGuardClient client = new ClusterGuardClient(aeronDir, members, patience, credentials);
        client.cluster = client.open(patience);
        return client;
    }

    private AeronCluster open(final Duration connectTimeout)
    {
        try
        {
            // A new leader takes about two seconds on a busy machine: the client waits for it, not closes.
            final AeronCluster opened = AeronCluster.connect(
                context(aeronDir, members, credentials, listener, connectTimeout.toNanos(), patience.toNanos()));
            leaderMemberId = opened.leaderMemberId();
            return opened;
        }
        catch (final AuthenticationException ex)
        {
            throw ClusterRefusedException.of(members, credentials, ex);
        }
        catch (final AeronException | IllegalArgumentException ex)
        {
            throw new ClusterUnavailableException("no leader of the cluster " + members + " answered in " +
                connectTimeout.toMillis() + " ms: " + ex.getMessage(), ex);
        }
    }

    /**
     * Send a command and wait for its decision, sending it again with the same txId when a new leader is announced
     * before it was answered, or when the session had to be opened again.
     *
     * @param command the command; its txId makes sending it again safe.
     * @return the decision: this client's own, valid until the next call.
     * @throws ClusterUnavailableException when nothing answered within the patience: the outcome is unknown; send the
     *                                     command again with the same txId once the cluster is back.
     * @throws ClusterRefusedException     when the session had to be opened again and the leader refused this
     *                                     client (its id revoked, say).
     */
    public GatewayDecision submit(final Command command)
    {
        final long id = ++correlationId;
        final int length = commands.encode(id, command, 0, request, 0);
        final long deadline = System.nanoTime() + patience.toNanos();
        awaited = id;
        answered = false;
        long offeredUnder = offer(length, deadline, command.txId);
        while (!answered)
        {
            // Checked on every turn: a stream of late answers to other requests must not hold the deadline off.
            checkDeadline(deadline, command.txId);
            if (pollEgress() == 0)
            {
                idle.idle();
            }
            if (!answered && (newLeaders != offeredUnder || cluster.isClosed()))
            {
                resubmitted++;
                offeredUnder = offer(length, deadline, command.txId);
            }
        }
        awaited = -1;
        return answer;
    }

    private int pollEgress()
    {
        return cluster.isClosed() ? 0 : cluster.pollEgress();
    }

    private long offer(final int length, final long deadline, final long txId)
    {
        while (true)
        {
            if (cluster.isClosed())
            {
                reopen(deadline, txId);
            }
            if (cluster.offer(request, 0, length) > 0)
            {
                return newLeaders;
            }
            pollEgress();
            checkDeadline(deadline, txId);
            idle.idle();
        }
    }

    private void reopen(final long deadline, final long txId)
    {
        CloseHelper.quietClose(cluster);
        while (true)
        {
            try
            {
                // Short attempts, so that a leader elected meanwhile is found before the request's deadline, and none
                // beyond it.
                final long leftNs = Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime());
                cluster = open(Duration.ofNanos(Math.min(leftNs, RECONNECT_ATTEMPT.toNanos())));
                reconnects++;
                return;
            }
            catch (final ClusterUnavailableException ex)
            {
                checkDeadline(deadline, txId);
            }
        }
    }

    private void checkDeadline(final long deadline, final long txId)
    {
        if (System.nanoTime() - deadline > 0)
        {
            awaited = -1;
            throw new ClusterUnavailableException("no answer from the cluster " + members + " to txId " + txId +
                " in " + patience.toMillis() + " ms: its outcome is unknown; send it again with the same txId");
        }
    }

    /**
     * @return leaders announced to this client since it connected.
     */
    public long newLeaders()
    {
        return newLeaders;
    }

    /**
     * @return requests sent again, with their txId, after a new leader or a new session.
     */
    public long resubmitted()
    {
        return resubmitted;
    }

    /**
     * @return sessions opened again after the cluster closed one.
     */
    public long reconnects()
    {
        return reconnects;
    }

    /**
     * @return the member id of the leader this client last heard of.
     */
    public int leaderMemberId()
    {
        return leaderMemberId;
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(cluster);
    }

    private final class Listener implements EgressListener
    {
        @Override
        public void onMessage(final long clusterSessionId, final long timestamp, final DirectBuffer buffer,
            final int offset, final int length, final Header header)
        {
            if (rulesMessages.isRules(buffer, offset, length))
            {
                // The rules in force, which a gateway follows: this client checks nothing itself.
                return;
            }
            try
            {
                decisions.decode(buffer, offset, length, received);
                if (received.correlationId == awaited && !answered)
                {
                    final GatewayDecision taken = received;
                    received = answer;
                    answer = taken;
                    answered = true;
                }
            }
            catch (final ProtocolException ex)
            {
                throw new IllegalStateException("the cluster answered with an undecodable decision: " +
                    ex.getMessage(), ex);
            }
        }

        @Override
        public void onNewLeader(final long clusterSessionId, final long leadershipTermId, final int leaderMemberId,
            final String ingressEndpoints)
        {
            newLeaders++;
            ClusterGuardClient.this.leaderMemberId = leaderMemberId;
        }
    }
}
