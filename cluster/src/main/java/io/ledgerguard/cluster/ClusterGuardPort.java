package io.ledgerguard.cluster;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.exceptions.AeronException;
import io.aeron.security.AuthenticationException;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.Rules;
import io.ledgerguard.core.RulesInForce;
import io.ledgerguard.core.pipeline.DecisionListener;
import io.ledgerguard.core.pipeline.GuardPort;
import io.ledgerguard.protocol.CommandMessages;
import io.ledgerguard.protocol.DecisionMessages;
import io.ledgerguard.protocol.GatewayDecision;
import io.ledgerguard.protocol.ProtocolException;
import io.ledgerguard.protocol.RulesMessages;

/**
 * The sidecar's gateway as a client of a guard cluster (issue 16, {@code serve --cluster}): applications keep the
 * binary protocol and {@code GatewayClient}; the gateway hands each request to this port, which sends it to the
 * cluster's leader and hands the decision back.
 * <p>
 * One thread of its own owns the cluster client: it sends what the gateway's I/O thread (the one producer) put in a
 * slot, polls the answers and calls the listeners. When the cluster announces a new leader, or the session had to be
 * opened again, every request still unanswered has an unknown outcome and is sent again, in the order it came, with
 * its txId: idempotency answers one the old leader applied as before, never applying it twice. A request unanswered
 * for two seconds on an open session is sent again too (a leader drops an answer it cannot deliver). No request waits
 * longer than {@code unavailableAfter}: it is then answered {@code GUARD_FAILED}, the outcome unknown, to be sent again
 * with the same txId once the cluster is back (reject-reasons.md); and once no leader could be reached (a minority of
 * the nodes is up: the session closes after {@code unavailableAfter} without a leader, and a new one cannot be
 * opened), new requests are refused {@code GUARD_FAILED} at once.
 * <p>
 * The rules it reports, which the gateway's approval verifier and client rules read, are the rules in force as the
 * cluster's leader told them: it asks on each new session (taking no request until told) and from each new leader, and
 * the leader tells every session after each rule change; the configuration file's before the first telling. A node
 * counts approvals again against the rules in force at the command's place in the log.
 */
public final class ClusterGuardPort implements GuardPort, AutoCloseable
{
    private static final long IDLE_NS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long RECONNECT_PAUSE_MS = 100;
    /** A request unanswered this long on an open session is sent again: its answer may have been lost. */
    private static final long RESEND_AFTER_NS = TimeUnit.SECONDS.toNanos(2);
    /** How often requests in flight are looked over for one to send again or to give up on. */
    private static final long SWEEP_EVERY_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final System.Logger LOG = System.getLogger(ClusterGuardPort.class.getName());

    private final String aeronDir;
    private final ClusterMembers members;
    /** The configuration file's: its table sizes, and the rules until the cluster tells its own. */
    private final GuardConfig fileRules;
    /** The rules in force as the cluster's leader last told them; the file's before it did. */
    private volatile RulesInForce rules;
    private final RulesMessages rulesMessages = new RulesMessages();
    private final ExpandableArrayBuffer rulesRequest = new ExpandableArrayBuffer(64);
    /** The rules in force were asked for on this session since it opened or its leader changed. */
    private boolean rulesAsked;
    private long rulesAskedNs;
    private long rulesAskedAgain;
    private static final long RULES_ASK_AGAIN_NS = TimeUnit.SECONDS.toNanos(1);
    /** A session opened and its leader has not told the rules yet: requests are refused meanwhile. */
    private boolean rulesAwaited;
    private final ClusterCredentials credentials;
    private final long unavailableAfterNs;
    private final Slot[] slots;
    private final int mask;
    private final CommandMessages commands = new CommandMessages();
    private final DecisionMessages decisions = new DecisionMessages();
    private final GatewayDecision received = new GatewayDecision();
    private final Decision decision = new Decision();
    private final Command decided = new Command();
    private final Listener listener = new Listener();
    private final Thread thread;
    private final IdleStrategy idle = new SleepingIdleStrategy(IDLE_NS);
    /** The last request id the gateway's thread put in a slot. */
    private volatile long submitted;
    /** The last request id offered to the cluster: this port's thread only. */
    private long offered;
    /** Send again, from the oldest request unanswered, before anything new. */
    private boolean resend;
    private volatile boolean available;
    private volatile boolean running = true;
    private volatile long leaders;
    private volatile long resent;
    private volatile long unavailableAnswers;
    private volatile long undecodable;
    private volatile long refusals;
    private volatile long rulesTold;
    private volatile long rulesPassedOver;
    private long nextSweepNs;
    private AeronCluster cluster;
    /** A media driver this port launched for itself, closed with it; {@code null} when given one. */
    private AutoCloseable ownDriver;

    /**
     * Start the port's thread, which connects to the cluster's leader and keeps connecting.
     *
     * @param aeronDir         a running media driver's directory ({@link ClusterGuardClient#launchDriver}).
     * @param members          the cluster's members.
     * @param rules            the configuration file's rules: its table sizes, and the rules until the cluster's
     *                         leader tells its own.
     * @param credentials      the gateway's own client id and key, which a cluster whose rules name clients asks for;
     *                         {@code null} for one whose rules do not.
     * @param capacity         requests in flight at most, a power of two.
     * @param unavailableAfter how long a request waits without a leader before it is answered GUARD_FAILED.
     */
    public ClusterGuardPort(final String aeronDir, final ClusterMembers members, final RulesInForce rules,
        final ClusterCredentials credentials, final int capacity, final Duration unavailableAfter)
    {
        if (capacity < 2 || Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two, was " + capacity);
        }
        this.aeronDir = aeronDir;
        this.members = members;
        this.rules = rules;
        this.fileRules = rules.rules;
        this.credentials = credentials;
        this.unavailableAfterNs = unavailableAfter.toNanos();
        this.slots = new Slot[capacity];
        for (int i = 0; i < capacity; i++)
        {
            slots[i] = new Slot();
        }
        this.mask = capacity - 1;
        this.nextSweepNs = System.nanoTime();
        this.thread = new Thread(this::run, "cluster-port");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * A port with a media driver of its own (shared threading, sleeping idle strategy), closed with it.
     *
     * @param driverDir        the driver's directory (deleted on start and on close).
     * @param members          the cluster's members.
     * @param rules            the configuration file's rules: its table sizes, and the rules until the cluster's
     *                         leader tells its own.
     * @param credentials      the gateway's own client id and key, or {@code null}.
     * @param capacity         requests in flight at most, a power of two.
     * @param unavailableAfter how long a request waits without a leader before it is answered GUARD_FAILED.
     * @return the port, connecting.
     */
    public static ClusterGuardPort withOwnDriver(final java.nio.file.Path driverDir, final ClusterMembers members,
        final RulesInForce rules, final ClusterCredentials credentials, final int capacity,
        final Duration unavailableAfter)
    {
        final io.aeron.driver.MediaDriver driver = ClusterGuardClient.launchDriver(driverDir);
        try
        {
            final ClusterGuardPort port = new ClusterGuardPort(driver.aeronDirectoryName(), members, rules,
                credentials, capacity, unavailableAfter);
            port.ownDriver = driver;
            return port;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(driver);
            throw ex;
        }
    }

    /**
     * Called by the gateway's I/O thread only.
     */
    @Override
    public long submitAsync(final Command command, final DecisionListener decisionListener)
    {
        if (!available)
        {
            // Fail closed, at once: no leader to take it.
            return -Reason.GUARD_FAILED.code();
        }
        final Reason shape = command.checkShape();
        if (shape != null)
        {
            return -shape.code();
        }
        final long id = submitted + 1;
        final Slot slot = slots[(int)(id & mask)];
        if (slot.inUse)
        {
            return -Reason.RING_FULL.code();
        }
        slot.id = id;
        slot.txId = command.txId;
        slot.listener = decisionListener;
        slot.submittedNs = System.nanoTime();
        slot.length = commands.encode(id, command, 0, slot.message, 0);
        slot.inUse = true;
        submitted = id;
        return id;
    }

    @Override
    public RulesInForce rulesInForce()
    {
        return rules;
    }

    private void run()
    {
        while (running)
        {
            try
            {
                if (cluster == null || cluster.isClosed())
                {
                    connect();
                    continue;
                }
                idle.idle(doWork());
            }
            catch (final RuntimeException ex)
            {
                // Whatever went wrong, the port goes on: the session is opened again and what is in flight resent.
                LOG.log(System.Logger.Level.ERROR, "cluster port: " + ex + "; opening the session again", ex);
                CloseHelper.quietClose(cluster);
                cluster = null;
            }
        }
        CloseHelper.quietClose(cluster);
    }

    private int doWork()
    {
        int work = cluster.pollEgress();
        if (!rulesAsked || rulesAwaited && System.nanoTime() - rulesAskedNs > RULES_ASK_AGAIN_NS)
        {
            // On a new session and from each new leader: the rules in force, which the gateway follows; asked again
            // each second while requests wait for them.
            if (cluster.offer(rulesRequest, 0, rulesMessages.encodeRequest(rulesRequest, 0)) > 0)
            {
                if (rulesAsked && rulesAwaited && rulesAskedAgain++ % 10 == 0)
                {
                    LOG.log(System.Logger.Level.WARNING, "cluster port: the leader has not told the rules in force; " +
                        "requests are answered GUARD_FAILED meanwhile (asked again)");
                }
                rulesAsked = true;
                rulesAskedNs = System.nanoTime();
                work++;
            }
        }
        // Until the leader told the rules, new requests are refused GUARD_FAILED at once, as with no leader, and those
        // in flight from before wait to be sent again (or are given up on by the sweep).
        if (resend && !rulesAwaited)
        {
            work += sendAgain();
        }
        while (!resend && !rulesAwaited && offered < submitted)
        {
            final long id = offered + 1;
            final Slot slot = slots[(int)(id & mask)];
            // Answered already (GUARD_FAILED while no leader could be reached): nothing to send.
            if (slot.inUse && slot.id == id)
            {
                if (cluster.offer(slot.message, 0, slot.length) < 0)
                {
                    break;
                }
                slot.sentNs = System.nanoTime();
            }
            offered = id;
            work++;
        }
        final long now = System.nanoTime();
        if (now - nextSweepNs >= 0)
        {
            nextSweepNs = now + SWEEP_EVERY_NS;
            work += sweep(now);
        }
        return work;
    }

    /**
     * No request waits for ever: one unanswered after {@code unavailableAfter} is answered GUARD_FAILED, its outcome
     * unknown, and one unanswered for {@link #RESEND_AFTER_NS} on an open session is sent again (its answer may have
     * been dropped by a leader that could not reach this client).
     */
    private int sweep(final long now)
    {
        int work = giveUpOverdue(now);
        if (resend)
        {
            // A leader change's resend is under way: it keeps the order the requests came in.
            return work;
        }
        for (long id = Math.max(1, offered - mask); id <= offered; id++)
        {
            final Slot slot = slots[(int)(id & mask)];
            if (slot.inUse && slot.id == id && now - slot.sentNs > RESEND_AFTER_NS)
            {
                if (cluster.offer(slot.message, 0, slot.length) < 0)
                {
                    // Pushed back: the rest wait for the next sweep, so that none overtakes an older one.
                    break;
                }
                slot.sentNs = now;
                resent++;
                work++;
            }
        }
        return work;
    }

    /** Every request waiting longer than {@code unavailableAfter}, offered or not, answered GUARD_FAILED. */
    private int giveUpOverdue(final long now)
    {
        int work = 0;
        for (long id = Math.max(1, submitted - mask); id <= submitted; id++)
        {
            final Slot slot = slots[(int)(id & mask)];
            if (slot.inUse && slot.id == id && now - slot.submittedNs > unavailableAfterNs)
            {
                giveUp(slot);
                work++;
            }
        }
        return work;
    }

    private void giveUp(final Slot slot)
    {
        decision.reset(0, slot.txId, 0);
        decision.reason = Reason.GUARD_FAILED;
        unavailableAnswers++;
        answer(slot);
    }

    private void connect()
    {
        CloseHelper.quietClose(cluster);
        cluster = null;
        try
        {
            cluster = AeronCluster.connect(ClusterGuardClient.context(aeronDir, members, credentials, listener,
                TimeUnit.SECONDS.toNanos(2), unavailableAfterNs));
            leaders++;
            // Whatever was in flight on the session before has an unknown outcome.
            resend = true;
            // Taking requests once the leader told the rules in force, which the gateway checks them against.
            rulesAsked = false;
            rulesAwaited = true;
            available = false;
        }
        catch (final AuthenticationException ex)
        {
            // Refused by the leader: nothing is taken until the rules or the gateway's key change. Said at the first
            // refusal and every tenth after, tried again each second.
            if (refusals++ % 10 == 0)
            {
                LOG.log(System.Logger.Level.ERROR, ClusterRefusedException.of(members, credentials, ex).getMessage());
            }
            available = false;
            giveUpOverdue(System.nanoTime());
            for (int i = 0; i < 10 && running; i++)
            {
                sleep();
            }
        }
        catch (final AeronException | IllegalArgumentException ex)
        {
            // No leader: requests that waited too long are answered GUARD_FAILED, their outcome unknown.
            available = false;
            giveUpOverdue(System.nanoTime());
            sleep();
        }
    }

    /** Every request unanswered, from the oldest, in order; stops where the cluster pushes back, to go on later. */
    private int sendAgain()
    {
        int sent = 0;
        for (long id = Math.max(1, offered - mask); id <= offered; id++)
        {
            final Slot slot = slots[(int)(id & mask)];
            if (!slot.inUse || slot.id != id || slot.resentUnder == leaders)
            {
                continue;
            }
            if (cluster.offer(slot.message, 0, slot.length) < 0)
            {
                return sent;
            }
            slot.sentNs = System.nanoTime();
            slot.resentUnder = leaders;
            resent++;
            sent++;
        }
        resend = false;
        return sent;
    }

    private void answer(final Slot slot)
    {
        final DecisionListener target = slot.listener;
        decided.reset();
        decided.txId = decision.txId;
        decided.seq = decision.seq;
        try
        {
            target.onDecision(decided, decision);
        }
        catch (final RuntimeException ex)
        {
            // The gateway's listener failed on one answer: said, and the port goes on with the others.
            LOG.log(System.Logger.Level.ERROR, "cluster port: the listener of txId " + decision.txId + " failed", ex);
        }
        finally
        {
            slot.listener = null;
            slot.inUse = false;
        }
    }

    private void sleep()
    {
        try
        {
            Thread.sleep(RECONNECT_PAUSE_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /**
     * @return whether a leader was reached and the session is open: requests are taken.
     */
    public boolean available()
    {
        return available;
    }

    /**
     * @return sessions opened with a leader, the first included.
     */
    public long sessions()
    {
        return leaders;
    }

    /**
     * @return requests sent again, with their txId, after a new leader or session.
     */
    public long resent()
    {
        return resent;
    }

    /**
     * @return times the cluster's leader told the rules in force and this port took them.
     */
    public long rulesTold()
    {
        return rulesTold;
    }

    /**
     * @return rules the cluster told that this port passed over: unreadable, without clients or roles, or naming no
     *     clients where the file names some.
     */
    public long rulesPassedOver()
    {
        return rulesPassedOver;
    }

    /**
     * @return times the cluster's leader refused this port's session (the rules name clients, and the gateway's id or
     *     key is not one of them).
     */
    public long refusals()
    {
        return refusals;
    }

    /**
     * @return answers from the cluster that could not be decoded, dropped.
     */
    public long undecodable()
    {
        return undecodable;
    }

    /**
     * @return requests answered GUARD_FAILED because no leader could be reached in time.
     */
    public long unavailableAnswers()
    {
        return unavailableAnswers;
    }

    @Override
    public void close()
    {
        running = false;
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        CloseHelper.quietClose(ownDriver);
    }

    /** Copy a decision as the protocol carried it into the guard's form, which the gateway encodes again. */
    private void toDecision(final GatewayDecision from)
    {
        decision.reset(from.seq, from.txId, from.timestampNs);
        decision.reason = from.reason;
        decision.duplicate = from.duplicate;
        decision.linkedCount = from.linkedCount;
        for (int i = 0; i < from.linkedCount; i++)
        {
            decision.linkedTxIds[i] = from.linkedTxIds[i];
            decision.linkedReasons[i] = from.linkedReasons[i];
        }
        for (int i = 0; i < from.alertCount; i++)
        {
            final Alert alert = decision.nextAlert();
            if (alert == null)
            {
                break;
            }
            alert.set(from.seq, from.timestampNs, from.txId, from.alertTypes[i], from.alertScopes[i],
                from.alertAssetIds[i], from.alertWalletIds[i], from.alertAccountIds[i]);
            for (int f = 0; f < from.alertTypes[i].figureCount(); f++)
            {
                alert.figure(f, from.figure(i, f));
            }
        }
    }

    /**
     * The leader told the rules in force: the gateway's clients, roles and approvers follow them from now on. An older
     * version than the one followed (a late message from a former leader) is passed over, and so are rules without
     * clients or roles (of a journal begun before they were rules) and rules that name no clients where the file names
     * some (they would open the gateway). Where the cluster's clients differ from the file's the first time, the
     * gateway says so, and follows the cluster's.
     */
    private void takeRules(final DirectBuffer buffer, final int offset, final int length)
    {
        final RulesInForce now = rules;
        if (rulesAwaited)
        {
            rulesAwaited = false;
            available = true;
        }
        try
        {
            final RulesMessages.Received told = rulesMessages.decode(buffer, offset, length);
            if (told.changes() < now.changes)
            {
                return;
            }
            final GuardConfig taken = Rules.build(Rules.parse(told.settings()), fileRules.limits());
            if (!taken.clientsInRules())
            {
                // The nodes' journal was begun before clients were rules: theirs are not the gateway's to follow.
                if (rulesPassedOver++ == 0)
                {
                    LOG.log(System.Logger.Level.ERROR, "cluster port: the cluster's rules hold no clients or roles " +
                        "(a journal begun before they were rules): the gateway keeps the file's");
                }
                return;
            }
            if (taken.clients().isEmpty() && !fileRules.clients().isEmpty())
            {
                // Following them would open a gateway whose file names clients (and which may listen beyond loopback
                // for that reason) to whoever reaches it: fail closed, keep the file's.
                if (rulesPassedOver++ == 0)
                {
                    LOG.log(System.Logger.Level.ERROR, "cluster port: the cluster's rules name no clients, the " +
                        "configuration file " + clientIds(fileRules) + ": the gateway keeps the file's");
                }
                return;
            }
            if (rulesTold == 0 && !clientIds(taken).equals(clientIds(fileRules)))
            {
                LOG.log(System.Logger.Level.WARNING, "cluster port: the cluster's rules name the clients " +
                    clientIds(taken) + ", the configuration file " + clientIds(fileRules) + ": the gateway " +
                    "follows the cluster's (a rule change, not an edited file, changes them)");
            }
            rules = new RulesInForce(taken, told.changeSeq(), told.approversSeq(), told.changes());
            rulesTold++;
        }
        catch (final ProtocolException | RuntimeException ex)
        {
            // A message this gateway cannot read or build: it keeps the rules it follows, and says so once.
            if (rulesPassedOver++ == 0)
            {
                LOG.log(System.Logger.Level.ERROR, "cluster port: the cluster's rules could not be taken: " +
                    ex.getMessage());
            }
        }
    }

    private static java.util.List<String> clientIds(final GuardConfig config)
    {
        return config.clients().stream().map(client -> client.id + (client.revoked ? " (revoked)" : "")).toList();
    }

    private final class Listener implements EgressListener
    {
        @Override
        public void onMessage(final long clusterSessionId, final long timestamp, final DirectBuffer buffer,
            final int offset, final int length, final Header header)
        {
            if (rulesMessages.isRules(buffer, offset, length))
            {
                takeRules(buffer, offset, length);
                return;
            }
            try
            {
                decisions.decode(buffer, offset, length, received);
            }
            catch (final ProtocolException ex)
            {
                // Counted and dropped: the request it answered is sent again, or given up on, by the sweep.
                if (undecodable++ == 0)
                {
                    LOG.log(System.Logger.Level.ERROR, "cluster port: an undecodable answer: " + ex.getMessage());
                }
                return;
            }
            final Slot slot = slots[(int)(received.correlationId & mask)];
            if (slot.inUse && slot.id == received.correlationId)
            {
                // A request sent again may be answered twice: the first answer is taken, the second finds it gone.
                toDecision(received);
                answer(slot);
            }
        }

        @Override
        public void onNewLeader(final long clusterSessionId, final long leadershipTermId, final int leaderMemberId,
            final String ingressEndpoints)
        {
            leaders++;
            resend = true;
            rulesAsked = false;
        }
    }

    /** One request in flight: its message as sent, and who hears its decision. */
    private static final class Slot
    {
        final ExpandableArrayBuffer message = new ExpandableArrayBuffer(1024);
        volatile boolean inUse;
        long id;
        long txId;
        int length;
        long submittedNs;
        long sentNs;
        long resentUnder;
        DecisionListener listener;
    }
}
